package vectorindex

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// int8Fixture is the shared 20k index re-encoded in int8 mode. The graph is
// built from float32 vectors in both modes, so copying it is equivalent to a
// rebuild and much cheaper under -race.
var int8Fixture struct {
	once sync.Once
	ix   *Index
}

func sharedInt8Index(t *testing.T) (*Index, [][]float32) {
	t.Helper()
	src, queries := sharedIndex(t)
	int8Fixture.once.Do(func() {
		int8Fixture.ix = requantize(t, src, quantInt8)
	})
	return int8Fixture.ix, queries
}

// requantize returns a copy of src with the same graph in the given mode.
func requantize(t *testing.T, src *Index, quant string) *Index {
	t.Helper()
	cfg := src.Config()
	cfg.Quantization = quant
	ix, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src.mu.RLock()
	defer src.mu.RUnlock()
	n := len(src.ext)
	ix.grow(n)
	for in := range uint32(n) {
		ix.appendNode(src.ext[in], src.vec(in))
		copy(ix.slab(in, 0), src.slab(in, 0))
	}
	ix.encodeFrom(0)
	ix.level = slices.Clone(src.level)
	ix.deleted = slices.Clone(src.deleted)
	ix.upperOff = slices.Clone(src.upperOff)
	ix.upper = slices.Clone(src.upper)
	ix.entry, ix.top, ix.live, ix.rng = src.entry, src.top, src.live, src.rng
	return ix
}

func TestInt8Recall(t *testing.T) {
	ix, queries := sharedInt8Index(t)
	if ix.Config().Quantization != "int8" {
		t.Fatalf("Quantization = %q", ix.Config().Quantization)
	}
	for _, ef := range []int{16, 32} {
		r := recall(t, ix, queries, 10, nil, func(q []float32) ([]Hit, error) {
			return ix.SearchEf(q, 10, ef, nil)
		})
		t.Logf("int8 ef=%d recall@10=%.4f", ef, r)
	}
	r := recall(t, ix, queries, 10, nil, func(q []float32) ([]Hit, error) {
		hits, err := ix.Search(q, 10, nil)
		// Scores are rescored with the float vectors, so they are exact.
		for _, h := range hits {
			in := ix.byExt[h.ID]
			if want := dot(q, ix.vec(in)); h.Score != want {
				t.Fatalf("hit %d: score %v, exact %v", h.ID, h.Score, want)
			}
		}
		return hits, err
	})
	t.Logf("int8 default ef recall@10=%.4f", r)
	if r < 0.95 {
		t.Errorf("int8 recall@10 = %.4f, want >= 0.95", r)
	}
}

func TestInt8FilterAndDelete(t *testing.T) {
	shared, queries := sharedInt8Index(t)
	var allowed []uint32
	for i := 7; i < len(fixture.ids); i += 10 {
		allowed = append(allowed, fixture.ids[i])
	}
	f := NewFilter(allowed)
	if f.Len() <= shared.exactLimit() {
		t.Fatalf("filter of %d ids takes the exact path", f.Len())
	}
	r := recall(t, shared, queries, 10, f, func(q []float32) ([]Hit, error) {
		return shared.Search(q, 10, f)
	})
	t.Logf("int8, %d allowed: recall@10 = %.4f", f.Len(), r)
	if r < 0.95 {
		t.Errorf("int8 filtered recall@10 = %.4f, want >= 0.95", r)
	}

	ix := cloneIndex(t, shared)
	for i, id := range fixture.ids {
		if i%10 == 3 {
			ix.Delete(id)
		}
	}
	r = recall(t, ix, queries, 10, nil, func(q []float32) ([]Hit, error) {
		return ix.Search(q, 10, nil)
	})
	t.Logf("int8 recall@10 after deleting 10%%: %.4f", r)
	if r < 0.95 {
		t.Errorf("int8 recall@10 after deletes = %.4f, want >= 0.95", r)
	}
}

func TestInt8SaveLoad(t *testing.T) {
	ix, queries := sharedInt8Index(t)
	path := filepath.Join(t.TempDir(), "int8.hnsw")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Config() != ix.Config() || got.Len() != ix.Len() {
		t.Fatalf("loaded %+v (%d), want %+v (%d)", got.Config(), got.Len(), ix.Config(), ix.Len())
	}
	if !slices.Equal(got.quant.lo, ix.quant.lo) || !slices.Equal(got.quant.step, ix.quant.step) ||
		got.quant.fitted != ix.quant.fitted {
		t.Fatalf("quantizer ranges differ after Load")
	}
	for _, q := range queries {
		want, _ := ix.SearchEf(q, 10, 16, nil)
		have, _ := got.SearchEf(q, 10, 16, nil)
		if !slices.Equal(want, have) {
			t.Fatalf("results differ after Load:\n%v\n%v", want, have)
		}
	}
}

// TestInt8Incremental grows an int8 index one Add at a time, which refits the
// ranges as it doubles, then checks that searches still find the vectors.
func TestInt8Incremental(t *testing.T) {
	const n, dims = 1500, 48
	ix, err := New(Config{Dims: dims, M: 8, EfConstruction: 64, Quantization: "int8"})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(13, dims, 15).draw(n)
	for i, v := range vecs {
		if err := ix.Add(uint32(i), v); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if hits, err := ix.Search(v, 1, nil); err != nil || len(hits) != 1 || hits[0].ID != 0 {
				t.Fatalf("single-vector index: %v, %v", hits, err)
			}
		}
	}
	if ix.quant.fitted != 1024 {
		t.Errorf("ranges fitted on %d vectors, want 1024", ix.quant.fitted)
	}
	r := recall(t, ix, vecs[:200], 10, nil, func(q []float32) ([]Hit, error) {
		return ix.Search(q, 10, nil)
	})
	t.Logf("int8 incremental recall@10 = %.4f", r)
	if r < 0.95 {
		t.Errorf("int8 incremental recall@10 = %.4f, want >= 0.95", r)
	}
}

// quantFixture returns a vector of d coordinates, some zero, some -0, and
// ranges for it: minimums a little above or below its values, inverse
// steps of which some are 0 (constant dimensions) and some large enough to
// clamp codes at 255.
func quantFixture(r *rand.Rand, d int) (v, lo, inv []float32) {
	v, lo, inv = make([]float32, d), make([]float32, d), make([]float32, d)
	for i := range v {
		switch r.IntN(8) {
		case 0:
		case 1:
			v[i] = float32(math.Copysign(0, -1))
		default:
			v[i] = r.Float32() - 0.5
		}
		lo[i] = v[i] - (r.Float32()-0.2)*0.3
		switch r.IntN(6) {
		case 0:
		case 1:
			inv[i] = 1e6
		default:
			inv[i] = 255 / (0.3 + r.Float32())
		}
	}
	return v, lo, inv
}

func TestEncodeCodes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{0, 1, 15, 16, 17, 31, 32, 100, 384, 1000, 1024} {
		for range 20 {
			v, lo, inv := quantFixture(r, d)
			want, got := make([]byte, d), make([]byte, d)
			encodeGeneric(v, lo, inv, want)
			encodeCodes(v, lo, inv, got)
			if !slices.Equal(got, want) {
				t.Fatalf("d=%d: codes differ:\n got  %v\n want %v", d, got, want)
			}
		}
	}
}

func TestWiden(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, d := range []int{0, 1, 15, 16, 17, 33, 1024} {
		wantLo, wantHi := make([]float32, d), make([]float32, d)
		gotLo, gotHi := make([]float32, d), make([]float32, d)
		for range 30 {
			v, _, _ := quantFixture(r, d)
			widenGeneric(v, wantLo, wantHi)
			widen(v, gotLo, gotHi)
		}
		// == rather than bits: min and max may pick either zero of a
		// tie between 0 and -0, which give the same codes and offsets.
		if !slices.Equal(gotLo, wantLo) || !slices.Equal(gotHi, wantHi) {
			t.Fatalf("d=%d: ranges differ:\n got  %v %v\n want %v %v", d, gotLo, gotHi, wantLo, wantHi)
		}
	}
}

// TestRefitReadsNewVectorsOnly checks that the ranges an index fed batch
// after batch refits from the vectors added since its last fit are those
// of a fit over all its vectors, before and after a snapshot, whose Load
// has no maximums and fits from the start.
func TestRefitReadsNewVectorsOnly(t *testing.T) {
	const dims = 64
	ix, err := New(Config{Dims: dims, M: 4, EfConstruction: 8, Quantization: "int8"})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(9, dims, 8).draw(3000)
	ids := seqIDs(len(vecs))
	check := func(ix *Index, what string) {
		t.Helper()
		ix.mu.RLock()
		defer ix.mu.RUnlock()
		qz := ix.quant
		var full quantizer
		full.fit(ix, qz.fitted)
		if !slices.Equal(qz.lo, full.lo) || !slices.Equal(qz.step, full.step) {
			t.Fatalf("%s: ranges fitted on %d vectors differ from a full fit", what, qz.fitted)
		}
		for in := range uint32(len(ix.ext)) {
			want := make([]byte, dims)
			encodeGeneric(ix.vec(in), full.lo, full.inv, want)
			o := ix.codeOff(in)
			if !slices.Equal(ix.codes[o:o+dims], want) {
				t.Fatalf("%s: codes of node %d differ from a full fit's", what, in)
			}
		}
	}
	fits := 0
	for lo, n := 0, 7; lo < 1500; lo, n = lo+n, n+5 {
		before := ix.quant.fitted
		if err := ix.AddBatch(ids[lo:lo+n], vecs[lo:lo+n]); err != nil {
			t.Fatal(err)
		}
		if ix.quant.fitted != before {
			fits++
			check(ix, "grown")
		}
	}
	if fits < 5 {
		t.Fatalf("%d refits, want at least 5", fits)
	}
	path := filepath.Join(t.TempDir(), "ix.hnsw")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.quant.hi != nil {
		t.Fatal("a loaded index has maximums it cannot know")
	}
	n := loaded.Len()
	if err := loaded.AddBatch(ids[n:3000], vecs[n:3000]); err != nil {
		t.Fatal(err)
	}
	if loaded.quant.fitted != 3000 {
		t.Fatalf("loaded index fitted on %d vectors, want a refit on 3000", loaded.quant.fitted)
	}
	check(loaded, "loaded")
}

// BenchmarkQuantizer times the int8 codes and the range fit of one
// 1,024-dimension vector, by the loops and by the kernels encodeCodes and
// widen choose.
func BenchmarkQuantizer(b *testing.B) {
	const d = 1024
	v, lo, inv := quantFixture(rand.New(rand.NewPCG(1, 2)), d)
	hi := slices.Clone(lo)
	dst := make([]byte, d)
	for _, bm := range []struct {
		name string
		f    func()
	}{
		{"encode/loop", func() { encodeGeneric(v, lo, inv, dst) }},
		{"encode/kernel", func() { encodeCodes(v, lo, inv, dst) }},
		{"widen/loop", func() { widenGeneric(v, lo, hi) }},
		{"widen/kernel", func() { widen(v, lo, hi) }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				bm.f()
			}
		})
	}
}
