package vectorindex

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestCompressNonzero checks the kernels in use, compressing and counting,
// against the plain loops, on lengths around the 16- and 32-coordinate
// steps and on -0, which is nonzero by its bits.
func TestCompressNonzero(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 100, 384, 1000, 1024} {
		for _, density := range []float64{0, 0.1, 0.5, 1} {
			v := make([]float32, d)
			for i := range v {
				switch {
				case r.Float64() >= density:
				case r.IntN(10) == 0:
					v[i] = float32(math.Copysign(0, -1))
				default:
					v[i] = r.Float32() - 0.5
				}
			}
			words := (d + 31) / 32
			wantMap, wantVals := make([]uint32, words), make([]uint32, d)
			n := compressNonzeroGeneric(v, wantMap, wantVals)
			gotMap, gotVals := make([]uint32, words), make([]uint32, d+16)
			if got := compressNonzero(v, gotMap, gotVals); got != n {
				t.Fatalf("d=%d density %g: %d values, want %d", d, density, got, n)
			}
			if !slices.Equal(gotMap, wantMap) || !slices.Equal(gotVals[:n], wantVals[:n]) {
				t.Fatalf("d=%d density %g: bitmap or values differ", d, density)
			}
			c := 0
			for _, x := range v {
				if math.Float32bits(x) != 0 {
					c++
				}
			}
			if n != c {
				t.Fatalf("d=%d density %g: %d values, %d nonzero coordinates", d, density, n, c)
			}
			if got := countNonzero(v); got != c {
				t.Fatalf("d=%d density %g: counted %d nonzero coordinates, want %d", d, density, got, c)
			}
		}
	}
}
