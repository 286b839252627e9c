package lexical

// accumulateGeneric adds each posting's BM25 contribution to the
// accumulators: for slot s with stored frequency t (in units of 1/tfScale),
// scale·t / (t + a + b·lens[s]), where a and b are the length normalisation
// terms scaled by tfScale. This is scale·tf/(tf + normA + normB·len) with tf
// = t/tfScale; scaling by a power of two is exact, so the two agree to the
// bit. A slot whose accumulator was zero is appended to touched, which is
// returned.
func accumulateGeneric(acc, lens []float32, slots []uint32, tfs []uint16, scale, a, b float32, touched []uint32) []uint32 {
	tfs = tfs[:len(slots)]
	for i, s := range slots {
		t := float32(tfs[i])
		if acc[s] == 0 {
			touched = append(touched, s)
		}
		acc[s] += scale * t / (t + a + b*lens[s])
	}
	return touched
}

// filterGeneric appends to out the slots of touched whose accumulator is at
// least theta, and to scores their accumulators, and zeroes the
// accumulators of all of them when zero is set.
func filterGeneric(acc []float32, touched []uint32, theta float32, zero bool, out []uint32, scores []float32) ([]uint32, []float32) {
	for _, s := range touched {
		if a := acc[s]; a >= theta {
			out = append(out, s)
			scores = append(scores, a)
		}
		if zero {
			acc[s] = 0
		}
	}
	return out, scores
}
