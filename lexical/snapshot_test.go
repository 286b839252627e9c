package lexical

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// snapshotIndex returns an index of a few hundred generated items with
// some deleted, so that dead slots, repeated terms, forms and pairs all
// reach the snapshot.
func snapshotIndex(t *testing.T, cfg Config) *Index {
	t.Helper()
	ix := New(cfg)
	words := []string{"Mistral", "modèle", "modèles", "lève", "millions", "d'euros", "Paris", "l'État",
		"inférence", "coût", "5,6", "ouvert", "Llama", "jetons", "puces", "Nvidia", "européen", "données"}
	r := rand.New(rand.NewPCG(1, 2))
	for id := range uint32(300) {
		text := ""
		for range 5 + r.IntN(20) {
			text += words[r.IntN(len(words))] + " "
		}
		ix.Add(id, fmt.Sprintf("Titre %d %s", id%7, words[id%uint32(len(words))]), text)
	}
	for id := uint32(0); id < 300; id += 9 {
		ix.Delete(id)
	}
	return ix
}

func snapshot(t *testing.T, ix *Index) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := ix.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func TestSnapshotRoundTrip(t *testing.T) {
	ix := snapshotIndex(t, Config{})
	data := snapshot(t, ix)
	got, err := ReadIndex(bytes.NewReader(data), int64(len(data)), Config{})
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"Mistral lève des millions", "modèles ouverts", "coût de l'inférence 5.6", "puces Nvidia", "État européen", "Titre 3"}
	same := func(when string) {
		t.Helper()
		if got.Len() != ix.Len() {
			t.Fatalf("%s: Len %d, want %d", when, got.Len(), ix.Len())
		}
		for _, q := range queries {
			if a, b := ix.Search(q, 20, nil), got.Search(q, 20, nil); !slices.Equal(a, b) {
				t.Fatalf("%s: search %q: %v, want %v", when, q, b, a)
			}
		}
	}
	same("after ReadIndex")
	// The copy goes on like the original: adds, replacements and enough
	// deletes to compact.
	for _, x := range []*Index{ix, got} {
		x.Add(1000, "Nvidia", "Nvidia vend des puces à Paris.")
		x.Add(5, "Nouveau", "Le modèle ouvert remplace l'ancien.")
		for id := uint32(1); id < 300; id += 2 {
			x.Delete(id)
		}
	}
	same("after adds and deletes")
}

// TestSnapshotDeterministic checks that an index gives the same bytes every
// time, and so does another built the same way: its dictionaries, maps, are
// written in a fixed order.
func TestSnapshotDeterministic(t *testing.T) {
	ix := snapshotIndex(t, Config{})
	want := snapshot(t, ix)
	for range 4 {
		if got := snapshot(t, ix); !bytes.Equal(got, want) {
			t.Fatal("the same index wrote different snapshots")
		}
	}
	if got := snapshot(t, snapshotIndex(t, Config{})); !bytes.Equal(got, want) {
		t.Fatal("two indexes built the same way wrote different snapshots")
	}
}

func TestSnapshotStale(t *testing.T) {
	data := snapshot(t, snapshotIndex(t, Config{}))
	for _, cfg := range []Config{
		{FieldWeights: []float64{3, 1}},
		{Pairs: -1},
		{Exact: -1},
	} {
		if _, err := ReadIndex(bytes.NewReader(data), int64(len(data)), cfg); !errors.Is(err, ErrStale) {
			t.Errorf("config %+v: %v, want ErrStale", cfg, err)
		}
	}
	// A snapshot of format 1, whose pairs were lists, is rebuilt, not read.
	v1 := slices.Clone(data)
	copy(v1, snapMagic1)
	if _, err := ReadIndex(bytes.NewReader(v1), int64(len(v1)), Config{}); !errors.Is(err, ErrStale) {
		t.Errorf("format 1: %v, want ErrStale", err)
	}
	// Scoring settings do not change what is indexed.
	if _, err := ReadIndex(bytes.NewReader(data), int64(len(data)), Config{K1: 1.5, B: 0.5, Names: 2, Exact: 0.8, Pairs: 0.1}); err != nil {
		t.Errorf("other scoring settings: %v", err)
	}
}

func TestSnapshotCorrupt(t *testing.T) {
	ix := New(Config{})
	ix.Add(1, "Mistral", "Mistral lève 600 millions d'euros à Paris.")
	ix.Add(2, "", "Le modèle ouvert de Meta.")
	ix.Delete(1)
	ix.Add(3, "Nvidia", "Les puces de Nvidia.")
	data := snapshot(t, ix)
	check := func(name string, b []byte) {
		t.Helper()
		_, err := ReadIndex(bytes.NewReader(b), int64(len(b)), Config{})
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrStale) {
			t.Errorf("%s: %v, want ErrCorrupt or ErrStale", name, err)
		}
	}
	for n := range len(data) {
		check(fmt.Sprintf("truncated to %d bytes", n), data[:n])
	}
	for i := range data {
		for _, bit := range []byte{0x01, 0x80} {
			b := slices.Clone(data)
			b[i] ^= bit
			check(fmt.Sprintf("byte %d ^ %#x", i, bit), b)
		}
	}
}
