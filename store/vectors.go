package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"unsafe"
)

// A vector is stored in one of three forms, told apart by the value's
// length.
//
// Dense: the d float32s, little-endian, 4d bytes.
//
// Sparse, for vectors that are mostly zeros, like the built-in embedder's
// where they are stored (about 420 nonzero coordinates of 1,024 in a
// paragraph's vector; before they were derived, below): the tag
// byte sparseTag, d as a little-endian uint32, a bitmap of the nonzero
// coordinates in ⌈d/32⌉ little-endian uint32 words (coordinate i is bit
// i%32 of word i/32), then the nonzero float32s in coordinate order. Its
// length, 5 + 4⌈d/32⌉ + 4k for k nonzero coordinates, is one more than a
// multiple of 4, which no dense vector's is. A paragraph's vector takes
// 1.8 KB instead of 4 KB: the store of the 100,000-paragraph benchmark
// archive takes 310 MB instead of 500, and `veille ingest`'s peak memory,
// which counts the mapped value log, 1.4 GB instead of 1.6. The values
// decode to the same float32s bit for bit.
//
// A vector is written sparse when that is shorter, so vectors without zeros
// (a neural model's) stay dense.
//
// Derived: the one byte derivedTag, in place of a vector that the store's
// deriver gives from the item ([DB.DeriveVectors]): the built-in embedder's,
// a function of the item's headline and text. Without them the data
// directory of the 100,000-paragraph benchmark archive takes 445 MiB instead
// of 649, and an ingest spends about 1 s less CPU encoding vectors and
// writing them to Badger's value log (BENCHMARKS.md, eighteenth pass).
const (
	sparseTag  = 0x01
	derivedTag = 0x02
)

// derivedMark is the value stored for a derived vector.
var derivedMark = []byte{derivedTag}

// isDerived reports whether a stored vector value is derivedMark.
func isDerived(b []byte) bool { return len(b) == 1 && b[0] == derivedTag }

// errVectorEncoding is wrapped by decodeVector's errors.
var errVectorEncoding = errors.New("bad vector encoding")

// littleEndian reports whether the host stores float32s as vectors are
// stored: little-endian.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// encodeVector returns v as stored: sparse when that is shorter, else
// dense. A dense vector on a little-endian host is v's own memory, not a
// copy: the caller must leave v as it is until the write that stores it has
// committed, as every caller does (vectors are never changed once
// embedded). Converting each vector took 0.4 s of CPU over a
// 100,000-paragraph ingest, and 400 MB of garbage.
func encodeVector(v []float32) []byte {
	words := (len(v) + 31) / 32
	bitmap := make([]uint32, words)
	nonzero := 0
	for w := range bitmap {
		var word uint32
		for j, x := range v[32*w : min(32*w+32, len(v))] {
			// Without a branch: which coordinates are zero is a coin
			// toss that the branch predictor would lose. -0 counts as
			// nonzero, so that every bit comes back.
			word |= min(math.Float32bits(x), 1) << j
		}
		bitmap[w] = word
		nonzero += bits.OnesCount32(word)
	}
	if n := 5 + 4*words + 4*nonzero; n < 4*len(v) {
		b := make([]byte, n)
		b[0] = sparseTag
		binary.LittleEndian.PutUint32(b[1:], uint32(len(v)))
		at := 5
		for _, word := range bitmap {
			binary.LittleEndian.PutUint32(b[at:], word)
			at += 4
		}
		for w, word := range bitmap {
			for ; word != 0; word &= word - 1 {
				binary.LittleEndian.PutUint32(b[at:], math.Float32bits(v[32*w+bits.TrailingZeros32(word)]))
				at += 4
			}
		}
		return b
	}
	if littleEndian {
		return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
	}
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// decodeVector returns the vector stored as b, in either form. It fails,
// wrapping errVectorEncoding, on a value that is neither.
func decodeVector(b []byte) ([]float32, error) {
	switch {
	case len(b)%4 == 0:
		v := make([]float32, len(b)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return v, nil
	case len(b)%4 == 1 && len(b) >= 5 && b[0] == sparseTag:
		return decodeSparse(b)
	}
	return nil, fmt.Errorf("%w: %d bytes", errVectorEncoding, len(b))
}

func decodeSparse(b []byte) ([]float32, error) {
	d := int(binary.LittleEndian.Uint32(b[1:]))
	words := (d + 31) / 32
	if d == 0 || 5+4*words > len(b) {
		return nil, fmt.Errorf("%w: sparse vector of %d dims in %d bytes", errVectorEncoding, d, len(b))
	}
	bitmap, vals := b[5:5+4*words], b[5+4*words:]
	nonzero := 0
	for w := range words {
		nonzero += bits.OnesCount32(binary.LittleEndian.Uint32(bitmap[4*w:]))
	}
	if last := binary.LittleEndian.Uint32(bitmap[4*(words-1):]); d%32 != 0 && last>>(d%32) != 0 {
		return nil, fmt.Errorf("%w: sparse vector marks coordinates past its %d dims", errVectorEncoding, d)
	}
	if 4*nonzero != len(vals) {
		return nil, fmt.Errorf("%w: sparse vector marks %d coordinates but holds %d", errVectorEncoding, nonzero, len(vals)/4)
	}
	v := make([]float32, d)
	k := 0
	for w := range words {
		for word := binary.LittleEndian.Uint32(bitmap[4*w:]); word != 0; word &= word - 1 {
			v[32*w+bits.TrailingZeros32(word)] = math.Float32frombits(binary.LittleEndian.Uint32(vals[4*k:]))
			k++
		}
	}
	return v, nil
}
