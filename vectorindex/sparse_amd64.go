//go:build !purego

package vectorindex

import "golang.org/x/sys/cpu"

var useCompress = cpu.X86.HasAVX512F && cpu.X86.HasPOPCNT

// compressNonzeroAVX512 is [compressNonzeroGeneric] for the whole 32-coordinate
// words of v, len(v) a multiple of 32, sixteen coordinates an instruction.
// It writes 64 bytes at every step, so vals must hold len(v)+16 values.
//
//go:noescape
func compressNonzeroAVX512(v []float32, bitmap, vals []uint32) int

// compressNonzero is [compressNonzeroGeneric], but vals must hold
// len(v)+16 values.
func compressNonzero(v []float32, bitmap, vals []uint32) int {
	if !useCompress {
		return compressNonzeroGeneric(v, bitmap, vals)
	}
	whole := len(v) &^ 31
	_ = bitmap[:(len(v)+31)/32]
	_ = vals[:len(v)+16]
	n := compressNonzeroAVX512(v[:whole], bitmap, vals)
	return n + compressNonzeroGeneric(v[whole:], bitmap[whole/32:], vals[n:])
}

// countNonzeroAVX512 is [countNonzeroGeneric] for len(v) a multiple of 16.
//
//go:noescape
func countNonzeroAVX512(v []float32) int

// countNonzero is [countNonzeroGeneric].
func countNonzero(v []float32) int {
	if !useCompress {
		return countNonzeroGeneric(v)
	}
	whole := len(v) &^ 15
	return countNonzeroAVX512(v[:whole]) + countNonzeroGeneric(v[whole:])
}
