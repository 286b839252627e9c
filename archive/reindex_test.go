package archive_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/jobs"
	"github.com/veille/veille/store"
)

// textCounter is the next embedder: it counts how often it embeds each
// passage, and calls hook after each passage batch.
type textCounter struct {
	*embed.Builtin
	mu    sync.Mutex
	seen  map[string]int
	calls atomic.Int64
	hook  func(calls int64)
}

func newTextCounter(dims int) *textCounter {
	return &textCounter{Builtin: embed.NewBuiltin(dims), seen: map[string]int{}}
}

func (c *textCounter) Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error) {
	out, err := c.Builtin.Embed(ctx, texts, mode)
	if err != nil || mode != embed.Passage {
		return out, err
	}
	c.mu.Lock()
	for _, t := range texts {
		c.seen[t]++
	}
	c.mu.Unlock()
	if c.hook != nil {
		c.hook(c.calls.Add(1))
	}
	return out, nil
}

var words = strings.Fields(`modèle données calcul startup levée fonds laboratoire puce serveur
	entraînement réseau énergie régulation marché contrat licence recherche ingénieurs cloud
	agent recherche sécurité image vidéo code robot voiture usine banque assurance santé`)

// synthetic returns an issue of n paragraphs of made-up text, each unique.
func synthetic(t *testing.T, r *rand.Rand, id string, date string, n int) ingest.Document {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "date %s Numéro %s\n\n", date, id)
	for i := range n {
		fmt.Fprintf(&b, "Brève %s-%d : ", id, i)
		for range 25 {
			b.WriteString(words[r.IntN(len(words))] + " ")
		}
		b.WriteString(".\n\n")
	}
	docs, err := ingest.Parse(id+".txt", []byte(b.String()), ingest.FormatRaw)
	if err != nil {
		t.Fatal(err)
	}
	return docs[0]
}

// watchSearches searches a in a loop until stop is closed and returns the
// failures seen: any error, and any vector search for an item's exact text
// whose ten hits lack that item at a cosine near 1, as it is when the
// query and the index come from one model (ten, since the HNSW graph may
// miss an exact match at rank 1) (a query embedded by one model
// and compared with the other's vectors fails this, or fails outright on
// the other dimensions). It embeds no passage, so that the next model's
// passage count is the reindex's alone.
func watchSearches(a *archive.Archive, probes []store.Item, stop <-chan struct{}) <-chan []string {
	out := make(chan []string, 1)
	go func() {
		var fails []string
		searches := 0
		for i := 0; ; i++ {
			select {
			case <-stop:
				if searches == 0 {
					fails = append(fails, "no search ran")
				}
				out <- fails
				return
			default:
			}
			ctx := context.Background()
			if _, err := a.Search(ctx, archive.Query{Text: "levée de fonds des laboratoires", K: 5}); err != nil {
				fails = append(fails, "search: "+err.Error())
			}
			p := probes[i%len(probes)]
			hits, err := a.Search(ctx, archive.Query{Text: archive.PassageText(p.Item), K: 10, Mode: archive.Vector})
			switch {
			case err != nil:
				fails = append(fails, "vector search: "+err.Error())
			case !slices.ContainsFunc(hits, func(h archive.Hit) bool { return h.ID == p.ID && h.Score >= 0.9 }):
				fails = append(fails, fmt.Sprintf("vector search for %s: not among %d hits", p.ID, len(hits)))
			}
			if _, err := a.SimilarItem(ctx, p.ID, archive.Similar{K: 3}); err != nil {
				fails = append(fails, "similar: "+err.Error())
			}
			searches++
		}
	}()
	return out
}

func TestReindexResumesAndNeverMixesModels(t *testing.T) {
	dir := t.TempDir()
	f := open(t, dir) // the current embedder: built-in, 256 dims
	r := rand.New(rand.NewPCG(1, 2))
	var ids []string
	for i := range 24 {
		doc := synthetic(t, r, fmt.Sprintf("n%02d", i), fmt.Sprintf("2024-%02d-%02d", i%12+1, i+1), 30)
		res, err := f.arch.Ingest(t.Context(), doc)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.IssueID)
	}
	_, probes, err := f.arch.Issue(t.Context(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	next := newTextCounter(128) // another model: other vectors, other dimensions

	// First run: ingests and deletes go on meanwhile, and the job is
	// canceled after its third batch.
	ctx, cancel := context.WithCancel(t.Context())
	next.hook = func(calls int64) {
		if calls == 3 {
			cancel()
		}
	}
	stop := make(chan struct{})
	fails := watchSearches(f.arch, probes, stop)
	var p jobs.Progress
	if _, err := f.arch.Reindex(ctx, next, "job-1", &p); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled reindex: %v", err)
	}
	if _, err := f.arch.Ingest(t.Context(), synthetic(t, r, "late1", "2025-01", 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.arch.DeleteIssue(t.Context(), ids[5]); err != nil {
		t.Fatal(err)
	}
	close(stop)
	if got := <-fails; len(got) > 0 {
		t.Fatalf("searches during the first run: %q", got[:min(5, len(got))])
	}
	if st, _ := f.arch.Stats(t.Context()); st.Embedder != f.emb.Identity() {
		t.Fatalf("a canceled reindex switched the embedder: %+v", st)
	}
	f.close(t)

	// Restart with the next embedder configured: the reindex is pending
	// under its job id and resumes from what was written.
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	arch, err := archive.Open(t.Context(), db, f.emb, archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw"), Next: next})
	if err != nil {
		t.Fatal(err)
	}
	g, ok, err := arch.Reindexing()
	if err != nil || !ok || g.Job != "job-1" || g.Embedder.Dims != 128 {
		t.Fatalf("pending reindex after restart: %+v %v %v", g, ok, err)
	}
	next.hook = nil
	stop = make(chan struct{})
	fails = watchSearches(arch, probes, stop)
	ingested := make(chan error, 1)
	go func() {
		for i := range 10 {
			if _, err := arch.Ingest(t.Context(), synthetic(t, r, fmt.Sprintf("late%d", i+2), "2025-02", 3)); err != nil {
				ingested <- err
				return
			}
		}
		_, err := arch.DeleteIssue(t.Context(), ids[6])
		ingested <- err
	}()
	p = jobs.Progress{}
	res, err := arch.Reindex(t.Context(), next, "job-1", &p)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-ingested; err != nil {
		t.Fatal(err)
	}
	close(stop)
	if got := <-fails; len(got) > 0 {
		t.Fatalf("searches during the second run: %q", got[:min(5, len(got))])
	}

	// Every stored item was embedded by the next model exactly once,
	// across both runs, and the new generation serves all of them.
	st, err := arch.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Embedder != next.Identity() || st.Indexed != st.Items {
		t.Fatalf("after the reindex: stats %+v, result %+v", st, res)
	}
	if res.Embedded == st.Items {
		t.Fatalf("the second run embedded all %d items: it did not resume", res.Embedded)
	}
	stored := 0
	if err := db.WalkItems(t.Context(), func(it store.Item) error {
		stored++
		if n := next.seen[archive.PassageText(it.Item)]; n != 1 {
			t.Errorf("item %s embedded %d times by the next model", it.ID, n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for text, n := range next.seen {
		if n != 1 {
			t.Errorf("text embedded %d times: %.40q", n, text)
		}
	}
	if stored != st.Items {
		t.Fatalf("%d stored items, stats say %d", stored, st.Items)
	}
	// The old generation is gone: vectors and snapshot.
	old := 0
	if err := db.WalkGeneration(t.Context(), 0, func(uint32, []float32) error { old++; return nil }); err != nil {
		t.Fatal(err)
	}
	if old != 0 {
		t.Fatalf("%d vectors of the old generation left", old)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.hnsw")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old snapshot: %v", err)
	}
	if _, ok, _ := arch.Reindexing(); ok {
		t.Fatal("a reindex is still pending after the switch")
	}
	if err := arch.Close(); err != nil {
		t.Fatal(err)
	}

	// Restarting with the old embedder alone is refused; with the next one
	// still set as next, the archive serves with it.
	if _, err := archive.Open(t.Context(), db, f.emb, archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")}); !errors.Is(err, store.ErrEmbedderMismatch) {
		t.Fatalf("old embedder after the switch: %v", err)
	}
	arch, err = archive.Open(t.Context(), db, f.emb, archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw"), Next: next})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := arch.SimilarText(t.Context(), archive.PassageText(probes[3].Item), archive.Similar{K: 1})
	if err != nil || len(hits) != 1 || hits[0].ID != probes[3].ID {
		t.Fatalf("similar after restart: %+v, %v", hits, err)
	}
	if st, _ := arch.Stats(t.Context()); st.Embedder != next.Identity() || st.Indexed != st.Items {
		t.Fatalf("after restart: %+v", st)
	}
}

func TestReindexRefusals(t *testing.T) {
	dir := t.TempDir()
	f := open(t, dir)
	defer f.close(t)
	var p jobs.Progress
	in, err := f.arch.Ingest(t.Context(), parse(t, issue))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.arch.Reindex(t.Context(), f.emb, "same", &p); !errors.Is(err, store.ErrEmbedderMismatch) {
		t.Fatalf("reindex to the same embedder: %v", err)
	}
	if g, ok, err := f.arch.Reindexing(); ok || err != nil {
		t.Fatalf("a refused reindex left %+v, %v", g, err)
	}
	// A small archive switches at once, held against ingests throughout.
	res, err := f.arch.Reindex(t.Context(), embed.NewBuiltin(64), "small", &p)
	if err != nil || res.Items != in.Added || res.Embedded != in.Added {
		t.Fatalf("small reindex of %d items: %+v, %v", in.Added, res, err)
	}
}
