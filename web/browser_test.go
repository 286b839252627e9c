package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/veille/veille/api"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
	"github.com/veille/veille/web"
)

// chromium finds Debian's Chromium. Without it the browser test skips,
// except under CI=true, where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium not found in PATH: install it (apt-get install -y chromium) to run the browser test"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startServer serves the API over the example archive and the web interface
// on 127.0.0.1, as the binary does, and returns its base URL.
func startServer(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	arch, err := archive.Open(ctx, db, embed.NewBuiltin(0), archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../examples/archive/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("example archive: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := ingest.Parse(f, data, ingest.FormatDetect)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		for _, doc := range docs {
			if _, err := arch.Ingest(ctx, doc); err != nil {
				t.Fatalf("ingest %s: %v", f, err)
			}
		}
	}
	apiH := api.NewHandler(arch, api.Config{}, nil)
	mux := http.NewServeMux()
	mux.Handle("/v1/", apiH)
	mux.Handle("/healthz", apiH)
	mux.Handle("/", web.Handler())
	srv := httptest.NewServer(mux) // listens on 127.0.0.1:0
	t.Cleanup(func() {
		srv.Close()
		if err := arch.Close(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv.URL
}

// TestBrowser drives the interface in headless Chromium against the real
// server: ask, follow a citation, open similar items and a thread, search
// with dates, read and add an issue, switch language, check the phone
// layout and the keyboard, and fail on any request to another host or any
// uncaught script error.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped under -short")
	}
	exe := chromium(t)
	base := startServer(t)
	host := mustHost(t, base)

	shots := os.Getenv("VEILLE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("accept-lang", "fr-FR,fr"),
		chromedp.WindowSize(1200, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelA()

	stub := startStub(t)
	b := &browser{t: t, shots: shots, hosts: map[string]bool{host: true, mustHost(t, stub): true}}
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf), chromedp.WithListener(b.listen))
	defer cancelB()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()
	b.ctx = ctx
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	poll := func(js string) chromedp.Action[chromedp.Void] { return chromedp.Poll[chromedp.Void](js) }

	// 1. Ask by deep link: the question is asked on load.
	question := "Combien a coûté l’entraînement de R1 ?"
	b.do("ask on load",
		chromedp.Navigate(base+"/?q="+url.QueryEscape(question)),
		chromedp.WaitVisible(css(`#citations li`)))
	if lang := eval[string](b, `veille.lang()`); lang != "fr" {
		t.Errorf("interface language %q, want fr (the browser's)", lang)
	}
	b.contains(`#answer`, "5,6 millions de dollars", "[1]")
	b.contains(`#cite-1`, "DeepSeek R1 fait trembler la Silicon Valley", "janvier 2025")
	if v := eval[string](b, `document.querySelector('#q').value`); v != question {
		t.Errorf("question box holds %q, want %q", v, question)
	}
	b.shot("ask")

	// 2. Click the [1] marker: the cited paragraph is the target and has
	// focus, and its supporting sentence is highlighted.
	b.do("click citation",
		chromedp.Click(css(`#answer a.marker`)),
		chromedp.WaitVisible(css(`#cite-1.target`)))
	if id := eval[string](b, `document.activeElement.id`); id != "cite-1" {
		t.Errorf("focus on %q after clicking [1], want cite-1", id)
	}
	b.contains(`#cite-1 mark.span`, "DeepSeek indique avoir dépensé environ 5,6 millions")
	b.shot("ask-citation")

	// 3. Ask another question from the box: the URL follows it, and a date
	// filter the server understood (when it reports one) can be removed.
	q2 := "Qu’a fait Mistral en juin 2025 ?"
	b.do("ask again",
		chromedp.SetValue(css(`#q`), q2),
		chromedp.Click(css(`form[role=search] button[type=submit]`)),
		poll(`document.querySelector('#answer p') && !document.querySelector('#answer p.caret') && document.querySelector('#answer').textContent.includes('Mistral')`),
		chromedp.WaitVisible(css(`#citations li`)))
	if search := eval[string](b, `decodeURIComponent(location.search.replace(/\+/g, ' '))`); search != "?q="+q2 {
		t.Errorf("URL query %q after asking, want ?q=%s", search, q2)
	}
	if eval[bool](b, `!!document.querySelector('#date-filter')`) {
		b.contains(`#date-filter`, "juin 2025")
		b.shot("ask-filter")
		b.do("remove filter",
			chromedp.Click(css(`#date-filter button`)),
			chromedp.WaitNotPresent(css(`#date-filter`)),
			chromedp.WaitVisible(css(`#answer p`)))
	} else {
		t.Log("the server reports no date filter (ask response field filter) yet: the filter chip is not exercised")
	}

	// 4. Back to the first answer, open the cited item: its paragraph in its
	// issue, similar items and a thread.
	b.do("open cited item",
		chromedp.Navigate(base+"/?q="+url.QueryEscape(question)),
		chromedp.WaitVisible(css(`#cite-1 a.open-item`)),
		chromedp.Click(css(`#cite-1 a.open-item`)),
		chromedp.WaitVisible(css(`#similar-list li`)),
		chromedp.WaitVisible(css(`#timeline li, #no-thread`)))
	b.contains(`h1`, "DeepSeek R1 fait trembler la Silicon Valley")
	b.contains(`.context .current`, "5,6 millions")
	if p := eval[string](b, `location.pathname`); !strings.HasPrefix(p, "/items/") {
		t.Errorf("item view at %q, want /items/…", p)
	}
	b.shot("item")

	// 5. Open the first similar item, and its thread.
	similarHead := b.text(`#similar-list li h3 a`)
	b.do("open similar item",
		chromedp.Click(css(`#similar-list li h3 a`)),
		poll(fmt.Sprintf(`document.querySelector('h1') && document.querySelector('h1').textContent === %q`, similarHead)),
		chromedp.WaitVisible(css(`#timeline li, #no-thread`)))
	timeline := eval[[]string](b, `[...document.querySelectorAll('#timeline li time')].map(e => e.getAttribute('datetime'))`)
	if len(timeline) < 2 {
		t.Fatalf("thread of %q has %d entries, want a timeline across issues: %q", similarHead, len(timeline), b.text(`#thread`))
	}
	for i := 1; i < len(timeline); i++ {
		if timeline[i] < timeline[i-1] {
			t.Errorf("thread not in date order: %q", timeline)
		}
	}
	if n := eval[int](b, `document.querySelectorAll('#timeline li.current').length`); n != 1 {
		t.Errorf("thread marks %d entries as this item, want 1", n)
	}
	b.do("go to thread", chromedp.Click(css(`.item-tabs a[href="#thread"]`)))
	if id := eval[string](b, `document.activeElement.id`); id != "thread" {
		t.Errorf("focus on %q after following the thread link, want thread", id)
	}
	b.shot("item-similar")
	b.shotOf("thread", `#thread`)

	// 6. Search with a date range: every hit is in range and highlighted.
	b.do("search",
		chromedp.Click(css(`a[data-nav="search"]`)),
		chromedp.WaitVisible(css(`#sq`)),
		chromedp.SetValue(css(`#sq`), "Stargate Abilene"),
		chromedp.SetValue(css(`#from`), "2025-03"),
		chromedp.SetValue(css(`#to`), "2025-08"),
		chromedp.Click(css(`form[role=search] button[type=submit]`)),
		chromedp.WaitVisible(css(`#results li`)))
	dates := eval[[]string](b, `[...document.querySelectorAll('#results li .meta time')].map(e => e.getAttribute('datetime'))`)
	for _, d := range dates {
		if len(d) < 7 || d[:7] < "2025-03" || d[:7] > "2025-08" {
			t.Errorf("hit dated %q is outside 2025-03…2025-08", d)
		}
	}
	if n := eval[int](b, `document.querySelectorAll('#results mark').length`); n == 0 {
		t.Error("no highlighted words in the search results")
	}
	b.contains(`#results li`, "Stargate")
	search := eval[string](b, `location.pathname + location.search`)
	for _, w := range []string{"/search?", "q=Stargate", "from=2025-03", "to=2025-08"} {
		if !strings.Contains(search, w) {
			t.Errorf("search URL %q lacks %q", search, w)
		}
	}
	b.do("keywords mode",
		chromedp.Click(css(`input[name=mode][value=lexical]`)),
		poll(`location.search.includes('mode=lexical')`),
		chromedp.WaitVisible(css(`#results li`)))
	b.shot("search")

	// 7. Issues: the list by date, one issue in full, and adding one.
	b.do("issues",
		chromedp.Click(css(`a[data-nav="issues"]`)),
		chromedp.WaitVisible(css(`#issue-list li`)))
	if n := eval[int](b, `document.querySelectorAll('#issue-list li').length`); n != 8 {
		t.Errorf("%d issues listed, want 8", n)
	}
	b.do("open issue",
		chromedp.Click(css(`#issue-list li a`)),
		chromedp.WaitVisible(css(`.issue-body p`)))
	b.contains(`h1`, "août 2025")
	b.contains(`.issue-body`, "GPT-5")
	issue := "date 2025-09 Une brève de test\n\nLe laboratoire Exemplaire a publié un modèle nommé Zorglub-7 pour tester l’interface web.\n"
	b.do("add issue",
		chromedp.Navigate(base+"/issues#add"),
		chromedp.WaitVisible(css(`#issue-text`)),
		chromedp.SetValue(css(`#issue-text`), issue),
		chromedp.Click(css(`#add button[type=submit]`)),
		chromedp.WaitVisible(css(`#add .result a`)),
		poll(`document.querySelectorAll('#issue-list li').length === 9`))
	b.contains(`#add .result`, "1 ajouté")
	b.contains(`#issue-list li`, "septembre 2025")
	// Pasted JSON Lines are a corpus, which the server takes only named.
	corpus := `{"id":"zorglub-8","date":"2025-10","text":"Le laboratoire Exemplaire publie Zorglub-8, successeur de Zorglub-7."}`
	b.do("add pasted JSON Lines",
		chromedp.SetValue(css(`#issue-text`), corpus),
		chromedp.Click(css(`#add button[type=submit]`)),
		poll(`document.querySelectorAll('#issue-list li').length === 10`))
	b.contains(`#add .result`, "1 ajouté", "pasted-", "-2025-10")
	// A pasted feed's entry keeps its address, which its search hit links to.
	feed := `<rss version="2.0"><channel><title>Brèves</title><item><link>https://breves.example.org/zorglub-9</link>` +
		`<title>Zorglub-9 en démonstration</title><pubDate>Mon, 03 Nov 2025 08:00:00 +0100</pubDate>` +
		`<description>Le laboratoire Exemplaire montre Zorglub-9 à la presse.</description></item></channel></rss>`
	b.do("add pasted feed",
		chromedp.SetValue(css(`#issue-text`), feed),
		chromedp.Click(css(`#add button[type=submit]`)),
		poll(`document.querySelectorAll('#issue-list li').length === 11`))
	b.do("search the feed entry",
		chromedp.Navigate(base+"/search?q=Zorglub-9+d%C3%A9monstration"),
		chromedp.WaitVisible(css(`#results li a.original`)))
	if href := eval[string](b, `document.querySelector('#results li a.original').href`); href != "https://breves.example.org/zorglub-9" {
		t.Errorf("the feed entry's hit links to %q, want its address", href)
	}

	// 8. Language switch, keyboard and phone layout.
	b.do("switch to English",
		chromedp.Navigate(base+"/?q="+url.QueryEscape(question)),
		chromedp.WaitVisible(css(`#citations li`)),
		chromedp.Click(css(`#lang`)),
		chromedp.WaitVisible(css(`#citations li`)))
	b.contains(`nav`, "Ask", "Search", "Issues")
	b.contains(`#sources-h`, "Cited paragraphs")
	if l := eval[string](b, `document.documentElement.lang`); l != "en" {
		t.Errorf("html lang %q after switching, want en", l)
	}
	b.do("keyboard",
		chromedp.Navigate(base+"/issues"),
		chromedp.WaitVisible(css(`#issue-list li`)),
		chromedp.KeyEvent("\t"))
	if c := eval[string](b, `document.activeElement.className`); c != "skip" {
		t.Errorf("the first Tab focuses %q, want the skip link", c)
	}
	b.do("skip link", chromedp.KeyEvent("\r"))
	if id := eval[string](b, `document.activeElement.id`); id != "main" {
		t.Errorf("the skip link moves focus to %q, want main", id)
	}
	b.do("phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(base+"/?q="+url.QueryEscape(question)),
		chromedp.WaitVisible(css(`#citations li`)))
	if eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Error("the page scrolls sideways on a 390 px wide phone")
	}
	b.shot("ask-phone")

	// 9. Byte offsets from the API become string indices correctly.
	if got := eval[[]int](b, `(() => { const f = veille.byteToIndex('é€😀a'); return [0, 2, 5, 9, 10, 3].map(f); })()`); fmt.Sprint(got) != "[0 1 2 4 5 1]" {
		t.Errorf("byteToIndex gave %v, want [0 1 2 4 5 1]", got)
	}

	// 10. The API's newer answers, from a stub: a streamed answer, an
	// unsupported citation, the server's span, a date filter to remove, and
	// highlights given as byte offsets.
	b.do("stub: stream",
		chromedp.EmulateViewport(1200, 900),
		chromedp.Navigate(stub+"/?q="+url.QueryEscape(stubQuestion)),
		chromedp.WaitVisible(css(`#citations li`)),
		poll(`!document.querySelector('#answer p.caret') && !!document.querySelector('#date-filter')`))
	b.contains(`#answer`, "Magistral", "[1]", "[2⚠]")
	b.contains(`#date-filter`, "juin 2025", "en juin 2025")
	if n := eval[int](b, `document.querySelectorAll('#answer a.marker.unsupported').length`); n != 1 {
		t.Errorf("%d markers shown as unsupported, want 1", n)
	}
	b.contains(`#cite-2.unsupported`, "Non confirmé par ce paragraphe")
	if got := b.text(`#cite-1 mark.span`); got != stubSpan {
		t.Errorf("highlighted span %q, want the server's %q", got, stubSpan)
	}
	b.contains(`.dropped`, "1 phrase a été retirée")
	b.shot("ask-stream")
	b.do("stub: remove filter",
		chromedp.Click(css(`#date-filter button`)),
		chromedp.WaitNotPresent(css(`#date-filter`)),
		poll(`!document.querySelector('#answer p.caret') && document.querySelectorAll('#citations li').length > 0`))
	if q := eval[string](b, `new URLSearchParams(location.search).get('q')`); q != "Qu’a fait Mistral ?" {
		t.Errorf("question after removing the date filter %q, want it without the dates", q)
	}
	b.do("stub: search",
		chromedp.Navigate(stub+"/search?q=elan"),
		chromedp.WaitVisible(css(`#results li`)))
	if got := eval[[]string](b, `[...document.querySelectorAll('#results mark')].map(m => m.textContent)`); fmt.Sprint(got) != "[Élan €]" {
		t.Errorf("highlights %q, want [Élan €] from the server's byte offsets", got)
	}
	b.contains(`#results .also`, "mars 2025")

	b.check("end")
	b.mu.Lock()
	t.Logf("%d requests, all to %s or %s", b.requests, host, mustHost(t, stub))
	b.mu.Unlock()
}

// browser runs the steps of [TestBrowser] and watches the page's events.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string          // screenshot directory
	hosts map[string]bool // the servers' host:port, the only ones the page may reach

	mu       sync.Mutex
	requests int
	foreign  []string // requests to other hosts
	errors   []string // uncaught script exceptions, console and CSP errors
}

// listen runs in chromedp's event loop: it only records.
func (b *browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests++
		u, err := url.Parse(ev.Request.URL)
		if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && !b.hosts[u.Host]) {
			b.foreign = append(b.foreign, ev.Request.URL)
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.errors = append(b.errors, fmt.Sprintf("%s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *log.EventEntryAdded:
		// Errors of the page's own making (a Content-Security-Policy
		// violation, a console.error); failed requests are left out, since
		// the page expects some 404s (a route the server may lack).
		if e := ev.Entry; e.Level == log.EntryLevelError && e.Source != log.EntrySourceNetwork {
			b.errors = append(b.errors, fmt.Sprintf("%s: %s (%s)", e.Source, e.Text, e.URL))
		}
	}
}

// check fails the test on a request to another host or a script error.
func (b *browser) check(step string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.foreign) > 0 {
		b.t.Fatalf("%s: the page requested other hosts: %q", step, b.foreign)
	}
	if len(b.errors) > 0 {
		b.t.Fatalf("%s: errors in the page: %q", step, b.errors)
	}
}

func (b *browser) do(step string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.check(step)
		b.t.Fatalf("%s: %v", step, err)
	}
	b.check(step)
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	b.check(js)
	return v
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// contains checks that the visible text of sel contains every want.
func (b *browser) contains(sel string, wants ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s: %q does not contain %q", sel, got, w)
		}
	}
}

// shotOf saves a screenshot of the element sel as name.png.
func (b *browser) shotOf(name, sel string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.save(name, buf)
}

// shot saves a screenshot of the whole page as name.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.save(name, buf)
}

func (b *browser) save(name string, png []byte) {
	b.t.Helper()
	p := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", p)
}

const (
	stubQuestion = "Qu’a fait Mistral en juin 2025 ?"
	stubSpan     = "Mistral AI a publié le 10 juin Magistral, sa première famille de modèles de raisonnement."
	stubText     = "Le modèle « Élan » coûte 5 €, dit-on."
)

// startStub serves the web interface with a stand-in for the API's newer
// answers: /v1/ask streams (SSE) and reports a date filter, verified
// citations with spans and an unsupported sentence; /v1/search sends
// highlights as byte offsets and also_in.
func startStub(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/ask", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Question string `json:"question"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		text := stubSpan + " Autre phrase du paragraphe."
		cites := []map[string]any{
			{"n": 1, "id": "i1", "issue_id": "is1", "date": "2025-06", "headline": "Magistral", "text": text, "score": 0.9,
				"verified": true, "span": stubSpan, "span_start": 0, "span_end": len(stubSpan)},
			{"n": 2, "id": "i2", "issue_id": "is2", "date": "2025-08", "headline": "Levée de fonds", "text": "Mistral AI discute d’une levée de fonds.", "score": 0.5,
				"verified": false, "span": "", "span_start": 0, "span_end": 0},
		}
		deltas := []string{"Mistral AI a publié Magistral le 10 juin. [1] ", "Il a levé 2 milliards en juin. [2]"}
		done := map[string]any{
			"question": req.Question, "answer": strings.Join(deltas, ""), "found": true, "language": "fr", "citations": cites,
			"sentences": []map[string]any{
				{"text": "Mistral AI a publié Magistral le 10 juin. [1]", "citations": []int{1}, "supported": true},
				{"text": "Il a levé 2 milliards en juin. [2]", "citations": []int{}, "dropped": []int{2}, "supported": false},
			},
			"notice": "1 sentence not supported",
		}
		if strings.Contains(req.Question, "juin 2025") {
			done["filter"] = map[string]any{"from": "2025-06", "to": "2025-06", "phrase": "en juin 2025"}
		}
		if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(done)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		send := func(event string, v any) {
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
		send("citations", cites)
		for _, d := range deltas {
			send("delta", map[string]string{"text": d})
		}
		send("done", done)
	})
	mux.HandleFunc("GET /v1/search", func(w http.ResponseWriter, r *http.Request) {
		i, j := strings.Index(stubText, "Élan"), strings.Index(stubText, "€")
		hit := map[string]any{"id": "h1", "issue_id": "is1", "date": "2025-06", "headline": "Élan", "text": stubText, "score": 0.7,
			"highlight": map[string]any{"text": stubText, "start": 0, "end": len(stubText),
				"matches": [][2]int{{i, i + len("Élan")}, {j, j + len("€")}}},
			"also_in": []map[string]any{{"id": "h0", "issue_id": "is0", "date": "2025-03"}},
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"hits": []any{hit}})
	})
	mux.Handle("/", web.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func mustHost(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
