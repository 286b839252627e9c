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
	PREFETCHT0  (DX) \
	ADDQ        $64, DX \
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

// DOT256 is DOT512 for AVX2 and FMA: the inner product of the float32
// vectors at SI and DI, CX elements long, in the low lane of X0. It clobbers
// SI, DI, CX, BX and Y0-Y7, and prefetches the row at DX, advancing it.
#define DOT256 \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3 \
	MOVQ   CX, BX \
	SHRQ   $5, BX \
	JZ     tail8 \
loop32: \
	PREFETCHT0  (DX) \
	PREFETCHT0  64(DX) \
	ADDQ        $128, DX \
	VMOVUPS     (SI), Y4 \
	VMOVUPS     32(SI), Y5 \
	VMOVUPS     64(SI), Y6 \
	VMOVUPS     96(SI), Y7 \
	VFMADD231PS (DI), Y4, Y0 \
	VFMADD231PS 32(DI), Y5, Y1 \
	VFMADD231PS 64(DI), Y6, Y2 \
	VFMADD231PS 96(DI), Y7, Y3 \
	ADDQ        $128, SI \
	ADDQ        $128, DI \
	DECQ        BX \
	JNZ         loop32 \
tail8: \
	MOVQ CX, BX \
	ANDQ $31, BX \
	SHRQ $3, BX \
	JZ   tail1 \
loop8: \
	VMOVUPS     (SI), Y4 \
	VFMADD231PS (DI), Y4, Y1 \
	ADDQ        $32, SI \
	ADDQ        $32, DI \
	DECQ        BX \
	JNZ         loop8 \
tail1: \
	VADDPS       Y1, Y0, Y0 \
	VADDPS       Y3, Y2, Y2 \
	VADDPS       Y2, Y0, Y0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VPERMILPS    $0x0e, X0, X1 \
	VADDPS       X1, X0, X0 \
	VPERMILPS    $0x01, X0, X1 \
	VADDSS       X1, X0, X0 \
	ANDQ         $7, CX \
	JZ           done1 \
loop1: \
	VMOVSS      (SI), X4 \
	VFMADD231SS (DI), X4, X0 \
	ADDQ        $4, SI \
	ADDQ        $4, DI \
	DECQ        CX \
	JNZ         loop1 \
done1:

// ROWS is the loop shared by the batch kernels: for AX from 0 to R12 it sets
// DI to the row of id (R11)(AX*4), that is R10 + id*R14, and DX to the next
// row (or DI again for the last), runs the body with SI = R8 and CX = R9, and
// stores the float32 in X0 to (R13)(AX*4).
#define ROWS(body) \
	XORQ  AX, AX \
	TESTQ R12, R12 \
	JZ    done \
row: \
	MOVL  (R11)(AX*4), DI \
	IMULQ R14, DI \
	ADDQ  R10, DI \
	MOVQ  DI, DX \
	LEAQ  1(AX), BX \
	CMPQ  BX, R12 \
	JGE   compute \
	MOVL  (R11)(BX*4), DX \
	IMULQ R14, DX \
	ADDQ  R10, DX \
compute: \
	MOVQ  R8, SI \
	MOVQ  R9, CX \
	body \
	MOVSS X0, (R13)(AX*4) \
	INCQ  AX \
	CMPQ  AX, R12 \
	JLT   row \
done: \
	VZEROUPPER \
	RET

// LOADARGS loads the arguments of a batch kernel,
// func(q []T, base []U, stride int, ids []uint32, out []float32), into
// R8 (q), R9 (len(q)), R10 (base), R14 (stride in bytes), R11 (ids),
// R12 (len(ids)) and R13 (out).
#define LOADARGS \
	MOVQ q_base+0(FP), R8 \
	MOVQ q_len+8(FP), R9 \
	MOVQ base_base+24(FP), R10 \
	MOVQ stride+48(FP), R14 \
	MOVQ ids_base+56(FP), R11 \
	MOVQ ids_len+64(FP), R12 \
	MOVQ out_base+80(FP), R13

// DOTI8VNNI leaves, as a float32 in the low lane of X0, the integer inner
// product of the signed bytes at SI (the query) and the unsigned bytes at DI
// (a code row), CX bytes long, CX a positive multiple of 64. It uses
// VPDPBUSD (AVX-512 VNNI), clobbers SI, DI, CX, Z0-Z5 and prefetches the row
// at DX, advancing it.
#define DOTI8VNNI \
	VPXORD Z0, Z0, Z0 \
	VPXORD Z1, Z1, Z1 \
	SHRQ   $6, CX \
	TESTQ  $1, CX \
	JZ     pairs \
	PREFETCHT0 (DX) \
	ADDQ       $64, DX \
	VMOVDQU8   (DI), Z4 \
	VPDPBUSD   (SI), Z4, Z1 \
	ADDQ       $64, SI \
	ADDQ       $64, DI \
pairs: \
	SHRQ $1, CX \
	JZ   reducei8 \
loopi8: \
	PREFETCHT0 (DX) \
	PREFETCHT0 64(DX) \
	ADDQ       $128, DX \
	VMOVDQU8   (DI), Z4 \
	VMOVDQU8   64(DI), Z5 \
	VPDPBUSD   (SI), Z4, Z0 \
	VPDPBUSD   64(SI), Z5, Z1 \
	ADDQ       $128, SI \
	ADDQ       $128, DI \
	DECQ       CX \
	JNZ        loopi8 \
reducei8: \
	VPADDD        Z1, Z0, Z0 \
	VEXTRACTI64X4 $1, Z0, Y1 \
	VPADDD        Y1, Y0, Y0 \
	VEXTRACTI128  $1, Y0, X1 \
	VPADDD        X1, X0, X0 \
	VPSHUFD       $0x4e, X0, X1 \
	VPADDD        X1, X0, X0 \
	VPSHUFD       $0xb1, X0, X1 \
	VPADDD        X1, X0, X0 \
	VCVTDQ2PS     X0, X0

// DOTI8AVX2 is DOTI8VNNI for AVX2: bytes are widened to 16 bits and
// multiplied with VPMADDWD, which cannot overflow. CX is a positive multiple
// of 64.
#define DOTI8AVX2 \
	VPXOR Y0, Y0, Y0 \
	VPXOR Y1, Y1, Y1 \
	SHRQ  $5, CX \
loopi8avx2: \
	PREFETCHT0 (DX) \
	ADDQ       $32, DX \
	VPMOVZXBW  (DI), Y4 \
	VPMOVSXBW  (SI), Y5 \
	VPMADDWD   Y5, Y4, Y4 \
	VPADDD     Y4, Y0, Y0 \
	VPMOVZXBW  16(DI), Y6 \
	VPMOVSXBW  16(SI), Y7 \
	VPMADDWD   Y7, Y6, Y6 \
	VPADDD     Y6, Y1, Y1 \
	ADDQ       $32, SI \
	ADDQ       $32, DI \
	DECQ       CX \
	JNZ        loopi8avx2 \
	VPADDD       Y1, Y0, Y0 \
	VEXTRACTI128 $1, Y0, X1 \
	VPADDD       X1, X0, X0 \
	VPSHUFD      $0x4e, X0, X1 \
	VPADDD       X1, X0, X0 \
	VPSHUFD      $0xb1, X0, X1 \
	VPADDD       X1, X0, X0 \
	VCVTDQ2PS    X0, X0

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

// func dotAVX2(a, b []float32) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	MOVQ a_base+0(FP), SI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), DI
	MOVQ DI, DX
	DOT256
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func dotBatchAVX512(q, base []float32, stride int, ids []uint32, out []float32)
//
// out[i] = dot(q, the len(q) floats at base + ids[i]*stride bytes) for every
// i < len(ids). The caller guarantees that every row lies inside base and
// that len(out) >= len(ids). Each row's computation prefetches the next.
TEXT ·dotBatchAVX512(SB), NOSPLIT, $0-104
	LOADARGS
	ROWS(DOT512)

// func dotBatchAVX2(q, base []float32, stride int, ids []uint32, out []float32)
//
// dotBatchAVX512 for AVX2 and FMA.
TEXT ·dotBatchAVX2(SB), NOSPLIT, $0-104
	LOADARGS
	ROWS(DOT256)

// func dotBatchI8VNNI(q []int8, base []byte, stride int, ids []uint32, out []float32)
//
// out[i] = float32 of the integer inner product of q with the len(q) code
// bytes at base + ids[i]*stride, for every i < len(ids). len(q) must be a
// positive multiple of 64; rows must lie inside base and len(out) >= len(ids).
TEXT ·dotBatchI8VNNI(SB), NOSPLIT, $0-104
	LOADARGS
	ROWS(DOTI8VNNI)

// func dotBatchI8AVX2(q []int8, base []byte, stride int, ids []uint32, out []float32)
//
// dotBatchI8VNNI for AVX2.
TEXT ·dotBatchI8AVX2(SB), NOSPLIT, $0-104
	LOADARGS
	ROWS(DOTI8AVX2)

// func prefetch(p unsafe.Pointer)
TEXT ·prefetch(SB), NOSPLIT, $0-8
	MOVQ       p+0(FP), AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	RET

// func prefetchRows(base unsafe.Pointer, stride int, ids []uint32, lines int)
//
// Starts loading the first lines cache lines of the rows at base +
// ids[i]*stride, for every i: one pass of prefetches, so that the loads of
// all rows overlap instead of one row ahead at a time.
TEXT ·prefetchRows(SB), NOSPLIT, $0-48
	MOVQ  base+0(FP), R10
	MOVQ  stride+8(FP), R14
	MOVQ  ids_base+16(FP), R11
	MOVQ  ids_len+24(FP), R12
	MOVQ  lines+40(FP), R9
	TESTQ R12, R12
	JZ    pdone
	TESTQ R9, R9
	JZ    pdone
	XORQ  AX, AX
prow:
	MOVL  (R11)(AX*4), DI
	IMULQ R14, DI
	ADDQ  R10, DI
	MOVQ  R9, CX
pline:
	PREFETCHT0 (DI)
	ADDQ       $64, DI
	DECQ       CX
	JNZ        pline
	INCQ  AX
	CMPQ  AX, R12
	JLT   prow
pdone:
	RET
