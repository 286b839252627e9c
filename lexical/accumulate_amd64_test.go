//go:build !purego

package lexical

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAccumulateAVX512MatchesGeneric runs both kernels on the same random
// postings, of every length around the 16-posting blocks, and wants the
// same accumulators to the bit and the same touched slots.
func TestAccumulateAVX512MatchesGeneric(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 5000
	lens := make([]float32, n)
	for i := range lens {
		lens[i] = 1 + 200*r.Float32()
	}
	for _, size := range []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 1000, 4999} {
		slots := make([]uint32, 0, size)
		for _, s := range r.Perm(n)[:size] {
			slots = append(slots, uint32(s))
		}
		slices.Sort(slots)
		tfs := make([]uint16, size)
		for i := range tfs {
			tfs[i] = uint16(1 + r.IntN(40))
		}
		want, got := make([]float32, n), make([]float32, n)
		for i := range n / 2 { // some accumulators already hold a score
			want[2*i] = r.Float32()
			got[2*i] = want[2*i]
		}
		wantT := accumulateGeneric(want, lens, slots, tfs, 1.7, 1.2, 0.01, []uint32{7})
		gotT := accumulate(got, lens, slots, tfs, 1.7, 1.2, 0.01, []uint32{7})
		if !slices.Equal(want, got) {
			t.Fatalf("%d postings: accumulators differ", size)
		}
		if !slices.Equal(wantT, gotT) {
			t.Fatalf("%d postings: touched %v, want %v", size, gotT, wantT)
		}
	}
}

// TestFilterAVX512MatchesGeneric compares the two filters on random
// accumulators, with and without zeroing.
func TestFilterAVX512MatchesGeneric(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	r := rand.New(rand.NewPCG(3, 4))
	const n = 3000
	for _, size := range []int{0, 1, 15, 16, 17, 33, 512, 2999} {
		for _, zero := range []bool{false, true} {
			acc := make([]float32, n)
			for i := range acc {
				acc[i] = r.Float32()
			}
			touched := make([]uint32, 0, size)
			for _, s := range r.Perm(n)[:size] {
				touched = append(touched, uint32(s))
			}
			want := slices.Clone(acc)
			wantS, wantV := filterGeneric(want, touched, 0.7, zero, []uint32{1}, []float32{2})
			gotS, gotV := filter(acc, touched, 0.7, zero, []uint32{1}, []float32{2})
			if !slices.Equal(wantS, gotS) || !slices.Equal(wantV, gotV) || !slices.Equal(want, acc) {
				t.Fatalf("%d slots, zero %v: got %v %v, want %v %v", size, zero, gotS, gotV, wantS, wantV)
			}
		}
	}
}
