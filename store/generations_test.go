package store

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestGenerations(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	ctx := t.Context()
	old := Embedder{Provider: "builtin", Model: "a", Dims: 3}
	next := Embedder{Provider: "builtin", Model: "b", Dims: 2}
	if err := db.UseEmbedder(old); err != nil {
		t.Fatal(err)
	}
	_, ch := ingestDoc(t, db, doc("2025-01-a", "2025-01", "alpha", "beta", "gamma"))
	seqs := []uint32{ch.Added[0].Seq, ch.Added[1].Seq, ch.Added[2].Seq}

	if _, err := db.Begin(old, "j0", time.Now()); !errors.Is(err, ErrEmbedderMismatch) {
		t.Fatalf("Begin with the active embedder: %v", err)
	}
	g, err := db.Begin(next, "j1", time.Now())
	if err != nil || g.Gen != 1 || g.Job != "j1" {
		t.Fatalf("Begin: %+v, %v", g, err)
	}
	if again, err := db.Begin(next, "j2", time.Now()); err != nil || again.Gen != 1 || again.Job != "j1" {
		t.Fatalf("Begin again for the same embedder resumes: %+v, %v", again, err)
	}
	if n, err := db.PutVectors(ctx, g.Gen, seqs[:2], [][]float32{{1, 0}, {0, 1}}); err != nil || n != 2 {
		t.Fatalf("PutVectors: %d, %v", n, err)
	}
	if missing, err := db.Missing(ctx, g.Gen); err != nil || !slices.Equal(missing, seqs[2:]) {
		t.Fatalf("Missing = %v, %v; want %v", missing, err, seqs[2:])
	}

	// Changing an item deletes its vectors in both generations; the new
	// version is missing from the one being built.
	_, ch = ingestDoc(t, db, doc("2025-01-a", "2025-01", "ALPHA", "beta", "gamma"))
	if _, err := db.Vector(ctx, g.Gen, seqs[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("next-generation vector of a replaced item: %v", err)
	}
	missing, err := db.Missing(ctx, g.Gen)
	if err != nil || len(missing) != 2 || !slices.Contains(missing, ch.Added[0].Seq) {
		t.Fatalf("Missing after a change = %v, %v", missing, err)
	}
	// A vector for an item deleted meanwhile is not written.
	if n, err := db.PutVectors(ctx, g.Gen, []uint32{seqs[0], ch.Added[0].Seq, seqs[2]}, [][]float32{{1, 1}, {1, 0}, {0, 1}}); err != nil || n != 2 {
		t.Fatalf("PutVectors with a deleted item: %d, %v", n, err)
	}
	if err := db.Switch(g.Gen + 1); !errors.Is(err, ErrNoGeneration) {
		t.Fatalf("Switch to a generation not being built: %v", err)
	}

	// Switch: the new embedder and generation serve, also after a reopen,
	// and the old vectors are gone.
	if err := db.Switch(g.Gen); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutVectors(ctx, g.Gen, seqs[2:], [][]float32{{1, 1}}); !errors.Is(err, ErrNoGeneration) {
		t.Fatalf("PutVectors after the switch: %v", err)
	}
	if err := db.DropOld(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = mustOpen(t, dir)
	defer db.Close()
	if e, _, _ := db.Embedder(); e != next || db.Generation() != 1 {
		t.Fatalf("after reopen: embedder %v, generation %d", e, db.Generation())
	}
	var got []uint32
	if err := db.WalkVectors(ctx, func(seq uint32, v []float32) error {
		got = append(got, seq)
		if len(v) != 2 {
			t.Errorf("vector %d has %d dims", seq, len(v))
		}
		return nil
	}); err != nil || len(got) != 3 {
		t.Fatalf("active vectors %v, %v", got, err)
	}
	n := 0
	if err := db.WalkGeneration(ctx, 0, func(uint32, []float32) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("%d old vectors left, %v", n, err)
	}

	// Beginning for one embedder and then another abandons the first.
	third := Embedder{Provider: "builtin", Model: "c", Dims: 2}
	g2, err := db.Begin(old, "j3", time.Now())
	if err != nil || g2.Gen != 2 {
		t.Fatalf("Begin back to the old model: %+v, %v", g2, err)
	}
	if _, err := db.PutVectors(ctx, g2.Gen, got, [][]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	g3, err := db.Begin(third, "j4", time.Now())
	if err != nil || g3.Gen != 3 {
		t.Fatalf("Begin for a third model: %+v, %v", g3, err)
	}
	if err := db.DropOld(); err != nil {
		t.Fatal(err)
	}
	n = 0
	if err := db.WalkGeneration(ctx, g2.Gen, func(uint32, []float32) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("%d vectors of the abandoned generation left, %v", n, err)
	}
	if cur, ok, _ := db.Next(); !ok || cur.Gen != 3 || cur.Embedder != third {
		t.Fatalf("Next = %+v, %v", cur, ok)
	}
}
