//go:build !amd64 || purego

package vectorindex

type singleKernel struct {
	name string
	fn   func(a, b []float32) float32
}

func singleKernels() []singleKernel { return nil }

func batchKernels() []batchKernel { return []batchKernel{{"generic", dotBatchGeneric}} }

func batchKernelsI8() []batchKernelI8 { return []batchKernelI8{{"generic", dotBatchI8Generic}} }
