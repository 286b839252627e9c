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
	q := ix.insertQuery(s, in)

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
		s.sorted = s.res.drainDesc(s.sorted)
		s.sorted = slices.DeleteFunc(s.sorted, func(p pair) bool { return p.id == in })
		if len(s.sorted) == 0 {
			continue
		}
		// Links are picked on exact similarities, but the heuristic
		// seldom looks past the first few dozen candidates: rescore the
		// best by their int8 scores first, and the others only if the
		// heuristic runs out of those.
		head := s.sorted[:min(rescoreHead, len(s.sorted))]
		ix.exactScores(s, q.f, head)
		sortDesc(head)
		s.picked = ix.selectNeighbours(head, ix.cfg.M, s.picked)
		if len(s.picked) < ix.cfg.M && len(head) < len(s.sorted) {
			ix.exactScores(s, q.f, s.sorted[len(head):])
			sortDesc(s.sorted)
			s.picked = ix.selectNeighbours(s.sorted, ix.cfg.M, s.picked)
		}
		// The next layer's search starts from the best candidate, scored
		// as that search scores.
		ep = pair{ix.score1(s, q, s.sorted[0].id), s.sorted[0].id}

		ix.lock(in)
		sl := ix.slab(in, lc)
		sl[0] = uint32(len(s.picked))
		for i, p := range s.picked {
			sl[1+i] = p.id
		}
		if ix.int8 {
			ls := ix.linkSims(in, lc)
			ls[0] = 1
			for i, p := range s.picked {
				ls[1+i] = p.s
			}
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

// insertQuery returns node in's vector and codes as the query of its insert,
// and sets in s the offset that admit's estimates (approxScores) need, which
// searches do without.
func (ix *Index) insertQuery(s *searcher, in uint32) query {
	v := ix.vec(in)
	q := query{f: v, codes: ix.quantize(s, v)}
	s.qoffset = ix.quant.offset(v)
	return q
}

// rescoreHead is the number of an insert's candidates rescored at first.
// The heuristic picking M links looked at 24 of ~197 candidates on average
// (20,000 random vectors), so rescoring all efConstruction of them read
// mostly float32 vectors that were never used. On 100,000 of the ingest
// benchmark's vectors (int8, 1,024 dimensions) AddBatch took 30.3 / 29.8 s
// instead of 32.1 / 32.1 s (alternated) with recall@10 unchanged (0.409 and
// 0.414 at the default ef, against 0.411 to 0.412); on the ANN benchmark's
// clusters, recall@10 was the same to 0.0002 in both modes.
const rescoreHead = 64

// sortDesc sorts ps by descending similarity.
func sortDesc(ps []pair) {
	slices.SortFunc(ps, func(a, b pair) int { return cmp.Compare(b.s, a.s) })
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
// A full list is pruned: in float32 mode with the heuristic of
// selectNeighbours over its links plus in, as hnswlib does; in int8 mode
// with that heuristic applied to in alone (admit).
func (ix *Index) connect(s *searcher, nb, in uint32, sim float32, lc int) {
	ix.lock(nb)
	defer ix.unlock(nb)
	if ix.int8 {
		ix.admit(s, nb, in, sim, lc)
		return
	}
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
	sortDesc(cands)
	s.sorted = cands
	kept := ix.selectNeighbours(cands, n, s.kept)
	s.kept = kept
	sl[0] = uint32(len(kept))
	for i, p := range kept {
		sl[1+i] = p.id
	}
}

// admit adds the link nb -> in on layer lc of an int8 index, where sim is
// their similarity. If nb's list is full, in is linked only if it adds a
// direction: unless a link is both more similar to nb than in is and more
// similar to in than nb is, in is linked, and the links it makes redundant
// (less similar to nb than in is, and more similar to in than to nb) are
// dropped; when there are none, the least similar link gives way, if it is
// less similar than in.
//
// This is Lucene's way, the heuristic applied to in alone rather than re-run
// over the whole list: n similarities instead of up to n²/2. The lists stay
// fuller, which costs int8 searches little. On 99,000 vectors of the built-in
// embedder (1,024 dimensions, the ingest benchmark's archive), AddBatch took
// 34 s instead of 43 s, and recall@10 was 0.003 lower at the default ef
// (0.006 at ef 16 and 32, three builds each); on the ANN benchmark's
// 384-dimension clusters, build time and recall@10 (within −0.003 to +0.007
// from ef 12 to 32) were unchanged. In float32 mode, searches there were
// 10–15 % slower at the same recall, which is why that mode keeps hnswlib's
// way.
//
// The links' similarities to nb are kept beside them (linkSims), and their
// similarities to in are estimated from the int8 codes, a quarter of the
// bytes of the float vectors: fetching those for every link of every full
// list took a sixth of an insert's time. On the same 100,000 vectors AddBatch
// took 26.5 / 24.1 s instead of 33.1 / 29.7 s (alternated), and recall@10
// was the same within 0.006 from ef 16 to 128 (two builds each); on the ANN
// clusters it moved by −0.0012 to +0.0033 from ef 12 to 64.
func (ix *Index) admit(s *searcher, nb, in uint32, sim float32, lc int) {
	sl, ls := ix.slab(nb, lc), ix.linkSims(nb, lc)
	n := int(sl[0])
	if n < len(sl)-1 {
		sl[1+n], ls[1+n] = in, sim
		sl[0]++
		return
	}
	old, toNb, toIn := sl[1:1+n], ls[1:1+n], s.toIn[:n]
	if ls[0] == 0 {
		// Linked before a Load: snapshots do not keep the similarities.
		base, stride := ix.floatRows()
		dotBatch(ix.vec(nb), base, stride, old, toNb)
		ls[0] = 1
	}
	ix.approxScores(s, old, toIn)
	for i := range old {
		if toNb[i] > sim && toIn[i] > sim {
			return
		}
	}
	k := 0
	for i, id := range old {
		if toNb[i] >= sim || toIn[i] <= toNb[i] {
			old[k], toNb[k] = id, toNb[i]
			k++
		}
	}
	if k < n {
		sl[1+k], ls[1+k] = in, sim
		sl[0] = uint32(k + 1)
		return
	}
	worst := 0
	for i, t := range toNb {
		if t < toNb[worst] {
			worst = i
		}
	}
	if toNb[worst] < sim {
		old[worst], toNb[worst] = in, sim
	}
}

// approxScores sets out[i] to the similarity of the vector being inserted
// with s (insertQuery) and node ids[i], estimated from their codes.
func (ix *Index) approxScores(s *searcher, ids []uint32, out []float32) {
	base, stride := ix.codeRows()
	dotBatchI8(s.qcodes, base, stride, ids, out)
	inv := float32(0)
	if s.qscale != 0 {
		inv = 1 / s.qscale
	}
	for i, x := range out {
		out[i] = s.qoffset + x*inv
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
