//go:build !purego

#include "textflag.h"

// DOT512 leaves the inner product of the float32 vectors at SI and DI, CX
// elements long, in the low lane of X0. It clobbers SI, DI, CX, BX, R15,
// K1 and Z0-Z7. While it works through 64-element blocks it prefetches the
// matching cache lines of the row at DX (the caller's next row) and
// advances DX.
#define DOT512 \
	VXORPS Z0, Z0, Z0 \
	VXORPS Z1, Z1, Z1 \
	VXORPS Z2, Z2, Z2 \
	VXORPS Z3, Z3, Z3 \
	MOVQ   CX, BX \
	SHRQ   $6, BX \
	JZ     tail16 \
loop64: \
	PREFETCHT0  (DX) \
	PREFETCHT0  64(DX) \
	PREFETCHT0  128(DX) \
	PREFETCHT0  192(DX) \
	ADDQ        $256, DX \
	VMOVUPS     (SI), Z4 \
	VMOVUPS     64(SI), Z5 \
	VMOVUPS     128(SI), Z6 \
	VMOVUPS     192(SI), Z7 \
	VFMADD231PS (DI), Z4, Z0 \
	VFMADD231PS 64(DI), Z5, Z1 \
	VFMADD231PS 128(DI), Z6, Z2 \
	VFMADD231PS 192(DI), Z7, Z3 \
	ADDQ        $256, SI \
	ADDQ        $256, DI \
	DECQ        BX \
	JNZ         loop64 \
tail16: \
	MOVQ CX, BX \
	ANDQ $63, BX \
	SHRQ $4, BX \
	JZ   tailmask \
loop16: \
	VMOVUPS     (SI), Z4 \
	VFMADD231PS (DI), Z4, Z1 \
	ADDQ        $64, SI \
	ADDQ        $64, DI \
	DECQ        BX \
	JNZ         loop16 \
tailmask: \
	ANDQ $15, CX \
	JZ   reduce \
	MOVL $1, R15 \
	SHLL CX, R15 \
	DECL R15 \
	KMOVW R15, K1 \
	VXORPS Z4, Z4, Z4 \
	VXORPS Z5, Z5, Z5 \
	VMOVUPS (SI), K1, Z4 \
	VMOVUPS (DI), K1, Z5 \
	VFMADD231PS Z5, Z4, Z2 \
reduce: \
	VADDPS        Z1, Z0, Z0 \
	VADDPS        Z3, Z2, Z2 \
	VADDPS        Z2, Z0, Z0 \
	VEXTRACTF64X4 $1, Z0, Y1 \
	VADDPS        Y1, Y0, Y0 \
	VEXTRACTF128  $1, Y0, X1 \
	VADDPS        X1, X0, X0 \
	VPERMILPS     $0x0e, X0, X1 \
	VADDPS        X1, X0, X0 \
	VPERMILPS     $0x01, X0, X1 \
	VADDSS        X1, X0, X0

// func dotAVX512(a, b []float32) float32
TEXT ·dotAVX512(SB), NOSPLIT, $0-52
	MOVQ a_base+0(FP), SI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), DI
	MOVQ DI, DX // no next row: prefetch b itself, which is harmless
	DOT512
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func dotBatchAVX512(q, base []float32, ids []uint32, out []float32)
//
// out[i] = dot(q, row ids[i] of base) for every i < len(ids), where rows are
// len(q) elements long. The caller guarantees that every row lies inside base
// and that len(out) >= len(ids). Each row's computation prefetches the next.
TEXT ·dotBatchAVX512(SB), NOSPLIT, $0-96
	MOVQ  q_base+0(FP), R8
	MOVQ  q_len+8(FP), R9
	MOVQ  base_base+24(FP), R10
	MOVQ  ids_base+48(FP), R11
	MOVQ  ids_len+56(FP), R12
	MOVQ  out_base+72(FP), R13
	MOVQ  R9, R14
	SHLQ  $2, R14
	XORQ  AX, AX
	TESTQ R12, R12
	JZ    done

row:
	MOVL  (R11)(AX*4), DI
	IMULQ R14, DI
	ADDQ  R10, DI
	MOVQ  DI, DX
	LEAQ  1(AX), BX
	CMPQ  BX, R12
	JGE   compute
	MOVL  (R11)(BX*4), DX
	IMULQ R14, DX
	ADDQ  R10, DX

compute:
	MOVQ  R8, SI
	MOVQ  R9, CX
	DOT512
	MOVSS X0, (R13)(AX*4)
	INCQ  AX
	CMPQ  AX, R12
	JLT   row

done:
	VZEROUPPER
	RET

// func prefetch(p *uint32)
TEXT ·prefetch(SB), NOSPLIT, $0-8
	MOVQ       p+0(FP), AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	RET
