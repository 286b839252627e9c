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
	"math/bits"
	"slices"
	"unsafe"

	"github.com/veille/veille/analysis"
)

// Snapshot format, version 2, written by [Index.WriteTo] and read by
// [ReadIndex]. Integers and floats are little-endian; s is the number of
// slots (dead ones included), l the number of posting lists of stems and
// forms, P the number of their postings in all.
//
//	size        field
//	8           magic "VEILEX\x00\x02"
//	8           analysis fingerprint: see [fingerprint]
//	1           1 if forms are indexed (Config.Exact > 0), else 0
//	1           1 if pairs are indexed (Config.Pairs > 0), else 0
//	4           number of field weights w, then 4w: the weights (float32)
//	4           s
//	4s          slot ids
//	4s          slot lengths (float32)
//	s           dead flags (0 or 1)
//	4           l
//	4l          posting count of each list
//	4P          slots of every list, list after list
//	2P          term frequencies, in the same order
//	            per dictionary (stems, forms): 4 term count t, then
//	            8t: list number and term length of each term, then the
//	            terms' bytes, one after the other
//	4           number of runs of word pairs' postings r, then per run:
//	4             its number of postings n
//	8n            their pairs, each the lists of its two stems, first
//	              one in the high 32 bits (see pairKey)
//	4n            their slots
//	2n            their term frequencies; a run is sorted by pair, then
//	              slot, and holds slots after those of the runs before it
//	4           CRC-32C (Castagnoli) of all preceding bytes
//
// Postings and terms are stored as a few long arrays so that reading them
// is a few large copies: ReadIndex's lists are windows on one array of
// slots and one of frequencies, and its terms substrings of one string.
// The fingerprint and the settings make a snapshot of an index analysed
// differently stale rather than wrong; the checksum and the structural
// checks of ReadIndex make a damaged one an error rather than a panic.
const (
	snapMagic  = "VEILEX\x00\x02"
	snapMagic1 = "VEILEX\x00\x01" // version 1, with pairs in lists
	snapChunk  = 1 << 20          // write buffer of WriteTo
	snapBuffer = 64 << 10         // bufio size of ReadIndex
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
	sw := &snapWriter{w: w, buf: make([]byte, 0, snapChunk)}
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
	}
	for _, p := range ix.lists {
		for _, s := range p.slots {
			sw.u32(s)
		}
	}
	for _, p := range ix.lists {
		for _, tf := range p.tfs {
			sw.u16(tf)
		}
	}
	// Each dictionary in the order of its lists, so that the same index
	// always gives the same bytes.
	type entry struct {
		li   uint32
		term string
	}
	for _, dict := range []map[string]uint32{ix.stems, ix.forms} {
		entries := make([]entry, 0, len(dict))
		for term, li := range dict {
			entries = append(entries, entry{li, term})
		}
		slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.li, b.li) })
		sw.u32(uint32(len(dict)))
		for _, e := range entries {
			sw.u32(e.li)
			sw.u32(uint32(len(e.term)))
		}
		for _, e := range entries {
			sw.bytes([]byte(e.term))
		}
	}
	// The buffer of the newest pairs' postings is written as a last run, in
	// blocks of its own: WriteTo holds only the read lock, so it leaves the
	// log's blocks to Add.
	runs := ix.pairs.runs
	if buf := ix.pairs.buf; len(buf) > 0 {
		spare := pairLog{blockLen: ix.pairs.blockLen}
		runs = append(runs[:len(runs):len(runs)], spare.runOf(slices.SortedFunc(slices.Values(buf), comparePostings)))
	}
	sw.u32(uint32(len(runs)))
	for i := range runs {
		r := &runs[i]
		sw.u32(uint32(r.len()))
		for k, b := range r.blocks {
			for _, key := range b.keys[:r.filled(k)] {
				sw.u64(key)
			}
		}
		for k, b := range r.blocks {
			for _, s := range b.slots[:r.filled(k)] {
				sw.u32(s)
			}
		}
		for k, b := range r.blocks {
			for _, tf := range b.tfs[:r.filled(k)] {
				sw.u16(tf)
			}
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
	w   io.Writer
	buf []byte
	crc uint32
	n   int64
	err error
}

func (sw *snapWriter) flush() {
	if sw.err == nil && len(sw.buf) > 0 {
		sw.crc = crc32.Update(sw.crc, castagnoli, sw.buf)
		n, err := sw.w.Write(sw.buf)
		sw.n += int64(n)
		sw.err = err
	}
	sw.buf = sw.buf[:0]
}

func (sw *snapWriter) bytes(b []byte) {
	for len(b) > 0 {
		if len(sw.buf) == cap(sw.buf) {
			sw.flush()
		}
		n := min(len(b), cap(sw.buf)-len(sw.buf))
		sw.buf = append(sw.buf, b[:n]...)
		b = b[n:]
	}
}

func (sw *snapWriter) u32(v uint32) {
	if cap(sw.buf)-len(sw.buf) < 4 {
		sw.flush()
	}
	sw.buf = binary.LittleEndian.AppendUint32(sw.buf, v)
}

func (sw *snapWriter) u64(v uint64) {
	if cap(sw.buf)-len(sw.buf) < 8 {
		sw.flush()
	}
	sw.buf = binary.LittleEndian.AppendUint64(sw.buf, v)
}

func (sw *snapWriter) u16(v uint16) {
	if cap(sw.buf)-len(sw.buf) < 2 {
		sw.flush()
	}
	sw.buf = binary.LittleEndian.AppendUint16(sw.buf, v)
}

func (sw *snapWriter) finish() (int64, error) {
	sw.flush()
	if sw.err != nil {
		return sw.n, sw.err
	}
	n, err := sw.w.Write(binary.LittleEndian.AppendUint32(nil, sw.crc))
	return sw.n + int64(n), err
}

// ReadIndex reads an index written by [Index.WriteTo], to be scored with
// cfg; size is the number of bytes r holds, at least the snapshot's, which
// bounds what a damaged count can make it allocate. It returns an error
// wrapping [ErrStale] when the snapshot was analysed differently from what
// cfg and this build would do (other field weights, forms or pairs
// switched on or off, another analysis), and one wrapping [ErrCorrupt] when
// it is truncated, fails its checksum or is inconsistent. Either way the
// caller should rebuild the index.
//
// ReadIndex buffers r, unless r is a *bufio.Reader of at least 64 KiB: it
// then reads it directly and no further than the snapshot's last byte, so
// that the caller can read on.
func ReadIndex(r io.Reader, size int64, cfg Config) (*Index, error) {
	sr := &snapReader{r: bufio.NewReaderSize(r, snapBuffer), left: size}
	ix := New(cfg)
	head := sr.bytes(len(snapMagic) + 8 + 2)
	if sr.err != nil {
		return nil, sr.err
	}
	switch string(head[:len(snapMagic)]) {
	case snapMagic:
	case snapMagic1:
		return nil, fmt.Errorf("%w: an earlier snapshot format", ErrStale)
	default:
		return nil, fmt.Errorf("%w: not a lexical snapshot", ErrCorrupt)
	}
	fp := fingerprint()
	weights := sr.f32s(sr.count(4))
	switch {
	case sr.err != nil:
		return nil, sr.err
	case string(head[len(snapMagic):len(snapMagic)+8]) != string(fp[:]):
		return nil, fmt.Errorf("%w: another text analysis", ErrStale)
	case head[len(snapMagic)+8] != boolByte(ix.cfg.Exact > 0) || head[len(snapMagic)+9] != boolByte(ix.cfg.Pairs > 0):
		return nil, fmt.Errorf("%w: forms or pairs indexed otherwise", ErrStale)
	case !slices.Equal(weights, ix.weights):
		return nil, fmt.Errorf("%w: field weights %v, configured %v", ErrStale, weights, ix.weights)
	}

	ns := sr.count(9)
	ix.ids = sr.u32s(ns)
	ix.lens = sr.f32s(ns)
	ix.dead = make([]bool, 0, ns)
	for _, b := range sr.bytes(ns) {
		ix.dead = append(ix.dead, b != 0)
	}
	counts := sr.u32s(sr.count(4))
	total := int64(0)
	for _, n := range counts {
		total += int64(n)
	}
	if total*6 > sr.left {
		return nil, fmt.Errorf("%w: %d postings beyond the end", ErrCorrupt, total)
	}
	slots, tfs := sr.u32s(int(total)), sr.u16s(int(total))
	if sr.err != nil {
		return nil, sr.err
	}
	ix.lists = make([]postings, len(counts))
	at := 0
	for i, n := range counts {
		// Full slice expressions: an Add to a list copies it out of the
		// shared arrays rather than overwriting its neighbour.
		ix.lists[i] = postings{slots: slots[at : at+int(n) : at+int(n)], tfs: tfs[at : at+int(n) : at+int(n)]}
		at += int(n)
	}
	listed := make([]bool, len(counts))
	isStem := make([]bool, len(counts))
	for d := range 2 {
		entries := sr.u32s(2 * sr.count(8))
		size := int64(0)
		for i := 1; i < len(entries); i += 2 {
			size += int64(entries[i])
		}
		if size > sr.left {
			return nil, fmt.Errorf("%w: %d bytes of terms beyond the end", ErrCorrupt, size)
		}
		blob := make([]byte, size)
		sr.read(blob)
		if sr.err != nil {
			return nil, sr.err
		}
		// blob is never written again, so its terms can share it.
		terms := unsafe.String(unsafe.SliceData(blob), len(blob))
		if d == 0 {
			ix.stems = make(map[string]uint32, len(entries)/2)
		} else {
			ix.forms = make(map[string]uint32, len(entries)/2)
		}
		for i := 0; i < len(entries); i += 2 {
			li, n := entries[i], int(entries[i+1])
			term := terms[:n]
			terms = terms[n:]
			if int(li) >= len(counts) || listed[li] {
				return nil, fmt.Errorf("%w: term %q points at list %d", ErrCorrupt, term, li)
			}
			listed[li] = true
			if d == 0 {
				ix.stems[term] = li
				isStem[li] = true
			} else {
				ix.forms[term] = li
			}
		}
	}
	ix.pairs.runs = make([]pairRun, sr.count(4))
	for i := range ix.pairs.runs {
		ix.pairs.runs[i] = ix.pairs.readRun(sr, sr.count(14))
	}
	sum := sr.crc
	b := sr.bytes(4)
	if sr.err != nil {
		return nil, sr.err
	}
	if got := binary.LittleEndian.Uint32(b); got != sum {
		return nil, fmt.Errorf("%w: checksum %08x, computed %08x", ErrCorrupt, got, sum)
	}
	return ix, ix.restore(listed, isStem)
}

// restore checks the decoded slots, lists and pairs, and derives what the
// snapshot leaves out: slotOf, total and ndead.
func (ix *Index) restore(listed, isStem []bool) error {
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
	return ix.restorePairs(isStem)
}

// restorePairs checks the runs of pairs' postings: sorted, naming stems'
// lists and slots in range, each run's slots after the previous run's.
func (ix *Index) restorePairs(isStem []bool) error {
	after := -1 // the last slot of the runs so far
	for ri := range ix.pairs.runs {
		r := &ix.pairs.runs[ri]
		last := after
		for i := range r.len() {
			p := r.at(i)
			a, b := p.key>>32, uint64(uint32(p.key))
			switch {
			case a >= uint64(len(isStem)) || b >= uint64(len(isStem)) || !isStem[a] || !isStem[b]:
				return fmt.Errorf("%w: pairs run %d: posting %d names lists %d and %d, not stems", ErrCorrupt, ri, i, a, b)
			case int(p.slot) >= len(ix.ids) || int(p.slot) <= after || p.tf == 0:
				return fmt.Errorf("%w: pairs run %d: posting %d (slot %d, tf %d) out of range", ErrCorrupt, ri, i, p.slot, p.tf)
			case i > 0 && comparePostings(r.at(i-1), p) >= 0:
				return fmt.Errorf("%w: pairs run %d: posting %d out of order", ErrCorrupt, ri, i)
			}
			last = max(last, int(p.slot))
		}
		after = last
	}
	return nil
}

// snapReader reads and checksums at most left bytes, keeping the first
// error; after one, reads return zeros.
type snapReader struct {
	r    *bufio.Reader
	left int64
	crc  uint32
	err  error
}

// fits reports whether n more bytes fit in what is left, and records an
// error if not.
func (sr *snapReader) fits(n int64) bool {
	if sr.err == nil && n > sr.left {
		sr.err = fmt.Errorf("%w: %d bytes beyond the end", ErrCorrupt, n)
	}
	return sr.err == nil
}

// read fills b, unless that would pass the end.
func (sr *snapReader) read(b []byte) {
	if !sr.fits(int64(len(b))) {
		return
	}
	if _, err := io.ReadFull(sr.r, b); err != nil {
		sr.err = fmt.Errorf("%w: truncated: %v", ErrCorrupt, err)
		return
	}
	sr.left -= int64(len(b))
	sr.crc = crc32.Update(sr.crc, castagnoli, b)
}

func (sr *snapReader) bytes(n int) []byte {
	if !sr.fits(int64(n)) {
		return nil
	}
	b := make([]byte, n)
	sr.read(b)
	return b
}

// count reads a count of records of at least size bytes each, and checks
// that they fit in what is left.
func (sr *snapReader) count(size int) int {
	b := sr.bytes(4)
	if len(b) < 4 {
		return 0
	}
	n := int64(binary.LittleEndian.Uint32(b))
	if n*int64(size) > sr.left {
		sr.err = fmt.Errorf("%w: %d records of %d bytes beyond the end", ErrCorrupt, n, size)
		return 0
	}
	return int(n)
}

// littleEndian reports whether this machine stores integers little-endian,
// as snapshots do: the arrays are then read straight into place.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// readWords reads n little-endian words of T, straight into place on a
// little-endian machine, else swapped by swap.
func readWords[T uint16 | uint32 | uint64](sr *snapReader, n int, swap func(T) T) []T {
	size := int(unsafe.Sizeof(T(0)))
	if !sr.fits(int64(size) * int64(n)) {
		return nil
	}
	out := make([]T, n)
	readInto(sr, out, swap)
	return out
}

// readInto fills out with little-endian words of T, as readWords.
func readInto[T uint16 | uint32 | uint64](sr *snapReader, out []T, swap func(T) T) {
	sr.read(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(out))), int(unsafe.Sizeof(T(0)))*len(out)))
	if !littleEndian {
		for i, x := range out {
			out[i] = swap(x)
		}
	}
}

// readRun reads a run of n pair postings, its keys, then its slots, then
// its tfs, into blocks of pl. The caller has checked that n postings fit.
func (pl *pairLog) readRun(sr *snapReader, n int) pairRun {
	w := pl.newRun()
	for left := n; left > 0; {
		_, room := w.room()
		m := min(room, left)
		w.wrote(m)
		left -= m
	}
	r := w.run
	for k, b := range r.blocks {
		readInto(sr, b.keys[:r.filled(k)], bits.ReverseBytes64)
	}
	for k, b := range r.blocks {
		readInto(sr, b.slots[:r.filled(k)], bits.ReverseBytes32)
	}
	for k, b := range r.blocks {
		readInto(sr, b.tfs[:r.filled(k)], bits.ReverseBytes16)
	}
	return r
}

func (sr *snapReader) u32s(n int) []uint32 { return readWords(sr, n, bits.ReverseBytes32) }
func (sr *snapReader) u16s(n int) []uint16 { return readWords(sr, n, bits.ReverseBytes16) }

// f32s reads n little-endian float32s, as their bits in u32s' array.
func (sr *snapReader) f32s(n int) []float32 {
	w := sr.u32s(n)
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(w))), len(w))
}
