package vectorindex

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

const (
	fixtureN    = 20000
	fixtureDims = 384
	nQueries    = 200
)

// fixture is the shared 20k-vector index, built once per test binary because
// the build dominates the package's test time under -race.
var fixture struct {
	once    sync.Once
	ix      *Index
	vecs    [][]float32
	ids     []uint32
	queries [][]float32
	err     error
}

func sharedIndex(t testing.TB) (*Index, [][]float32) {
	t.Helper()
	fixture.once.Do(func() {
		m := newMixture(1, fixtureDims, fixtureN/50)
		fixture.vecs = m.draw(fixtureN)
		fixture.queries = m.draw(nQueries)
		fixture.ids = seqIDs(fixtureN)
		fixture.ix, fixture.err = New(Config{Dims: fixtureDims})
		if fixture.err == nil {
			start := time.Now()
			fixture.err = fixture.ix.AddBatch(fixture.ids, fixture.vecs)
			t.Logf("built %d x %d in %v", fixtureN, fixtureDims, time.Since(start))
		}
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return fixture.ix, fixture.queries
}

// cloneIndex returns an independent copy of ix via a snapshot, so that tests
// may delete from it.
func cloneIndex(t *testing.T, ix *Index) *Index {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clone.hnsw")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// recall returns the mean recall@k of search against ix.ExactSearch over the
// queries, failing t if any hit is not allowed by ok.
func recall(t testing.TB, ix *Index, queries [][]float32, k int, f *Filter,
	search func(q []float32) ([]Hit, error)) float64 {
	t.Helper()
	found, total := 0, 0
	for _, q := range queries {
		want, err := ix.ExactSearch(q, k, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := search(q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d hits, want %d", len(got), len(want))
		}
		if !slices.IsSortedFunc(got, func(a, b Hit) int { return -cmpf(a.Score, b.Score) }) {
			t.Fatalf("hits not ordered by descending score: %v", got)
		}
		set := make(map[uint32]bool, len(want))
		for _, h := range want {
			set[h.ID] = true
		}
		for _, h := range got {
			if !ix.Contains(h.ID) || (f != nil && !f.Allows(h.ID)) {
				t.Fatalf("hit %d is deleted or not allowed", h.ID)
			}
			if set[h.ID] {
				found++
			}
		}
		total += len(want)
	}
	return float64(found) / float64(total)
}

func cmpf(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestRecall(t *testing.T) {
	ix, queries := sharedIndex(t)
	for _, ef := range []int{16, 64} {
		r := recall(t, ix, queries, 10, nil, func(q []float32) ([]Hit, error) {
			return ix.SearchEf(q, 10, ef, nil)
		})
		t.Logf("ef=%d recall@10=%.4f", ef, r)
	}
	r := recall(t, ix, queries, 10, nil, func(q []float32) ([]Hit, error) {
		return ix.Search(q, 10, nil)
	})
	t.Logf("default ef recall@10=%.4f", r)
	if r < 0.95 {
		t.Errorf("recall@10 = %.4f, want >= 0.95", r)
	}
}

func TestDeleteKeepsRecall(t *testing.T) {
	shared, queries := sharedIndex(t)
	ix := cloneIndex(t, shared)
	deleted := make(map[uint32]bool)
	for i, id := range fixture.ids {
		if i%10 == 3 {
			if !ix.Delete(id) {
				t.Fatalf("Delete(%d) = false", id)
			}
			deleted[id] = true
		}
	}
	if got, want := ix.Len(), fixtureN-len(deleted); got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	// Searching with each deleted vector itself is the hardest case: its own
	// node is the closest and must be skipped.
	var probes [][]float32
	for i := 3; i < fixtureN && len(probes) < 100; i += 100 {
		probes = append(probes, fixture.vecs[i])
	}
	for _, q := range append(probes, queries...) {
		hits, err := ix.Search(q, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if deleted[h.ID] {
				t.Fatalf("deleted id %d returned", h.ID)
			}
		}
	}
	r := recall(t, ix, queries, 10, nil, func(q []float32) ([]Hit, error) {
		return ix.Search(q, 10, nil)
	})
	t.Logf("recall@10 after deleting 10%%: %.4f", r)
	if r < 0.95 {
		t.Errorf("recall@10 after deletes = %.4f, want >= 0.95", r)
	}
}

func TestFilter(t *testing.T) {
	ix, queries := sharedIndex(t)
	tests := []struct {
		name  string
		every int // allow every n-th id
		exact bool
	}{
		{name: "small set, exact scan", every: 40, exact: true},
		{name: "large set, graph search", every: 2},
		{name: "mid set, graph search", every: 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var allowed []uint32
			for i := len(fixture.ids) - 1; i >= 0; i -= tt.every {
				allowed = append(allowed, fixture.ids[i])
			}
			f := NewFilter(allowed)
			if got := f.Len() <= ix.exactLimit(); got != tt.exact {
				t.Fatalf("filter of %d ids: exact path = %v, want %v", f.Len(), got, tt.exact)
			}
			r := recall(t, ix, queries, 10, f, func(q []float32) ([]Hit, error) {
				return ix.Search(q, 10, f)
			})
			t.Logf("%d allowed: recall@10 = %.4f", f.Len(), r)
			if r < 0.95 {
				t.Errorf("recall@10 = %.4f, want >= 0.95", r)
			}
		})
	}
}

func TestFilterAllows(t *testing.T) {
	tests := []struct {
		name string
		ids  []uint32
	}{
		{name: "empty"},
		{name: "dense, bitmap", ids: []uint32{5, 1, 5, 64, 63, 0}},
		{name: "sparse, map", ids: []uint32{4000000000, 7, 7, 1 << 31}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFilter(tt.ids)
			want := make(map[uint32]bool)
			for _, id := range tt.ids {
				want[id] = true
			}
			if f.Len() != len(want) {
				t.Errorf("Len = %d, want %d", f.Len(), len(want))
			}
			for _, id := range []uint32{0, 1, 2, 5, 7, 63, 64, 65, 1 << 31, 4000000000, 4000000001} {
				if f.Allows(id) != want[id] {
					t.Errorf("Allows(%d) = %v, want %v", id, f.Allows(id), want[id])
				}
			}
		})
	}
}

// smallIndex builds an index of n random unit vectors with ids seqIDs(n).
func smallIndex(t *testing.T, n, dims int) (*Index, [][]float32) {
	t.Helper()
	ix, err := New(Config{Dims: dims, M: 8, EfConstruction: 64})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(7, dims, 20).draw(n)
	for i, id := range seqIDs(n) {
		if err := ix.Add(id, vecs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return ix, vecs
}

func TestBasics(t *testing.T) {
	ix, vecs := smallIndex(t, 300, 16)
	ids := seqIDs(300)
	if ix.Dims() != 16 || ix.Len() != 300 {
		t.Fatalf("Dims, Len = %d, %d; want 16, 300", ix.Dims(), ix.Len())
	}
	if !ix.Contains(ids[5]) || ix.Contains(8) {
		t.Errorf("Contains wrong")
	}
	if !ix.Delete(ids[5]) || ix.Delete(ids[5]) || ix.Delete(8) {
		t.Errorf("Delete must be true once, then false, and false for unknown ids")
	}
	if ix.Contains(ids[5]) || ix.Len() != 299 {
		t.Errorf("after Delete: Contains = true or Len = %d", ix.Len())
	}
	got := ix.IDs()
	want := slices.Delete(slices.Clone(ids), 5, 6)
	if !slices.Equal(got, want) {
		t.Errorf("IDs = %v..., want %v...", got[:8], want[:8])
	}
	if hits, err := ix.Search(vecs[0], 0, nil); err != nil || len(hits) != 0 {
		t.Errorf("k=0: %v, %v; want no hits", hits, err)
	}
	hits, err := ix.Search(vecs[0], 1000, nil)
	if err != nil || len(hits) != 299 {
		t.Fatalf("k > Len: %d hits, %v; want 299", len(hits), err)
	}
	if hits[0].ID != ids[0] || hits[0].Score < 0.999 {
		t.Errorf("self search: top hit %+v, want id %d with score 1", hits[0], ids[0])
	}
	if err := ix.Add(ids[5], vecs[5]); !errors.Is(err, ErrExists) {
		t.Errorf("re-adding a deleted id: %v, want ErrExists", err)
	}

	empty, err := New(Config{Dims: 16})
	if err != nil {
		t.Fatal(err)
	}
	if hits, err := empty.ExactSearch(vecs[0], 5, nil); err != nil || len(hits) != 0 {
		t.Errorf("empty index, exact: %v, %v", hits, err)
	}
	if hits, err := empty.Search(vecs[0], 5, nil); err != nil || len(hits) != 0 {
		t.Errorf("empty index: %v, %v", hits, err)
	}
}

func TestErrors(t *testing.T) {
	ix, vecs := smallIndex(t, 50, 16)
	short := make([]float32, 15)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{name: "add short", err: ix.Add(1, short), want: ErrDims},
		{name: "add duplicate", err: ix.Add(7, vecs[0]), want: ErrExists},
		{name: "batch short", err: ix.AddBatch([]uint32{1}, [][]float32{short}), want: ErrDims},
		{name: "batch duplicate", err: ix.AddBatch([]uint32{1, 7}, vecs[:2]), want: ErrExists},
		{name: "batch repeat", err: ix.AddBatch([]uint32{1, 1}, vecs[:2]), want: ErrExists},
		{name: "search short", err: second(ix.Search(short, 3, nil)), want: ErrDims},
		{name: "search ef short", err: second(ix.SearchEf(short, 3, 10, nil)), want: ErrDims},
		{name: "exact short", err: second(ix.ExactSearch(short, 3, nil)), want: ErrDims},
		{name: "no dims", err: second(New(Config{})), want: ErrConfig},
		{name: "negative M", err: second(New(Config{Dims: 4, M: -1})), want: ErrConfig},
		{name: "M one", err: second(New(Config{Dims: 4, M: 1})), want: ErrConfig},
		{name: "huge M", err: second(New(Config{Dims: 4, M: 1000})), want: ErrConfig},
		{name: "negative ef", err: second(New(Config{Dims: 4, EfSearch: -3})), want: ErrConfig},
		{name: "negative efC", err: second(New(Config{Dims: 4, EfConstruction: -3})), want: ErrConfig},
		{name: "unknown quantization", err: second(New(Config{Dims: 4, Quantization: "int4"})), want: ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.want) {
				t.Errorf("got %v, want %v", tt.err, tt.want)
			}
		})
	}
	if ix.Len() != 50 || ix.Contains(1) {
		t.Errorf("failed batches must add nothing: Len = %d", ix.Len())
	}
	cfg := Config{Dims: 4}
	ix2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ix2.Config(), (Config{Dims: 4, M: 16, EfConstruction: 200, EfSearch: 64, Seed: 1, Quantization: "float32"}); got != want {
		t.Errorf("defaults: %+v, want %+v", got, want)
	}
}

func second[T any](_ T, err error) error { return err }

func TestDeterministicBuild(t *testing.T) {
	// Above exactBelow, so that the searches walk the graphs.
	a, vecs := smallIndex(t, 1200, 16)
	b, _ := smallIndex(t, 1200, 16)
	for _, q := range vecs[:20] {
		ha, _ := a.Search(q, 10, nil)
		hb, _ := b.Search(q, 10, nil)
		if !slices.Equal(ha, hb) {
			t.Fatalf("two builds with the same seed differ: %v vs %v", ha, hb)
		}
	}
}

func TestConcurrentSearchAndAdd(t *testing.T) {
	const dims, n = 32, 3000
	ix, err := New(Config{Dims: dims, M: 8, EfConstruction: 50})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(11, dims, 30).draw(n)
	ids := seqIDs(n)
	if err := ix.AddBatch(ids[:500], vecs[:500]); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 8)
	for g := range 3 {
		wg.Go(func() {
			f := NewFilter(ids[:n/2])
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				var filter *Filter
				if i%3 == g {
					filter = f
				}
				hits, err := ix.Search(vecs[(i*7+g)%n], 5, filter)
				if err != nil || len(hits) == 0 {
					errs <- fmt.Errorf("search: %d hits, %v", len(hits), err)
					return
				}
				_ = ix.Len()
				_ = ix.Contains(ids[i%n])
			}
		})
	}
	for i := 500; i < n; i += 100 {
		if err := ix.AddBatch(ids[i:i+50], vecs[i:i+50]); err != nil {
			t.Fatal(err)
		}
		for j := i + 50; j < i+100; j++ {
			if err := ix.Add(ids[j], vecs[j]); err != nil {
				t.Fatal(err)
			}
		}
		ix.Delete(ids[i-400])
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := ix.Len(), n-25; got != want {
		t.Errorf("Len = %d, want %d", got, want)
	}
}

func TestSmallIndexIsExact(t *testing.T) {
	ix, vecs := smallIndex(t, exactBelow, 16)
	for i, q := range vecs {
		got, err := ix.Search(q, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ix.ExactSearch(q, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("query %d: %v, exact %v", i, got, want)
		}
	}
}

// TestInt8BatchesKeepVectors feeds an int8 index 50 vectors at a time, as
// the archive's ingest does, and one more with Add, at the built-in
// embedder's 1,024 dimensions:
// the node blocks and the float vectors then live in two arenas that grow
// apart, and every float vector must read back as it was added (a build
// whose float vectors outgrew their arena before the blocks did lost about
// one in eight of them).
func TestInt8BatchesKeepVectors(t *testing.T) {
	const dims, n, batch = 1024, 12000, 50
	ix, err := New(Config{Dims: dims, M: 4, EfConstruction: 8, Quantization: "int8"})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(3, dims, 50).draw(n)
	ids := seqIDs(n)
	for lo := 0; lo < n; lo += batch {
		if err := ix.AddBatch(ids[lo:lo+batch], vecs[lo:lo+batch]); err != nil {
			t.Fatal(err)
		}
		if err := ix.Add(ids[lo]+1, vecs[lo]); err != nil { // seqIDs leave gaps
			t.Fatal(err)
		}
	}
	for i, v := range vecs {
		if !slices.Equal(ix.vec(ix.byExt[ids[i]]), v) {
			t.Fatalf("float vector of id %d changed while the index grew", ids[i])
		}
		if i%batch == 0 && !slices.Equal(ix.vec(ix.byExt[ids[i]+1]), v) {
			t.Fatalf("float vector of id %d changed while the index grew", ids[i]+1)
		}
	}
}
