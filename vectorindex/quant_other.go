//go:build !amd64 || purego

package vectorindex

// encodeCodes writes the codes of v to dst[:len(v)], with lo and inv the
// ranges' minimums and inverse steps.
func encodeCodes(v, lo, inv []float32, dst []byte) { encodeGeneric(v, lo, inv, dst) }

// widen lowers lo and raises hi to take in v.
func widen(v, lo, hi []float32) { widenGeneric(v, lo, hi) }
