package eval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// K is the cut-off of every retrieval metric: [Run] asks for K results.
const K = 10

// Searcher returns the ids of up to k passages for question, best first.
// Ids after the k-th are ignored, and an id repeated in the ranking counts
// only where it first appears.
type Searcher func(ctx context.Context, question string, k int) ([]string, error)

// Retrieval holds the figures of one run over a set of queries. Recall@k is
// the share of queries with at least one gold id among the first k results
// (also called hit rate or success@k; it is not the share of gold ids
// found, which differs when a query has several). MRR10 is the mean of
// 1/rank of the first gold id, 0 when none is in the top 10. NDCG10 uses
// binary relevance: every gold id has gain 1, discounted by log2(rank+1),
// normalised by the best possible ordering of min(len(GoldIDs), 10) gold ids.
// P50 and P95 are nearest-rank percentiles of the [Searcher] call times.
type Retrieval struct {
	Queries  int           `json:"queries"`
	Recall1  float64       `json:"recall_1"`
	Recall5  float64       `json:"recall_5"`
	Recall10 float64       `json:"recall_10"`
	MRR10    float64       `json:"mrr_10"`
	NDCG10   float64       `json:"ndcg_10"`
	P50      time.Duration `json:"p50"`
	P95      time.Duration `json:"p95"`
}

// Run asks s for the top [K] results of every query, one at a time, and
// returns the averaged metrics. It stops at the first error of s, wrapped
// with the query's id, or when ctx is done. It returns [ErrEmpty] when qs is
// empty.
func Run(ctx context.Context, s Searcher, qs []Query) (Retrieval, error) {
	if len(qs) == 0 {
		return Retrieval{}, ErrEmpty
	}
	var r Retrieval
	took := make([]time.Duration, len(qs))
	for i, q := range qs {
		if err := ctx.Err(); err != nil {
			return Retrieval{}, err
		}
		start := time.Now()
		ids, err := s(ctx, q.Question, K)
		took[i] = time.Since(start)
		if err != nil {
			return Retrieval{}, fmt.Errorf("search query %q: %w", q.ID, err)
		}
		m := score(ids, q.GoldIDs)
		r.Recall1 += hit(m.first, 1)
		r.Recall5 += hit(m.first, 5)
		r.Recall10 += hit(m.first, 10)
		if m.first > 0 {
			r.MRR10 += 1 / float64(m.first)
		}
		r.NDCG10 += m.ndcg
	}
	n := float64(len(qs))
	r.Queries = len(qs)
	r.Recall1 /= n
	r.Recall5 /= n
	r.Recall10 /= n
	r.MRR10 /= n
	r.NDCG10 /= n
	slices.Sort(took)
	r.P50 = percentile(took, 50)
	r.P95 = percentile(took, 95)
	return r, nil
}

// queryScore is what one ranking is worth against its gold ids.
type queryScore struct {
	first int // 1-based rank of the first gold id in the top K, 0 if none
	ndcg  float64
}

func score(ids, gold []string) queryScore {
	var m queryScore
	var dcg float64
	seen := make(map[string]bool, K)
	rank := 0
	for _, id := range ids {
		if rank == K {
			break
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		rank++
		if !slices.Contains(gold, id) {
			continue
		}
		if m.first == 0 {
			m.first = rank
		}
		dcg += 1 / math.Log2(float64(rank+1))
	}
	var ideal float64
	for i := 1; i <= min(len(uniq(gold)), K); i++ {
		ideal += 1 / math.Log2(float64(i+1))
	}
	if ideal > 0 {
		m.ndcg = dcg / ideal
	}
	return m
}

func uniq(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func hit(first, k int) float64 {
	if first > 0 && first <= k {
		return 1
	}
	return 0
}

// percentile returns the nearest-rank p-th percentile of sorted, which must
// not be empty.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (p*len(sorted) + 99) / 100 // ceil(p/100 * n), 1-based
	return sorted[max(i, 1)-1]
}
