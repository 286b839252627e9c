package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/veille/veille/ingest"
)

func mustOpen(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(dir, Options{GCInterval: -1})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func doc(issueID, date string, texts ...string) ingest.Document {
	d := ingest.Document{Issue: ingest.Issue{ID: issueID, Date: date, Hash: "h-" + issueID}}
	for i, t := range texts {
		d.Items = append(d.Items, ingest.Item{
			ID: fmt.Sprintf("%s-%s", issueID, t), IssueID: issueID, Ordinal: i, Text: t, Hash: "hash:" + t,
		})
	}
	return d
}

func vectorsFor(items []ingest.Item) map[string][]float32 {
	m := map[string][]float32{}
	for i, it := range items {
		m[it.ID] = []float32{float32(i), float32(len(it.Text)), 1}
	}
	return m
}

func ingestDoc(t *testing.T, db *DB, d ingest.Document) (Plan, Change) {
	t.Helper()
	ctx := t.Context()
	p, err := db.Plan(ctx, d)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	ch, err := db.Apply(ctx, d, vectorsFor(p.Embed))
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return p, ch
}

func TestApplyIsIncremental(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()

	p, ch := ingestDoc(t, db, doc("2025-01-a", "2025-01", "alpha", "beta", "gamma"))
	if len(p.Embed) != 3 || len(ch.Added) != 3 || !ch.Created {
		t.Fatalf("first ingest: plan %d, added %d, created %v", len(p.Embed), len(ch.Added), ch.Created)
	}
	p, ch = ingestDoc(t, db, doc("2025-01-a", "2025-01", "alpha", "beta", "gamma"))
	if len(p.Embed) != 0 || len(ch.Added) != 0 || len(ch.Removed) != 0 || ch.Unchanged != 3 {
		t.Fatalf("same ingest: plan %d, change %+v", len(p.Embed), ch)
	}
	p, ch = ingestDoc(t, db, doc("2025-01-a", "2025-01", "alpha", "BETA", "gamma"))
	if len(p.Embed) != 1 || p.Embed[0].Text != "BETA" || len(ch.Added) != 1 || len(ch.Removed) != 1 || ch.Unchanged != 2 {
		t.Fatalf("edited one: plan %+v, change %+v", p.Embed, ch)
	}
	iss, items, err := db.Issue(t.Context(), "2025-01-a")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[1].Text != "BETA" || items[1].Date != "2025-01" {
		t.Fatalf("items after edit: %+v", items)
	}
	if info, err := db.IssueInfo(t.Context(), "2025-01-a"); err != nil || !reflect.DeepEqual(info, iss) || info.Hash == "" {
		t.Fatalf("IssueInfo = %+v, %v; want %+v", info, err, iss)
	}
	if _, err := db.IssueInfo(t.Context(), "2025-01-z"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("IssueInfo of a missing issue: %v, want ErrNotFound", err)
	}
	got, err := db.ItemsBySeq(t.Context(), []uint32{items[1].Seq, ch.Removed[0], items[0].Seq})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Text != "BETA" || got[1].Text != "alpha" {
		t.Fatalf("ItemsBySeq skips the removed seq and keeps order: %+v", got)
	}
	if _, err := db.Vector(t.Context(), 0, ch.Removed[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("vector of a replaced item: %v, want ErrNotFound", err)
	}
}

func TestDeleteIssueAndReopen(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	ingestDoc(t, db, doc("a", "2025-01", "one", "two"))
	ingestDoc(t, db, doc("b", "2025-02", "three"))
	ch, err := db.DeleteIssue(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Removed) != 2 {
		t.Fatalf("removed %v, want 2 seqs", ch.Removed)
	}
	if _, err := db.DeleteIssue(t.Context(), "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = mustOpen(t, dir)
	defer db.Close()
	issues, err := db.Issues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 1 || issues[0].ID != "b" || issues[0].Items != 1 {
		t.Fatalf("issues after reopen: %+v", issues)
	}
	if n, err := db.IssueCount(t.Context()); n != 1 || err != nil {
		t.Fatalf("IssueCount = %d, %v; want 1", n, err)
	}
	var vecs int
	if err := db.WalkVectors(t.Context(), func(uint32, []float32) error { vecs++; return nil }); err != nil {
		t.Fatal(err)
	}
	if vecs != 1 {
		t.Fatalf("%d vectors after reopen, want 1", vecs)
	}
	if _, err := db.Item(t.Context(), "a-one"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted item: %v", err)
	}
}

func TestApplyRefusesMissingVectorsAndConflicts(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	d := doc("a", "2025-01", "one", "two")
	if _, err := db.Apply(t.Context(), d, map[string][]float32{"a-one": {1}}); !errors.Is(err, ErrMissingVector) {
		t.Fatalf("Apply without a vector: %v", err)
	}
	var items int
	if err := db.WalkItems(t.Context(), func(Item) error { items++; return nil }); err != nil {
		t.Fatal(err)
	}
	if items != 0 {
		t.Fatalf("a refused Apply left %d items", items)
	}
	ingestDoc(t, db, d)
	other := doc("b", "2025-02")
	other.Items = append(other.Items, ingest.Item{ID: "a-one", IssueID: "b", Text: "x", Hash: "x"})
	if _, err := db.Plan(t.Context(), other); !errors.Is(err, ErrConflict) {
		t.Fatalf("Plan with another issue's item id: %v", err)
	}
}

func TestLargeIssueSpansTransactions(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	texts := make([]string, 6000)
	for i := range texts {
		texts[i] = fmt.Sprintf("paragraph %d", i)
	}
	d := doc("big", "2025-03", texts...)
	p, err := db.Plan(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	vecs := map[string][]float32{}
	for _, it := range p.Embed {
		vecs[it.ID] = make([]float32, 384)
	}
	ch, err := db.Apply(t.Context(), d, vecs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Added) != 6000 {
		t.Fatalf("added %d", len(ch.Added))
	}
	seen := map[uint32]bool{}
	for _, v := range ch.Added {
		if seen[v.Seq] {
			t.Fatalf("seq %d allocated twice", v.Seq)
		}
		seen[v.Seq] = true
	}
}

func TestEmbedderIdentity(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	if _, ok, err := db.Embedder(); ok || err != nil {
		t.Fatalf("empty store has an embedder: %v %v", ok, err)
	}
	a := Embedder{Provider: "builtin", Model: "hash-v1", Dims: 384}
	if err := db.UseEmbedder(a); err != nil {
		t.Fatal(err)
	}
	if err := db.UseEmbedder(a); err != nil {
		t.Fatalf("same embedder again: %v", err)
	}
	// Holding no item, the store takes another embedder.
	b := Embedder{Provider: "openai", Model: "nomic-embed-text", Dims: 768}
	if err := db.UseEmbedder(b); err != nil {
		t.Fatalf("other embedder on an empty store: %v", err)
	}
	ingestDoc(t, db, doc("i1", "2025-01", "Un paragraphe."))
	if err := db.UseEmbedder(a); !errors.Is(err, ErrEmbedderMismatch) {
		t.Fatalf("other embedder on a store with items: %v", err)
	}
	got, ok, err := db.Embedder()
	if err != nil || !ok || got != b {
		t.Fatalf("Embedder() = %v %v %v", got, ok, err)
	}
}

func TestOpenRemovesOrphans(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	w, err := db.newWriter()
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := w.nextSeq()
	if err := w.putItem(Item{Item: ingest.Item{ID: "lost", IssueID: "nowhere"}, Seq: seq}, []float32{1}); err != nil {
		t.Fatal(err)
	}
	if err := w.commit(); err != nil {
		t.Fatal(err)
	}
	crash(t, db)

	db = mustOpen(t, dir)
	defer db.Close()
	if _, err := db.Item(context.Background(), "lost"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("orphan survived reopen: %v", err)
	}
	if _, err := db.Vector(context.Background(), 0, seq); !errors.Is(err, ErrNotFound) {
		t.Fatalf("orphan vector survived reopen: %v", err)
	}
}

// TestApplyRedated stores an issue again under another date, its items
// unchanged: they need no vector, and they go under new seqs with their
// vectors, so that whatever follows seqs follows the date.
func TestApplyRedated(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	_, first := ingestDoc(t, db, doc("feed-1", "2025-03-03", "un", "deux"))
	d := doc("feed-1", "2025-03-16", "un", "deux")
	p, ch := ingestDoc(t, db, d)
	if len(p.Embed) != 0 || ch.Changed != 2 || ch.Unchanged != 0 || len(ch.Added) != 2 || len(ch.Removed) != 2 {
		t.Fatalf("plan %+v, change %+v; want both items re-dated without a vector", p, ch)
	}
	for i, v := range ch.Added {
		if v.Seq == first.Added[i].Seq || v.Date != "2025-03-16" || !slices.Equal(v.Vec, first.Added[i].Vec) {
			t.Fatalf("re-dated item %d: %+v, was %+v", i, v, first.Added[i])
		}
		it, err := db.Item(t.Context(), v.ItemID)
		if err != nil || it.Date != "2025-03-16" || it.Seq != v.Seq {
			t.Fatalf("stored item %+v, %v", it, err)
		}
		vec, err := db.Vector(t.Context(), db.Generation(), v.Seq)
		if err != nil || !slices.Equal(vec, v.Vec) {
			t.Fatalf("vector of the new seq: %v, %v", vec, err)
		}
	}
	if seqs, err := db.Seqs(t.Context()); err != nil || len(seqs) != 2 {
		t.Fatalf("seqs %v, %v; want the two new ones only", seqs, err)
	}
}
