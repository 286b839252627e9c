package vectorindex

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// large is the 100k x 384 data set of the benchmark and of TestRecall100k,
// shaped like /work/shared/bench/ann (2,000 clusters, 1,000 queries).
var large struct {
	once    sync.Once
	ix      *Index
	queries [][]float32
	truth   [][]Hit
	build   time.Duration
	err     error
}

func largeIndex(tb testing.TB) *Index {
	tb.Helper()
	large.once.Do(func() {
		m := newMixture(42, 384, 2000)
		vecs := m.draw(100000)
		large.queries = m.draw(1000)
		large.ix, large.err = New(Config{Dims: 384})
		if large.err != nil {
			return
		}
		start := time.Now()
		large.err = large.ix.AddBatch(seqIDs(len(vecs)), vecs)
		large.build = time.Since(start)
		for _, q := range large.queries {
			h, err := large.ix.ExactSearch(q, 10, nil)
			if err != nil {
				large.err = err
				return
			}
			large.truth = append(large.truth, h)
		}
	})
	if large.err != nil {
		tb.Fatal(large.err)
	}
	return large.ix
}

// largeRecall returns recall@10 over the large queries at beam width ef.
func largeRecall(tb testing.TB, ef int) float64 {
	found := 0
	for i, q := range large.queries {
		got, err := large.ix.SearchEf(q, 10, ef, nil)
		if err != nil {
			tb.Fatal(err)
		}
		for _, h := range got {
			for _, w := range large.truth[i] {
				if h.ID == w.ID {
					found++
					break
				}
			}
		}
	}
	return float64(found) / float64(10*len(large.queries))
}

func TestRecall100k(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("100k build takes tens of seconds; skipped under -short and -race")
	}
	largeIndex(t)
	t.Logf("built 100000 x 384 in %v", large.build)
	for _, ef := range []int{16, 32, 64} {
		r := largeRecall(t, ef)
		t.Logf("ef=%d recall@10=%.4f", ef, r)
		if ef == 64 && r < 0.95 {
			t.Errorf("recall@10 at ef=64 = %.4f, want >= 0.95", r)
		}
	}
}

var sinkHits []Hit

// BenchmarkSearch measures single-goroutine search on 100k x 384 clustered
// vectors (M=16, efC=200) and reports recall@10 and queries per second.
func BenchmarkSearch(b *testing.B) {
	ix := largeIndex(b)
	b.Logf("build %v", large.build)
	for _, ef := range []int{16, 32, 64, 128} {
		b.Run(fmt.Sprintf("ef=%d", ef), func(b *testing.B) {
			r := largeRecall(b, ef)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				sinkHits, _ = ix.SearchEf(large.queries[i%len(large.queries)], 10, ef, nil)
				i++
			}
			b.ReportMetric(r, "recall@10")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "q/s")
		})
	}
}
