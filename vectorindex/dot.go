package vectorindex

// dotGeneric is the portable inner product kernel. Eight independent
// accumulators keep the FPU pipelines busy and let the compiler drop the
// bounds checks inside the unrolled body.
func dotGeneric(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= n; i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
		s4 += x[4] * y[4]
		s5 += x[5] * y[5]
		s6 += x[6] * y[6]
		s7 += x[7] * y[7]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// dotBatchGeneric sets out[i] to the inner product of q with the row that
// starts at base[ids[i]*stride], rows being len(q) elements long.
func dotBatchGeneric(q, base []float32, stride int, ids []uint32, out []float32) {
	d := len(q)
	out = out[:len(ids)]
	for i, id := range ids {
		o := int(id) * stride
		out[i] = dotGeneric(q, base[o:o+d])
	}
}

// dotI8Generic returns the integer inner product of the signed query codes q
// and the unsigned row codes c[:len(q)], as VPDPBUSD computes it.
func dotI8Generic(q []int8, c []byte) int32 {
	n := len(q)
	c = c[:n]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= n; i += 4 {
		x := q[i : i+4 : i+4]
		y := c[i : i+4 : i+4]
		s0 += int32(x[0]) * int32(y[0])
		s1 += int32(x[1]) * int32(y[1])
		s2 += int32(x[2]) * int32(y[2])
		s3 += int32(x[3]) * int32(y[3])
	}
	for ; i < n; i++ {
		s0 += int32(q[i]) * int32(c[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// dotBatchI8Generic sets out[i] to the integer inner product of q with the
// code row that starts at base[ids[i]*stride], converted to float32.
func dotBatchI8Generic(q []int8, base []byte, stride int, ids []uint32, out []float32) {
	d := len(q)
	out = out[:len(ids)]
	for i, id := range ids {
		o := int(id) * stride
		out[i] = float32(dotI8Generic(q, base[o:o+d]))
	}
}
