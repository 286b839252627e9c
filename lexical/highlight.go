package lexical

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/veille/veille/analysis"
)

// Highlighter picks the sentence of a text that best matches one query,
// which [NewHighlighter] analyses once for all the texts of a search. It is
// safe for concurrent use.
type Highlighter struct {
	words []hword
	forms []string         // distinct folded forms of the query's words
	index map[string]int32 // stem → index in words
}

// hword is a distinct stem of the query's content words.
type hword struct {
	stem  string
	w     float64 // DefaultNames for a name, else 1
	forms []int32 // indexes in Highlighter.forms of the word's forms in the query
}

// NewHighlighter analyses query for [Highlighter.Highlight]. Query words
// are compared by stem, so "modèles" matches "modèle"; stopwords and
// question words are ignored.
func NewHighlighter(query string) *Highlighter {
	h := &Highlighter{index: map[string]int32{}}
	for _, t := range analysis.Tokens(query) {
		if t.Flags&(analysis.Stop|analysis.Question) != 0 {
			continue
		}
		i, ok := h.index[t.Stem]
		if !ok {
			i = int32(len(h.words))
			h.index[t.Stem] = i
			h.words = append(h.words, hword{stem: t.Stem, w: 1})
		}
		q := &h.words[i]
		if t.Flags&analysis.Capitalized != 0 && t.Flags&analysis.SentenceStart == 0 {
			q.w = DefaultNames
		}
		f := int32(slices.Index(h.forms, t.Term))
		if f < 0 {
			f = int32(len(h.forms))
			h.forms = append(h.forms, t.Term)
		}
		if !slices.Contains(q.forms, f) {
			q.forms = append(q.forms, f)
		}
	}
	return h
}

// highlightScratch is the per-text state of Highlight, pooled.
type highlightScratch struct {
	toks     []analysis.Token
	found    []wordAt
	sf       []int     // by word: sentences holding it
	last     []int     // by word: last sentence counted
	lastForm []int     // by form: last sentence counted
	scores   []float64 // by sentence
}

// wordAt is a token of the text holding a query stem, inside a sentence.
type wordAt struct {
	word, sent, tok int
}

var highlightPool = sync.Pool{New: func() any { return new(highlightScratch) }}

// Highlight returns the sentence of text that best matches the query, its
// byte offsets in text (text[start:end] == sentence, surrounding spaces
// trimmed), and the byte offsets in text of the words of that sentence that
// match a query word, in order.
//
// A sentence scores the sum, over the distinct query words it contains, of
// a weight that is higher for words found in few sentences of text and for
// capitalised words (names), plus a small bonus for words found in their
// exact form. The earliest of equal sentences wins. When no sentence
// matches, Highlight returns the first sentence and no matches; when text
// is blank, it returns "", 0, 0 and nil. See [Sentences] for where
// sentences end.
func (h *Highlighter) Highlight(text string) (sentence string, start, end int, matches [][2]int) {
	sents := Sentences(text)
	if len(sents) == 0 {
		return "", 0, 0, nil
	}
	best := 0
	if len(h.words) > 0 {
		sc := highlightPool.Get().(*highlightScratch)
		defer highlightPool.Put(sc)
		best, matches = h.best(sc, text, sents)
	}
	start, end = sents[best][0], sents[best][1]
	return text[start:end], start, end, matches
}

// best returns the index of the best sentence of text and its matches.
func (h *Highlighter) best(sc *highlightScratch, text string, sents [][2]int) (int, [][2]int) {
	sc.toks = analysis.AppendTokens(sc.toks[:0], text)
	found := sc.found[:0]
	s := 0
	for i, t := range sc.toks {
		w, ok := h.index[t.Stem]
		if !ok {
			continue
		}
		// Tokens come in text order, so the sentence index only grows.
		for s < len(sents) && sents[s][1] <= t.Start {
			s++
		}
		if s < len(sents) && t.Start >= sents[s][0] {
			found = append(found, wordAt{word: int(w), sent: s, tok: i})
		}
	}
	sc.found = found
	// Count the sentences holding each query stem, once per sentence.
	sf := fill(&sc.sf, len(h.words), 0)
	last := fill(&sc.last, len(h.words), -1)
	for _, f := range found {
		if last[f.word] != f.sent {
			last[f.word] = f.sent
			sf[f.word]++
		}
	}
	// Each stem counts once per sentence, and so does each exact form;
	// scores add up in text order.
	last = fill(&sc.last, len(h.words), -1)
	lastForm := fill(&sc.lastForm, len(h.forms), -1)
	scores := fill(&sc.scores, len(sents), 0)
	for _, f := range found {
		q := &h.words[f.word]
		if last[f.word] != f.sent {
			last[f.word] = f.sent
			idf := 1 + math.Log(float64(len(sents))/float64(sf[f.word]))
			scores[f.sent] += q.w * idf
		}
		term := sc.toks[f.tok].Term
		for _, x := range q.forms {
			if h.forms[x] == term {
				if lastForm[x] != f.sent {
					lastForm[x] = f.sent
					scores[f.sent] += DefaultExact * q.w
				}
				break
			}
		}
	}
	best := 0
	for i, v := range scores {
		if v > scores[best] {
			best = i
		}
	}
	if scores[best] <= 0 {
		return best, nil
	}
	var matches [][2]int
	for _, f := range found {
		if f.sent == best {
			t := sc.toks[f.tok]
			matches = append(matches, [2]int{t.Start, t.End})
		}
	}
	return best, matches
}

// fill sets *buf to n copies of v, reusing its memory, and returns it.
func fill[T any](buf *[]T, n int, v T) []T {
	b := slices.Grow((*buf)[:0], n)[:n]
	for i := range b {
		b[i] = v
	}
	*buf = b
	return b
}

// Sentences splits text into sentences and returns their byte offsets,
// [start, end) with surrounding spaces trimmed, in order; blank sentences
// are skipped. A sentence ends at a line break, or after '.', '!', '?' or
// '…' (with any closing quotes or brackets, including a French « … » quote
// closed after a space) that is followed by a space and then something
// that can open a sentence: a capital, a digit, an opening quote or
// bracket, or a dash. So decimals ("5.6"), domains ("openai.com"), a
// lower-case continuation ("? » demanda-t-il"), initials ("J. K. Rowling")
// and common abbreviations ("M. Macron", "Mme", "Dr", "cf.") do not end a
// sentence.
func Sentences(text string) [][2]int {
	var out [][2]int
	from := 0
	emit := func(end int) {
		s, e := trimSpace(text, from, end)
		if s < e {
			out = append(out, [2]int{s, e})
		}
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			emit(i)
			from = i + n
			i += n
			continue
		case r == '.' || r == '!' || r == '?' || r == '…':
		default:
			i += n
			continue
		}
		end := i
		// The run of terminal marks, then closing quotes and brackets.
		for end < len(text) {
			r, n := utf8.DecodeRuneInString(text[end:])
			if r != '.' && r != '!' && r != '?' && r != '…' {
				break
			}
			end += n
		}
		end = closeQuotes(text, end)
		if end == i+1 && text[i] == '.' && abbreviation(text, i) {
			i = end
			continue
		}
		if end < len(text) && !opensSentence(text, end) {
			i = end
			continue
		}
		emit(end)
		from = end
		i = end
	}
	emit(len(text))
	return out
}

// closeQuotes extends a sentence end over closing quotes and brackets,
// and over the space French typography puts before '»'.
func closeQuotes(text string, end int) int {
	for end < len(text) {
		r, n := utf8.DecodeRuneInString(text[end:])
		switch r {
		case '»', '"', '”', '’', '\'', ')', ']':
			end += n
			continue
		case ' ', '\u00a0', '\u202f':
			if r2, n2 := utf8.DecodeRuneInString(text[end+n:]); r2 == '»' {
				end += n + n2
				continue
			}
		}
		return end
	}
	return end
}

// opensSentence reports whether text[i:] is a space followed by what can
// start a sentence.
func opensSentence(text string, i int) bool {
	j := i
	for j < len(text) {
		r, n := utf8.DecodeRuneInString(text[j:])
		if !unicode.IsSpace(r) {
			break
		}
		j += n
	}
	if j == i {
		return false
	}
	if j == len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[j:])
	switch r {
	case '«', '"', '“', '(', '[', '-', '–', '—', '¿', '¡':
		return true
	}
	return unicode.IsUpper(r) || unicode.IsDigit(r)
}

// abbreviations are words that end with a '.' that does not end a
// sentence, lower-cased. Single letters (initials) are handled apart.
var abbreviations = map[string]bool{
	"mm": true, "mme": true, "mmes": true, "mlle": true, "mlles": true, "dr": true, "pr": true,
	"me": true, "mgr": true, "st": true, "ste": true, "cf": true, "av": true, "apr": true,
	"vol": true, "art": true, "coll": true, "fig": true, "env": true, "ex": true, "vs": true,
	"mr": true, "mrs": true, "ms": true, "prof": true, "jr": true, "sr": true, "inc": true,
	"ltd": true, "corp": true, "cie": true, "gén": true, "col": true, "no": true, "nº": true,
	"p": true, "pp": true, "éd": true, "dir": true, "trad": true, "hab": true,
}

// abbreviation reports whether the '.' at text[dot] closes an abbreviation
// or an initial rather than a sentence.
func abbreviation(text string, dot int) bool {
	start := dot
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:start])
		if !unicode.IsLetter(r) {
			break
		}
		start -= n
	}
	word := text[start:dot]
	if word == "" {
		return false
	}
	if r, n := utf8.DecodeRuneInString(word); n == len(word) && unicode.IsUpper(r) {
		return true // an initial: "J. K. Rowling", "M. Macron"
	}
	return abbreviations[strings.ToLower(word)]
}

func trimSpace(text string, s, e int) (int, int) {
	for s < e {
		r, n := utf8.DecodeRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		s += n
	}
	for e > s {
		r, n := utf8.DecodeLastRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		e -= n
	}
	return s, e
}
