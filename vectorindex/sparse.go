package vectorindex

import "math"

// compressNonzeroGeneric writes, for each 32 coordinates of v, the bitmap
// of its nonzero ones (by their bits: -0 is nonzero) to bitmap, and those
// coordinates' bits, in order, to vals; it returns how many it wrote.
// bitmap must hold (len(v)+31)/32 words and vals len(v) values.
func compressNonzeroGeneric(v []float32, bitmap, vals []uint32) int {
	at := 0
	for w := range (len(v) + 31) / 32 {
		// The word is built in a register: or-ing each bit into the
		// bitmap in memory made every coordinate wait for the store of
		// the one before.
		var word uint32
		for j, x := range v[32*w : min(32*w+32, len(v))] {
			b := math.Float32bits(x)
			vals[at] = b
			nz := min(b, 1)
			word |= nz << j
			at += int(nz)
		}
		bitmap[w] = word
	}
	return at
}

// countNonzeroGeneric returns the number of coordinates of v that are
// nonzero by their bits (-0 is nonzero).
func countNonzeroGeneric(v []float32) int {
	n := 0
	for _, x := range v {
		// Without a branch.
		n += int(min(math.Float32bits(x), 1))
	}
	return n
}
