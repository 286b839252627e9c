package lexical

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTally checks tally and pairTally against maps, over items of a few to
// a thousand distinct keys (so that the tables grow), reused after reset.
func TestTally(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tl tally
	var pt pairTally
	for round, n := range []int{3, 40, 1000, 0, 64, 65, 200} {
		tl.reset()
		pt.reset()
		terms := map[string]float32{}
		pairs := map[uint64]float32{}
		var order []string
		var pairOrder []uint64
		for range 3 * n {
			term := fmt.Sprintf("w%d", rng.IntN(n+1))
			w := float32(rng.IntN(4) + 1)
			if _, ok := terms[term]; !ok {
				order = append(order, term)
			}
			terms[term] += w
			at := tl.add(term, w)
			if tl.items[at].term != term {
				t.Fatalf("round %d: add(%q) gave place %d, which holds %q", round, term, at, tl.items[at].term)
			}
			key := pairKey(uint32(rng.IntN(n+1)), uint32(rng.IntN(n+1)))
			if _, ok := pairs[key]; !ok {
				pairOrder = append(pairOrder, key)
			}
			pairs[key] += w
			pt.add(key, w)
		}
		var gotOrder []string
		for _, it := range tl.items {
			gotOrder = append(gotOrder, it.term)
			if it.tf != terms[it.term] {
				t.Fatalf("round %d: %q weighs %v, want %v", round, it.term, it.tf, terms[it.term])
			}
		}
		if !slices.Equal(gotOrder, order) {
			t.Fatalf("round %d: terms in order %v, want %v", round, gotOrder, order)
		}
		if !slices.Equal(pt.keys, pairOrder) {
			t.Fatalf("round %d: pairs in order %x, want %x", round, pt.keys, pairOrder)
		}
		for i, key := range pt.keys {
			if pt.tfs[i] != pairs[key] {
				t.Fatalf("round %d: pair %x weighs %v, want %v", round, key, pt.tfs[i], pairs[key])
			}
		}
	}
}
