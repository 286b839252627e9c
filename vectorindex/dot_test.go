package vectorindex

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// batchKernel and batchKernelI8 name a batch kernel so that the test can
// check every one the CPU supports, not only the one dispatch picks.
type batchKernel struct {
	name string
	fn   func(q, base []float32, stride int, ids []uint32, out []float32)
}

type batchKernelI8 struct {
	name string
	fn   func(q []int8, base []byte, stride int, ids []uint32, out []float32)
}

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
		for _, k := range singleKernels() {
			if got := k.fn(a, b[:n]); !close(got, want, n) {
				t.Fatalf("n=%d: %s = %v, generic = %v", n, k.name, got, want)
			}
		}
	}
	kernels := append([]batchKernel{{"dispatch", dotBatch}}, batchKernels()...)
	for _, d := range []int{1, 7, 16, 33, 64, 100, 383, 384, 385, 1536} {
		const rows = 50
		for _, pad := range []int{0, 5, 48} {
			stride := d + pad
			base, q := randVec(rows*stride), randVec(d)
			ids := make([]uint32, 40)
			for i := range ids {
				ids[i] = uint32(rng.IntN(rows))
			}
			for _, k := range kernels {
				got := make([]float32, len(ids)+1)
				k.fn(q, base, stride, ids, got)
				for i, id := range ids {
					o := int(id) * stride
					want := dotGeneric(q, base[o:o+d])
					if !close(got[i], want, d) {
						t.Fatalf("%s d=%d stride=%d row %d: %v, generic %v", k.name, d, stride, i, got[i], want)
					}
				}
				if got[len(ids)] != 0 {
					t.Fatalf("%s d=%d: wrote past len(ids)", k.name, d)
				}
			}
		}
	}
}

func TestDotI8KernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	kernels := append([]batchKernelI8{{"dispatch", dotBatchI8}}, batchKernelsI8()...)
	for _, d := range []int{64, 128, 192, 384, 448, 1536} {
		const rows = 30
		for _, pad := range []int{0, 1, 64} {
			stride := d + pad
			base := make([]byte, rows*stride)
			for i := range base {
				base[i] = byte(rng.IntN(256))
			}
			q := make([]int8, d)
			for i := range q {
				q[i] = int8(rng.IntN(256) - 128)
			}
			// Extremes too: the widest products must not saturate.
			q[0], base[0] = -128, 255
			ids := make([]uint32, 33)
			for i := range ids {
				ids[i] = uint32(rng.IntN(rows))
			}
			ids[0] = 0
			for _, k := range kernels {
				got := make([]float32, len(ids)+1)
				k.fn(q, base, stride, ids, got)
				for i, id := range ids {
					o := int(id) * stride
					want := float32(dotI8Generic(q, base[o:o+d]))
					if got[i] != want {
						t.Fatalf("%s d=%d stride=%d row %d: %v, generic %v", k.name, d, stride, i, got[i], want)
					}
				}
				if got[len(ids)] != 0 {
					t.Fatalf("%s d=%d: wrote past len(ids)", k.name, d)
				}
			}
		}
	}
	// Odd lengths go through the generic kernel only; check it against a
	// plain loop.
	for n := range 70 {
		q, c := make([]int8, n), make([]byte, n)
		var want int32
		for i := range n {
			q[i], c[i] = int8(rng.IntN(256)-128), byte(rng.IntN(256))
			want += int32(q[i]) * int32(c[i])
		}
		if got := dotI8Generic(q, c); got != want {
			t.Fatalf("n=%d: generic %d, want %d", n, got, want)
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

// BenchmarkDotBatchI8 scores batches of 32 code rows of 1,024 bytes, as an
// insert's beam search does, from a table that fits the processor's second
// level cache and from one of 100,000 rows that does not.
func BenchmarkDotBatchI8(b *testing.B) {
	const d, batch = 1024, 32
	rng := rand.New(rand.NewPCG(3, 4))
	q := make([]int8, d)
	for i := range q {
		q[i] = int8(rng.IntN(255) - 127)
	}
	for _, rows := range []int{256, 100_000} {
		base := make([]byte, rows*d)
		for i := range base {
			base[i] = byte(rng.IntN(256))
		}
		ids := make([]uint32, 1<<16)
		for i := range ids {
			ids[i] = uint32(rng.IntN(rows))
		}
		out := make([]float32, batch)
		for _, k := range batchKernelsI8() {
			b.Run(fmt.Sprintf("%s/rows=%d", k.name, rows), func(b *testing.B) {
				i := 0
				for b.Loop() {
					k.fn(q, base, d, ids[i:i+batch], out)
					i = (i + batch) % len(ids)
				}
			})
		}
	}
}
