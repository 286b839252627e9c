//go:build !purego

package vectorindex

import "golang.org/x/sys/cpu"

// useAVX512 selects the assembly kernels. They need AVX-512F (which implies
// FMA) and an OS that saves the ZMM state, which cpu.X86 already checks.
var useAVX512 = cpu.X86.HasAVX512F

// dotAVX512 returns the inner product of a and b[:len(a)].
//
//go:noescape
func dotAVX512(a, b []float32) float32

// dotBatchAVX512 is the AVX-512 version of [dotBatchGeneric]. It does not
// check bounds: every row must lie inside base.
//
//go:noescape
func dotBatchAVX512(q, base []float32, ids []uint32, out []float32)

// dot returns the inner product of a and b. b must be at least len(a) long.
func dot(a, b []float32) float32 {
	if useAVX512 {
		b = b[:len(a)]
		return dotAVX512(a, b)
	}
	return dotGeneric(a, b)
}

// dotBatch sets out[i] to the inner product of q with row ids[i] of base.
// Every row must lie inside base and out must hold len(ids) values.
func dotBatch(q, base []float32, ids []uint32, out []float32) {
	if useAVX512 {
		_ = out[:len(ids)]
		dotBatchAVX512(q, base, ids, out)
		return
	}
	dotBatchGeneric(q, base, ids, out)
}

// prefetch asks the CPU to start loading the two cache lines at p.
//
//go:noescape
func prefetch(p *uint32)
