package lexical

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"

	"github.com/veille/veille/analysis"
)

// Snapshot format, version 1, written by [Index.WriteTo] and read by
// [ReadIndex]. Integers and floats are little-endian; s is the number of
// slots (dead ones included), l the number of posting lists.
//
//	size        field
//	8           magic "VEILEX\x00\x01"
//	8           analysis fingerprint: see [fingerprint]
//	1           1 if forms are indexed (Config.Exact > 0), else 0
//	1           1 if pairs are indexed (Config.Pairs > 0), else 0
//	4           number of field weights w, then 4w: the weights (float32)
//	4           s
//	4s          slot ids
//	4s          slot lengths (float32)
//	s           dead flags (0 or 1)
//	4           l
//	            per list: 4 posting count p, 4p slots, 2p term frequencies
//	            per dictionary (stems, forms, pairs): 4 term count t, then t
//	            times: 4 list number, 4 term length n, n bytes of term
//	4           CRC-32C (Castagnoli) of all preceding bytes
//
// The fingerprint and the settings make a snapshot of an index analysed
// differently stale rather than wrong; the checksum and the structural
// checks of ReadIndex make a damaged one an error rather than a panic.
const (
	snapMagic  = "VEILEX\x00\x01"
	snapChunk  = 1 << 20  // largest read into one buffer
	snapBuffer = 64 << 10 // bufio size of WriteTo and ReadIndex
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fingerprintProbe exercises what decides the indexed terms: folding,
// elision, numbers, stopwords, stemming and capitalisation.
const fingerprintProbe = "L’Élysée a annoncé 5,6 millions d'euros. Les modèles français s'améliorent " +
	"rapidement : Mistral lève 40 % de plus en 2025 ! Qu'en pensent les chercheuses, les banques " +
	"et les gouvernements européens ? Œuvres, cœur, naïveté, façades."

// fingerprint identifies the analysis this build applies: a hash of the
// tokens of a probe text. A change to folding, stopwords or stemming that
// the probe shows changes it.
func fingerprint() [8]byte {
	h := sha256.New()
	for _, t := range analysis.AppendTokens(nil, fingerprintProbe) {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\n", t.Term, t.Stem, t.Kind, t.Flags)
	}
	var fp [8]byte
	copy(fp[:], h.Sum(nil))
	return fp
}

// WriteTo writes the index to w in the snapshot format described in
// snapshot.go and returns the number of bytes written. Searches may run
// meanwhile; Add and Delete wait.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	sw := &snapWriter{w: bufio.NewWriterSize(w, snapBuffer)}
	fp := fingerprint()
	sw.bytes([]byte(snapMagic))
	sw.bytes(fp[:])
	sw.bytes([]byte{boolByte(ix.cfg.Exact > 0), boolByte(ix.cfg.Pairs > 0)})
	sw.u32(uint32(len(ix.weights)))
	for _, x := range ix.weights {
		sw.u32(math.Float32bits(x))
	}
	sw.u32(uint32(len(ix.ids)))
	for _, id := range ix.ids {
		sw.u32(id)
	}
	for _, l := range ix.lens {
		sw.u32(math.Float32bits(l))
	}
	for _, d := range ix.dead {
		sw.bytes([]byte{boolByte(d)})
	}
	sw.u32(uint32(len(ix.lists)))
	for _, p := range ix.lists {
		sw.u32(uint32(len(p.slots)))
		for _, s := range p.slots {
			sw.u32(s)
		}
		for _, tf := range p.tfs {
			sw.u16(tf)
		}
	}
	for _, dict := range []map[string]uint32{ix.stems, ix.forms, ix.pairs} {
		sw.u32(uint32(len(dict)))
		for term, li := range dict {
			sw.u32(li)
			sw.u32(uint32(len(term)))
			sw.bytes([]byte(term))
		}
	}
	return sw.finish()
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// snapWriter buffers, checksums and counts what it writes, keeping the
// first error.
type snapWriter struct {
	w   *bufio.Writer
	crc uint32
	n   int64
	err error
	buf [4]byte
}

func (sw *snapWriter) bytes(b []byte) {
	if sw.err != nil {
		return
	}
	sw.crc = crc32.Update(sw.crc, castagnoli, b)
	n, err := sw.w.Write(b)
	sw.n += int64(n)
	sw.err = err
}

func (sw *snapWriter) u32(v uint32) {
	binary.LittleEndian.PutUint32(sw.buf[:], v)
	sw.bytes(sw.buf[:4])
}

func (sw *snapWriter) u16(v uint16) {
	binary.LittleEndian.PutUint16(sw.buf[:], v)
	sw.bytes(sw.buf[:2])
}

func (sw *snapWriter) finish() (int64, error) {
	sw.u32(sw.crc)
	if sw.err == nil {
		sw.err = sw.w.Flush()
	}
	return sw.n, sw.err
}

// ReadIndex reads an index written by [Index.WriteTo], to be scored with
// cfg. It returns an error wrapping [ErrStale] when the snapshot was
// analysed differently from what cfg and this build would do (other field
// weights, forms or pairs switched on or off, another analysis), and one
// wrapping [ErrCorrupt] when it is truncated, fails its checksum or is
// inconsistent. Either way the caller should rebuild the index.
//
// ReadIndex buffers r, unless r is a *bufio.Reader of at least 64 KiB: it
// then reads it directly and no further than the snapshot's last byte, so
// that the caller can read on.
func ReadIndex(r io.Reader, cfg Config) (*Index, error) {
	sr := &snapReader{r: bufio.NewReaderSize(r, snapBuffer)}
	ix := New(cfg)
	head := sr.bytes(len(snapMagic) + 8 + 2)
	if sr.err != nil {
		return nil, sr.err
	}
	if string(head[:len(snapMagic)]) != snapMagic {
		return nil, fmt.Errorf("%w: not a lexical snapshot", ErrCorrupt)
	}
	fp := fingerprint()
	nw := sr.u32()
	weights := make([]float32, 0, min(nw, 64))
	for range min(nw, 64) {
		weights = append(weights, math.Float32frombits(sr.u32()))
	}
	switch {
	case sr.err != nil:
		return nil, sr.err
	case string(head[len(snapMagic):len(snapMagic)+8]) != string(fp[:]):
		return nil, fmt.Errorf("%w: another text analysis", ErrStale)
	case head[len(snapMagic)+8] != boolByte(ix.cfg.Exact > 0) || head[len(snapMagic)+9] != boolByte(ix.cfg.Pairs > 0):
		return nil, fmt.Errorf("%w: forms or pairs indexed otherwise", ErrStale)
	case nw > 64 || !slices.Equal(weights, ix.weights):
		return nil, fmt.Errorf("%w: field weights %v, configured %v", ErrStale, weights, ix.weights)
	}

	ns := sr.count()
	ix.ids = sr.u32s(ns)
	ix.lens = make([]float32, 0, len(ix.ids))
	for _, x := range sr.u32s(len(ix.ids)) {
		ix.lens = append(ix.lens, math.Float32frombits(x))
	}
	ix.dead = make([]bool, 0, len(ix.ids))
	for _, b := range sr.bytes(len(ix.ids)) {
		ix.dead = append(ix.dead, b != 0)
	}
	nl := sr.count()
	for range nl {
		np := sr.count()
		ix.lists = append(ix.lists, postings{slots: sr.u32s(np), tfs: sr.u16s(np)})
		if sr.err != nil {
			return nil, sr.err
		}
	}
	listed := make([]bool, nl)
	for _, dict := range []map[string]uint32{ix.stems, ix.forms, ix.pairs} {
		nt := sr.count()
		for range nt {
			li := sr.u32()
			term := string(sr.bytes(sr.count()))
			if sr.err != nil {
				return nil, sr.err
			}
			if int(li) >= nl || listed[li] {
				return nil, fmt.Errorf("%w: term %q points at list %d", ErrCorrupt, term, li)
			}
			listed[li] = true
			dict[term] = li
		}
	}
	sum := sr.crc
	if got := sr.u32(); sr.err == nil && got != sum {
		return nil, fmt.Errorf("%w: checksum %08x, computed %08x", ErrCorrupt, got, sum)
	}
	if sr.err != nil {
		return nil, sr.err
	}
	return ix, ix.restore(listed)
}

// restore checks the decoded slots and lists and derives what the snapshot
// leaves out: slotOf, total and ndead.
func (ix *Index) restore(listed []bool) error {
	for s, id := range ix.ids {
		ix.total += float64(ix.lens[s])
		if ix.dead[s] {
			ix.ndead++
			continue
		}
		if _, dup := ix.slotOf[id]; dup {
			return fmt.Errorf("%w: id %d in two live slots", ErrCorrupt, id)
		}
		ix.slotOf[id] = uint32(s)
	}
	for li, p := range ix.lists {
		if !listed[li] {
			return fmt.Errorf("%w: list %d has no term", ErrCorrupt, li)
		}
		for i, s := range p.slots {
			if int(s) >= len(ix.ids) || (i > 0 && s <= p.slots[i-1]) || p.tfs[i] == 0 {
				return fmt.Errorf("%w: list %d: posting %d (slot %d, tf %d) out of order or range", ErrCorrupt, li, i, s, p.tfs[i])
			}
		}
	}
	return nil
}

// snapReader reads, checksums and bounds what it reads, keeping the first
// error; after one, reads return zeros.
type snapReader struct {
	r   *bufio.Reader
	crc uint32
	err error
}

// bytes reads n bytes. It reads a large n a chunk at a time, so that a
// damaged count cannot make it allocate much more than the stream holds.
func (sr *snapReader) bytes(n int) []byte {
	var b []byte
	for sr.err == nil && len(b) < n {
		c := min(n-len(b), snapChunk)
		b = slices.Grow(b, c)
		if _, err := io.ReadFull(sr.r, b[len(b):len(b)+c]); err != nil {
			sr.err = fmt.Errorf("%w: truncated: %v", ErrCorrupt, err)
			break
		}
		sr.crc = crc32.Update(sr.crc, castagnoli, b[len(b):len(b)+c])
		b = b[:len(b)+c]
	}
	if sr.err != nil {
		return nil
	}
	return b
}

func (sr *snapReader) u32() uint32 {
	if b := sr.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// count reads a count, which the reads that use it bound.
func (sr *snapReader) count() int {
	n := sr.u32()
	if n > math.MaxInt32/4 {
		sr.err = cmp.Or(sr.err, fmt.Errorf("%w: implausible count %d", ErrCorrupt, n))
		return 0
	}
	return int(n)
}

func (sr *snapReader) u32s(n int) []uint32 {
	b := sr.bytes(4 * n)
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

func (sr *snapReader) u16s(n int) []uint16 {
	b := sr.bytes(2 * n)
	out := make([]uint16, len(b)/2)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out
}
