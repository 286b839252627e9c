package vectorindex

import (
	"io"
	"math/rand/v2"
	"testing"
)

// BenchmarkEncodeSparse times the snapshot encoding of an index whose
// vectors are about half zeros, as the built-in embedder's are, so that
// the snapshot stores them sparse.
func BenchmarkEncodeSparse(b *testing.B) {
	const n, d = 4000, 1024
	r := rand.New(rand.NewPCG(1, 2))
	vecs := make([][]float32, n)
	for i := range vecs {
		v := make([]float32, d)
		for j := range v {
			if r.IntN(2) == 0 {
				v[j] = r.Float32() - 0.5
			}
		}
		vecs[i] = v
	}
	ix, err := New(Config{Dims: d, Quantization: quantInt8})
	if err != nil {
		b.Fatal(err)
	}
	if err := ix.AddBatch(seqIDs(n), vecs); err != nil {
		b.Fatal(err)
	}
	if _, layout := ix.vectorLayout(); layout != layoutSparse {
		b.Fatalf("layout %d, want sparse", layout)
	}
	for b.Loop() {
		if err := ix.encode(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/vector")
}
