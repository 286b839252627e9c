package vectorindex

import (
	"slices"
	"testing"
)

// TestBatchesGrowNodesIntact feeds an index batch after batch, as the
// archive's ingest does, well past the size where node blocks move to a
// mapped arena (16,384 nodes of 256 bytes here), which then grows three
// times by mremap. Every stored vector and link list must survive the
// moves: vectors read back exactly, and each vector finds itself among
// its ten nearest.
func TestBatchesGrowNodesIntact(t *testing.T) {
	const dims, n, batch = 32, 40000, 500
	ix, err := New(Config{Dims: dims, M: 8, EfConstruction: 40})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(3, dims, n/50).draw(n)
	ids := seqIDs(n)
	for lo := 0; lo < n; lo += batch {
		if err := ix.AddBatch(ids[lo:lo+batch], vecs[lo:lo+batch]); err != nil {
			t.Fatal(err)
		}
	}
	if ix.arena.mem == nil {
		t.Fatal("the nodes are not in a mapped arena: the test proves nothing")
	}
	for i, v := range vecs {
		if in := ix.byExt[ids[i]]; !slices.Equal(ix.vec(in), v) {
			t.Fatalf("vector of node %d changed while the nodes grew", i)
		}
	}
	missed := 0
	for i := 0; i < n; i += 7 {
		hits, err := ix.SearchEf(vecs[i], 10, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(hits, func(h Hit) bool { return h.ID == ids[i] }) {
			missed++
		}
	}
	if missed > n/7/100 {
		t.Errorf("%d of %d vectors did not find themselves", missed, n/7)
	}
}
