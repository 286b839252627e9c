//go:build !amd64 || purego

package vectorindex

// dot returns the inner product of a and b. b must be at least len(a) long.
func dot(a, b []float32) float32 { return dotGeneric(a, b) }

// dotBatch sets out[i] to the inner product of q with row ids[i] of base.
func dotBatch(q, base []float32, ids []uint32, out []float32) {
	dotBatchGeneric(q, base, ids, out)
}

// prefetch is a no-op without an assembly version.
func prefetch(*uint32) {}
