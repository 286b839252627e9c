package vectorindex

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// The ANN benchmarks run on the files of /work/shared/bench/ann/gen_data.py
// when VEILLE_ANN_DATA names their directory, and skip otherwise:
//
//	VEILLE_ANN_DATA=/tmp/ann/ds1 go test -run '^$' -bench ANN -benchtime 1x ./vectorindex/
//
// Search benchmarks report recall@10 and queries/s per ef on one goroutine;
// build, save and load report seconds per op; BenchmarkANNBuild also reports
// the heap growth in MB.
var annData struct {
	once     sync.Once
	err      error
	n, d, nq int
	kgt      int
	base     [][]float32
	queries  [][]float32
	gt       []int32 // nq x kgt
	gtDel    []int32 // nq x 10
	built    map[string]*Index
	mu       sync.Mutex
}

func loadANN(b *testing.B) {
	b.Helper()
	dir := os.Getenv("VEILLE_ANN_DATA")
	if dir == "" {
		b.Skip("VEILLE_ANN_DATA not set")
	}
	annData.once.Do(func() {
		annData.err = readANN(dir)
		annData.built = make(map[string]*Index)
	})
	if annData.err != nil {
		b.Fatal(annData.err)
	}
}

func readANN(dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return err
	}
	var m struct {
		N   int `json:"n"`
		D   int `json:"d"`
		NQ  int `json:"nq"`
		KGT int `json:"k_gt"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	a := &annData
	a.n, a.d, a.nq, a.kgt = m.N, m.D, m.NQ, m.KGT
	words := func(name string, n int) ([]uint32, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if len(b) != 4*n {
			return nil, fmt.Errorf("%s: %d bytes, want %d", name, len(b), 4*n)
		}
		v := make([]uint32, n)
		for i := range v {
			v[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		return v, nil
	}
	rows := func(name string, n int) ([][]float32, error) {
		w, err := words(name, n*a.d)
		if err != nil {
			return nil, err
		}
		flat := make([]float32, len(w))
		for i, x := range w {
			flat[i] = math.Float32frombits(x)
		}
		out := make([][]float32, n)
		for i := range out {
			out[i] = flat[i*a.d : (i+1)*a.d : (i+1)*a.d]
		}
		return out, nil
	}
	ints := func(name string, n int) ([]int32, error) {
		w, err := words(name, n)
		out := make([]int32, len(w))
		for i, x := range w {
			out[i] = int32(x)
		}
		return out, err
	}
	if a.base, err = rows("base.f32", a.n); err != nil {
		return err
	}
	if a.queries, err = rows("query.f32", a.nq); err != nil {
		return err
	}
	if a.gt, err = ints("gt.i32", a.nq*a.kgt); err != nil {
		return err
	}
	a.gtDel, err = ints("gt_del.i32", a.nq*10)
	return err
}

// annIndex returns the data set's index in the given mode, built once with
// AddBatch on all cores.
func annIndex(b *testing.B, quant string) *Index {
	loadANN(b)
	annData.mu.Lock()
	defer annData.mu.Unlock()
	if ix := annData.built[quant]; ix != nil {
		return ix
	}
	ix := buildANN(b, quant)
	annData.built[quant] = ix
	return ix
}

func buildANN(b *testing.B, quant string) *Index {
	ix, err := New(Config{Dims: annData.d, Quantization: quant})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]uint32, annData.n)
	for i := range ids {
		ids[i] = uint32(i)
	}
	if err := ix.AddBatch(ids, annData.base); err != nil {
		b.Fatal(err)
	}
	return ix
}

// annRecall returns recall@10 of results against truth rows of the given
// stride.
func annRecall(res [][]Hit, truth []int32, stride int) float64 {
	hit := 0
	for i, hits := range res {
		want := truth[i*stride : i*stride+10]
		for _, h := range hits {
			for _, w := range want {
				if int32(h.ID) == w {
					hit++
					break
				}
			}
		}
	}
	return float64(hit) / float64(10*len(res))
}

var annEfs = []int{10, 16, 24, 32, 48, 64, 128}

// annSweep runs one sub-benchmark per ef: each op is one pass over all
// queries, and the metrics are recall@10 and queries/s.
func annSweep(b *testing.B, ix *Index, f *Filter, truth []int32, stride int) {
	for _, ef := range annEfs {
		b.Run(fmt.Sprintf("ef=%d", ef), func(b *testing.B) {
			res := make([][]Hit, len(annData.queries))
			b.ReportAllocs()
			for b.Loop() {
				for i, q := range annData.queries {
					res[i], _ = ix.SearchEf(q, 10, ef, f)
				}
			}
			b.ReportMetric(annRecall(res, truth, stride), "recall@10")
			b.ReportMetric(float64(b.N*len(res))/b.Elapsed().Seconds(), "q/s")
		})
	}
}

var annModes = []string{"float32", "int8"}

// BenchmarkANNBuild measures building the whole data set with AddBatch on
// 1 and 2 cores (run it with -benchtime 1x) and reports the heap growth.
func BenchmarkANNBuild(b *testing.B) {
	loadANN(b)
	for _, quant := range annModes {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("quant=%s/threads=%d", quant, threads), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				var ix *Index
				for b.Loop() {
					ix = buildANN(b, quant)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/build")
				runtime.KeepAlive(ix)
			})
		}
	}
}

func BenchmarkANNSearch(b *testing.B) {
	for _, quant := range annModes {
		b.Run("quant="+quant, func(b *testing.B) {
			annSweep(b, annIndex(b, quant), nil, annData.gt, annData.kgt)
		})
	}
}

// BenchmarkANNFilter searches with every id%10 == 7 allowed, 10% of the
// index, against the exact filtered top 10.
func BenchmarkANNFilter(b *testing.B) {
	for _, quant := range annModes {
		b.Run("quant="+quant, func(b *testing.B) {
			ix := annIndex(b, quant)
			var allowed []uint32
			for i := 7; i < annData.n; i += 10 {
				allowed = append(allowed, uint32(i))
			}
			f := NewFilter(allowed)
			truth := make([]int32, 10*len(annData.queries))
			for i, q := range annData.queries {
				hits, err := ix.ExactSearch(q, 10, f)
				if err != nil {
					b.Fatal(err)
				}
				for j, h := range hits {
					truth[10*i+j] = int32(h.ID)
				}
			}
			annSweep(b, ix, f, truth, 10)
		})
	}
}

// BenchmarkANNDelete deletes every id%10 == 3 from a copy of the index and
// measures against gt_del.i32.
func BenchmarkANNDelete(b *testing.B) {
	for _, quant := range annModes {
		b.Run("quant="+quant, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "ann.vix")
			if err := annIndex(b, quant).Save(path); err != nil {
				b.Fatal(err)
			}
			ix, err := Load(path)
			if err != nil {
				b.Fatal(err)
			}
			for i := 3; i < annData.n; i += 10 {
				ix.Delete(uint32(i))
			}
			annSweep(b, ix, nil, annData.gtDel, 10)
		})
	}
}

func BenchmarkANNSaveLoad(b *testing.B) {
	for _, quant := range annModes {
		ix := annIndex(b, quant)
		path := filepath.Join(b.TempDir(), "ann.vix")
		b.Run("quant="+quant+"/save", func(b *testing.B) {
			for b.Loop() {
				if err := ix.Save(path); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
		})
		b.Run("quant="+quant+"/load", func(b *testing.B) {
			for b.Loop() {
				if _, err := Load(path); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
		})
	}
}

func BenchmarkANNExact(b *testing.B) {
	ix := annIndex(b, "float32")
	qs := annData.queries[:min(100, len(annData.queries))]
	for b.Loop() {
		for _, q := range qs {
			sinkHits, _ = ix.ExactSearch(q, 10, nil)
		}
	}
	b.ReportMetric(float64(b.N*len(qs))/b.Elapsed().Seconds(), "q/s")
}
