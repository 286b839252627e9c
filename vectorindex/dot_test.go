package vectorindex

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDotKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	randVec := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	close := func(a, b float32, n int) bool {
		return math.Abs(float64(a-b)) <= 1e-4*math.Sqrt(float64(n)+1)
	}
	for n := range 700 {
		a, b := randVec(n), randVec(n+5) // b longer: only its prefix counts
		want := dotGeneric(a, b[:n])
		if got := dot(a, b); !close(got, want, n) {
			t.Fatalf("n=%d: dot = %v, generic = %v", n, got, want)
		}
	}
	for _, d := range []int{1, 7, 16, 33, 64, 100, 384, 385, 1536} {
		rows := 50
		base, q := randVec(rows*d), randVec(d)
		ids := make([]uint32, 40)
		for i := range ids {
			ids[i] = uint32(rng.IntN(rows))
		}
		got := make([]float32, len(ids)+1)
		dotBatch(q, base, ids, got)
		for i, id := range ids {
			want := dotGeneric(q, base[int(id)*d:int(id+1)*d])
			if !close(got[i], want, d) {
				t.Fatalf("d=%d row %d: batch = %v, generic = %v", d, i, got[i], want)
			}
		}
		if got[len(ids)] != 0 {
			t.Fatalf("d=%d: batch wrote past len(ids)", d)
		}
	}
}

var sinkF float32

func BenchmarkDot(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := make([]float32, 384), make([]float32, 384)
	for i := range x {
		x[i], y[i] = rng.Float32(), rng.Float32()
	}
	b.Run("dispatch", func(b *testing.B) {
		for b.Loop() {
			sinkF += dot(x, y)
		}
	})
	b.Run("generic", func(b *testing.B) {
		for b.Loop() {
			sinkF += dotGeneric(x, y)
		}
	})
}
