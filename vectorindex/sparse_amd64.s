//go:build !purego

#include "textflag.h"

// func compressNonzeroAVX512(v []float32, bitmap, vals []uint32) int
//
// For each sixteen coordinates: the mask of the nonzero ones (by their
// bits) is half a bitmap word, and VPCOMPRESSD packs those coordinates
// into a register, stored whole; the output moves on by the mask's
// population count. len(v) is a multiple of 32.
TEXT ·compressNonzeroAVX512(SB), NOSPLIT, $0-80
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ bitmap_base+24(FP), R8
	MOVQ vals_base+48(FP), DI
	MOVQ DI, R9
	SHRQ $4, CX
	JZ   cdone
cloop:
	VMOVDQU32   (SI), Z0
	VPTESTMD    Z0, Z0, K1
	VPCOMPRESSD Z0, K1, Z1
	VMOVDQU32   Z1, (DI)
	KMOVW       K1, AX
	MOVW        AX, (R8)
	POPCNTL     AX, AX
	LEAQ        (DI)(AX*4), DI
	ADDQ        $64, SI
	ADDQ        $2, R8
	DECQ        CX
	JNZ         cloop
cdone:
	SUBQ       R9, DI
	SHRQ       $2, DI
	MOVQ       DI, ret+72(FP)
	VZEROUPPER
	RET

// func countNonzeroAVX512(v []float32) int
//
// The population count of the masks VPTESTMD gives, sixteen coordinates
// at a time. len(v) is a multiple of 16.
TEXT ·countNonzeroAVX512(SB), NOSPLIT, $0-32
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	XORQ DX, DX
	SHRQ $4, CX
	JZ   ndone
nloop:
	VMOVDQU32 (SI), Z0
	VPTESTMD  Z0, Z0, K1
	KMOVW     K1, AX
	POPCNTL   AX, AX
	ADDQ      AX, DX
	ADDQ      $64, SI
	DECQ      CX
	JNZ       nloop
ndone:
	MOVQ       DX, ret+24(FP)
	VZEROUPPER
	RET
