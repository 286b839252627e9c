package lexical

import (
	"cmp"
	"slices"
)

// DefaultFuseK is the rank constant of [Fuse] when none is given, the value
// of the original reciprocal rank fusion paper (Cormack et al., 2009).
const DefaultFuseK = 60

// Ranked is one retriever's result list for [Fuse], best first.
type Ranked struct {
	// Weight multiplies the list's contributions; zero counts as 1, so
	// Ranked{IDs: ids} is an unweighted list.
	Weight float64
	IDs    []uint32
}

// Fused is one item of a fused ranking.
type Fused struct {
	ID    uint32
	Score float64
	// Ranks[i] is the 1-based rank of ID in the i-th list, 0 when absent.
	Ranks []int
}

// Fuse merges ranked lists by weighted reciprocal rank fusion: an item
// scores the sum over the lists holding it of Weight / (k + rank), rank
// counting from 1; only the first occurrence of an id in a list counts.
// k <= 0 takes [DefaultFuseK]. The result holds every id of every list,
// best first. Ties go to the item ranked better in the earliest list where
// their ranks differ (absent ranks last), then to the smaller id, so the
// order is deterministic.
func Fuse(k float64, lists ...Ranked) []Fused {
	if k <= 0 {
		k = DefaultFuseK
	}
	n := 0
	for _, l := range lists {
		n += len(l.IDs)
	}
	pos := make(map[uint32]int, n)
	out := make([]Fused, 0, n)
	ranks := make([]int, n*len(lists)) // every item's Ranks, in one block
	for li, l := range lists {
		w := l.Weight
		if w == 0 {
			w = 1
		}
		for r, id := range l.IDs {
			i, ok := pos[id]
			if !ok {
				i = len(out)
				pos[id] = i
				out = append(out, Fused{ID: id, Ranks: ranks[i*len(lists) : (i+1)*len(lists) : (i+1)*len(lists)]})
			}
			f := &out[i]
			if f.Ranks[li] != 0 {
				continue
			}
			f.Ranks[li] = r + 1
			f.Score += w / (k + float64(r+1))
		}
	}
	slices.SortFunc(out, func(a, b Fused) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		for i := range a.Ranks {
			if c := cmp.Compare(absentLast(a.Ranks[i]), absentLast(b.Ranks[i])); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

func absentLast(rank int) int {
	if rank == 0 {
		return int(^uint(0) >> 1)
	}
	return rank
}
