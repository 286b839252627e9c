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
