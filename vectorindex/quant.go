package vectorindex

import (
	"math"
	"slices"
	"unsafe"
)

// quantizer is the int8 mode's scalar quantizer. It maps a float32 vector to
// one unsigned byte per dimension, code = round((x - lo) / step) clamped to
// [0, 255], so that x ≈ lo + step*code. The inner product with a query q is
// then
//
//	sum q_i*lo_i + sum (q_i*step_i) * code_i,
//
// whose first term is the same for every node and so does not change the
// ranking. A search therefore quantizes w_i = q_i*step_i to signed bytes with
// one scale per query and ranks nodes by the integer sum(w8_i * code_i), which
// VPDPBUSD computes 64 dimensions per instruction. The beam's results are
// rescored with the float32 vectors, so returned scores are exact.
type quantizer struct {
	lo     []float32 // per-dimension minimum of the fitted vectors
	step   []float32 // per-dimension (max - min) / 255; 0 for a constant dimension
	inv    []float32 // 1/step, or 0 where step is 0
	fitted int       // number of vectors the ranges were fitted on; 0 before the first fit
	// hi is the per-dimension maximum of the fitted vectors when this
	// process fitted them, so that a refit reads only the vectors added
	// since; nil after Load, whose snapshot has lo and step only.
	hi []float32
}

// refitLimit is the index size after which the ranges are frozen. Until then
// they are refitted whenever the index has doubled since the last fit, so that
// an index grown one Add at a time does not keep the ranges of its first few
// vectors; each refit re-encodes every node, which costs O(n*d) and sums to
// at most twice the work of encoding refitLimit vectors.
const refitLimit = 1 << 16

// fit sets the ranges from the first n float vectors of ix. The minimums
// and maximums of the vectors fitted before are widened by the new ones
// only, when this process fitted them: the same ranges, since the vectors
// before are the same, and a refit of an index fed issue after issue reads
// each vector about once rather than at every doubling.
func (qz *quantizer) fit(ix *Index, n int) {
	d := ix.d
	var lo, hi []float32
	from := qz.fitted
	if qz.hi != nil && from > 0 && from <= n {
		// Copies: the ranges in use are never written.
		lo, hi = slices.Clone(qz.lo), slices.Clone(qz.hi)
	} else {
		lo, hi = slices.Clone(ix.vec(0)), slices.Clone(ix.vec(0))
		from = 1
	}
	for in := from; in < n; in++ {
		widen(ix.vec(uint32(in)), lo, hi)
	}
	step := make([]float32, d)
	for i := range step {
		step[i] = (hi[i] - lo[i]) / 255
	}
	qz.lo, qz.hi, qz.step, qz.fitted = lo, hi, step, n
	qz.setInverse()
}

// widenGeneric lowers lo and raises hi to take in v.
func widenGeneric(v, lo, hi []float32) {
	lo, hi = lo[:len(v)], hi[:len(v)]
	for i, x := range v {
		lo[i] = min(lo[i], x)
		hi[i] = max(hi[i], x)
	}
}

// encode writes the codes of v to dst[:len(v)].
func (qz *quantizer) encode(v []float32, dst []byte) {
	encodeCodes(v, qz.lo, qz.inv, dst)
}

// encodeGeneric writes the codes of v to dst[:len(v)], with lo and inv the
// ranges' minimums and inverse steps.
func encodeGeneric(v, lo, inv []float32, dst []byte) {
	dst = dst[:len(v)]
	lo, inv = lo[:len(v)], inv[:len(v)]
	for i, x := range v {
		// Adding 0.5 and truncating rounds, since the value is clamped
		// non-negative first.
		c := max((x-lo[i])*inv[i], 0) + 0.5
		dst[i] = byte(min(c, 255))
	}
}

// setInverse derives inv from step.
func (qz *quantizer) setInverse() {
	qz.inv = make([]float32, len(qz.step))
	for i, s := range qz.step {
		if s > 0 {
			qz.inv[i] = 1 / s
		}
	}
}

// query writes the signed-byte query weights round(q_i*step_i*scale) to dst,
// with scale mapping the largest weight to ±127, zeroes the rest of dst, and
// returns scale (0 if every weight is 0).
func (qz *quantizer) query(q []float32, dst []int8) float32 {
	step := qz.step[:len(q)]
	var m float32
	for i, x := range q {
		m = max(m, float32(math.Abs(float64(x*step[i]))))
	}
	clear(dst)
	if m == 0 {
		return 0
	}
	scale := 127 / m
	for i, x := range q {
		dst[i] = int8(math.Round(float64(x * step[i] * scale)))
	}
	return scale
}

// offset returns sum q_i*lo_i, the part of q's inner products that the codes
// leave out.
func (qz *quantizer) offset(q []float32) float32 {
	var o float32
	for i, x := range q {
		o += x * qz.lo[i]
	}
	return o
}

// encodeFrom encodes the nodes from internal id first on, after a refit of
// the ranges (and then all nodes) if the index has doubled since the last
// one. Ranges that were never fitted, as in a float32 index just loaded,
// count as fitted on no vector. The caller holds mu for writing.
func (ix *Index) encodeFrom(first int) {
	qz := ix.quant
	n := len(ix.ext)
	if n == 0 {
		return
	}
	if qz.fitted < refitLimit && n >= 2*qz.fitted {
		qz.fit(ix, n)
		first = 0
	}
	if need := n * ix.codeLen; !ix.int8 && len(ix.codes) < need {
		if need > cap(ix.codes) {
			// At least double: room for this batch only would copy
			// the codes at every batch of an index fed issue after
			// issue. Like the node blocks, they live in an arena,
			// which grows without copying (codeLen is a multiple of 4).
			words := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(ix.codes))), len(ix.codes)/4)
			words = ix.side.grow(words, max(need, 2*len(ix.codes))/4)
			ix.codes = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), 4*cap(words))[:4*len(words)]
		}
		ix.codes = ix.codes[:need]
	}
	for in := first; in < n; in++ {
		ix.encodeNode(uint32(in))
	}
}

// encodeNode writes node in's codes.
func (ix *Index) encodeNode(in uint32) {
	o := ix.codeOff(in)
	ix.quant.encode(ix.vec(in), ix.codes[o:o+ix.codeLen])
}
