//go:build !purego

package vectorindex

// encodeAVX512 is [encodeGeneric] for len(v) a multiple of 16, sixteen
// dimensions an instruction.
//
//go:noescape
func encodeAVX512(v, lo, inv []float32, dst []byte)

// widenAVX512 is [widenGeneric] for len(v) a multiple of 16.
//
//go:noescape
func widenAVX512(v, lo, hi []float32)

// encodeCodes writes the codes of v to dst[:len(v)], with lo and inv the
// ranges' minimums and inverse steps.
func encodeCodes(v, lo, inv []float32, dst []byte) {
	if !useAVX512 {
		encodeGeneric(v, lo, inv, dst)
		return
	}
	whole := len(v) &^ 15
	lo, inv, dst = lo[:len(v)], inv[:len(v)], dst[:len(v)]
	encodeAVX512(v[:whole], lo, inv, dst)
	encodeGeneric(v[whole:], lo[whole:], inv[whole:], dst[whole:])
}

// widen lowers lo and raises hi to take in v.
func widen(v, lo, hi []float32) {
	if !useAVX512 {
		widenGeneric(v, lo, hi)
		return
	}
	whole := len(v) &^ 15
	lo, hi = lo[:len(v)], hi[:len(v)]
	widenAVX512(v[:whole], lo, hi)
	widenGeneric(v[whole:], lo[whole:], hi[whole:])
}
