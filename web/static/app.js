// veille web interface. No framework and no build step: a small router,
// one function per view, and everything that knows the API's routes and
// field names kept together in `api` and `wire` below, so that a renamed
// field is a one-line change. The page talks to its own origin's /v1 API
// only.
'use strict';
(() => {
  // ---------------------------------------------------------------- i18n

  const STRINGS = {
    fr: {
      skip: 'Aller au contenu',
      nav: 'Navigation principale',
      'nav.ask': 'Question',
      'nav.search': 'Recherche',
      'nav.issues': 'Numéros',
      foot: 'Réponses tirées des paragraphes de l’archive, chacun cité avec la date de son numéro.',
      'lang.other': 'English',
      'lang.switch': 'Switch the interface to English',
      'ask.title': 'Interroger l’archive',
      'ask.intro': 'Posez une question en français ou en anglais : la réponse cite les paragraphes dont elle vient.',
      'ask.label': 'Votre question',
      'ask.submit': 'Demander',
      'ask.examples': 'Exemples',
      'ask.loading': 'Recherche dans l’archive…',
      'ask.writing': 'Rédaction de la réponse…',
      'ask.answer': 'Réponse',
      'ask.sources': 'Paragraphes cités',
      'ask.nothing': 'L’archive ne semble pas couvrir cette question.',
      'ask.dropped': n => n === 1 ? '1 phrase a été retirée : les paragraphes cités ne l’appuient pas.' : `${n} phrases ont été retirées : les paragraphes cités ne les appuient pas.`,
      marker: n => `Source ${n}`,
      'marker.unsupported': n => `Source ${n}, non confirmée par le paragraphe cité`,
      'marker.missing': n => `Source ${n}, absente`,
      'cite.verified': 'appuyé par le paragraphe',
      'cite.unsupported': 'Non confirmé par ce paragraphe',
      'cite.open': 'Éléments similaires et fil',
      'cite.issue': 'Lire dans son numéro',
      'cite.original': 'Article d’origine',
      'filter.dates': 'Période comprise :',
      'filter.range': 'Période :',
      'filter.remove': 'Retirer le filtre de dates et reposer la question',
      'range.from': d => `depuis ${d}`,
      'range.to': d => `jusqu’à ${d}`,
      'range.both': (a, b) => `de ${a} à ${b}`,
      'search.title': 'Rechercher',
      'search.label': 'Mots ou phrase',
      'search.submit': 'Rechercher',
      'search.mode': 'Mode',
      'mode.hybrid': 'Hybride',
      'mode.vector': 'Sens (vecteurs)',
      'mode.lexical': 'Mots-clés',
      'search.from': 'Du',
      'search.to': 'Au',
      'search.datehint': 'AAAA-MM ou AAAA-MM-JJ',
      'search.count': n => n === 0 ? 'Aucun résultat.' : n === 1 ? '1 résultat' : `${n} résultats`,
      'search.loading': 'Recherche…',
      'search.also': 'Aussi dans :',
      score: 'score',
      'item.in': 'Dans son numéro',
      'item.whole': 'Lire tout le numéro',
      'item.similar': 'Éléments similaires',
      'item.thread': 'Fil de l’histoire',
      'item.nosimilar': 'Aucun élément similaire.',
      'item.nothread': 'Pas de fil pour cet élément : l’histoire n’apparaît pas dans d’autres numéros.',
      'item.approx': 'Fil approché : le paragraphe le plus proche de chaque autre numéro, par date.',
      'item.this': 'cet élément',
      'item.loading': 'Chargement…',
      'issue.of': d => `Numéro de ${d}`,
      'issue.all': 'Tous les numéros',
      'issue.para': 'Ouvrir ce paragraphe',
      'issue.items': n => n === 1 ? '1 paragraphe' : `${n} paragraphes`,
      'issues.title': 'Numéros',
      'issues.none': 'L’archive est vide.',
      'add.summary': 'Ajouter un numéro',
      'add.key': 'Clé d’administration',
      'add.keyhint': 'gardée pour cette session seulement ; inutile sur un serveur local sans clé',
      'add.forget': 'Oublier la clé',
      'add.text': 'Texte du numéro',
      'add.texthint': 'Première ligne : « date AAAA-MM[-JJ] Titre / Titre … », puis les paragraphes séparés par des lignes vides. Markdown et JSON Lines sont aussi acceptés.',
      'add.file': 'ou un fichier',
      'add.format': 'Format',
      'format.auto': 'Détection automatique',
      'format.raw': 'Texte brut de l’archive',
      'format.markdown': 'Markdown',
      'format.jsonl': 'JSON Lines',
      'add.submit': 'Ajouter',
      'add.sending': 'Envoi…',
      'add.empty': 'Collez un texte ou choisissez un fichier.',
      'add.done': (a, c, u, r) => `${a} ajouté(s), ${c} modifié(s), ${u} inchangé(s), ${r} retiré(s).`,
      'add.needkey': 'Ce serveur demande la clé d’administration.',
      'err.network': 'Le serveur ne répond pas.',
      'err.notfound': 'Introuvable.',
      untitled: 'Sans titre',
    },
    en: {
      skip: 'Skip to content',
      nav: 'Main navigation',
      'nav.ask': 'Ask',
      'nav.search': 'Search',
      'nav.issues': 'Issues',
      foot: 'Answers are drawn from the archive’s paragraphs, each cited with its issue date.',
      'lang.other': 'Français',
      'lang.switch': 'Passer l’interface en français',
      'ask.title': 'Ask the archive',
      'ask.intro': 'Ask a question in French or English: the answer cites the paragraphs it comes from.',
      'ask.label': 'Your question',
      'ask.submit': 'Ask',
      'ask.examples': 'Examples',
      'ask.loading': 'Searching the archive…',
      'ask.writing': 'Writing the answer…',
      'ask.answer': 'Answer',
      'ask.sources': 'Cited paragraphs',
      'ask.nothing': 'The archive does not seem to cover this question.',
      'ask.dropped': n => n === 1 ? '1 sentence was left out: the cited paragraphs do not support it.' : `${n} sentences were left out: the cited paragraphs do not support them.`,
      marker: n => `Source ${n}`,
      'marker.unsupported': n => `Source ${n}, not supported by the cited paragraph`,
      'marker.missing': n => `Source ${n}, missing`,
      'cite.verified': 'supported by the paragraph',
      'cite.unsupported': 'Not supported by this paragraph',
      'cite.open': 'Similar items and thread',
      'cite.issue': 'Read in its issue',
      'cite.original': 'Original article',
      'filter.dates': 'Dates understood:',
      'filter.range': 'Dates:',
      'filter.remove': 'Remove the date filter and ask again',
      'range.from': d => `from ${d}`,
      'range.to': d => `until ${d}`,
      'range.both': (a, b) => `${a} to ${b}`,
      'search.title': 'Search',
      'search.label': 'Words or phrase',
      'search.submit': 'Search',
      'search.mode': 'Mode',
      'mode.hybrid': 'Hybrid',
      'mode.vector': 'Meaning (vector)',
      'mode.lexical': 'Keywords',
      'search.from': 'From',
      'search.to': 'To',
      'search.datehint': 'YYYY-MM or YYYY-MM-DD',
      'search.count': n => n === 0 ? 'No results.' : n === 1 ? '1 result' : `${n} results`,
      'search.loading': 'Searching…',
      'search.also': 'Also in:',
      score: 'score',
      'item.in': 'In its issue',
      'item.whole': 'Read the whole issue',
      'item.similar': 'Similar items',
      'item.thread': 'Story thread',
      'item.nosimilar': 'No similar items.',
      'item.nothread': 'No thread for this item: the story does not appear in other issues.',
      'item.approx': 'Approximate thread: the closest paragraph of each other issue, by date.',
      'item.this': 'this item',
      'item.loading': 'Loading…',
      'issue.of': d => `Issue of ${d}`,
      'issue.all': 'All issues',
      'issue.para': 'Open this paragraph',
      'issue.items': n => n === 1 ? '1 paragraph' : `${n} paragraphs`,
      'issues.title': 'Issues',
      'issues.none': 'The archive is empty.',
      'add.summary': 'Add an issue',
      'add.key': 'Admin key',
      'add.keyhint': 'kept for this session only; not needed on a local server without a key',
      'add.forget': 'Forget the key',
      'add.text': 'Issue text',
      'add.texthint': 'First line: “date YYYY-MM[-DD] Headline / Headline …”, then paragraphs separated by blank lines. Markdown and JSON Lines work too.',
      'add.file': 'or a file',
      'add.format': 'Format',
      'format.auto': 'Detect',
      'format.raw': 'Archive raw text',
      'format.markdown': 'Markdown',
      'format.jsonl': 'JSON Lines',
      'add.submit': 'Add',
      'add.sending': 'Sending…',
      'add.empty': 'Paste a text or choose a file.',
      'add.done': (a, c, u, r) => `${a} added, ${c} changed, ${u} unchanged, ${r} removed.`,
      'add.needkey': 'This server needs the admin key.',
      'err.network': 'The server does not answer.',
      'err.notfound': 'Not found.',
      untitled: 'Untitled',
    },
  };

  const EXAMPLES = {
    fr: ['Combien a coûté l’entraînement de R1 ?', 'Quand GPT-5 est-il sorti ?', 'Qu’a fait Mistral en juin 2025 ?', 'Quoi de neuf chez Anthropic ?'],
    en: ['How much did Meta invest in Scale AI?', 'When was GPT-5 released?', 'What is Stargate?', 'What’s new at OpenAI?'],
  };

  const store = {
    get(kind, k) { try { return window[kind].getItem(k); } catch { return null; } },
    set(kind, k, v) { try { if (v == null) window[kind].removeItem(k); else window[kind].setItem(k, v); } catch { /* storage disabled */ } },
  };

  function pickLang() {
    const saved = store.get('localStorage', 'veille.lang');
    if (saved === 'fr' || saved === 'en') return saved;
    for (const l of navigator.languages || [navigator.language || '']) {
      const p = String(l).slice(0, 2).toLowerCase();
      if (p === 'fr' || p === 'en') return p;
    }
    return 'en';
  }
  let lang = pickLang();

  function t(key, ...args) {
    const v = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
    return typeof v === 'function' ? v(...args) : v;
  }

  function fmtDate(d) {
    const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(d || '');
    if (!m) return d || '';
    const dt = new Date(Date.UTC(+m[1], +m[2] - 1, m[3] ? +m[3] : 1));
    const opts = m[3] ? { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' } : { month: 'long', year: 'numeric', timeZone: 'UTC' };
    return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', opts).format(dt);
  }

  function fmtRange(from, to) {
    if (from && to) return from === to ? fmtDate(from) : t('range.both', fmtDate(from), fmtDate(to));
    return from ? t('range.from', fmtDate(from)) : t('range.to', fmtDate(to));
  }

  // ---------------------------------------------------------------- DOM

  // h builds an element: h('a', {href: '/', class: 'x', onclick: f}, 'text', child, [more]).
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'value') el.value = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    append(el, kids);
    return el;
  }
  function append(el, kids) {
    for (const k of kids) {
      if (k == null || k === false) continue;
      if (Array.isArray(k)) append(el, k);
      else el.append(k instanceof Node ? k : String(k));
    }
    return el;
  }
  // fill replaces el's children, skipping null and flattening arrays as h does.
  function fill(el, ...kids) { el.replaceChildren(); return append(el, kids); }
  function timeEl(d) { return h('time', { datetime: d }, fmtDate(d)); }
  function status(text, busy) { return h('p', { class: busy ? 'status busy' : 'status' }, text); }
  function errorBox(err) { return h('div', { class: 'error', role: 'alert' }, errorText(err)); }
  function errorText(err) {
    if (err instanceof Problem) {
      if (err.status === 404) return err.detail || t('err.notfound');
      return err.detail ? `${err.title}: ${err.detail}` : err.title;
    }
    return t('err.network');
  }

  // ---------------------------------------------------------------- text ranges

  // byteToIndex returns a function mapping a byte offset in s's UTF-8
  // encoding to an index in the JavaScript string: the API counts bytes
  // (Go strings), the browser UTF-16 code units. An offset inside a
  // character maps to that character's start; past the end, to s.length.
  function byteToIndex(s) {
    const at = [];
    let i = 0;
    while (i < s.length) {
      const cp = s.codePointAt(i);
      const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      for (let k = 0; k < n; k++) at.push(i);
      i += cp > 0xffff ? 2 : 1;
    }
    at.push(s.length);
    return b => (Number.isInteger(b) && b >= 0 ? at[Math.min(b, at.length - 1)] : null);
  }

  // marked returns s as nodes, with the ranges [start, end) (string
  // indices) wrapped in `tag` elements of class cls.
  function marked(s, ranges, tag = 'mark', cls) {
    const rs = (ranges || []).filter(r => r && r[1] > r[0]).map(r => [Math.max(0, r[0]), Math.min(s.length, r[1])]).sort((a, b) => a[0] - b[0]);
    const out = [];
    let pos = 0;
    for (const [a, b] of rs) {
      if (b <= pos) continue;
      const start = Math.max(a, pos);
      if (start > pos) out.push(s.slice(pos, start));
      out.push(h(tag, { class: cls }, s.slice(start, b)));
      pos = b;
    }
    if (pos < s.length) out.push(s.slice(pos));
    return out;
  }

  function fold(s) { return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase(); }
  const STOP = new Set(('les des une est que qui dans pour avec sur par aux ces son ses leur elle ils était sont ont quel quelle quels quelles comment combien quand pourquoi ' +
    'the and for with what how when why which who was were are has have did does from that this').split(' '));
  function stem(w) { return w.length > 6 ? w.slice(0, Math.max(6, w.length - 3)) : w.replace(/(es|s|x|e)$/, ''); }

  // termRanges finds the query's words in s (accents and case folded, crude
  // stems): the client's own highlights when the server sends none.
  function termRanges(s, query) {
    const terms = new Set();
    for (const m of fold(query).matchAll(/[\p{L}\p{N}]+/gu)) if (m[0].length >= 3 && !STOP.has(m[0])) terms.add(stem(m[0]));
    const out = [];
    if (!terms.size) return out;
    for (const m of s.matchAll(/[\p{L}\p{N}]+/gu)) {
      const w = fold(m[0]);
      if (w.length >= 3 && terms.has(stem(w))) out.push([m.index, m.index + m[0].length]);
    }
    return out;
  }

  const MARKERS = /\[(\d+(?:\s*[,;]\s*\d+)*)\]/g;

  // citingSentences returns, for each n, the answer's sentences followed by [n].
  function citingSentences(answer) {
    const by = new Map();
    let last = 0;
    for (const m of answer.matchAll(MARKERS)) {
      const sentence = answer.slice(last, m.index).replace(/\[\d+(?:\s*[,;]\s*\d+)*\]/g, '').trim();
      last = m.index + m[0].length;
      if (!sentence) continue;
      for (const n of m[1].split(/[,;]/).map(x => +x.trim())) {
        if (!by.has(n)) by.set(n, []);
        by.get(n).push(sentence);
      }
    }
    return by;
  }

  function words(s) { return new Set((fold(s).match(/[\p{L}\p{N}]{4,}/gu) || [])); }

  // supportRange finds the stretch of a cited paragraph to highlight: the
  // server's span when it sends one, else the citing sentence itself
  // (extractive answers quote the archive), else the paragraph's sentence
  // sharing the most words with it.
  function supportRange(c, citing) {
    const text = c.text || '';
    const sp = wire.span(c);
    if (sp) {
      if (Number.isInteger(sp.start) && Number.isInteger(sp.end) && sp.end > sp.start) {
        const idx = byteToIndex(text);
        const a = idx(sp.start), b = idx(sp.end);
        if (a != null && b != null && b > a && (!sp.text || text.slice(a, b) === sp.text)) return [a, b];
      }
      if (sp.text) {
        const i = text.indexOf(sp.text);
        if (i >= 0) return [i, i + sp.text.length];
      }
    }
    let best = null, bestScore = 1;
    for (const s of citing || []) {
      const i = text.indexOf(s);
      if (i >= 0) return [i, i + s.length];
      const sw = words(s);
      for (const m of text.matchAll(/[^.!?…]+(?:[.!?…]+["»”’)]*|$)\s*/gu)) {
        const part = m[0].trimEnd();
        let n = 0;
        for (const w of words(part)) if (sw.has(w)) n++;
        if (n > bestScore) { bestScore = n; best = [m.index, m.index + part.length]; }
      }
    }
    return best;
  }

  // ---------------------------------------------------------------- API

  // api knows the routes; wire knows the response fields that are optional
  // or newer than the first API, and how to read them defensively.
  const enc = encodeURIComponent;
  const api = {
    ask: '/v1/ask',
    search: p => '/v1/search?' + p,
    item: id => `/v1/items/${enc(id)}`,
    similar: (id, k) => `/v1/items/${enc(id)}/similar?k=${k}`,
    thread: id => `/v1/items/${enc(id)}/thread`,
    issues: '/v1/issues',
    issue: id => `/v1/issues/${enc(id)}`,
    addIssue: (format, source) => {
      const q = new URLSearchParams();
      if (format) q.set('format', format);
      if (source) q.set('source', source);
      const qs = q.toString();
      return '/v1/issues' + (qs ? `?${qs}` : '');
    },
  };

  const wire = {
    hits: r => (Array.isArray(r?.hits) ? r.hits : []),
    // highlights: {text,start,end,matches:[[s,e]…]}, byte offsets. Matches
    // are offsets into the hit's text, or into highlight.text when they do
    // not fit inside [start, end].
    highlights(hit) {
      const hl = hit.highlight;
      if (!hl || !Array.isArray(hl.matches) || !hl.matches.length) return null;
      const start = Number.isInteger(hl.start) ? hl.start : 0;
      const end = Number.isInteger(hl.end) ? hl.end : Infinity;
      const inText = hl.matches.every(m => Array.isArray(m) && m[0] >= start && m[1] <= end);
      const shift = inText ? 0 : start;
      const idx = byteToIndex(hit.text || '');
      return hl.matches.map(m => [idx(m[0] + shift), idx(m[1] + shift)]).filter(r => r[0] != null && r[1] != null);
    },
    alsoIn: hit => (Array.isArray(hit.also_in) ? hit.also_in : []),
    // filter: the dates the server read in the question.
    filter(ans) {
      const f = ans.filter;
      return f && (f.from || f.to) ? { from: f.from || '', to: f.to || '', phrase: f.phrase || '', text: f.text } : null;
    },
    verified: c => (c.verified === false ? false : c.verified === true ? true : null),
    span: c => (typeof c.span === 'string' || Number.isInteger(c.span_start) ? { text: c.span || '', start: c.span_start, end: c.span_end } : null),
    unsupported: ans => (Array.isArray(ans.sentences) ? ans.sentences.filter(s => s && s.supported === false && s.text) : []),
    notice: ans => (typeof ans.notice === 'string' ? ans.notice : ''),
    threadItems: r => (Array.isArray(r?.items) ? r.items : []),
    issuesList: r => (Array.isArray(r?.issues) ? r.issues : []),
  };

  class Problem extends Error {
    constructor(status, body) {
      super(body?.detail || body?.title || `HTTP ${status}`);
      this.status = status;
      this.type = body?.type || '';
      this.title = body?.title || `HTTP ${status}`;
      this.detail = body?.detail || '';
    }
  }

  const KEY = 'veille.key';
  const READS_NEED_KEY = 'veille.readsNeedKey';

  // call sends a request to the API. The admin key goes with writes, and
  // with reads too once a read was refused without it (a server with read
  // keys).
  async function call(method, url, { body, type, signal, write, raw } = {}) {
    const headers = { Accept: raw ? raw : 'application/json' };
    if (type) headers['Content-Type'] = type;
    const key = store.get('sessionStorage', KEY);
    const withKey = key && (write || store.get('sessionStorage', READS_NEED_KEY));
    if (withKey) headers.Authorization = 'Bearer ' + key;
    const res = await fetch(url, { method, headers, body, signal, credentials: 'same-origin' });
    if (res.status === 401 && !write && key && !withKey) {
      store.set('sessionStorage', READS_NEED_KEY, '1');
      return call(method, url, { body, type, signal, write, raw });
    }
    if (!res.ok) {
      let pb = null;
      try { pb = await res.json(); } catch { /* not JSON */ }
      throw new Problem(res.status, pb);
    }
    return raw ? res : res.json();
  }

  const cache = new Map(); // GET url → response, for this page's life
  async function getJSON(url, signal) {
    if (cache.has(url)) return cache.get(url);
    const v = await call('GET', url, { signal });
    if (cache.size > 100) cache.delete(cache.keys().next().value);
    cache.set(url, v);
    return v;
  }

  // ask posts a question and reports the answer as it arrives: a server
  // that streams (text/event-stream) sends `citations`, `delta` and `done`
  // events; one that does not answers with the whole JSON at once.
  async function ask(body, signal, on) {
    const res = await call('POST', api.ask, { body: JSON.stringify(body), type: 'application/json', signal, raw: 'text/event-stream, application/json' });
    const ct = res.headers.get('Content-Type') || '';
    if (!ct.includes('text/event-stream')) {
      on.done(await res.json());
      return;
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '', done = false;
    const dispatch = block => {
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (!data.length) return;
      let v;
      try { v = JSON.parse(data.join('\n')); } catch { v = data.join('\n'); }
      if (event === 'citations') on.citations(Array.isArray(v) ? v : wire.hits(v).length ? wire.hits(v) : v.citations || []);
      else if (event === 'delta') on.delta(typeof v === 'string' ? v : v.text || '');
      else if (event === 'done') { done = true; on.done(v); }
      else if (event === 'error') throw new Problem(v.status || 500, v);
    };
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buf = (buf + value).replace(/\r\n?/g, '\n');
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        dispatch(block);
      }
    }
    if (buf.trim()) dispatch(buf);
    if (!done) on.done(null);
  }

  // ---------------------------------------------------------------- router

  const main = document.getElementById('main');
  let controller = null; // aborts the current view's requests
  let routed = ''; // path + query of the view on screen

  function isPage(path) { return path === '/' || path === '/search' || path === '/issues' || /^\/(items|issues)\/[^/]+$/.test(path); }

  function go(url, replace) {
    history[replace ? 'replaceState' : 'pushState'](null, '', url);
    route(false);
  }

  function setURL(url) {
    if (url !== location.pathname + location.search) history.pushState(null, '', url);
    routed = location.pathname + location.search;
  }

  function route(first) {
    if (controller) controller.abort();
    controller = new AbortController();
    routed = location.pathname + location.search;
    const path = location.pathname;
    const params = new URLSearchParams(location.search);
    let m, nav = '';
    main.replaceChildren();
    if (path === '/') { nav = 'ask'; viewAsk(params); }
    else if (path === '/search') { nav = 'search'; viewSearch(params); }
    else if ((m = /^\/items\/([^/]+)$/.exec(path))) { nav = 'search'; viewItem(decodeURIComponent(m[1])); }
    else if (path === '/issues') { nav = 'issues'; viewIssues(); }
    else if ((m = /^\/issues\/([^/]+)$/.exec(path))) { nav = 'issues'; viewIssue(decodeURIComponent(m[1])); }
    else { main.append(h('h1', { tabindex: '-1' }, t('err.notfound'))); }
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    if (!first && !main.contains(document.activeElement)) {
      const h1 = main.querySelector('h1');
      if (h1) h1.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    }
  }

  function title(s) { document.title = s ? `${s} · veille` : 'veille'; }

  document.addEventListener('click', e => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin || !isPage(a.pathname)) return;
    if (a.pathname + a.search === location.pathname + location.search && a.hash) return; // in-page jump
    e.preventDefault();
    go(a.pathname + a.search + a.hash);
  });

  window.addEventListener('popstate', () => {
    if (location.pathname + location.search === routed) { jumpToHash(); return; }
    route(false);
  });

  function jumpToHash() {
    if (!location.hash) return;
    const el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!el) return;
    for (const o of document.querySelectorAll('.target')) o.classList.remove('target');
    el.classList.add('target');
    el.scrollIntoView({ block: 'center' });
    if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
    el.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- ask

  const asked = new Map(); // question|from|to → final response
  function askKey(b) { return [b.question, b.from || '', b.to || ''].join('|'); }

  function viewAsk(params) {
    const q = params.get('q') || '';
    const from = params.get('from') || '', to = params.get('to') || '';
    title(q || t('ask.title'));
    const input = h('input', { type: 'search', id: 'q', name: 'q', value: q, autocomplete: 'off', enterkeyhint: 'search', required: true, maxlength: '2000' });
    const button = h('button', { type: 'submit' }, t('ask.submit'));
    const form = h('form', { class: 'bar', role: 'search', onsubmit: e => {
      e.preventDefault();
      const v = input.value.trim();
      if (!v) { input.focus(); return; }
      setURL('/?q=' + enc(v));
      run({ question: v });
    } },
    h('div', { class: 'grow' }, h('label', { for: 'q' }, t('ask.label')), input), button);

    const filters = h('div', { class: 'filters' });
    const live = h('div', { class: 'answer', id: 'answer', 'aria-live': 'polite', hidden: true });
    const extra = h('div');
    const sources = h('section', { 'aria-labelledby': 'sources-h' });
    const state = h('div', { role: 'status' });
    const examples = h('div', {}, h('h2', { class: 'visually-hidden' }, t('ask.examples')),
      h('ul', { class: 'examples' }, EXAMPLES[lang].map(x => h('li', {}, h('a', { href: '/?q=' + enc(x) }, x)))));
    fill(main, h('h1', { tabindex: '-1' }, t('ask.title')), h('p', { class: 'hint' }, t('ask.intro')), form, q ? null : examples, state, filters, live, extra, sources);
    if (!q) { input.focus(); return; }
    run({ question: q, from, to });

    function run(body) {
      if (!body.from) delete body.from;
      if (!body.to) delete body.to;
      input.value = body.question;
      title(body.question);
      examples.remove();
      if (controller) controller.abort();
      controller = new AbortController();
      const signal = controller.signal;
      const st = { body, text: '', citations: [], resp: null, streaming: false };
      filters.replaceChildren(); extra.replaceChildren(); sources.replaceChildren();
      live.hidden = true; live.replaceChildren();
      state.replaceChildren(status(t('ask.loading'), true));
      button.disabled = true;
      const finish = () => { button.disabled = false; live.removeAttribute('aria-busy'); };
      const cached = asked.get(askKey(body));
      if (cached) { st.resp = cached; paint(st); finish(); return; }
      ask(body, signal, {
        citations(list) { st.citations = list; st.streaming = true; state.replaceChildren(status(t('ask.writing'), true)); paintSources(st); },
        delta(text) { st.text += text; st.streaming = true; paintAnswer(st); },
        done(resp) {
          st.streaming = false;
          if (resp) { st.resp = resp; asked.set(askKey(body), resp); }
          paint(st);
          finish();
        },
      }).catch(err => {
        if (signal.aborted) return;
        finish();
        state.replaceChildren(errorBox(err));
      });
    }

    function paint(st) {
      state.replaceChildren();
      paintFilters(st);
      paintAnswer(st);
      paintExtra(st);
      paintSources(st);
      if (location.hash) jumpToHash();
    }

    function paintFilters(st) {
      const r = st.resp;
      filters.replaceChildren();
      if (!r) return;
      const f = wire.filter(r);
      if (f) {
        const without = (f.text || removePhrase(st.body.question, f.phrase)).trim();
        filters.append(h('span', { class: 'chip', id: 'date-filter' },
          h('span', {}, t('filter.dates') + ' ', h('strong', {}, fmtRange(f.from, f.to)), f.phrase ? ` (« ${f.phrase} »)` : ''),
          h('button', { type: 'button', 'aria-label': t('filter.remove'), title: t('filter.remove'), onclick: () => {
            const q = without || st.body.question;
            setURL('/?q=' + enc(q));
            run({ question: q });
          } }, '×')));
      } else if (r.from || r.to) {
        filters.append(h('span', { class: 'chip', id: 'date-filter' },
          h('span', {}, t('filter.range') + ' ', h('strong', {}, fmtRange(r.from, r.to))),
          h('button', { type: 'button', 'aria-label': t('filter.remove'), title: t('filter.remove'), onclick: () => {
            setURL('/?q=' + enc(st.body.question));
            run({ question: st.body.question });
          } }, '×')));
      }
    }

    function paintAnswer(st) {
      const r = st.resp;
      const text = r ? (r.answer || '') : st.text;
      const cites = r ? (r.citations || []) : st.citations;
      live.hidden = false;
      live.classList.toggle('not-found', !!r && r.found === false);
      if (st.streaming) live.setAttribute('aria-busy', 'true');
      const p = h('p', { lang: r?.language || null, class: st.streaming ? 'caret' : null }, answerNodes(text, cites));
      live.replaceChildren(h('h2', { class: 'visually-hidden' }, t('ask.answer')), p);
    }

    function paintExtra(st) {
      const r = st.resp;
      extra.replaceChildren();
      if (!r) return;
      const notice = wire.notice(r);
      if (notice) extra.append(h('p', { class: 'notice' }, notice));
      const dropped = wire.unsupported(r);
      if (dropped.length) {
        extra.append(h('details', { class: 'dropped' }, h('summary', {}, t('ask.dropped', dropped.length)),
          h('ul', {}, dropped.map(s => h('li', {}, s.text.replace(MARKERS, '').trim())))));
      }
    }

    function paintSources(st) {
      const r = st.resp;
      const cites = r ? (r.citations || []) : st.citations;
      sources.replaceChildren();
      if (!cites.length) return;
      const citing = citingSentences(r ? r.answer || '' : st.text);
      sources.append(h('h2', { id: 'sources-h' }, t('ask.sources')),
        h('ol', { class: 'cards', id: 'citations' }, cites.map(c => citationCard(c, citing.get(c.n)))));
    }
  }

  function removePhrase(q, phrase) {
    if (!phrase) return q;
    const i = q.indexOf(phrase);
    if (i < 0) return q;
    return (q.slice(0, i) + q.slice(i + phrase.length)).replace(/\s+([?!.,;:])/g, ' $1').replace(/\s{2,}/g, ' ').trim();
  }

  // answerNodes renders an answer with its [n] markers as links to the
  // cited paragraphs, marking the ones the server could not verify.
  function answerNodes(text, cites) {
    const byN = new Map(cites.map(c => [c.n, c]));
    const out = [];
    let last = 0;
    for (const m of text.matchAll(MARKERS)) {
      out.push(text.slice(last, m.index));
      last = m.index + m[0].length;
      for (const n of m[1].split(/[,;]/).map(x => +x.trim())) {
        const c = byN.get(n);
        if (!c) { out.push(h('span', { class: 'marker unsupported', title: t('marker.missing', n) }, `[${n}]`)); continue; }
        const bad = wire.verified(c) === false;
        out.push(h('a', { class: bad ? 'marker unsupported' : 'marker', href: `#cite-${n}`, 'aria-label': bad ? t('marker.unsupported', n) : t('marker', n),
          title: bad ? t('marker.unsupported', n) : `${fmtDate(c.date)} — ${c.headline || ''}`,
          onclick: e => { e.preventDefault(); history.replaceState(null, '', `#cite-${n}`); jumpToHash(); } },
        bad ? `[${n}⚠]` : `[${n}]`));
      }
    }
    out.push(text.slice(last));
    return out;
  }

  function citationCard(c, citing) {
    const v = wire.verified(c);
    const range = supportRange(c, citing);
    return h('li', { class: v === false ? 'card unsupported' : 'card', id: `cite-${c.n}`, tabindex: '-1' },
      h('div', { class: 'meta' }, h('span', { class: 'num' }, `[${c.n}]`), timeEl(c.date),
        v === false ? h('span', { class: 'unsupported-badge' }, '⚠ ' + t('cite.unsupported')) : null,
        v === true ? h('span', { class: 'verified' }, '✓ ' + t('cite.verified')) : null),
      h('h3', {}, h('a', { href: `/items/${enc(c.id)}` }, c.headline || t('untitled'))),
      h('p', {}, marked(c.text || '', range ? [range] : [], 'mark', 'span')),
      h('div', { class: 'actions' },
        h('a', { href: `/issues/${enc(c.issue_id)}#item-${c.id}` }, t('cite.issue')),
        h('a', { href: `/items/${enc(c.id)}`, class: 'open-item' }, t('cite.open')),
        originalLink(c)));
  }

  // originalLink links to the web address of a passage's issue (a feed
  // entry's), if it has one; only http(s) addresses are followed.
  function originalLink(x) {
    if (typeof x.link !== 'string' || !/^https?:\/\/[^/]/i.test(x.link)) return null;
    return h('a', { href: x.link, rel: 'noopener noreferrer external', class: 'original' }, t('cite.original'));
  }

  // ---------------------------------------------------------------- search

  const MODES = ['hybrid', 'vector', 'lexical'];
  const DATE = '\\d{4}-\\d{2}(-\\d{2})?';

  function viewSearch(params) {
    const q = params.get('q') || '';
    const mode = MODES.includes(params.get('mode')) ? params.get('mode') : 'hybrid';
    title(q || t('search.title'));
    const input = h('input', { type: 'search', id: 'sq', name: 'q', value: q, autocomplete: 'off', enterkeyhint: 'search', required: true, maxlength: '2000' });
    const from = h('input', { type: 'text', id: 'from', name: 'from', value: params.get('from') || '', pattern: DATE, placeholder: '2025-03', inputmode: 'numeric', 'aria-describedby': 'datehint' });
    const to = h('input', { type: 'text', id: 'to', name: 'to', value: params.get('to') || '', pattern: DATE, placeholder: '2025-06', inputmode: 'numeric', 'aria-describedby': 'datehint' });
    const radios = MODES.map(m => h('label', {}, h('input', { type: 'radio', name: 'mode', value: m, checked: m === mode }), t('mode.' + m)));
    const out = h('div');
    const state = h('div', { role: 'status', 'aria-live': 'polite' });
    const form = h('form', { role: 'search', onsubmit: e => {
      e.preventDefault();
      const p = query();
      if (!p.get('q')) { input.focus(); return; }
      setURL('/search?' + p);
      run(p);
    } },
    h('div', { class: 'bar' }, h('div', { class: 'grow' }, h('label', { for: 'sq' }, t('search.label')), input), h('button', { type: 'submit' }, t('search.submit'))),
    h('div', { class: 'row' },
      h('fieldset', {}, h('legend', {}, t('search.mode')), h('div', { class: 'modes' }, radios)),
      h('div', { class: 'dates' },
        h('div', {}, h('label', { for: 'from' }, t('search.from')), from),
        h('div', {}, h('label', { for: 'to' }, t('search.to')), to)),
      h('span', { class: 'hint', id: 'datehint' }, t('search.datehint'))));
    main.append(h('h1', { tabindex: '-1' }, t('search.title')), form, state, out);
    // Changing the mode reruns a search already made.
    for (const r of radios) r.querySelector('input').addEventListener('change', () => { if (input.value.trim()) form.requestSubmit(); });

    function query() {
      const p = new URLSearchParams();
      p.set('q', input.value.trim());
      const m = form.querySelector('input[name=mode]:checked')?.value || 'hybrid';
      if (m !== 'hybrid') p.set('mode', m);
      if (from.value.trim()) p.set('from', from.value.trim());
      if (to.value.trim()) p.set('to', to.value.trim());
      return p;
    }

    if (q) run(new URLSearchParams(location.search)); else input.focus();

    async function run(p) {
      title(p.get('q'));
      const req = new URLSearchParams(p);
      req.set('k', '10');
      if (!req.has('mode')) req.set('mode', 'hybrid');
      state.replaceChildren(status(t('search.loading'), true));
      out.replaceChildren();
      const signal = controller.signal;
      try {
        const r = await getJSON(api.search(req), signal);
        const hits = wire.hits(r);
        state.replaceChildren(status(t('search.count', hits.length)));
        out.replaceChildren(h('ol', { class: 'cards', id: 'results' }, hits.map(x => hitCard(x, p.get('q')))));
      } catch (err) {
        if (!signal.aborted) state.replaceChildren(errorBox(err));
      }
    }
  }

  function hitCard(x, q) {
    const ranges = wire.highlights(x) || termRanges(x.text || '', q || '');
    const also = wire.alsoIn(x);
    return h('li', { class: 'card' },
      h('div', { class: 'meta' }, timeEl(x.date), typeof x.score === 'number' ? h('span', { class: 'score' }, `${t('score')} ${x.score.toFixed(2)}`) : null),
      h('h3', {}, h('a', { href: `/items/${enc(x.id)}` }, x.headline || t('untitled'))),
      h('p', {}, marked(x.text || '', ranges)),
      also.length ? h('p', { class: 'also' }, t('search.also') + ' ', also.map((a, i) => [i ? ', ' : '', h('a', { href: `/items/${enc(a.id)}` }, fmtDate(a.date))])) : null,
      h('div', { class: 'actions' }, h('a', { href: `/issues/${enc(x.issue_id)}#item-${x.id}` }, t('cite.issue')), originalLink(x)));
  }

  // ---------------------------------------------------------------- item

  async function viewItem(id) {
    const signal = controller.signal;
    main.append(status(t('item.loading'), true));
    let item;
    try {
      item = await getJSON(api.item(id), signal);
    } catch (err) {
      if (signal.aborted) return;
      main.replaceChildren(h('h1', { tabindex: '-1' }, t('err.notfound')), errorBox(err));
      return;
    }
    title(item.headline || fmtDate(item.date));
    const context = h('div', { class: 'context' }, h('p', { class: 'current' }, item.text));
    const similar = h('section', { id: 'similar', 'aria-labelledby': 'similar-h', tabindex: '-1' }, h('h2', { id: 'similar-h' }, t('item.similar')), status(t('item.loading'), true));
    const thread = h('section', { id: 'thread', 'aria-labelledby': 'thread-h', tabindex: '-1' }, h('h2', { id: 'thread-h' }, t('item.thread')), status(t('item.loading'), true));
    main.replaceChildren(
      h('p', { class: 'crumbs' }, h('a', { href: `/issues/${enc(item.issue_id)}` }, t('issue.of', fmtDate(item.date)))),
      h('h1', { tabindex: '-1' }, item.headline || t('untitled')),
      h('nav', { class: 'item-tabs', 'aria-label': item.headline || t('untitled') },
        h('a', { href: '#similar' }, t('item.similar')), h('a', { href: '#thread' }, t('item.thread'))),
      h('section', { 'aria-labelledby': 'in-h' }, h('h2', { id: 'in-h', class: 'visually-hidden' }, t('item.in')), context,
        h('p', {}, h('a', { href: `/issues/${enc(item.issue_id)}#item-${item.id}` }, t('item.whole')), ' ', originalLink(item))),
      similar, thread);
    if (document.activeElement === document.body || document.activeElement === main) main.querySelector('h1').focus({ preventScroll: true });

    const issueP = getJSON(api.issue(item.issue_id), signal).then(is => {
      const items = Array.isArray(is.items) ? is.items : [];
      const i = items.findIndex(x => x.id === item.id);
      if (i < 0) return;
      fill(context,
        i > 0 ? h('p', {}, items[i - 1].text) : null,
        h('p', { class: 'current' }, item.text),
        i + 1 < items.length ? h('p', {}, items[i + 1].text) : null);
    }).catch(() => { /* the paragraph alone is still shown */ });

    const similarP = getJSON(api.similar(id, 6), signal).then(r => {
      const hits = wire.hits(r);
      similar.replaceChildren(similar.firstChild, hits.length
        ? h('ol', { class: 'cards', id: 'similar-list' }, hits.map(x => hitCard(x, '')))
        : h('p', {}, t('item.nosimilar')));
      return hits;
    }).catch(err => { if (!signal.aborted) similar.replaceChildren(similar.firstChild, errorBox(err)); return []; });

    getJSON(api.thread(id), signal).then(r => {
      const items = wire.threadItems(r);
      paintThread(items.length > 1 ? items : [], false);
    }).catch(async err => {
      if (signal.aborted) return;
      if (err instanceof Problem && err.type.endsWith('/no-route')) {
        // No thread route on this server: approximate one from similar items.
        const hits = await similarP;
        const seen = new Set([item.issue_id]);
        const others = hits.filter(x => !seen.has(x.issue_id) && seen.add(x.issue_id)).slice(0, 5);
        paintThread(others.length ? [item, ...others].sort((a, b) => (a.date || '').localeCompare(b.date || '')) : [], true);
      } else if (err instanceof Problem && err.status === 404) {
        paintThread([], false);
      } else {
        thread.replaceChildren(thread.firstChild, errorBox(err));
      }
    });
    await issueP;
    if (location.hash) jumpToHash();

    function paintThread(items, approx) {
      if (!items.length) { thread.replaceChildren(thread.firstChild, h('p', { id: 'no-thread' }, t('item.nothread'))); return; }
      fill(thread, thread.firstChild, approx ? h('p', { class: 'hint' }, t('item.approx')) : null,
        h('ol', { class: 'timeline', id: 'timeline' }, items.map(x => h('li', { class: x.id === item.id ? 'current' : null },
          timeEl(x.date),
          x.id === item.id
            ? h('span', { class: 'tl-head' }, x.headline || t('untitled'), h('span', { class: 'this' }, t('item.this')))
            : h('a', { class: 'tl-head', href: `/items/${enc(x.id)}` }, x.headline || t('untitled')),
          h('p', {}, excerpt(x.text, 260))))));
    }
  }

  function excerpt(s, n) {
    s = s || '';
    if (s.length <= n) return s;
    const cut = s.lastIndexOf(' ', n);
    return s.slice(0, cut > n / 2 ? cut : n) + ' …';
  }

  // ---------------------------------------------------------------- issues

  async function viewIssues() {
    title(t('issues.title'));
    const signal = controller.signal;
    const list = h('div', {}, status(t('item.loading'), true));
    main.append(h('h1', { tabindex: '-1' }, t('issues.title')), addForm(() => { loadList(); }), list);
    loadList();

    async function loadList() {
      try {
        const issues = wire.issuesList(await getJSON(api.issues, signal))
          .slice().sort((a, b) => (b.date || '').localeCompare(a.date || ''));
        list.replaceChildren(issues.length ? h('ol', { class: 'issues', id: 'issue-list' }, issues.map(is => h('li', {},
          timeEl(is.date), ' ', h('a', { href: `/issues/${enc(is.id)}` }, t('issue.of', fmtDate(is.date))),
          typeof is.items === 'number' ? h('span', { class: 'hint' }, ` · ${t('issue.items', is.items)}`) : null,
          Array.isArray(is.headlines) && is.headlines.length ? h('p', { class: 'heads' }, is.headlines.join(' · ')) : null)))
          : h('p', {}, t('issues.none')));
      } catch (err) {
        if (!signal.aborted) list.replaceChildren(errorBox(err));
      }
    }
    if (location.hash === '#add') main.querySelector('#add')?.setAttribute('open', '');
  }

  // fnv32 is the FNV-1a hash of a text's UTF-16 code units, in hex.
  function fnv32(text) {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
  }

  const UPLOAD_TYPES = { md: 'text/markdown', markdown: 'text/markdown', jsonl: 'application/x-ndjson', ndjson: 'application/x-ndjson' };
  const FORMAT_TYPES = { raw: 'text/plain; charset=utf-8', markdown: 'text/markdown; charset=utf-8', jsonl: 'application/x-ndjson' };

  function addForm(onAdded) {
    const key = h('input', { type: 'password', id: 'key', autocomplete: 'off', value: store.get('sessionStorage', KEY) || '', 'aria-describedby': 'keyhint' });
    const text = h('textarea', { id: 'issue-text', spellcheck: 'false', 'aria-describedby': 'texthint' });
    const file = h('input', { type: 'file', id: 'issue-file', accept: '.txt,.md,.markdown,.jsonl,.ndjson,.html,.htm,.eml,.xml,.rss,.atom,text/*' });
    const format = h('select', { id: 'issue-format' }, ['auto', 'raw', 'markdown', 'jsonl'].map(f => h('option', { value: f }, t('format.' + f))));
    const result = h('div', { class: 'result', role: 'status', 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit' }, t('add.submit'));
    const form = h('form', { onsubmit: async e => {
      e.preventDefault();
      store.set('sessionStorage', KEY, key.value.trim() || null);
      const f = file.files && file.files[0];
      if (!f && !text.value.trim()) { result.replaceChildren(h('p', { class: 'error' }, t('add.empty'))); text.focus(); return; }
      const fmt = format.value === 'auto' ? '' : format.value;
      const ext = f ? (f.name.split('.').pop() || '').toLowerCase() : '';
      const type = FORMAT_TYPES[fmt] || (f ? UPLOAD_TYPES[ext] || 'text/plain' : 'text/plain; charset=utf-8');
      submit.disabled = true;
      result.replaceChildren(status(t('add.sending'), true));
      try {
        // A file's name names its issues' source, and a JSON Lines
        // corpus's issue ids, which the server requires; pasted lines of
        // JSON are named by their content, so that pasting them again
        // changes nothing and other lines of the same date add an issue.
        const pastedLines = !f && (fmt === 'jsonl' || (!fmt && text.value.trimStart().startsWith('{')));
        const source = f ? f.name : pastedLines ? `pasted-${fnv32(text.value)}.jsonl` : '';
        const r = await call('POST', api.addIssue(fmt, source), { body: f || text.value, type, write: true });
        cache.clear(); asked.clear();
        const issues = Array.isArray(r.issues) ? r.issues : [];
        result.replaceChildren(h('p', {}, t('add.done', r.added | 0, r.changed | 0, r.unchanged | 0, r.removed | 0), ' ',
          issues.map((is, i) => [i ? ', ' : '', h('a', { href: `/issues/${enc(is.issue_id || is.id)}` }, is.issue_id || is.id)])));
        text.value = ''; file.value = '';
        onAdded();
      } catch (err) {
        result.replaceChildren(h('p', { class: 'error', role: 'alert' }, err instanceof Problem && (err.status === 401 || err.status === 403) ? `${t('add.needkey')} ${err.detail}` : errorText(err)));
      } finally {
        submit.disabled = false;
      }
    } },
    h('div', {}, h('label', { for: 'key' }, t('add.key'), ' ', h('span', { class: 'hint', id: 'keyhint' }, `(${t('add.keyhint')})`)),
      h('div', { class: 'bar' }, h('div', { class: 'grow' }, key),
        h('button', { type: 'button', class: 'secondary', onclick: () => { key.value = ''; store.set('sessionStorage', KEY, null); store.set('sessionStorage', READS_NEED_KEY, null); } }, t('add.forget')))),
    h('div', {}, h('label', { for: 'issue-text' }, t('add.text')), h('p', { class: 'hint', id: 'texthint' }, t('add.texthint')), text),
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'issue-file' }, t('add.file')), file),
      h('div', {}, h('label', { for: 'issue-format' }, t('add.format')), format)),
    h('div', {}, submit), result);
    return h('details', { class: 'add', id: 'add' }, h('summary', {}, t('add.summary')), form);
  }

  async function viewIssue(id) {
    const signal = controller.signal;
    main.append(status(t('item.loading'), true));
    let is;
    try {
      is = await getJSON(api.issue(id), signal);
    } catch (err) {
      if (signal.aborted) return;
      main.replaceChildren(h('h1', { tabindex: '-1' }, t('err.notfound')), errorBox(err));
      return;
    }
    title(t('issue.of', fmtDate(is.date)));
    const body = h('div', { class: 'issue-body' });
    let head = null;
    for (const it of Array.isArray(is.items) ? is.items : []) {
      if (it.headline && it.headline !== head) { head = it.headline; body.append(h('h2', {}, head)); }
      body.append(h('p', { id: `item-${it.id}` }, it.text, h('a', { class: 'para-link', href: `/items/${enc(it.id)}`, 'aria-label': t('issue.para'), title: t('issue.para') }, '¶')));
    }
    const original = originalLink(is);
    main.replaceChildren(
      h('p', { class: 'crumbs' }, h('a', { href: '/issues' }, t('issue.all'))),
      h('h1', { tabindex: '-1' }, t('issue.of', fmtDate(is.date))),
      original ? h('p', {}, original) : null,
      body);
    if (location.hash) jumpToHash(); else main.querySelector('h1').focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- start

  function applyStatic() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
    const b = document.getElementById('lang');
    b.textContent = t('lang.other');
    b.lang = lang === 'fr' ? 'en' : 'fr';
    b.setAttribute('aria-label', t('lang.switch'));
  }

  document.getElementById('lang').addEventListener('click', () => {
    lang = lang === 'fr' ? 'en' : 'fr';
    store.set('localStorage', 'veille.lang', lang);
    applyStatic();
    route(true);
  });

  // For the browser test: the byte-offset conversion, checked in a real engine.
  window.veille = Object.freeze({ byteToIndex, lang: () => lang });

  applyStatic();
  route(true);
})();
