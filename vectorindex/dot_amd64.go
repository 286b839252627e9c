//go:build !purego

package vectorindex

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The assembly kernels in use. The AVX-512 ones need AVX-512F (which implies
// FMA) and an OS that saves the ZMM state, which cpu.X86 already checks; the
// int8 one also needs AVX-512BW and VNNI (VPDPBUSD). AVX2 with FMA is the
// fallback, then the pure-Go kernels.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useVNNI   = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// dotAVX512 returns the inner product of a and b[:len(a)].
//
//go:noescape
func dotAVX512(a, b []float32) float32

// dotAVX2 returns the inner product of a and b[:len(a)].
//
//go:noescape
func dotAVX2(a, b []float32) float32

// dotBatchAVX512 is the AVX-512 version of [dotBatchGeneric], with stride
// in bytes. It does not check bounds: every row must lie inside base.
//
//go:noescape
func dotBatchAVX512(q, base []float32, stride int, ids []uint32, out []float32)

// dotBatchAVX2 is [dotBatchAVX512] for AVX2 and FMA.
//
//go:noescape
func dotBatchAVX2(q, base []float32, stride int, ids []uint32, out []float32)

// dotBatchI8VNNI is the AVX-512 VNNI version of [dotBatchI8Generic], with
// stride in bytes. len(q) must be a positive multiple of 64. It does not check
// bounds: every row must lie inside base.
//
//go:noescape
func dotBatchI8VNNI(q []int8, base []byte, stride int, ids []uint32, out []float32)

// dotBatchI8AVX2 is [dotBatchI8VNNI] for AVX2.
//
//go:noescape
func dotBatchI8AVX2(q []int8, base []byte, stride int, ids []uint32, out []float32)

// dot returns the inner product of a and b. b must be at least len(a) long.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	switch {
	case useAVX512:
		return dotAVX512(a, b)
	case useAVX2:
		return dotAVX2(a, b)
	}
	return dotGeneric(a, b)
}

// dotBatch sets out[i] to the inner product of q with the row starting at
// base[ids[i]*stride]. Every row must lie inside base and out must hold
// len(ids) values.
func dotBatch(q, base []float32, stride int, ids []uint32, out []float32) {
	_ = out[:len(ids)]
	switch {
	case useAVX512:
		dotBatchAVX512(q, base, 4*stride, ids, out)
	case useAVX2:
		dotBatchAVX2(q, base, 4*stride, ids, out)
	default:
		dotBatchGeneric(q, base, stride, ids, out)
	}
}

// dotBatchI8 sets out[i] to the integer inner product of the query codes q
// with the code row starting at base[ids[i]*stride]. len(q) is a multiple of
// 64, every row must lie inside base and out must hold len(ids) values.
func dotBatchI8(q []int8, base []byte, stride int, ids []uint32, out []float32) {
	_ = out[:len(ids)]
	switch {
	case len(q) == 0:
		dotBatchI8Generic(q, base, stride, ids, out)
	case useVNNI:
		dotBatchI8VNNI(q, base, stride, ids, out)
	case useAVX2:
		dotBatchI8AVX2(q, base, stride, ids, out)
	default:
		dotBatchI8Generic(q, base, stride, ids, out)
	}
}

// prefetchRows starts loading the first lines cache lines of the rows at
// base + ids[i]*stride bytes.
//
//go:noescape
func prefetchRows(base unsafe.Pointer, stride int, ids []uint32, lines int)

// prefetch asks the CPU to start loading the two cache lines at p.
//
//go:noescape
func prefetch(p unsafe.Pointer)
