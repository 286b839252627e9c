//go:build !purego

#include "textflag.h"

DATA quantHalf<>+0(SB)/4, $0.5
GLOBL quantHalf<>(SB), RODATA|NOPTR, $4
DATA quant255<>+0(SB)/4, $255.0
GLOBL quant255<>(SB), RODATA|NOPTR, $4

// func encodeAVX512(v, lo, inv []float32, dst []byte)
//
// The same operations as encodeGeneric, in the same order, on sixteen
// dimensions at once: (x-lo)*inv, then at least 0, plus 0.5, at most 255,
// truncated to an integer and narrowed to a byte. len(v) is a multiple of
// 16; lo, inv and dst are at least as long.
TEXT ·encodeAVX512(SB), NOSPLIT, $0-96
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ lo_base+24(FP), R8
	MOVQ inv_base+48(FP), R9
	MOVQ dst_base+72(FP), DI
	VPXORD       Z4, Z4, Z4
	VBROADCASTSS quantHalf<>(SB), Z5
	VBROADCASTSS quant255<>(SB), Z6
	SHRQ         $4, CX
	JZ           edone
eloop:
	VMOVUPS    (SI), Z0
	VSUBPS     (R8), Z0, Z0
	VMULPS     (R9), Z0, Z0
	VMAXPS     Z4, Z0, Z0
	VADDPS     Z5, Z0, Z0
	VMINPS     Z6, Z0, Z0
	VCVTTPS2DQ Z0, Z0
	VPMOVDB    Z0, (DI)
	ADDQ       $64, SI
	ADDQ       $64, R8
	ADDQ       $64, R9
	ADDQ       $16, DI
	DECQ       CX
	JNZ        eloop
edone:
	VZEROUPPER
	RET

// func widenAVX512(v, lo, hi []float32)
//
// lo = min(lo, v) and hi = max(hi, v), sixteen dimensions at once. len(v)
// is a multiple of 16; lo and hi are at least as long.
TEXT ·widenAVX512(SB), NOSPLIT, $0-72
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ lo_base+24(FP), R8
	MOVQ hi_base+48(FP), R9
	SHRQ $4, CX
	JZ   wdone
wloop:
	VMOVUPS (SI), Z0
	VMINPS  (R8), Z0, Z1
	VMAXPS  (R9), Z0, Z2
	VMOVUPS Z1, (R8)
	VMOVUPS Z2, (R9)
	ADDQ    $64, SI
	ADDQ    $64, R8
	ADDQ    $64, R9
	DECQ    CX
	JNZ     wloop
wdone:
	VZEROUPPER
	RET
