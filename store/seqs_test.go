package store

import (
	"slices"
	"testing"
)

func TestSeqs(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	if seqs, err := db.Seqs(t.Context()); err != nil || len(seqs) != 0 {
		t.Fatalf("empty store: %v %v", seqs, err)
	}
	ingestDoc(t, db, doc("a", "2025-01", "un", "deux", "trois"))
	ingestDoc(t, db, doc("b", "2025-02", "quatre"))
	ingestDoc(t, db, doc("a", "2025-01", "un", "trois bis"))
	if _, err := db.DeleteIssue(t.Context(), "b"); err != nil {
		t.Fatal(err)
	}
	var want []uint32
	if err := db.WalkItems(t.Context(), func(it Item) error {
		want = append(want, it.Seq)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	got, err := db.Seqs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || len(got) != 2 {
		t.Fatalf("Seqs = %v, want the 2 items' %v", got, want)
	}
}
