package vectorindex

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestBatchesGrowNodesIntact feeds an index batch after batch, as the
// archive's ingest does, well past the sizes where node blocks (1,152
// bytes a node here in float32 mode), int8 codes (256 bytes) or float
// vectors (1,024 bytes) and link similarities (132 bytes) move to mapped
// arenas, which then grow by mremap. Every stored vector, code, link list
// and link similarity must survive the moves: vectors and codes read back
// exactly, known similarities are their links', and nearly every vector
// finds itself among its ten nearest.
func TestBatchesGrowNodesIntact(t *testing.T) {
	const dims, n, batch = 256, 40000, 500
	vecs := newMixture(3, dims, n/50).draw(n)
	ids := seqIDs(n)
	for _, quant := range []string{quantFloat32, quantInt8} {
		t.Run(quant, func(t *testing.T) {
			ix, err := New(Config{Dims: dims, M: 16, EfConstruction: 64, Quantization: quant})
			if err != nil {
				t.Fatal(err)
			}
			for lo := 0; lo < n; lo += batch {
				if err := ix.AddBatch(ids[lo:lo+batch], vecs[lo:lo+batch]); err != nil {
					t.Fatal(err)
				}
			}
			if ix.arena.mem == nil || ix.side.mem == nil || ix.int8 && ix.sims.mem == nil {
				t.Fatal("the nodes, codes, vectors or similarities are not in a mapped arena: the test proves nothing")
			}
			codes := make([]byte, ix.codeLen)
			for i, v := range vecs {
				in := ix.byExt[ids[i]]
				if !slices.Equal(ix.vec(in), v) {
					t.Fatalf("vector of node %d changed while the nodes grew", i)
				}
				ix.quant.encode(v, codes)
				if o := ix.codeOff(in); !slices.Equal(ix.codes[o:o+ix.codeLen], codes) {
					t.Fatalf("codes of node %d changed while they grew", i)
				}
			}
			if ix.int8 {
				if known := checkLinkSims(t, ix); known < n/2 {
					t.Errorf("%d lists know their similarities, want at least %d", known, n/2)
				}
			}
			missed := 0
			for i := 0; i < n; i += 7 {
				hits, err := ix.SearchEf(vecs[i], 10, 200, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.ContainsFunc(hits, func(h Hit) bool { return h.ID == ids[i] }) {
					missed++
				}
			}
			if missed > n/7/20 { // a damaged graph would lose far more
				t.Errorf("%d of %d vectors did not find themselves", missed, n/7)
			}
		})
	}
}

// TestInt8FloatsGrowIntact feeds an int8 index batch after batch past the
// size where its float vectors move to a mapped arena (4 MiB here), then
// saves and loads it: every vector must read back exactly, before and
// after.
func TestInt8FloatsGrowIntact(t *testing.T) {
	const dims, n, batch = 256, 6000, 500
	ix, err := New(Config{Dims: dims, M: 8, EfConstruction: 40, Quantization: "int8"})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(5, dims, 60).draw(n)
	ids := seqIDs(n)
	for lo := 0; lo < n; lo += batch {
		if err := ix.AddBatch(ids[lo:lo+batch], vecs[lo:lo+batch]); err != nil {
			t.Fatal(err)
		}
	}
	if ix.side.mem == nil {
		t.Fatal("the float vectors are not in a mapped arena: the test proves nothing")
	}
	check := func(ix *Index, when string) {
		for i, v := range vecs {
			if in := ix.byExt[ids[i]]; !slices.Equal(ix.vec(in), v) {
				t.Fatalf("%s: vector of node %d changed", when, i)
			}
		}
	}
	check(ix, "after the batches")
	path := filepath.Join(t.TempDir(), "ix")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	check(loaded, "after a load")
	if err := loaded.Add(uint32(n), vecs[0]); err != nil {
		t.Fatal(err)
	}
	check(loaded, "after growing the loaded index")
}
