package store

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/veille/veille/ingest"
)

// derivedOf stands for a deterministic embedder: a vector from the item's
// headline and text alone.
func derivedOf(it ingest.Item) []float32 {
	return []float32{float32(len(it.Headline)), float32(len(it.Text)), 1}
}

// derivedVectors returns derivedOf's vectors of items, by id, as the
// archive hands them to Apply.
func derivedVectors(items []ingest.Item) map[string][]float32 {
	m := map[string][]float32{}
	for _, it := range items {
		m[it.ID] = derivedOf(it)
	}
	return m
}

// storedValues returns the stored value of each vector key of generation
// gen, by seq.
func storedValues(t *testing.T, db *DB, gen uint32) map[uint32][]byte {
	t.Helper()
	out := map[uint32][]byte{}
	p := vecPrefix(gen)
	err := db.bdb.View(func(txn *badger.Txn) error {
		return iterate(txn, p, func(k, v []byte) error {
			out[binary.BigEndian.Uint32(k[len(p):])] = append([]byte(nil), v...)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDerivedVectors: with a deriver for the active embedder, Apply stores
// a one-byte mark for each vector, and every read gives the deriver's
// vector: Vector, WalkVectors, and the vector a re-dated item keeps. A
// process that reopens the store without the deriver gets ErrNotDerived
// from those reads, and the vectors again once it sets it.
func TestDerivedVectors(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	e := Embedder{Provider: "builtin", Model: "hash-v1", Dims: 3}
	if err := db.UseEmbedder(e); err != nil {
		t.Fatal(err)
	}
	if err := db.DeriveVectors(e, derivedOf); err != nil {
		t.Fatal(err)
	}
	d := doc("a", "2025-01", "one", "three")
	d.Items[0].Headline = "Head"
	if _, err := db.Apply(t.Context(), d, derivedVectors(d.Items)); err != nil {
		t.Fatal(err)
	}
	values := storedValues(t, db, 0)
	if len(values) != len(d.Items) {
		t.Fatalf("%d vectors stored, want %d", len(values), len(d.Items))
	}
	for seq, v := range values {
		if !isDerived(v) {
			t.Errorf("seq %d: stored %d bytes, want the derived mark", seq, len(v))
		}
	}
	checkDerived := func(db *DB, d ingest.Document) {
		t.Helper()
		walked := 0
		err := db.WalkVectors(t.Context(), func(seq uint32, v []float32) error {
			walked++
			one, err := db.Vector(t.Context(), 0, seq)
			if err != nil {
				return err
			}
			if !sameBits(one, v) {
				t.Errorf("seq %d: Vector %v, WalkVectors %v", seq, one, v)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if walked != len(d.Items) {
			t.Fatalf("walked %d vectors, want %d", walked, len(d.Items))
		}
		for _, want := range d.Items {
			it, err := db.Item(t.Context(), want.ID)
			if err != nil {
				t.Fatal(err)
			}
			v, err := db.Vector(t.Context(), 0, it.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if !sameBits(v, derivedOf(want)) {
				t.Errorf("%s: vector %v, want %v", want.ID, v, derivedOf(want))
			}
		}
	}
	checkDerived(db, d)

	// Re-dated, the items move to new seqs with their vectors, derived
	// from the stored items, not embedded again (nil vectors given).
	d.Issue.Date = "2025-02"
	ch, err := db.Apply(t.Context(), d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Changed != 2 || len(ch.Added) != 2 {
		t.Fatalf("re-dated: changed %d, added %d, want 2 and 2", ch.Changed, len(ch.Added))
	}
	for i, v := range ch.Added {
		if !sameBits(v.Vec, derivedOf(d.Items[i])) {
			t.Errorf("re-dated %s: change carries %v, want %v", v.ItemID, v.Vec, derivedOf(d.Items[i]))
		}
	}
	checkDerived(db, d)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = mustOpen(t, dir)
	defer db.Close()
	it, err := db.Item(t.Context(), d.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Vector(t.Context(), 0, it.Seq); !errors.Is(err, ErrNotDerived) {
		t.Errorf("Vector without a deriver: %v, want ErrNotDerived", err)
	}
	if err := db.WalkVectors(t.Context(), func(uint32, []float32) error { return nil }); !errors.Is(err, ErrNotDerived) {
		t.Errorf("WalkVectors without a deriver: %v, want ErrNotDerived", err)
	}
	if err := db.DeriveVectors(e, derivedOf); err != nil {
		t.Fatal(err)
	}
	checkDerived(db, d)
}

// TestDeriveVectorsOfAnotherEmbedder: a deriver for an embedder that is not
// the active one changes nothing: vectors are stored as given.
func TestDeriveVectorsOfAnotherEmbedder(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	if err := db.UseEmbedder(Embedder{Provider: "openai", Model: "m", Dims: 3}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeriveVectors(Embedder{Provider: "builtin", Model: "hash-v1", Dims: 3}, derivedOf); err != nil {
		t.Fatal(err)
	}
	d := doc("a", "2025-01", "one", "two")
	_, ch := ingestDoc(t, db, d)
	values := storedValues(t, db, 0)
	for _, v := range ch.Added {
		b := values[v.Seq]
		if isDerived(b) {
			t.Fatalf("seq %d stored as a mark under another embedder", v.Seq)
		}
		got, err := decodeVector(b)
		if err != nil || !sameBits(got, v.Vec) {
			t.Errorf("seq %d: stored %v (%v), want %v", v.Seq, got, err, v.Vec)
		}
	}
}
