package archive_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/lexical"
	"github.com/veille/veille/store"
)

// logged opens the archive in dir with cfg and returns it with its log.
func logged(t *testing.T, dir string, cfg archive.Config) (*fixture, *bytes.Buffer) {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cfg.SnapshotPath = filepath.Join(dir, "index.hnsw")
	cfg.Logger = slog.New(slog.NewTextHandler(&log, nil))
	emb := &countingEmbedder{Builtin: embed.NewBuiltin(256)}
	arch, err := archive.Open(t.Context(), db, emb, cfg)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return &fixture{dir: dir, db: db, arch: arch, emb: emb}, &log
}

// lexicalIDs returns the ids of a lexical search for query.
func lexicalIDs(t *testing.T, a *archive.Archive, query string) []string {
	t.Helper()
	hits, err := a.Search(t.Context(), archive.Query{Text: query, K: 20, Mode: archive.Lexical})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ID+" "+h.Date)
	}
	slices.Sort(ids)
	return ids
}

const (
	issueA = "date 2025-01-06 Mistral\n\nMistral\n\nMistral lève 600 millions d'euros à Paris.\n\nLa start-up vise les entreprises européennes.\n"
	issueB = "date 2025-02-03 Nvidia\n\nNvidia\n\nNvidia vend ses puces à Mistral et à d'autres.\n"
	issueC = "date 2025-03-03 Meta\n\nMeta\n\nMeta publie un modèle ouvert que Mistral commente.\n"
)

// TestCatalogSnapshot follows the catalog snapshot through a clean restart,
// a crash (no Close) after more writes, damage and other lexical settings,
// checking each time which path Open took and that lexical search and the
// date catalog match the store.
func TestCatalogSnapshot(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	f, _ := logged(t, dir, archive.Config{})
	var b string
	for _, text := range []string{issueA, issueB} {
		res, err := f.arch.Ingest(ctx, parse(t, text))
		if err != nil {
			t.Fatal(err)
		}
		b = res.IssueID
	}
	want := lexicalIDs(t, f.arch, "Mistral")
	if len(want) != 3 {
		t.Fatalf("before restart: %v, want the 3 items", want)
	}
	f.close(t)
	snap := filepath.Join(dir, "index.hnsw.catalog")
	saved, err := os.Stat(snap)
	if err != nil {
		t.Fatalf("no catalog snapshot after Close: %v", err)
	}

	f, log := logged(t, dir, archive.Config{})
	if !strings.Contains(log.String(), "catalog loaded") || !strings.Contains(log.String(), "added=0 removed=0") {
		t.Fatalf("clean restart did not use the snapshot as it was:\n%s", log)
	}
	if got := lexicalIDs(t, f.arch, "Mistral"); !slices.Equal(got, want) {
		t.Fatalf("after a clean restart: %v, want %v", got, want)
	}
	f.close(t)
	if st, err := os.Stat(snap); err != nil || !st.ModTime().Equal(saved.ModTime()) {
		t.Errorf("an unchanged catalog was written again (%v)", err)
	}

	// More writes, then a crash: the store moves on, the snapshot does not.
	f, _ = logged(t, dir, archive.Config{})
	if _, err := f.arch.Ingest(ctx, parse(t, issueC)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.arch.DeleteIssue(ctx, b); err != nil {
		t.Fatal(err)
	}
	want = lexicalIDs(t, f.arch, "Mistral")
	newest, _ := f.arch.Newest(ctx)
	if len(want) != 3 || !strings.Contains(strings.Join(want, " "), "2025-03-03") || newest != "2025-03-03" {
		t.Fatalf("after the writes: %v, newest %q", want, newest)
	}
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}

	f, log = logged(t, dir, archive.Config{})
	if !strings.Contains(log.String(), "added=1 removed=1") {
		t.Fatalf("restart after a crash did not reconcile the snapshot:\n%s", log)
	}
	if got := lexicalIDs(t, f.arch, "Mistral"); !slices.Equal(got, want) {
		t.Fatalf("after a crash: %v, want %v", got, want)
	}
	if got, _ := f.arch.Newest(ctx); got != newest {
		t.Fatalf("newest after a crash: %q, want %q", got, newest)
	}
	f.close(t)

	// Damage: rebuilt from the items.
	data, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x10
	if err := os.WriteFile(snap, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, log = logged(t, dir, archive.Config{})
	if !strings.Contains(log.String(), "catalog snapshot unusable") {
		t.Fatalf("a damaged snapshot was not rebuilt:\n%s", log)
	}
	if got := lexicalIDs(t, f.arch, "Mistral"); !slices.Equal(got, want) {
		t.Fatalf("after damage: %v, want %v", got, want)
	}
	f.close(t)

	// Other lexical settings: stale, rebuilt, and saved with them.
	other := archive.Config{Lexical: lexical.Config{FieldWeights: []float64{3, 1}}}
	f, log = logged(t, dir, other)
	if !strings.Contains(log.String(), "stale snapshot") {
		t.Fatalf("a snapshot with other field weights was used:\n%s", log)
	}
	if got := lexicalIDs(t, f.arch, "Mistral"); !slices.Equal(got, want) {
		t.Fatalf("with other settings: %v, want %v", got, want)
	}
	f.close(t)
	f, log = logged(t, dir, other)
	defer f.close(t)
	if !strings.Contains(log.String(), "catalog loaded") {
		t.Fatalf("the rebuilt snapshot was not saved:\n%s", log)
	}
}

// TestCatalogSnapshotDeterministic checks that two archives given the same
// issues in the same order write the same catalog snapshot, byte for byte.
func TestCatalogSnapshotDeterministic(t *testing.T) {
	var snaps [][]byte
	for range 2 {
		dir := t.TempDir()
		f, _ := logged(t, dir, archive.Config{})
		for _, text := range []string{issueA, issueB, issueC} {
			if _, err := f.arch.Ingest(t.Context(), parse(t, text)); err != nil {
				t.Fatal(err)
			}
		}
		f.close(t)
		data, err := os.ReadFile(filepath.Join(dir, "index.hnsw.catalog"))
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, data)
	}
	if !bytes.Equal(snaps[0], snaps[1]) {
		t.Fatalf("the same issues gave different catalog snapshots (%d and %d bytes)", len(snaps[0]), len(snaps[1]))
	}
}
