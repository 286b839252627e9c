package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/veille/veille/api"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/bench/load/synth"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
)

// benchParagraphs is the size of the archive of BenchmarkSearch, unless
// VEILLE_BENCH_PARAGRAPHS sets another: 20,000 builds in under a minute,
// where bench/load.sh's 100,000 take several.
const benchParagraphs = 20_000

// BenchmarkSearch times GET /v1/search as bench/load's single client sends
// it (hybrid, k=10, highlights), through the handler but without a socket,
// over the load test's synthetic archive embedded by the built-in embedder
// at its default dims. Besides the mean it reports the median and the 99th
// percentile of the requests.
//
// VEILLE_BENCH_DATA names a data directory to search instead, such as the
// one "WORK=dir bench/load.sh" leaves in dir/data; no server may be using
// it.
func BenchmarkSearch(b *testing.B) {
	var h http.Handler
	if dir := os.Getenv("VEILLE_BENCH_DATA"); dir != "" {
		h = api.NewHandler(openArchive(b, dir), api.Config{}, nil)
	} else {
		n := benchParagraphs
		if v := os.Getenv("VEILLE_BENCH_PARAGRAPHS"); v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n <= 0 {
				b.Fatalf("VEILLE_BENCH_PARAGRAPHS=%q: want a positive number", v)
			}
		}
		h = benchHandler(b, n)
	}
	g := synth.New(1, 11)
	paths := make([]string, 1024)
	for i := range paths {
		paths[i] = "/v1/search?" + url.Values{"q": {g.Query()}, "k": {"10"}}.Encode()
	}
	for _, p := range paths[:64] { // warm the caches, as bench/load does
		get(b, h, p)
	}
	var took []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		get(b, h, paths[i%len(paths)])
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
}

func get(b *testing.B, h http.Handler, path string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
}

// openArchive opens the store and the archive of the data directory dir,
// laid out as veille's, with the built-in embedder at its default dims.
func openArchive(b *testing.B, dir string) *archive.Archive {
	b.Helper()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	arch, err := archive.Open(b.Context(), db, embed.NewBuiltin(0), archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		db.Close()
		b.Fatal(err)
	}
	// As veille serve does once the archive is in.
	if _, err := db.WarmItems(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := arch.Close(); err != nil {
			b.Error(err)
		}
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	})
	return arch
}

// benchHandler ingests n synthetic paragraphs, bench/load's archive, into a
// real store and archive and returns the API over them.
func benchHandler(b *testing.B, n int) http.Handler {
	b.Helper()
	arch := openArchive(b, b.TempDir())
	g := synth.New(1, 1)
	const perIssue = 20
	start := time.Now()
	for i := 0; i*perIssue < n; i++ {
		raw := g.Issue(i+1, min(perIssue, n-i*perIssue), g.Date())
		docs, err := ingest.Parse(fmt.Sprintf("issue-%06d.txt", i+1), []byte(raw), ingest.FormatRaw)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range docs {
			if _, err := arch.Ingest(b.Context(), d); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Logf("ingested %d paragraphs in %v", n, time.Since(start).Round(time.Second))
	return api.NewHandler(arch, api.Config{}, nil)
}
