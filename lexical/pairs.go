package lexical

import (
	"cmp"
	"math/bits"
	"slices"
	"sort"
)

// pairLog holds the postings of word pairs. An archive has millions of
// distinct pairs, most of them seen once, and a posting list apiece, found
// through a map, made pairs half the cost of [Index.Add] (a map lookup, a
// list header and two list tails to reach in memory, for every pair of every
// item) and most of the lists the garbage collector walked. Instead, Add
// appends each posting to a buffer. A full buffer is sorted by pair into a
// run, and the newest two runs are merged while the older is no more than
// twice as long and the merged run would hold at most runMax postings, so
// that about log₂(postings/bufMax) runs exist, plus one for every runMax
// postings; the bound keeps a merge's copy of the runs it replaces small
// beside the whole. A search finds a pair's postings by bisecting each run
// and scanning the buffer.
//
// Runs hold consecutive ranges of slots, oldest first, and the buffer the
// newest, so a pair's postings read run by run, then from the buffer, come
// in slot order.
//
// Runs are made of fixed-size blocks, which a merge hands back to the log
// as soon as it has read them and takes again for what it writes: merging
// needs a block or two of new memory where a merge into a new array needed
// as much again as the runs it merged. Memory a process touches for the
// first time is dear (about 12 µs a page on the benchmark host), and those
// arrays were the most of it an ingest touched outside the vector index.
type pairLog struct {
	runs     []pairRun
	buf      []pairPosting // in slot order
	scratch  []pairPosting // sortedRun's, for the buffer
	bufMax   int
	runMax   int
	inBuf    bufFilter    // the pairs that may have postings in buf
	blockLen int          // postings a block holds, a power of two
	free     []*pairBlock // blocks to reuse, at most maxFreeBlocks
}

// maxFreeBlocks bounds the blocks a log keeps for reuse: a merge returns
// blocks about as fast as it takes them, so a few suffice, and more would
// keep memory that a compaction freed.
const maxFreeBlocks = 8

// bufFilter is a one-hash Bloom filter of the pairs in the buffer: a search
// for a pair scans the buffer only when the pair's bit is set, which keeps
// searches for pairs that occur nowhere, most of a query's, from reading
// the buffer. At 64 Ki bits for at most 4 Ki pairs, a pair absent from the
// buffer finds its bit set less than once in 16.
type bufFilter [1 << 10]uint64

func (f *bufFilter) bit(key uint64) (word int, mask uint64) {
	h := key * 0x9e3779b97f4a7c15 >> 48
	return int(h >> 6), 1 << (h & 63)
}

func (f *bufFilter) add(key uint64) {
	w, m := f.bit(key)
	f[w] |= m
}

func (f *bufFilter) has(key uint64) bool {
	w, m := f.bit(key)
	return f[w]&m != 0
}

// defaultPairBuffer is the default bufMax: 64 KB of postings, which a
// search for a pair found in the buffer's filter reads.
const defaultPairBuffer = 4 << 10

// defaultPairRun is the default runMax: 112 MB of postings, those of about
// 170,000 paragraphs of the benchmark archive.
const defaultPairRun = 8 << 20

// pairPosting is one posting of the pair whose stems have the lists named
// by key (see [pairKey]).
type pairPosting struct {
	key  uint64
	slot uint32
	tf   uint16
}

func comparePostings(a, b pairPosting) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.slot, b.slot)
}

// defaultPairBlock is the default blockLen: 112 KB of postings.
const defaultPairBlock = 8 << 10

// pairBlock is a piece of a run: up to blockLen postings in three parallel
// arrays, so that a search bisects eight-byte keys.
type pairBlock struct {
	keys  []uint64
	slots []uint32
	tfs   []uint16
}

// pairRun is a sorted run: n postings in order of key, then slot, in blocks
// that are all full but the last.
type pairRun struct {
	blocks []*pairBlock
	n      int
	shift  uint // log₂ of the blocks' length
}

func (r *pairRun) len() int { return r.n }

// filled returns the number of postings in block i.
func (r *pairRun) filled(i int) int {
	return min(r.n-i<<r.shift, 1<<r.shift)
}

func (r *pairRun) at(i int) pairPosting {
	b, j := r.blocks[i>>r.shift], i&(1<<r.shift-1)
	return pairPosting{key: b.keys[j], slot: b.slots[j], tf: b.tfs[j]}
}

// block returns a block to fill, reused if the log has one.
func (pl *pairLog) block() *pairBlock {
	if n := len(pl.free); n > 0 {
		b := pl.free[n-1]
		pl.free = pl.free[:n-1]
		return b
	}
	n := pl.blockLen
	return &pairBlock{keys: make([]uint64, n), slots: make([]uint32, n), tfs: make([]uint16, n)}
}

// release hands back to pl the blocks of a run that is no longer used.
func (pl *pairLog) release(r *pairRun) {
	for _, b := range r.blocks {
		pl.recycle(b)
	}
	*r = pairRun{}
}

// recycle keeps b, if not nil, for reuse, unless pl has enough blocks.
func (pl *pairLog) recycle(b *pairBlock) {
	if b != nil && len(pl.free) < maxFreeBlocks {
		pl.free = append(pl.free, b)
	}
}

// runWriter appends postings to a new run, block after block.
type runWriter struct {
	pl  *pairLog
	run pairRun
	at  int // postings in the last block
}

func (pl *pairLog) newRun() runWriter {
	return runWriter{pl: pl, run: pairRun{shift: uint(bits.TrailingZeros(uint(pl.blockLen)))}, at: pl.blockLen}
}

// room returns the last block and its room, starting a new block when the
// last is full.
func (w *runWriter) room() (*pairBlock, int) {
	if w.at == w.pl.blockLen {
		w.run.blocks = append(w.run.blocks, w.pl.block())
		w.at = 0
	}
	return w.run.blocks[len(w.run.blocks)-1], w.pl.blockLen - w.at
}

// wrote records that n postings were written in the last block.
func (w *runWriter) wrote(n int) {
	w.at += n
	w.run.n += n
}

// sortedRun returns ps, which must be in slot order, as a run. It sorts
// them by key with a least-significant-digit radix sort, a byte a pass,
// which keeps equal keys in slot order and skips the bytes all keys share
// (list numbers seldom need more than three bytes each): four times as
// fast as a comparison sort of a buffer (BenchmarkSortedRun). scratch, if
// long enough, is used for the passes; ps is left in an unspecified order.
func (pl *pairLog) sortedRun(ps, scratch []pairPosting) pairRun {
	n := len(ps)
	var counts [8][256]int32
	for _, p := range ps {
		for b := range 8 {
			counts[b][byte(p.key>>(8*b))]++
		}
	}
	var bytes [8]int // the bytes that tell keys apart, least significant first
	passes := bytes[:0]
	for b := range 8 {
		if n > 0 && counts[b][byte(ps[0].key>>(8*b))] != int32(n) {
			passes = append(passes, b)
		}
	}
	src, dst := ps, []pairPosting(nil)
	if len(passes) > 0 {
		if cap(scratch) < n {
			scratch = make([]pairPosting, n)
		}
		dst = scratch[:n]
	}
	for _, b := range passes {
		var at [256]int32
		sum := int32(0)
		for d, c := range counts[b] {
			at[d] = sum
			sum += c
		}
		shift := 8 * b
		for _, p := range src {
			d := byte(p.key >> shift)
			dst[at[d]] = p
			at[d]++
		}
		src, dst = dst, src
	}
	return pl.runOf(src)
}

// runOf returns ps, sorted by key then slot, as a run.
func (pl *pairLog) runOf(ps []pairPosting) pairRun {
	w := pl.newRun()
	for len(ps) > 0 {
		b, room := w.room()
		n := min(room, len(ps))
		for i, p := range ps[:n] {
			b.keys[w.at+i], b.slots[w.at+i], b.tfs[w.at+i] = p.key, p.slot, p.tf
		}
		w.wrote(n)
		ps = ps[n:]
	}
	return w.run
}

// add appends a posting; slot must be the newest.
func (pl *pairLog) add(key uint64, slot uint32, tf uint16) {
	pl.buf = append(pl.buf, pairPosting{key: key, slot: slot, tf: tf})
	pl.inBuf.add(key)
}

// seal turns a full buffer into a run, merging runs as needed. Add calls it
// after an item's postings, so that an item's postings stay in one run.
func (pl *pairLog) seal() {
	if len(pl.buf) < pl.bufMax {
		return
	}
	if cap(pl.scratch) < len(pl.buf) {
		pl.scratch = make([]pairPosting, len(pl.buf))
	}
	pl.runs = append(pl.runs, pl.sortedRun(pl.buf, pl.scratch))
	pl.buf = pl.buf[:0]
	clear(pl.inBuf[:])
	for n := len(pl.runs); n >= 2 && pl.runs[n-2].len() <= 2*pl.runs[n-1].len() &&
		pl.runs[n-2].len()+pl.runs[n-1].len() <= pl.runMax; n-- {
		pl.runs[n-2] = pl.merge(&pl.runs[n-2], &pl.runs[n-1])
		pl.runs = pl.runs[:n-1]
	}
}

// merge returns the sorted union of a and b, whose slots all come after
// a's, and releases their blocks as it reads them. Which run gives the next
// posting is a coin toss the branch predictor loses half the time, so the
// inner loop picks with conditional moves instead of branching on it:
// twice as fast (BenchmarkMergeRuns). It runs as many steps as no block
// can end in, then moves on to the next blocks.
func (pl *pairLog) merge(a, b *pairRun) pairRun {
	w := pl.newRun()
	mask := pl.blockLen - 1
	i, j := 0, 0
	for i < a.n && j < b.n {
		ab, bb := a.blocks[i>>a.shift], b.blocks[j>>b.shift]
		ai, bi := i&mask, j&mask
		out, room := w.room()
		steps := min(min(a.n-i, pl.blockLen-ai), min(b.n-j, pl.blockLen-bi), room)
		ak, as, at := ab.keys[ai:], ab.slots[ai:], ab.tfs[ai:]
		bk, bs, bt := bb.keys[bi:], bb.slots[bi:], bb.tfs[bi:]
		ok, os, ot := out.keys[w.at:w.at+steps], out.slots[w.at:w.at+steps], out.tfs[w.at:w.at+steps]
		x, y := 0, 0
		for k := range ok {
			ka, kb := ak[x], bk[y]
			sa, ta := as[x], at[x]
			sb, tb := bs[y], bt[y]
			// On equal keys a's posting comes first: its slot is smaller.
			fromB := 0
			if kb < ka {
				fromB = 1
			}
			if fromB == 1 {
				sa, ta = sb, tb
			}
			ok[k], os[k], ot[k] = min(ka, kb), sa, ta
			x += 1 - fromB
			y += fromB
		}
		w.wrote(steps)
		i, j = pl.passed(a, i, x), pl.passed(b, j, y)
	}
	// One run is used up; the rest of the other follows.
	for _, rest := range []struct {
		r    *pairRun
		from int
	}{{a, i}, {b, j}} {
		for k := rest.from; k < rest.r.n; {
			in := rest.r.blocks[k>>rest.r.shift]
			out, room := w.room()
			n := min(room, rest.r.n-k, pl.blockLen-k&mask)
			copy(out.keys[w.at:w.at+n], in.keys[k&mask:])
			copy(out.slots[w.at:w.at+n], in.slots[k&mask:])
			copy(out.tfs[w.at:w.at+n], in.tfs[k&mask:])
			w.wrote(n)
			k = pl.passed(rest.r, k, n)
		}
	}
	pl.release(a)
	pl.release(b)
	return w.run
}

// passed moves a merge's position in r from i on by n postings and returns
// it. A block the merge has read to its end goes back to pl at once.
func (pl *pairLog) passed(r *pairRun, i, n int) int {
	to := i + n
	for k := i >> r.shift; k < to>>r.shift; k++ {
		pl.recycle(r.blocks[k])
		r.blocks[k] = nil
	}
	return to
}

// postings appends the postings of the pair key to p, in slot order.
func (pl *pairLog) postings(key uint64, p *postings) {
	for i := range pl.runs {
		r := &pl.runs[i]
		// The first block whose last key is not below key, then the
		// first posting of key in it; they may go on in the next blocks.
		k := sort.Search(len(r.blocks), func(k int) bool { return r.blocks[k].keys[r.filled(k)-1] >= key })
		for ; k < len(r.blocks); k++ {
			b := r.blocks[k]
			keys := b.keys[:r.filled(k)]
			at, _ := slices.BinarySearch(keys, key)
			for ; at < len(keys) && keys[at] == key; at++ {
				p.slots = append(p.slots, b.slots[at])
				p.tfs = append(p.tfs, b.tfs[at])
			}
			if at < len(keys) {
				break
			}
		}
	}
	if !pl.inBuf.has(key) {
		return
	}
	for _, x := range pl.buf {
		if x.key == key {
			p.slots = append(p.slots, x.slot)
			p.tfs = append(p.tfs, x.tf)
		}
	}
}

// len returns the number of postings.
func (pl *pairLog) len() int {
	n := len(pl.buf)
	for i := range pl.runs {
		n += pl.runs[i].len()
	}
	return n
}

// all calls fn with every posting, run by run, then the buffer's.
func (pl *pairLog) all(fn func(pairPosting)) {
	for i := range pl.runs {
		r := &pl.runs[i]
		for j := range r.len() {
			fn(r.at(j))
		}
	}
	for _, p := range pl.buf {
		fn(p)
	}
}

// compact keeps the postings of live slots, renumbered by remap (gone for
// a dead slot) and keyed by the stems' new lists (moved), in one run.
func (pl *pairLog) compact(remap, moved []uint32, gone uint32) {
	var kept []pairPosting
	pl.all(func(p pairPosting) {
		if s := remap[p.slot]; s != gone {
			kept = append(kept, pairPosting{key: pairKey(moved[p.key>>32], moved[uint32(p.key)]), slot: s, tf: p.tf})
		}
	})
	for i := range pl.runs {
		pl.release(&pl.runs[i])
	}
	pl.runs, pl.buf = pl.runs[:0], pl.buf[:0]
	clear(pl.inBuf[:])
	if len(kept) > 0 {
		// kept is in slot order run by run, not across runs, and may be
		// most of the index: sorted in place, without sortedRun's scratch.
		slices.SortFunc(kept, comparePostings)
		pl.runs = append(pl.runs, pl.runOf(kept))
	}
}
