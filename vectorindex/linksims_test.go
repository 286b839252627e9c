package vectorindex

import (
	"math"
	"path/filepath"
	"testing"
)

// TestLinkSimsMatchLinks builds an int8 index with AddBatch, saves and loads
// it, and adds more one by one: wherever a list's similarities are marked
// known, each must be its link's similarity to the node, and every list
// linked by an insert since the Load must know them, as must the older lists
// that filled up since and were pruned.
func TestLinkSimsMatchLinks(t *testing.T) {
	const n, dims = 3000, 32
	vecs := newMixture(21, dims, 12).draw(n)
	ix, err := New(Config{Dims: dims, M: 4, EfConstruction: 40, Quantization: quantInt8})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.AddBatch(seqIDs(n/2), vecs[:n/2]); err != nil {
		t.Fatal(err)
	}
	if known := checkLinkSims(t, ix); known < n/2 {
		t.Fatalf("%d lists know their similarities after AddBatch, want at least %d", known, n/2)
	}
	path := filepath.Join(t.TempDir(), "ix")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	ix, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if known := checkLinkSims(t, ix); known != 0 {
		t.Fatalf("%d lists claim known similarities right after Load", known)
	}
	for i := n / 2; i < n; i++ {
		if err := ix.Add(uint32(3*i+7), vecs[i]); err != nil {
			t.Fatal(err)
		}
	}
	var added, old int
	for in := range uint32(n) {
		for lc := 0; lc <= int(ix.level[in]); lc++ {
			switch known := ix.linkSims(in, lc)[0] != 0; {
			case in >= n/2 && !known && len(ix.neighbours(in, lc)) > 0:
				t.Fatalf("node %d layer %d, added after the Load: similarities unknown", in, lc)
			case in >= n/2:
				added++
			case known:
				old++
			}
		}
	}
	if old == 0 {
		t.Error("no list linked before the Load was pruned since")
	}
	checkLinkSims(t, ix)
	t.Logf("%d lists of added nodes, %d older lists pruned since the Load", added, old)
}

// checkLinkSims fails t for every known link similarity that is not the
// link's, and returns how many lists know theirs.
func checkLinkSims(t *testing.T, ix *Index) int {
	t.Helper()
	known := 0
	for in := range uint32(len(ix.ext)) {
		for lc := 0; lc <= int(ix.level[in]); lc++ {
			ls := ix.linkSims(in, lc)
			if ls[0] == 0 {
				continue
			}
			known++
			for i, nb := range ix.neighbours(in, lc) {
				if want := dot(ix.vec(in), ix.vec(nb)); math.Abs(float64(ls[1+i]-want)) > 1e-5 {
					t.Fatalf("node %d layer %d link %d: similarity %v, want %v", in, lc, nb, ls[1+i], want)
				}
			}
		}
	}
	return known
}
