//go:build !purego

package lexical

import (
	"slices"

	"golang.org/x/sys/cpu"
)

// useAVX512 selects the AVX-512 kernel: gathers, scatters and compresses
// need AVX-512F, which cpu.X86 reports only when the OS saves the ZMM state.
var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasPOPCNT

// accumulateAVX512 is [accumulateGeneric] for the first n postings, n a
// multiple of 16, 16 at a time: it gathers lengths and accumulators, scatters
// the sums, and compresses the slots whose accumulator was zero into
// touched, whose memory must have room for n+16 slots. It returns how many
// it wrote there. The slots of one list are distinct, so a scatter never
// writes one accumulator twice.
//
//go:noescape
func accumulateAVX512(acc, lens *float32, slots *uint32, tfs *uint16, n int, scale, a, b float32, touched *uint32) int

// accumulate is [accumulateGeneric], by AVX-512 where the CPU has it.
func accumulate(acc, lens []float32, slots []uint32, tfs []uint16, scale, a, b float32, touched []uint32) []uint32 {
	n := len(slots) &^ 15
	if !useAVX512 || n == 0 {
		return accumulateGeneric(acc, lens, slots, tfs, scale, a, b, touched)
	}
	tfs = tfs[:len(slots)]
	// Bounds: every slot indexes acc and lens, as in the generic loop.
	_ = acc[:len(lens)]
	touched = slices.Grow(touched, n+16)
	k := len(touched)
	w := accumulateAVX512(&acc[0], &lens[0], &slots[0], &tfs[0], n, scale, a, b, &touched[:k+1][k])
	touched = touched[:k+w]
	return accumulateGeneric(acc, lens, slots[n:], tfs[n:], scale, a, b, touched)
}

// filterAVX512 appends to out the slots among the first n of touched (n a
// multiple of 16) whose accumulator is at least theta, and to scores their
// accumulators, and zeroes the accumulators of all n when zero is set. out
// and scores must have room for n+16 values. It returns how many slots it
// wrote.
//
//go:noescape
func filterAVX512(acc *float32, touched *uint32, n int, theta float32, zero bool, out *uint32, scores *float32) int

// filter is [filterGeneric], by AVX-512 where the CPU has it.
func filter(acc []float32, touched []uint32, theta float32, zero bool, out []uint32, scores []float32) ([]uint32, []float32) {
	n := len(touched) &^ 15
	if !useAVX512 || n == 0 {
		return filterGeneric(acc, touched, theta, zero, out, scores)
	}
	out, scores = slices.Grow(out, n+16), slices.Grow(scores, n+16)
	k, ks := len(out), len(scores)
	w := filterAVX512(&acc[0], &touched[0], n, theta, zero, &out[:k+1][k], &scores[:ks+1][ks])
	return filterGeneric(acc, touched[n:], theta, zero, out[:k+w], scores[:ks+w])
}
