package vectorindex

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"unsafe"
)

// searcher is the scratch state of one beam search, pooled so that searching
// does not allocate.
type searcher struct {
	visited bitset // the nodes seen in this search
	cand    maxHeap
	res     minHeap
	ids     []uint32  // unvisited neighbours of the node being expanded
	sims    []float32 // their similarities to the query
	toIn    []float32 // admit: the similarities of a full list's links to the new node
	sorted  []pair    // results, most similar first
	picked  []pair    // neighbours chosen for a new node
	kept    []pair    // neighbours kept when a full list is pruned
	qcodes  []int8    // the quantized query: int8 searches, and every insert
	qscale  float32   // the scale of qcodes (quantizer.query)
	qoffset float32   // inserts: the offset of the inserted vector (quantizer.offset)
}

func (ix *Index) getSearcher() *searcher {
	s, _ := ix.pool.Get().(*searcher)
	if s == nil {
		s = &searcher{
			ids:  make([]uint32, 0, ix.m0+1),
			sims: make([]float32, ix.m0+1),
			toIn: make([]float32, ix.m0+1),
		}
	}
	return s
}

// quantize sets s's query codes and their scale to those of q, and returns
// the codes.
func (ix *Index) quantize(s *searcher, q []float32) []int8 {
	s.qcodes = slices.Grow(s.qcodes[:0], ix.codeLen)[:ix.codeLen]
	s.qscale = ix.quant.query(q, s.qcodes)
	return s.qcodes
}

// bitset is a set of node ids, a bit each.
type bitset []uint64

// reset starts a new search over n nodes with an empty visited set. Clearing
// it writes n/64 words, 1,563 at 100,000 nodes, fewer than the nodes an
// insert's layer-0 search visits (4,400 on average), and keeps the set in
// the first-level cache (see doc.go).
func (s *searcher) reset(n int) {
	words := (n + 63) / 64
	if len(s.visited) < words {
		s.visited = make(bitset, words+words/4+16)
		return
	}
	clear(s.visited[:words])
}

// visit adds id to the set and reports whether it was not in it already.
func (b bitset) visit(id uint32) bool {
	w, bit := &b[id/64], uint64(1)<<(id%64)
	if *w&bit != 0 {
		return false
	}
	*w |= bit
	return true
}

// query is what a beam search scores nodes against: the float32 query, or in
// int8 mode with codes set, its quantized weights, scored against the node
// codes. Scores of the two kinds are not comparable, but every search uses one.
type query struct {
	f     []float32
	codes []int8
}

// score sets sims[i] to the similarity of q and node ids[i].
func (ix *Index) score(q query, ids []uint32, sims []float32) {
	if q.codes != nil {
		base, stride := ix.codeRows()
		dotBatchI8(q.codes, base, stride, ids, sims)
		return
	}
	base, stride := ix.floatRows()
	dotBatch(q.f, base, stride, ids, sims)
}

// score1 returns the similarity of q and node in.
func (ix *Index) score1(s *searcher, q query, in uint32) float32 {
	ids := append(s.ids[:0], in)
	ix.score(q, ids, s.sims[:1])
	return s.sims[0]
}

// greedy walks layer lc from ep to a local maximum of similarity to q.
func (ix *Index) greedy(s *searcher, q query, ep pair, lc int, build bool) pair {
	for {
		ids := ix.copyNeighbours(s.ids[:0], ep.id, lc, build)
		sims := s.sims[:len(ids)]
		ix.score(q, ids, sims)
		best := ep
		for i, sim := range sims {
			if sim > best.s {
				best = pair{sim, ids[i]}
			}
		}
		if best.id == ep.id {
			return ep
		}
		ep = best
	}
}

// copyNeighbours appends node in's links on layer lc to dst. While building,
// the list is read under its stripe lock since other inserts may rewrite it.
func (ix *Index) copyNeighbours(dst []uint32, in uint32, lc int, build bool) []uint32 {
	if !build || !ix.parallel {
		return append(dst, ix.neighbours(in, lc)...)
	}
	mu := &ix.locks[in%lockCount]
	mu.Lock()
	dst = append(dst, ix.neighbours(in, lc)...)
	mu.Unlock()
	return dst
}

// searchLayer is the beam search of HNSW on layer lc, starting from ep. It
// leaves up to ef results in s.res. While building (build true) every node is
// a result. Otherwise deleted nodes and, with f non-nil, nodes whose ids f
// does not allow are traversed but not returned; the search then keeps going
// until it holds ef acceptable results or runs out of graph, so a selective
// filter widens the beam rather than returning fewer than k hits.
func (ix *Index) searchLayer(s *searcher, q query, ep pair, ef, lc int, build bool, f *Filter) {
	s.reset(len(ix.ext))
	vis := s.visited
	cand := append(s.cand[:0], ep)
	res := s.res[:0]
	vis.visit(ep.id)
	lower := float32(math.Inf(-1)) // similarity of the worst result, if any
	if build || ix.accepts(ep.id, f) {
		res = append(res, ep)
		lower = ep.s
	}
	for len(cand) > 0 {
		c := cand.pop()
		if c.s < lower && len(res) >= ef {
			break
		}
		if lc == 0 && len(cand) > 0 {
			// The next node to expand is likely the current runner-up: fetch
			// its links while this node's neighbours are scored.
			prefetch(unsafe.Pointer(&ix.nodes[int(cand[0].id)*ix.stride]))
		}
		ids := s.ids[:0]
		if build && ix.parallel {
			mu := &ix.locks[c.id%lockCount]
			mu.Lock()
			for _, nb := range ix.neighbours(c.id, lc) {
				if vis.visit(nb) {
					ids = append(ids, nb)
				}
			}
			mu.Unlock()
		} else {
			for _, nb := range ix.neighbours(c.id, lc) {
				if vis.visit(nb) {
					ids = append(ids, nb)
				}
			}
		}
		if len(ids) == 0 {
			continue
		}
		// Ask for the first line of every row before scoring any: the loads
		// then overlap, and the kernel fetches the rest of each next row as
		// it goes. More lines than one measured no better.
		ix.prefetchRows(q, ids, 1)
		sims := s.sims[:len(ids)]
		ix.score(q, ids, sims)
		for i, sim := range sims {
			if len(res) >= ef && sim <= lower {
				continue
			}
			p := pair{sim, ids[i]}
			cand.push(p)
			if !build && !ix.accepts(p.id, f) {
				continue
			}
			if len(res) < ef {
				res.push(p)
			} else {
				res.replaceTop(p)
			}
			lower = res[0].s
		}
	}
	s.cand, s.res = cand, res
}

// accepts reports whether node in may be returned under filter f.
func (ix *Index) accepts(in uint32, f *Filter) bool {
	return !ix.deleted[in] && (f == nil || f.Allows(ix.ext[in]))
}

// Search returns up to k live hits for q ordered by descending inner product,
// using a beam of max(EfSearch, k). With f non-nil only ids that f allows are
// returned; see [Index.SearchEf] for how filters are served. Search returns
// an error wrapping [ErrDims] if len(q) != Dims, and no hits if k <= 0. It is
// safe for concurrent use.
func (ix *Index) Search(q []float32, k int, f *Filter) ([]Hit, error) {
	return ix.SearchEf(q, k, ix.cfg.EfSearch, f)
}

// exactLimit is the filter size at or below which a filtered search scans the
// allowed ids instead of walking the graph. A scan costs one inner product per
// allowed id, while the graph walk must pass about Len/f.Len() nodes for each
// acceptable one; around 5% of the index the two cross, and the floor of
// exactBelow keeps small indexes exact.
func (ix *Index) exactLimit() int { return max(exactBelow, ix.live/20) }

// exactBelow is the number of live vectors at or below which every search
// is an exact scan: a graph walk at the default beam visits most of such an
// index anyway, and may still miss an exact match (on the built-in
// embedder's hashed vectors, about 1 in 100 items of a 720-item index did
// not find itself at rank 1).
const exactBelow = 1000

// SearchEf is [Index.Search] with an explicit beam width, max(ef, k). An
// index of at most 1,000 live vectors is always scanned exactly. A filter
// allowing at most max(1000, Len/20) ids is served by an exact scan of those
// ids; a larger one by the graph search, which traverses all nodes but keeps
// only allowed, live ones and widens until it has ef of them.
func (ix *Index) SearchEf(q []float32, k, ef int, f *Filter) ([]Hit, error) {
	if len(q) != ix.d {
		return nil, fmt.Errorf("search: %w: got %d, want %d", ErrDims, len(q), ix.d)
	}
	if k <= 0 {
		return []Hit{}, nil
	}
	ef = max(ef, k)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.live == 0 {
		return []Hit{}, nil
	}
	if ix.live <= exactBelow || f != nil && f.Len() <= ix.exactLimit() {
		return ix.exact(q, k, f), nil
	}
	s := ix.getSearcher()
	defer ix.pool.Put(s)
	qv := query{f: q}
	if ix.int8 {
		qv.codes = ix.quantize(s, q)
	}
	ep := pair{ix.score1(s, qv, ix.entry), ix.entry}
	for lc := ix.top; lc > 0; lc-- {
		ep = ix.greedy(s, qv, ep, lc, false)
	}
	ix.searchLayer(s, qv, ep, ef, 0, false, f)
	if ix.int8 {
		ix.rescore(s, q)
	}
	for len(s.res) > k {
		s.res.pop()
	}
	hits := make([]Hit, len(s.res))
	for i := len(hits) - 1; i >= 0; i-- {
		p := s.res.pop()
		hits[i] = Hit{ID: ix.ext[p.id], Score: p.s}
	}
	return hits, nil
}

// rescore replaces the quantized similarities of the results in s.res by
// exact ones from the float32 vectors and restores the heap order.
func (ix *Index) rescore(s *searcher, q []float32) {
	res := s.res
	ix.exactScores(s, q, res)
	// Pushed back into the same array: the i-th push writes no slot past
	// the i-th, which has just been read.
	s.res = res[:0]
	for _, p := range res {
		s.res.push(p)
	}
}

// exactScores sets the similarities of ps to their exact values against the
// float32 vector q.
func (ix *Index) exactScores(s *searcher, q []float32, ps []pair) {
	ids := s.ids[:0]
	for _, p := range ps {
		ids = append(ids, p.id)
	}
	s.ids = ids
	s.sims = slices.Grow(s.sims[:0], len(ids))[:len(ids)]
	base, stride := ix.floatRows()
	// The float vectors are cold: start fetching all of them at once.
	prefetchRows(unsafe.Pointer(unsafe.SliceData(base)), 4*stride, ids, (4*ix.d+63)/64)
	dotBatch(q, base, stride, ids, s.sims)
	for i := range ps {
		ps[i].s = s.sims[i]
	}
}

// ExactSearch returns the exact top k live hits for q (allowed by f if f is
// non-nil) by scanning every candidate, ordered by descending inner product.
// It is the ground truth for recall measurements. Errors are as for
// [Index.Search]. It is safe for concurrent use.
func (ix *Index) ExactSearch(q []float32, k int, f *Filter) ([]Hit, error) {
	if len(q) != ix.d {
		return nil, fmt.Errorf("exact search: %w: got %d, want %d", ErrDims, len(q), ix.d)
	}
	if k <= 0 {
		return []Hit{}, nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.exact(q, k, f), nil
}

// exact is the brute-force top k. The caller holds mu. Candidates are scored
// in batches so that the kernel can prefetch each next row, and a large scan
// is split across GOMAXPROCS goroutines: it is bound by memory bandwidth,
// which one core does not saturate.
func (ix *Index) exact(q []float32, k int, f *Filter) []Hit {
	var res minHeap
	n := len(ix.ext)
	switch {
	case f != nil && f.Len() < n:
		sc := ix.newScan(q, k)
		for _, id := range f.ids {
			if in, ok := ix.byExt[id]; ok {
				sc.add(in)
			}
		}
		res = sc.finish()
	case n < exactSplit || runtime.GOMAXPROCS(0) == 1:
		res = ix.scanRange(q, k, f, 0, n)
	default:
		parts := min(runtime.GOMAXPROCS(0), n/(exactSplit/2))
		heaps := make([]minHeap, parts)
		var wg sync.WaitGroup
		for p := range parts {
			wg.Go(func() {
				heaps[p] = ix.scanRange(q, k, f, n*p/parts, n*(p+1)/parts)
			})
		}
		wg.Wait()
		res = heaps[0]
		for _, h := range heaps[1:] {
			for _, p := range h {
				switch {
				case len(res) < k:
					res.push(p)
				case p.s > res[0].s:
					res.replaceTop(p)
				}
			}
		}
	}
	hits := make([]Hit, len(res))
	for i := len(hits) - 1; i >= 0; i-- {
		p := res.pop()
		hits[i] = Hit{ID: ix.ext[p.id], Score: p.s}
	}
	return hits
}

// exactSplit is the index size from which an exact scan runs on several
// goroutines; below it the scan is too short to pay for them.
const exactSplit = 1 << 14

// scanRange returns the top k of the live nodes in [lo, hi) allowed by f.
func (ix *Index) scanRange(q []float32, k int, f *Filter, lo, hi int) minHeap {
	sc := ix.newScan(q, k)
	for in := uint32(lo); in < uint32(hi); in++ {
		if f == nil || f.Allows(ix.ext[in]) {
			sc.add(in)
		}
	}
	return sc.finish()
}

// scan is the state of one brute-force top-k scan: the best k so far and a
// batch of nodes waiting to be scored.
type scan struct {
	ix     *Index
	q      []float32
	k      int
	res    minHeap
	ids    []uint32
	sims   []float32
	base   []float32
	stride int
}

const scanBatch = 256

func (ix *Index) newScan(q []float32, k int) *scan {
	base, stride := ix.floatRows()
	return &scan{ix: ix, q: q, k: k, res: make(minHeap, 0, k+1),
		ids: make([]uint32, 0, scanBatch), sims: make([]float32, scanBatch), base: base, stride: stride}
}

// add queues node in unless it is deleted.
func (sc *scan) add(in uint32) {
	if sc.ix.deleted[in] {
		return
	}
	sc.ids = append(sc.ids, in)
	if len(sc.ids) == scanBatch {
		sc.flush()
	}
}

func (sc *scan) flush() {
	dotBatch(sc.q, sc.base, sc.stride, sc.ids, sc.sims)
	for i, sim := range sc.sims[:len(sc.ids)] {
		switch {
		case len(sc.res) < sc.k:
			sc.res.push(pair{sim, sc.ids[i]})
		case sim > sc.res[0].s:
			sc.res.replaceTop(pair{sim, sc.ids[i]})
		}
	}
	sc.ids = sc.ids[:0]
}

// finish scores what is queued and returns the top k as a min-heap.
func (sc *scan) finish() minHeap {
	sc.flush()
	return sc.res
}

// prefetchRows starts loading the first lines cache lines of the rows that
// scoring ids against q will read.
func (ix *Index) prefetchRows(q query, ids []uint32, lines int) {
	if q.codes != nil {
		base, stride := ix.codeRows()
		prefetchRows(unsafe.Pointer(unsafe.SliceData(base)), stride, ids, lines)
		return
	}
	base, stride := ix.floatRows()
	prefetchRows(unsafe.Pointer(unsafe.SliceData(base)), 4*stride, ids, lines)
}
