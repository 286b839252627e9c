//go:build !amd64 || purego

package vectorindex

// compressNonzero is [compressNonzeroGeneric], but vals must hold
// len(v)+16 values, as the amd64 version needs.
func compressNonzero(v []float32, bitmap, vals []uint32) int {
	return compressNonzeroGeneric(v, bitmap, vals)
}

// countNonzero is [countNonzeroGeneric].
func countNonzero(v []float32) int { return countNonzeroGeneric(v) }
