//go:build !purego

package vectorindex

type singleKernel struct {
	name string
	fn   func(a, b []float32) float32
}

// singleKernels, batchKernels and batchKernelsI8 list the assembly kernels
// this CPU can run.
func singleKernels() []singleKernel {
	var ks []singleKernel
	if useAVX512 {
		ks = append(ks, singleKernel{"avx512", dotAVX512})
	}
	if useAVX2 {
		ks = append(ks, singleKernel{"avx2", dotAVX2})
	}
	return ks
}

func batchKernels() []batchKernel {
	ks := []batchKernel{{"generic", dotBatchGeneric}}
	// The assembly kernels take the stride in bytes.
	if useAVX512 {
		ks = append(ks, batchKernel{"avx512", func(q, base []float32, stride int, ids []uint32, out []float32) {
			dotBatchAVX512(q, base, 4*stride, ids, out)
		}})
	}
	if useAVX2 {
		ks = append(ks, batchKernel{"avx2", func(q, base []float32, stride int, ids []uint32, out []float32) {
			dotBatchAVX2(q, base, 4*stride, ids, out)
		}})
	}
	return ks
}

func batchKernelsI8() []batchKernelI8 {
	ks := []batchKernelI8{{"generic", dotBatchI8Generic}}
	if useVNNI {
		ks = append(ks, batchKernelI8{"vnni", dotBatchI8VNNI})
	}
	if useAVX2 {
		ks = append(ks, batchKernelI8{"avx2", dotBatchI8AVX2})
	}
	return ks
}
