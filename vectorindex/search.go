package vectorindex

import (
	"fmt"
	"math"
)

// searcher is the scratch state of one beam search, pooled so that searching
// does not allocate.
type searcher struct {
	visited []uint16 // visited[n] == gen marks node n as seen in this search
	gen     uint16
	cand    maxHeap
	res     minHeap
	ids     []uint32  // unvisited neighbours of the node being expanded
	sims    []float32 // their similarities to the query
	sorted  []pair    // results, most similar first
	picked  []pair    // neighbours chosen for a new node
	kept    []pair    // neighbours kept when a full list is pruned
}

func (ix *Index) getSearcher() *searcher {
	s, _ := ix.pool.Get().(*searcher)
	if s == nil {
		s = &searcher{
			ids:  make([]uint32, 0, ix.m0+1),
			sims: make([]float32, ix.m0+1),
		}
	}
	return s
}

// reset starts a new search over n nodes. Bumping the generation clears the
// visited set in O(1); the array is only wiped when the counter wraps.
func (s *searcher) reset(n int) {
	if len(s.visited) < n {
		s.visited = make([]uint16, n+n/4+1024)
		s.gen = 0
	}
	s.gen++
	if s.gen == 0 {
		clear(s.visited)
		s.gen = 1
	}
}

// greedy walks layer lc from ep to a local maximum of similarity to q.
func (ix *Index) greedy(s *searcher, q []float32, ep pair, lc int, build bool) pair {
	for {
		ids := ix.copyNeighbours(s.ids[:0], ep.id, lc, build)
		sims := s.sims[:len(ids)]
		dotBatch(q, ix.vecs, ids, sims)
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
	if !build {
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
func (ix *Index) searchLayer(s *searcher, q []float32, ep pair, ef, lc int, build bool, f *Filter) {
	s.reset(len(ix.ext))
	vis, gen := s.visited, s.gen
	cand := append(s.cand[:0], ep)
	res := s.res[:0]
	vis[ep.id] = gen
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
			prefetch(&ix.links0[int(cand[0].id)*(ix.m0+1)])
		}
		ids := s.ids[:0]
		if build {
			mu := &ix.locks[c.id%lockCount]
			mu.Lock()
			for _, nb := range ix.neighbours(c.id, lc) {
				if vis[nb] != gen {
					vis[nb] = gen
					ids = append(ids, nb)
				}
			}
			mu.Unlock()
		} else {
			for _, nb := range ix.neighbours(c.id, lc) {
				if vis[nb] != gen {
					vis[nb] = gen
					ids = append(ids, nb)
				}
			}
		}
		sims := s.sims[:len(ids)]
		dotBatch(q, ix.vecs, ids, sims)
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
// acceptable one; around 5% of the index the two cross, and the floor of 1000
// keeps small indexes exact.
func (ix *Index) exactLimit() int { return max(1000, ix.live/20) }

// SearchEf is [Index.Search] with an explicit beam width, max(ef, k). A filter
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
	if f != nil && f.Len() <= ix.exactLimit() {
		return ix.exact(q, k, f), nil
	}
	s := ix.getSearcher()
	defer ix.pool.Put(s)
	ep := pair{dot(q, ix.vec(ix.entry)), ix.entry}
	for lc := ix.top; lc > 0; lc-- {
		ep = ix.greedy(s, q, ep, lc, false)
	}
	ix.searchLayer(s, q, ep, ef, 0, false, f)
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

// exact is the brute-force top k. The caller holds mu.
func (ix *Index) exact(q []float32, k int, f *Filter) []Hit {
	res := make(minHeap, 0, k+1)
	consider := func(in uint32) {
		if ix.deleted[in] {
			return
		}
		sim := dot(q, ix.vec(in))
		switch {
		case len(res) < k:
			res.push(pair{sim, in})
		case sim > res[0].s:
			res.replaceTop(pair{sim, in})
		}
	}
	if f != nil && f.Len() < len(ix.ext) {
		for _, id := range f.ids {
			if in, ok := ix.byExt[id]; ok {
				consider(in)
			}
		}
	} else {
		for in := range uint32(len(ix.ext)) {
			if f == nil || f.Allows(ix.ext[in]) {
				consider(in)
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
