//go:build !amd64 || purego

package vectorindex

import "unsafe"

// dot returns the inner product of a and b. b must be at least len(a) long.
func dot(a, b []float32) float32 { return dotGeneric(a, b) }

// dotBatch sets out[i] to the inner product of q with the row starting at
// base[ids[i]*stride].
func dotBatch(q, base []float32, stride int, ids []uint32, out []float32) {
	dotBatchGeneric(q, base, stride, ids, out)
}

// dotBatchI8 sets out[i] to the integer inner product of q with the code row
// starting at base[ids[i]*stride].
func dotBatchI8(q []int8, base []byte, stride int, ids []uint32, out []float32) {
	dotBatchI8Generic(q, base, stride, ids, out)
}

// prefetch is a no-op without an assembly version.
func prefetch(unsafe.Pointer) {}

// prefetchRows is a no-op without an assembly version.
func prefetchRows(unsafe.Pointer, int, []uint32, int) {}
