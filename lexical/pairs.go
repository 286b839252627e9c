package lexical

import (
	"cmp"
	"slices"
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
type pairLog struct {
	runs    []pairRun
	buf     []pairPosting // in slot order
	scratch []pairPosting // sortedRun's, for the buffer
	bufMax  int
	runMax  int
	inBuf   bufFilter // the pairs that may have postings in buf
}

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

// pairRun is a sorted run: postings in order of key, then slot, in three
// parallel arrays, so that a search bisects eight-byte keys.
type pairRun struct {
	keys  []uint64
	slots []uint32
	tfs   []uint16
}

func (r *pairRun) len() int { return len(r.keys) }

func (r *pairRun) at(i int) pairPosting {
	return pairPosting{key: r.keys[i], slot: r.slots[i], tf: r.tfs[i]}
}

// sortedRun returns ps, which must be in slot order, as a run. It sorts
// them by key with a least-significant-digit radix sort, a byte a pass,
// which keeps equal keys in slot order and skips the bytes all keys share
// (list numbers seldom need more than three bytes each): four times as
// fast as a comparison sort of a buffer (BenchmarkSortedRun). scratch, if
// long enough, is used for the passes; ps is left in an unspecified order.
func sortedRun(ps, scratch []pairPosting) pairRun {
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
	if len(passes) == 0 {
		return runOf(ps)
	}
	src, dst := ps, []pairPosting(nil)
	if len(passes) > 1 {
		if cap(scratch) < n {
			scratch = make([]pairPosting, n)
		}
		dst = scratch[:n]
	}
	r := pairRun{keys: make([]uint64, n), slots: make([]uint32, n), tfs: make([]uint16, n)}
	for i, b := range passes {
		var at [256]int32
		sum := int32(0)
		for d, c := range counts[b] {
			at[d] = sum
			sum += c
		}
		shift := 8 * b
		if i < len(passes)-1 {
			for _, p := range src {
				d := byte(p.key >> shift)
				dst[at[d]] = p
				at[d]++
			}
			src, dst = dst, src
			continue
		}
		// The last pass scatters into the run.
		for _, p := range src {
			d := byte(p.key >> shift)
			j := at[d]
			r.keys[j], r.slots[j], r.tfs[j] = p.key, p.slot, p.tf
			at[d]++
		}
	}
	return r
}

// runOf returns ps, sorted by key then slot, as a run.
func runOf(ps []pairPosting) pairRun {
	r := pairRun{keys: make([]uint64, len(ps)), slots: make([]uint32, len(ps)), tfs: make([]uint16, len(ps))}
	for i, p := range ps {
		r.keys[i], r.slots[i], r.tfs[i] = p.key, p.slot, p.tf
	}
	return r
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
	pl.runs = append(pl.runs, sortedRun(pl.buf, pl.scratch))
	pl.buf = pl.buf[:0]
	clear(pl.inBuf[:])
	for n := len(pl.runs); n >= 2 && pl.runs[n-2].len() <= 2*pl.runs[n-1].len() &&
		pl.runs[n-2].len()+pl.runs[n-1].len() <= pl.runMax; n-- {
		pl.runs[n-2] = mergeRuns(&pl.runs[n-2], &pl.runs[n-1])
		pl.runs = pl.runs[:n-1]
	}
}

// mergeRuns returns the sorted union of a and b, whose slots all come
// after a's. Which run gives the next posting is a coin toss the branch
// predictor loses half the time, so the loop picks with conditional moves
// instead of branching on it: twice as fast (BenchmarkMergeRuns).
func mergeRuns(a, b *pairRun) pairRun {
	na, nb := a.len(), b.len()
	n := na + nb
	out := pairRun{keys: make([]uint64, n), slots: make([]uint32, n), tfs: make([]uint16, n)}
	i, j, k := 0, 0, 0
	for ; i < na && j < nb; k++ {
		ka, kb := a.keys[i], b.keys[j]
		sa, sb := a.slots[i], b.slots[j]
		ta, tb := a.tfs[i], b.tfs[j]
		// On equal keys a's posting comes first: its slot is smaller.
		fromB := 0
		if kb < ka {
			fromB = 1
		}
		if fromB == 1 {
			sa, ta = sb, tb
		}
		out.keys[k], out.slots[k], out.tfs[k] = min(ka, kb), sa, ta
		i += 1 - fromB
		j += fromB
	}
	// One run is used up; the rest of the other follows.
	for _, rest := range []struct {
		r    *pairRun
		from int
	}{{a, i}, {b, j}} {
		copy(out.keys[k:], rest.r.keys[rest.from:])
		copy(out.slots[k:], rest.r.slots[rest.from:])
		copy(out.tfs[k:], rest.r.tfs[rest.from:])
		k += rest.r.len() - rest.from
	}
	return out
}

// postings appends the postings of the pair key to p, in slot order.
func (pl *pairLog) postings(key uint64, p *postings) {
	for i := range pl.runs {
		r := &pl.runs[i]
		at, _ := slices.BinarySearch(r.keys, key)
		for ; at < r.len() && r.keys[at] == key; at++ {
			p.slots = append(p.slots, r.slots[at])
			p.tfs = append(p.tfs, r.tfs[at])
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
	pl.runs, pl.buf = pl.runs[:0], pl.buf[:0]
	clear(pl.inBuf[:])
	if len(kept) > 0 {
		// kept is in slot order run by run, not across runs, and may be
		// most of the index: sorted in place, without sortedRun's scratch.
		slices.SortFunc(kept, comparePostings)
		pl.runs = append(pl.runs, runOf(kept))
	}
}
