package vectorindex

import (
	"math"
	"slices"
	"testing"
)

// TestAdmit checks how a full int8-mode link list takes a new node, on a
// node at e1 whose four links are 0.9, 0.8, 0.7 and 0.6 similar to it.
func TestAdmit(t *testing.T) {
	unit := func(v ...float32) []float32 {
		var ss float32
		for _, x := range v {
			ss += x * x
		}
		inv := 1 / float32(math.Sqrt(float64(ss)))
		for i := range v {
			v[i] *= inv
		}
		return v
	}
	vecs := [][]float32{
		unit(1, 0, 0, 0),
		unit(0.9, 0.436, 0, 0),
		unit(0.8, 0, 0.6, 0),
		unit(0.7, -0.714, 0, 0),
		unit(0.6, 0, -0.8, 0),
		// The new nodes, one a case.
		unit(0.85, 0.527, 0, 0),    // 5: the first link is closer to it than the node is: left out
		unit(0.75, -0.5, -0.43, 0), // 6: closer to the last two links than they are to the node: replaces both
		unit(0.65, 0, 0, 0.76),     // 7: a new direction, more similar than the last link: replaces it
		unit(0.5, 0, 0, 0.866),     // 8: a new direction, less similar than every link: left out
	}
	for _, tt := range []struct {
		in   uint32
		want []uint32
	}{
		{5, []uint32{1, 2, 3, 4}},
		{6, []uint32{1, 2, 6}},
		{7, []uint32{1, 2, 3, 7}},
		{8, []uint32{1, 2, 3, 4}},
	} {
		ix, err := New(Config{Dims: 4, M: 2, Quantization: quantInt8})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vecs {
			if err := ix.Add(uint32(i), v); err != nil {
				t.Fatal(err)
			}
		}
		sl := ix.slab(0, 0)
		if len(sl) != 5 {
			t.Fatalf("layer 0 holds %d links, want 4", len(sl)-1)
		}
		copy(sl, []uint32{4, 1, 2, 3, 4})
		ix.linkSims(0, 0)[0] = 0 // unknown for the rewritten list
		s := ix.getSearcher()
		ix.insertQuery(s, tt.in)
		ix.connect(s, 0, tt.in, dot(ix.vec(0), ix.vec(tt.in)), 0)
		got := slices.Clone(sl[1 : 1+sl[0]])
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("node %d: links %v, want %v", tt.in, got, tt.want)
		}
	}
}
