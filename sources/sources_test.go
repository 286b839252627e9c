package sources_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/sources"
	"github.com/veille/veille/store"
)

var _ sources.Holder = (*archive.Archive)(nil)

// openArchive opens a real archive, with the built-in embedder, in a
// temporary folder closed at the end of the test.
func openArchive(t *testing.T) *archive.Archive {
	t.Helper()
	arch, _, closeArchive := openArchiveIn(t, t.TempDir())
	t.Cleanup(closeArchive)
	return arch
}

// openArchiveIn opens a real archive, with the built-in embedder, in dir;
// closeArchive closes it and its store.
func openArchiveIn(t *testing.T, dir string) (arch *archive.Archive, db *store.DB, closeArchive func()) {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	arch, err = archive.Open(t.Context(), db, embed.NewBuiltin(0), archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return arch, db, func() {
		if err := arch.Close(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}
}

// recorder is a sink that records what reaches the archive.
type recorder struct {
	sources.Sink
	mu      sync.Mutex
	ingests []ingest.Document
	deletes []string
}

func (r *recorder) Ingest(ctx context.Context, doc ingest.Document) (archive.Result, error) {
	r.mu.Lock()
	r.ingests = append(r.ingests, doc)
	r.mu.Unlock()
	return r.Sink.Ingest(ctx, doc)
}

func (r *recorder) DeleteIssue(ctx context.Context, id string) (archive.Result, error) {
	r.mu.Lock()
	r.deletes = append(r.deletes, id)
	r.mu.Unlock()
	return r.Sink.DeleteIssue(ctx, id)
}

// Issues lists the sink's issues, so that a watcher writing to the
// recorder starts from them as it does from the archive.
func (r *recorder) Issues(ctx context.Context) ([]store.IssueSummary, error) {
	h, ok := r.Sink.(sources.Holder)
	if !ok {
		return nil, errors.New("the recorded sink lists no issues")
	}
	return h.Issues(ctx)
}

// ingested returns the documents ingested so far.
func (r *recorder) ingested() []ingest.Document {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ingest.Document(nil), r.ingests...)
}

// deleted returns the issues deleted so far.
func (r *recorder) deleted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.deletes...)
}

// find returns the texts of the items a keyword search for word finds that
// hold it.
func find(t *testing.T, arch *archive.Archive, word string) []string {
	t.Helper()
	hits, err := arch.Search(context.Background(), archive.Query{Text: word, K: 20, Mode: archive.Lexical})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hits {
		if strings.Contains(strings.ToLower(h.Text), strings.ToLower(word)) {
			out = append(out, h.Text)
		}
	}
	return out
}

// within is how soon a change must be searchable.
const within = 2 * time.Second

// eventually polls cond every 50ms and fails the test when it is still false
// after [within].
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%s: after %v", what, time.Since(start).Round(time.Millisecond))
}

// testLogger logs to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}
