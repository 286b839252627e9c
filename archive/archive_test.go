package archive_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
)

// countingEmbedder counts the passages it embeds. It passes for a model
// (provider "counting"), whose vectors the archive caches.
type countingEmbedder struct {
	*embed.Builtin
	passages atomic.Int64
}

func (c *countingEmbedder) Identity() embed.Identity {
	id := c.Builtin.Identity()
	id.Provider = "counting"
	return id
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error) {
	if mode == embed.Passage {
		c.passages.Add(int64(len(texts)))
	}
	return c.Builtin.Embed(ctx, texts, mode)
}

type fixture struct {
	dir  string
	db   *store.DB
	arch *archive.Archive
	emb  *countingEmbedder
}

func open(t *testing.T, dir string) *fixture {
	t.Helper()
	return openStore(t, dir, store.Options{GCInterval: -1})
}

// openStore is open with the store opened with opts.
func openStore(t *testing.T, dir string, opts store.Options) *fixture {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "badger"), opts)
	if err != nil {
		t.Fatal(err)
	}
	emb := &countingEmbedder{Builtin: embed.NewBuiltin(256)}
	arch, err := archive.Open(t.Context(), db, emb, archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return &fixture{dir: dir, db: db, arch: arch, emb: emb}
}

func (f *fixture) close(t *testing.T) {
	t.Helper()
	if err := f.arch.Close(); err != nil {
		t.Error(err)
	}
	if err := f.db.Close(); err != nil {
		t.Error(err)
	}
}

func parse(t *testing.T, text string) ingest.Document {
	t.Helper()
	docs, err := ingest.Parse("issue.txt", []byte(text), ingest.FormatRaw)
	if err != nil {
		t.Fatal(err)
	}
	return docs[0]
}

const issue = `date 2025-03 OpenAI lève 40 milliards / Google rachète Wiz

OpenAI lève 40 milliards

OpenAI a annoncé une levée de 40 milliards de dollars menée par SoftBank, pour une valorisation de 300 milliards.

SoftBank apportera l’essentiel des fonds en plusieurs tranches au cours de l’année.

Google rachète Wiz

Alphabet rachète la société de cybersécurité Wiz pour 32 milliards de dollars, sa plus grosse acquisition.
`

func TestReingestEmbedsOnlyWhatChanged(t *testing.T) {
	f := open(t, t.TempDir())
	defer f.close(t)
	ctx := t.Context()

	res, err := f.arch.Ingest(ctx, parse(t, issue))
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 3 || f.emb.passages.Load() != 3 {
		t.Fatalf("first ingest: %+v, embedded %d", res, f.emb.passages.Load())
	}

	res, err = f.arch.Ingest(ctx, parse(t, issue))
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 0 || res.Unchanged != 3 || f.emb.passages.Load() != 3 {
		t.Fatalf("unchanged re-ingest: %+v, embedded %d in all", res, f.emb.passages.Load())
	}

	edited := strings.Replace(issue, "en plusieurs tranches", "en deux tranches", 1)
	res, err = f.arch.Ingest(ctx, parse(t, edited))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.emb.passages.Load(); got != 4 {
		t.Fatalf("editing one paragraph embedded %d passages, want exactly 1 more", got-3)
	}
	if res.Added != 1 || res.Removed != 1 || res.Unchanged != 2 {
		t.Fatalf("edit: %+v", res)
	}
	hits, err := f.arch.Search(ctx, archive.Query{Text: "SoftBank tranches", K: 10, Range: archive.Range{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if strings.Contains(h.Text, "plusieurs tranches") {
			t.Fatalf("the old paragraph is still found: %q", h.Text)
		}
	}
	if len(hits) != 3 {
		t.Fatalf("%d hits, want the 3 stored paragraphs", len(hits))
	}

	if _, err := f.arch.DeleteIssue(ctx, res.IssueID); err != nil {
		t.Fatal(err)
	}
	hits, err = f.arch.Search(ctx, archive.Query{Text: "Wiz", K: 10, Range: archive.Range{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 0 {
		t.Fatalf("deleted issue still found: %+v", hits)
	}

	// Ingesting the deleted issue again takes every vector from the cache.
	before := f.emb.passages.Load()
	res, err = f.arch.Ingest(ctx, parse(t, edited))
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 3 || f.emb.passages.Load() != before {
		t.Fatalf("re-ingest after delete: %+v, embedded %d more", res, f.emb.passages.Load()-before)
	}
	hits, err = f.arch.Search(ctx, archive.Query{Text: "Wiz", K: 1})
	if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Text, "Wiz") {
		t.Fatalf("after re-ingest from the cache: %+v %v", hits, err)
	}
}

// TestBuiltinVectorsAreNotCached checks that the built-in embedder's
// vectors, cheaper to compute than to cache, stay out of the embedding
// cache, and that an issue deleted and ingested again is embedded again.
func TestBuiltinVectorsAreNotCached(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	emb := embed.NewBuiltin(256)
	arch, err := archive.Open(t.Context(), db, emb, archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		t.Fatal(err)
	}
	defer arch.Close()
	ctx := t.Context()
	doc := parse(t, issue)
	texts := make([]string, len(doc.Items))
	for i, it := range doc.Items {
		texts[i] = archive.PassageText(it)
	}
	for range 2 {
		res, err := arch.Ingest(ctx, doc)
		if err != nil {
			t.Fatal(err)
		}
		if res.Added != 3 || res.Embedded != 3 {
			t.Fatalf("ingest: %+v", res)
		}
		cached, err := db.CachedVectors(ctx, archive.StoreID(emb), texts)
		if err != nil || len(cached) != 0 {
			t.Fatalf("cached vectors of the built-in embedder: %d, %v", len(cached), err)
		}
		hits, err := arch.Search(ctx, archive.Query{Text: "Wiz", K: 1})
		if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Text, "Wiz") {
			t.Fatalf("search: %+v %v", hits, err)
		}
		if _, err := arch.DeleteIssue(ctx, res.IssueID); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBuiltinVectorsAreDerived: the store keeps no vectors of the built-in
// embedder, so an index rebuilt from the store (its snapshot gone) and a
// search for items like a stored one use vectors derived from the items'
// text, the same as those the ingest embedded.
func TestBuiltinVectorsAreDerived(t *testing.T) {
	dir := t.TempDir()
	openBuiltin := func() (*store.DB, *archive.Archive) {
		db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		arch, err := archive.Open(t.Context(), db, embed.NewBuiltin(256), archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
		if err != nil {
			db.Close()
			t.Fatal(err)
		}
		return db, arch
	}
	ctx := t.Context()
	db, arch := openBuiltin()
	doc := parse(t, issue)
	if _, err := arch.Ingest(ctx, doc); err != nil {
		t.Fatal(err)
	}
	q := archive.Query{Text: "acquisition cybersécurité", K: 3}
	want, err := arch.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	wantLike, err := arch.SimilarItem(ctx, doc.Items[0].ID, archive.Similar{K: 2})
	if err != nil {
		t.Fatal(err)
	}
	passage, _ := embed.PassageFunc(embed.NewBuiltin(256).Identity())
	it, err := db.Item(ctx, doc.Items[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	vec, err := db.Vector(ctx, db.Generation(), it.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := vec, passage(archive.PassageText(doc.Items[2])); !slices.Equal(got, want) {
		t.Fatalf("stored vector of %s is not the passage's", it.ID)
	}
	if err := errors.Join(arch.Close(), db.Close()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "index.hnsw")); err != nil {
		t.Fatal(err)
	}
	// Opened on its own, without the archive's deriver, the store has
	// no vector to give.
	bare, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Vector(ctx, bare.Generation(), it.Seq); !errors.Is(err, store.ErrNotDerived) {
		t.Errorf("vector read without the deriver: %v, want ErrNotDerived", err)
	}
	if err := bare.Close(); err != nil {
		t.Fatal(err)
	}

	db, arch = openBuiltin()
	defer db.Close()
	defer arch.Close()
	st, err := arch.Stats(ctx)
	if err != nil || st.Indexed != len(doc.Items) {
		t.Fatalf("rebuilt index: %+v, %v", st, err)
	}
	got, err := arch.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[0].ID != want[0].ID || got[0].Score != want[0].Score {
		t.Fatalf("search on the rebuilt index: %+v, want %+v", got, want)
	}
	like, err := arch.SimilarItem(ctx, doc.Items[0].ID, archive.Similar{K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(like) != len(wantLike) || like[0].ID != wantLike[0].ID || like[0].Score != wantLike[0].Score {
		t.Fatalf("similar items after the rebuild: %+v, want %+v", like, wantLike)
	}
}

func TestRestartUsesSnapshotAndRebuildsWhenCorrupt(t *testing.T) {
	dir := t.TempDir()
	f := open(t, dir)
	if _, err := f.arch.Ingest(t.Context(), parse(t, issue)); err != nil {
		t.Fatal(err)
	}
	want, err := f.arch.Search(t.Context(), archive.Query{Text: "acquisition cybersécurité", K: 3, Range: archive.Range{}})
	if err != nil {
		t.Fatal(err)
	}
	f.close(t)

	snap := filepath.Join(dir, "index.hnsw")
	data, err := os.ReadFile(snap)
	if err != nil {
		t.Fatalf("no snapshot after close: %v", err)
	}
	data[len(data)/2] ^= 0xFF
	if err := os.WriteFile(snap, data, 0o644); err != nil {
		t.Fatal(err)
	}

	f = open(t, dir)
	defer f.close(t)
	got, err := f.arch.Search(t.Context(), archive.Query{Text: "acquisition cybersécurité", K: 3, Range: archive.Range{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[0].ID != want[0].ID {
		t.Fatalf("after rebuild from a corrupt snapshot: %v, want %v", got, want)
	}
	if f.emb.passages.Load() != 0 {
		t.Fatalf("restart re-embedded %d passages", f.emb.passages.Load())
	}
	st, err := f.arch.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Items != 3 || st.Indexed != 3 {
		t.Fatalf("stats after rebuild: %+v", st)
	}
}

// TestCloseWithStore: CloseWithStore writes both snapshots and closes the
// store beside them, synced or not. The store then opens again (Badger's
// directory lock is free), and the archive from its snapshots, without
// embedding again.
func TestCloseWithStore(t *testing.T) {
	for _, unsynced := range []bool{false, true} {
		t.Run(fmt.Sprintf("unsynced=%v", unsynced), func(t *testing.T) {
			dir := t.TempDir()
			f := openStore(t, dir, store.Options{GCInterval: -1, Unsynced: unsynced})
			if _, err := f.arch.Ingest(t.Context(), parse(t, issue)); err != nil {
				t.Fatal(err)
			}
			q := archive.Query{Text: "acquisition cybersécurité", K: 3}
			want, err := f.arch.Search(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.arch.CloseWithStore(); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"index.hnsw", "index.hnsw.catalog"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Fatalf("no snapshot after close: %v", err)
				}
			}
			checkReopened(t, dir, q, want, "after reopening")
		})
	}
}

// checkReopened opens the archive in dir again and checks that q finds what
// it found before, want, without embedding any passage again.
func checkReopened(t *testing.T, dir string, q archive.Query, want []archive.Hit, when string) {
	t.Helper()
	f := open(t, dir)
	defer f.close(t)
	got, err := f.arch.Search(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[0].ID != want[0].ID {
		t.Fatalf("%s: %v, want %v", when, got, want)
	}
	if n := f.emb.passages.Load(); n != 0 {
		t.Fatalf("%s: re-embedded %d passages", when, n)
	}
}

// TestRestartAfterSnapshotsLostInAPowerCut: the snapshots are written but not
// synced, so a power cut can leave them empty or their blocks unwritten
// (zeros). Open must rebuild both from the store, without embedding again.
func TestRestartAfterSnapshotsLostInAPowerCut(t *testing.T) {
	for _, loss := range []string{"empty", "zeros"} {
		t.Run(loss, func(t *testing.T) {
			dir := t.TempDir()
			f := open(t, dir)
			if _, err := f.arch.Ingest(t.Context(), parse(t, issue)); err != nil {
				t.Fatal(err)
			}
			q := archive.Query{Text: "acquisition cybersécurité", K: 3, Range: archive.Range{}}
			want, err := f.arch.Search(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			f.close(t)
			for _, name := range []string{"index.hnsw", "index.hnsw.catalog"} {
				path := filepath.Join(dir, name)
				st, err := os.Stat(path)
				if err != nil {
					t.Fatalf("no snapshot after close: %v", err)
				}
				lost := []byte{}
				if loss == "zeros" {
					lost = make([]byte, st.Size())
				}
				if err := os.WriteFile(path, lost, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			checkReopened(t, dir, q, want, "after rebuilding lost snapshots")
		})
	}
}

// TestOpenSaysItBuildsTheIndex checks the Stage hook: an Open that must
// build the index says so, one that loads a snapshot says nothing.
func TestOpenSaysItBuildsTheIndex(t *testing.T) {
	dir := t.TempDir()
	f := open(t, dir)
	if _, err := f.arch.Ingest(t.Context(), parse(t, issue)); err != nil {
		t.Fatal(err)
	}
	f.close(t)
	stages := func() []string {
		t.Helper()
		db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var said []string
		arch, err := archive.Open(t.Context(), db, &countingEmbedder{Builtin: embed.NewBuiltin(256)}, archive.Config{
			SnapshotPath: filepath.Join(dir, "index.hnsw"),
			Stage:        func(s string) { said = append(said, s) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := arch.Close(); err != nil {
			t.Fatal(err)
		}
		return said
	}
	if said := stages(); len(said) != 0 {
		t.Fatalf("an Open from a snapshot said %q", said)
	}
	if err := os.Remove(filepath.Join(dir, "index.hnsw")); err != nil {
		t.Fatal(err)
	}
	if said := stages(); len(said) != 1 || said[0] != "building the index from the store (3 items)" {
		t.Fatalf("an Open without a snapshot said %q", said)
	}
}

// TestOtherEmbedderIsRefused opens an archive holding vectors with other
// dims: refused. An archive that holds none takes any embedder.
func TestOtherEmbedderIsRefused(t *testing.T) {
	dir := t.TempDir()
	f := open(t, dir)
	f.close(t)
	reopen := func(dims int) error {
		db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		arch, err := archive.Open(t.Context(), db, embed.NewBuiltin(dims), archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
		if err == nil {
			err = arch.Close()
		}
		return err
	}
	if err := reopen(128); err != nil {
		t.Fatalf("an empty archive with other dims: %v", err)
	}
	f = open(t, dir)
	if _, err := f.arch.Ingest(t.Context(), parse(t, "date 2025-01 Un\n\nUn paragraphe.\n")); err != nil {
		t.Fatal(err)
	}
	f.close(t)
	if err := reopen(128); err == nil || !strings.Contains(err.Error(), "re-ingest") {
		t.Fatalf("opening with other dims: %v", err)
	}
}

func TestRangeFilters(t *testing.T) {
	f := open(t, t.TempDir())
	defer f.close(t)
	for _, text := range []string{
		"date 2025-01 Un\n\nUn\n\nDeepSeek publie R1 en janvier.\n",
		"date 2025-02-14 Deux\n\nDeux\n\nDeepSeek est interdit en Italie.\n",
		"date 2025-03 Trois\n\nTrois\n\nDeepSeek publie une mise à jour.\n",
	} {
		if _, err := f.arch.Ingest(t.Context(), parse(t, text)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		r    archive.Range
		want []string
	}{
		{archive.Range{}, []string{"2025-01", "2025-02-14", "2025-03"}},
		{archive.Range{From: "2025-02"}, []string{"2025-02-14", "2025-03"}},
		{archive.Range{To: "2025-02"}, []string{"2025-01", "2025-02-14"}},
		{archive.Range{From: "2025-02-15"}, []string{"2025-03"}},
		{archive.Range{From: "2025-02-14", To: "2025-02-14"}, []string{"2025-02-14"}},
		{archive.Range{From: "2025-03-10", To: "2025-03-10"}, []string{"2025-03"}},
		{archive.Range{From: "2024-01", To: "2024-12"}, nil},
	}
	for _, tt := range tests {
		hits, err := f.arch.Search(t.Context(), archive.Query{Text: "DeepSeek", K: 10, Range: tt.r})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Date)
		}
		if !sameSet(got, tt.want) {
			t.Errorf("range %+v: dates %v, want %v", tt.r, got, tt.want)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestSearchModesAndHighlights(t *testing.T) {
	f := open(t, t.TempDir())
	defer f.close(t)
	if _, err := f.arch.Ingest(t.Context(), parse(t, issue)); err != nil {
		t.Fatal(err)
	}
	for _, m := range []archive.Mode{archive.Hybrid, archive.Vector, archive.Lexical} {
		t.Run(string(m), func(t *testing.T) {
			hits, err := f.arch.Search(t.Context(), archive.Query{Text: "cybersécurité Wiz", K: 2, Mode: m})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || !strings.Contains(hits[0].Text, "Wiz") {
				t.Fatalf("first hit %+v", hits)
			}
			h := hits[0].Highlight
			if h == nil || !strings.Contains(h.Text, "Wiz") || hits[0].Text[h.Start:h.End] != h.Text || len(h.Matches) == 0 {
				t.Fatalf("highlight %+v", h)
			}
			for _, m := range h.Matches {
				if w := hits[0].Text[m[0]:m[1]]; w != "Wiz" && w != "cybersécurité" {
					t.Errorf("match %q", w)
				}
			}
		})
	}
	if hits, _ := f.arch.Search(t.Context(), archive.Query{Text: "zzzz", K: 5, Mode: archive.Lexical}); len(hits) != 0 {
		t.Fatalf("lexical search for an unknown word: %+v", hits)
	}
	if _, err := f.arch.Search(t.Context(), archive.Query{Text: "x", K: 5, Mode: "magic"}); err == nil {
		t.Fatal("unknown mode accepted")
	}
}

// TestCollapseKeepsK searches with Collapse for a word that one story, told
// again word for word in four issues, holds three times and two other
// stories once: the four copies fold into one hit and the other stories
// fill the K asked.
func TestCollapseKeepsK(t *testing.T) {
	f := open(t, t.TempDir())
	defer f.close(t)
	story := "Le zeppelin de Friedrichshafen reprend ses vols : un zeppelin neuf, le plus grand zeppelin du lac."
	for i, date := range []string{"2025-01", "2025-02", "2025-03", "2025-04"} {
		text := fmt.Sprintf("date %s Numéro %d\n\n%s\n", date, i, story)
		if _, err := f.arch.Ingest(t.Context(), parse(t, text)); err != nil {
			t.Fatal(err)
		}
	}
	for _, text := range []string{
		"date 2025-05 Les ports\n\nLe port de Hambourg agrandit ses quais pour les porte-conteneurs, loin de tout zeppelin.\n",
		"date 2025-06 Les trains\n\nLa ligne de train vers Munich rouvre après deux ans de travaux, bien plus vite qu’un zeppelin.\n",
	} {
		if _, err := f.arch.Ingest(t.Context(), parse(t, text)); err != nil {
			t.Fatal(err)
		}
	}
	for _, mode := range []archive.Mode{archive.Lexical, archive.Hybrid} {
		hits, err := f.arch.Search(t.Context(), archive.Query{Text: "zeppelin", K: 2, Mode: mode, Collapse: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 2 || hits[0].Text != story || len(hits[0].AlsoIn) != 3 {
			t.Fatalf("%s: %d hits %+v; want the folded story and another", mode, len(hits), hits)
		}
	}
}

// TestRedatedEntry stores a feed entry, then the same entry with its date
// corrected: date filters find it at its new date only, also after the
// archive is opened again from its snapshots.
func TestRedatedEntry(t *testing.T) {
	dir := t.TempDir()
	f := open(t, dir)
	feed := func(date string) ingest.Document {
		rss := `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>https://blog.example.org/</link>` +
			`<item><guid>https://blog.example.org/p1</guid><title>Le zeppelin reprend ses vols</title><pubDate>` + date + `</pubDate>` +
			`<description>Le zeppelin de Friedrichshafen reprend ses vols commerciaux au-dessus du lac.</description></item></channel></rss>`
		docs, err := ingest.Parse("blog.xml", []byte(rss), ingest.FormatFeed)
		if err != nil || len(docs) != 1 {
			t.Fatalf("feed: %v, %d documents", err, len(docs))
		}
		return docs[0]
	}
	if _, err := f.arch.Ingest(t.Context(), feed("Mon, 03 Mar 2025 08:00:00 GMT")); err != nil {
		t.Fatal(err)
	}
	res, err := f.arch.Ingest(t.Context(), feed("Sun, 16 Mar 2025 08:00:00 GMT"))
	if err != nil || res.Changed != 1 || res.Embedded != 0 {
		t.Fatalf("re-dated: %+v, %v; want one item changed and nothing embedded", res, err)
	}
	found := func(day string) int {
		t.Helper()
		hits, err := f.arch.Search(t.Context(), archive.Query{Text: "zeppelin", K: 5, Mode: archive.Hybrid, Range: archive.Range{From: day, To: day}})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits)
	}
	for round := range 2 {
		if n, m := found("2025-03-16"), found("2025-03-03"); n != 1 || m != 0 {
			t.Fatalf("round %d: %d hits on the new date, %d on the old", round, n, m)
		}
		f.close(t)
		f = open(t, dir)
	}
	f.close(t)
}
