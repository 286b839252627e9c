//go:build !amd64 || purego

package lexical

// accumulate is [accumulateGeneric] on machines without the AVX-512 kernel.
func accumulate(acc, lens []float32, slots []uint32, tfs []uint16, scale, a, b float32, touched []uint32) []uint32 {
	return accumulateGeneric(acc, lens, slots, tfs, scale, a, b, touched)
}

// filter is [filterGeneric] on machines without the AVX-512 kernel.
func filter(acc []float32, touched []uint32, theta float32, zero bool, out []uint32, scores []float32) ([]uint32, []float32) {
	return filterGeneric(acc, touched, theta, zero, out, scores)
}
