package sources_test

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veille/veille/ingest"
	"github.com/veille/veille/sources"
)

// entry is an item of the test feed.
type entry struct {
	guid, title, text string
}

// feedServer serves an RSS feed of its entries, with the validators its
// mode asks for, answering 304 to a matching conditional GET.
type feedServer struct {
	*httptest.Server
	validators string // "etag", "last-modified" or "none"
	undated    bool   // entries without pubDate
	blank      bool   // answer 200 with an empty body

	mu       sync.Mutex
	entries  []entry
	links    map[string]string // guid → link, when not the default
	modified time.Time

	requests, notModified atomic.Int64
}

func newFeedServer(t *testing.T, validators string, entries ...entry) *feedServer {
	t.Helper()
	fs := &feedServer{validators: validators, entries: entries, modified: time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)}
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.Close)
	return fs
}

// add adds an entry at the top of the feed.
func (fs *feedServer) add(e entry) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.entries = append([]entry{e}, fs.entries...)
	fs.modified = fs.modified.Add(time.Hour)
}

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.requests.Add(1)
	fs.mu.Lock()
	body := rss(fs.entries, !fs.undated, fs.links)
	modified, blank := fs.modified, fs.blank
	fs.mu.Unlock()
	if blank {
		return
	}
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	switch fs.validators {
	case "etag":
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			fs.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	case "last-modified":
		w.Header().Set("Last-Modified", modified.Format(http.TimeFormat))
		if since, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !modified.After(since) {
			fs.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, body)
}

// rss writes an RSS feed of entries, each published on 2025-03-03 when
// dated, each linked to https://example.test/ and its guid unless links has
// another address for its guid.
func rss(entries []entry, dated bool, links map[string]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Veille test</title><link>https://example.test/</link><description>Test feed</description>
`)
	pubDate := ""
	if dated {
		pubDate = "<pubDate>Mon, 03 Mar 2025 10:00:00 +0000</pubDate>"
	}
	for _, e := range entries {
		link := cmp.Or(links[e.guid], "https://example.test/"+e.guid)
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>https://example.test/%s</guid>"+
			"%s<description>%s</description></item>\n", e.title, link, e.guid, pubDate, e.text)
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// unchangedPoll is what a poll of an unchanged feed of two entries gives,
// served with the validators named.
func unchangedPoll(validators string) sources.PollResult {
	if validators == "none" {
		return sources.PollResult{Status: 200, Skipped: 2}
	}
	return sources.PollResult{Status: 304}
}

func TestFeedPoll(t *testing.T) {
	for _, validators := range []string{"etag", "last-modified", "none"} {
		t.Run(validators, func(t *testing.T) {
			t.Parallel()
			arch := openArchive(t)
			rec := &recorder{Sink: arch}
			fs := newFeedServer(t, validators,
				entry{"2", "Le retour du zeppelin", "Le zeppelin reprend ses vols au-dessus du lac."},
				entry{"1", "Un phonographe aux enchères", "Un phonographe de Edison vendu aux enchères."})
			p := sources.NewFeedPoller(fs.URL, rec, sources.FeedOptions{Client: fs.Client(), Logger: testLogger(t)})
			ctx := t.Context()

			res, err := p.Poll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := (sources.PollResult{Status: 200, New: 2}); res != want {
				t.Fatalf("first poll: %+v, want %+v", res, want)
			}
			if len(find(t, arch, "zeppelin")) != 1 || len(find(t, arch, "phonographe")) != 1 {
				t.Fatal("the entries are not searchable after the first poll")
			}

			res, err = p.Poll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := unchangedPoll(validators); res != want {
				t.Fatalf("unchanged poll: %+v, want %+v", res, want)
			}
			if got := len(rec.ingested()); got != 2 {
				t.Fatalf("unchanged poll: %d ingests in all, want the first 2 only", got)
			}
			if validators != "none" && fs.notModified.Load() != 1 {
				t.Fatalf("server answered 304 %d times, want 1", fs.notModified.Load())
			}

			fs.add(entry{"3", "Le sextant retrouvé", "Un sextant du XVIIIe siècle retrouvé dans une épave."})
			res, err = p.Poll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := (sources.PollResult{Status: 200, New: 1, Skipped: 2}); res != want {
				t.Fatalf("poll after a new entry: %+v, want %+v", res, want)
			}
			docs := rec.ingested()
			if len(docs) != 3 || docs[2].Issue.Headlines[0] != "Le sextant retrouvé" {
				t.Fatalf("ingested %d documents, the last %+v; want only the new entry once more", len(docs), docs[len(docs)-1].Issue)
			}
			if len(find(t, arch, "sextant")) != 1 {
				t.Fatal("the new entry is not searchable")
			}
			if fs.requests.Load() != 3 {
				t.Fatalf("%d requests, want 3", fs.requests.Load())
			}
		})
	}
}

func TestFeedPollUpdatedEntry(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	rec := &recorder{Sink: arch}
	fs := newFeedServer(t, "etag", entry{"1", "Le retour du zeppelin", "Le zeppelin reprend ses vols au-dessus du lac."})
	p := sources.NewFeedPoller(fs.URL, rec, sources.FeedOptions{Client: fs.Client()})
	if _, err := p.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	fs.mu.Lock()
	fs.entries[0].text = "Le dirigeable reprend ses vols au-dessus du lac."
	fs.mu.Unlock()
	res, err := p.Poll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (sources.PollResult{Status: 200, Updated: 1}); res != want {
		t.Fatalf("poll after an edit: %+v, want %+v", res, want)
	}
	if len(find(t, arch, "dirigeable")) != 1 || len(find(t, arch, "zeppelin")) != 0 {
		t.Fatal("the edited entry did not replace the old text")
	}

	// An entry whose link alone changes is ingested again, for its link.
	fs.mu.Lock()
	fs.links = map[string]string{"1": "https://example.test/dirigeable"}
	fs.mu.Unlock()
	if res, err := p.Poll(t.Context()); err != nil || res != (sources.PollResult{Status: 200, Updated: 1}) {
		t.Fatalf("poll after a new link: %+v, %v; want the entry updated", res, err)
	}
	issues, err := arch.Issues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 1 || issues[0].Link != "https://example.test/dirigeable" {
		t.Fatalf("issues %+v; want the entry with its new link", issues)
	}
}

func TestFeedPollErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"server error", http.StatusServiceUnavailable, "", sources.ErrStatus},
		{"not found", http.StatusNotFound, "", sources.ErrStatus},
		{"not a feed", http.StatusOK, "<html><body>hello</body></html>", ingest.ErrFeed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			p := sources.NewFeedPoller(srv.URL, &recorder{}, sources.FeedOptions{Client: srv.Client()})
			res, err := p.Poll(t.Context())
			if err == nil {
				t.Fatalf("no error, result %+v", res)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d", res.Status, tt.status)
			}
		})
	}
}

func TestFeedRunBacksOffAndRecovers(t *testing.T) {
	var (
		mu      sync.Mutex
		healthy bool
		times   []time.Time
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		times = append(times, time.Now())
		if !healthy {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, rss([]entry{{"1", "Le retour du zeppelin", "Le zeppelin reprend ses vols."}}, true, nil))
	}))
	defer srv.Close()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(times) }

	const interval, maxBackoff = 10 * time.Millisecond, 80 * time.Millisecond
	rec := &recorder{Sink: openArchive(t)}
	p := sources.NewFeedPoller(srv.URL, rec, sources.FeedOptions{
		Interval: interval, MaxBackoff: maxBackoff, Client: srv.Client(), Logger: testLogger(t),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	// Waits of 20, 40, 80, 80... ms between failing polls, where polling
	// every interval would wait 10 ms: the gaps are checked, not a count
	// of requests in a fixed time, which a loaded machine (CI runs test
	// packages side by side under the race detector) would lower.
	const failures = 6
	deadline := time.Now().Add(10 * time.Second)
	for count() < failures {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests in 10s against a failing server, want %d", count(), failures)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	failing := append([]time.Time(nil), times...)
	healthy = true
	mu.Unlock()
	for i := 2; i < len(failing); i++ {
		if gap := failing[i].Sub(failing[i-1]); gap < 2*interval {
			t.Errorf("gap %d after failures: %v, want at least %v", i, gap, 2*interval)
		}
	}
	if last := failing[len(failing)-1].Sub(failing[len(failing)-2]); last < maxBackoff*3/4 {
		t.Errorf("last gap %v, want about the max backoff %v", last, maxBackoff)
	}

	// Healthy again: the next poll succeeds and the wait drops to interval.
	// A loaded machine lengthens some gaps, never all of them: the
	// shortest of ten tells interval from the max backoff.
	start := count()
	deadline = time.Now().Add(10 * time.Second)
	for count() < start+11 {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests in 10s after recovery, want polling every %v", count()-start, interval)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	healed := append([]time.Time(nil), times[start:]...)
	mu.Unlock()
	shortest := time.Hour
	for i := 1; i < len(healed); i++ {
		shortest = min(shortest, healed[i].Sub(healed[i-1]))
	}
	if shortest >= maxBackoff/2 {
		t.Errorf("shortest gap after recovery %v, want about the interval %v", shortest, interval)
	}
	if got := len(rec.ingested()); got != 1 {
		t.Fatalf("%d ingests after recovery, want the one entry once", got)
	}
}
