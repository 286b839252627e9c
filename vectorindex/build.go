package vectorindex

import (
	"cmp"
	"slices"
)

// insert links the stored node in into the graph (HNSW paper, algorithm 1,
// with the neighbour-selection heuristic of algorithm 4). Link lists are
// read and written under their stripe locks so that AddBatch can run several
// inserts at once; callers hold mu for writing, which keeps searches out.
//
// The beam search for candidates scores the int8 codes, in both modes: at
// efConstruction 200 it scores a few thousand nodes per insert, and codes
// are a quarter of the bytes to fetch and a fraction of the arithmetic of
// float32 vectors. The candidates it keeps are then rescored exactly, and
// links are chosen and pruned on float32 similarities, so that code
// rounding only decides which candidates are considered. On the built-in
// embedder's vectors (1,024 dims) this took about 40 % less CPU per insert
// and kept recall@10, as it did on the 384-dim test set (BENCHMARKS.md,
// "Ingest").
func (ix *Index) insert(s *searcher, in uint32) {
	lvl := int(ix.level[in])
	s.qcodes = slices.Grow(s.qcodes[:0], ix.codeLen)[:ix.codeLen]
	ix.quant.query(ix.vec(in), s.qcodes)
	q := query{f: ix.vec(in), codes: s.qcodes}

	ix.epMu.Lock()
	entry, top := ix.entry, ix.top
	if top < 0 {
		ix.entry, ix.top = in, lvl
		ix.epMu.Unlock()
		return
	}
	if lvl > top {
		// The node becomes the entry point: hold epMu until it is linked so
		// that no concurrent insert starts from an unlinked node.
		defer ix.epMu.Unlock()
	} else {
		ix.epMu.Unlock()
	}

	ep := pair{ix.score1(s, q, entry), entry}
	for lc := top; lc > lvl; lc-- {
		ep = ix.greedy(s, q, ep, lc, true)
	}
	for lc := min(lvl, top); lc >= 0; lc-- {
		ix.searchLayer(s, q, ep, ix.cfg.EfConstruction, lc, true, nil)
		ix.rescore(s, q.f)
		s.sorted = s.res.drainDesc(s.sorted)
		s.sorted = slices.DeleteFunc(s.sorted, func(p pair) bool { return p.id == in })
		if len(s.sorted) == 0 {
			continue
		}
		// The next layer's search starts from the best candidate, scored
		// as that search scores.
		ep = pair{ix.score1(s, q, s.sorted[0].id), s.sorted[0].id}
		s.picked = ix.selectNeighbours(s.sorted, ix.cfg.M, s.picked)

		ix.lock(in)
		sl := ix.slab(in, lc)
		sl[0] = uint32(len(s.picked))
		for i, p := range s.picked {
			sl[1+i] = p.id
		}
		ix.unlock(in)

		for _, p := range s.picked {
			ix.connect(s, p.id, in, p.s, lc)
		}
	}
	if lvl > top {
		ix.entry, ix.top = in, lvl
	}
}

// selectNeighbours picks up to m of cands (sorted by descending similarity to
// a base node) with the HNSW heuristic: a candidate is kept only if it is
// more similar to the base than to every candidate kept so far. This favours
// links in different directions, which keeps clustered data navigable. The
// result is appended to out[:0].
func (ix *Index) selectNeighbours(cands []pair, m int, out []pair) []pair {
	out = out[:0]
	if len(cands) <= m {
		return append(out, cands...)
	}
	for _, c := range cands {
		if len(out) >= m {
			break
		}
		cv := ix.vec(c.id)
		keep := true
		for _, r := range out {
			if dot(cv, ix.vec(r.id)) > c.s {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	return out
}

// connect adds the link nb -> in on layer lc, where sim is their similarity.
// A full list is re-pruned with the heuristic over its links plus in.
func (ix *Index) connect(s *searcher, nb, in uint32, sim float32, lc int) {
	ix.lock(nb)
	defer ix.unlock(nb)
	sl := ix.slab(nb, lc)
	n := int(sl[0])
	if n < len(sl)-1 {
		sl[1+n] = in
		sl[0]++
		return
	}
	old := sl[1 : 1+n]
	sims := s.sims[:n]
	base, stride := ix.floatRows()
	dotBatch(ix.vec(nb), base, stride, old, sims)
	cands := append(s.sorted[:0], pair{sim, in})
	for i, id := range old {
		cands = append(cands, pair{sims[i], id})
	}
	slices.SortFunc(cands, func(a, b pair) int { return cmp.Compare(b.s, a.s) })
	s.sorted = cands
	kept := ix.selectNeighbours(cands, n, s.kept)
	s.kept = kept
	sl[0] = uint32(len(kept))
	for i, p := range kept {
		sl[1+i] = p.id
	}
}

// lock and unlock guard node in's link lists while AddBatch inserts on
// several goroutines; a single inserter needs no locks.
func (ix *Index) lock(in uint32) {
	if ix.parallel {
		ix.locks[in%lockCount].Lock()
	}
}

func (ix *Index) unlock(in uint32) {
	if ix.parallel {
		ix.locks[in%lockCount].Unlock()
	}
}
