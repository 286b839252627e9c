//go:build !purego

#include "textflag.h"

// func accumulateAVX512(acc, lens *float32, slots *uint32, tfs *uint16, n int, scale, a, b float32, touched *uint32) int
TEXT ·accumulateAVX512(SB), NOSPLIT, $0-72
	MOVQ         acc+0(FP), DI
	MOVQ         lens+8(FP), SI
	MOVQ         slots+16(FP), R8
	MOVQ         tfs+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSS scale+40(FP), Z10
	VBROADCASTSS a+44(FP), Z11
	VBROADCASTSS b+48(FP), Z12
	MOVQ         touched+56(FP), R10
	XORQ         AX, AX
	VXORPS       Z7, Z7, Z7
	SHRQ         $4, CX
	JZ           done

loop:
	VMOVDQU32   (R8), Z1
	VPMOVZXWD   (R9), Z2
	VCVTDQ2PS   Z2, Z2
	KXNORW      K1, K1, K1
	VGATHERDPS  (SI)(Z1*4), K1, Z3
	KXNORW      K2, K2, K2
	VGATHERDPS  (DI)(Z1*4), K2, Z6
	VMULPS      Z12, Z3, Z3
	VADDPS      Z11, Z2, Z4
	VADDPS      Z3, Z4, Z4
	VMULPS      Z10, Z2, Z5
	VDIVPS      Z4, Z5, Z5
	VCMPPS      $0, Z7, Z6, K3
	VADDPS      Z5, Z6, Z6
	KXNORW      K4, K4, K4
	VSCATTERDPS Z6, K4, (DI)(Z1*4)
	VPCOMPRESSD Z1, K3, Z8
	VMOVDQU32   Z8, (R10)(AX*4)
	KMOVW       K3, BX
	POPCNTL     BX, BX
	ADDQ        BX, AX
	ADDQ        $64, R8
	ADDQ        $32, R9
	DECQ        CX
	JNZ         loop

done:
	VZEROUPPER
	MOVQ AX, ret+64(FP)
	RET

// func filterAVX512(acc *float32, touched *uint32, n int, theta float32, zero bool, out *uint32, scores *float32) int
TEXT ·filterAVX512(SB), NOSPLIT, $0-56
	MOVQ         acc+0(FP), DI
	MOVQ         touched+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS theta+24(FP), Z10
	MOVBLZX      zero+28(FP), DX
	MOVQ         out+32(FP), R10
	MOVQ         scores+40(FP), R11
	XORQ         AX, AX
	VXORPS       Z7, Z7, Z7
	SHRQ         $4, CX
	JZ           fdone

floop:
	VMOVDQU32   (SI), Z1
	KXNORW      K1, K1, K1
	VGATHERDPS  (DI)(Z1*4), K1, Z2
	TESTQ       DX, DX
	JZ          fcompare
	KXNORW      K2, K2, K2
	VSCATTERDPS Z7, K2, (DI)(Z1*4)

fcompare:
	VCMPPS      $13, Z10, Z2, K3
	VPCOMPRESSD Z1, K3, Z8
	VMOVDQU32   Z8, (R10)(AX*4)
	VCOMPRESSPS Z2, K3, Z9
	VMOVUPS     Z9, (R11)(AX*4)
	KMOVW       K3, BX
	POPCNTL     BX, BX
	ADDQ        BX, AX
	ADDQ        $64, SI
	DECQ        CX
	JNZ         floop

fdone:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET
