package lexical

import (
	"cmp"
	"container/heap"
	"math"
	"slices"

	"github.com/veille/veille/analysis"
)

// queryTerm is one distinct term of a query with its weight: how often it
// occurs in the query, times [Config.Exact] for exact forms.
type queryTerm struct {
	term string
	next string // dictPairs: the second stem, term being the first
	dict uint8  // dictStems, dictForms or dictPairs
	w    float32
}

// queryTerms analyses a query: stopwords and question words are dropped,
// repeated terms add up, the word after "quel", "combien"… weighs less
// (see [Config.Kind]), abbreviations bring what they stand for (see
// [Config.Abbreviations]) and an English query's words their French ones
// (see [Config.Translations]).
func (ix *Index) queryTerms(query string) []queryTerm {
	var qts []queryTerm
	add := func(qt queryTerm) {
		for i := range qts {
			if qts[i].term == qt.term && qts[i].next == qt.next && qts[i].dict == qt.dict {
				qts[i].w += qt.w
				return
			}
		}
		qts = append(qts, qt)
	}
	var buf [32]analysis.Token
	toks := analysis.AppendTokens(buf[:0], query)
	prev := ""
	kind := false // the next content word names the kind of answer
	subject := analysis.NamesSubject(toks)
	for i, t := range toks {
		if t.Flags&analysis.Question != 0 && analysis.AsksForKind(t.Term) {
			kind = true
		}
		if t.Flags&(analysis.Stop|analysis.Question) != 0 {
			continue
		}
		w := float32(1)
		switch {
		case t.Flags&analysis.Capitalized != 0 && (t.Flags&analysis.SentenceStart == 0 || i == 0 && subject):
			w *= float32(ix.cfg.Names)
		case kind:
			w *= float32(ix.cfg.Kind)
		}
		kind = false
		add(queryTerm{term: t.Stem, dict: dictStems, w: w})
		if ix.cfg.Exact > 0 && t.Term != t.Stem {
			add(queryTerm{term: t.Term, dict: dictForms, w: w * float32(ix.cfg.Exact)})
		}
		if ix.cfg.Pairs > 0 && prev != "" {
			add(queryTerm{term: prev, next: t.Stem, dict: dictPairs, w: float32(ix.cfg.Pairs)})
		}
		prev = t.Stem
	}
	expand := func(xs []analysis.Expansion, weight float64) {
		for _, x := range xs {
			even := 1 / math.Sqrt(float64(len(x.Words)))
			for i, t := range x.Words {
				share := even
				if x.Shares != nil {
					share = x.Shares[i]
				}
				add(queryTerm{term: t.Stem, dict: dictStems, w: float32(weight * share)})
			}
		}
	}
	if ix.cfg.Abbreviations > 0 {
		expand(analysis.Abbreviations(query, toks), ix.cfg.Abbreviations)
	}
	if ix.cfg.Translations > 0 && analysis.Language(query) == "en" {
		expand(analysis.Expand(toks), ix.cfg.Translations)
	}
	return qts
}

const (
	dictStems = iota
	dictForms
	dictPairs
)

// postings returns qt's postings, if it has any; a pair's are gathered into
// sc. The caller holds mu.
func (ix *Index) postings(qt queryTerm, sc *searchScratch) (postings, bool) {
	if qt.dict == dictPairs {
		a, ok := ix.stems[qt.term]
		b, ok2 := ix.stems[qt.next]
		if !ok || !ok2 {
			return postings{}, false
		}
		n := len(sc.pairs.slots)
		ix.pairs.postings(pairKey(a, b), &sc.pairs)
		p := postings{slots: sc.pairs.slots[n:], tfs: sc.pairs.tfs[n:]}
		return p, len(p.slots) > 0
	}
	dict := ix.stems
	if qt.dict == dictForms {
		dict = ix.forms
	}
	li, ok := dict[qt.term]
	if !ok {
		return postings{}, false
	}
	return ix.lists[li], true
}

// searchScratch is the per-search state, pooled: a dense accumulator of
// scores by slot and the list of slots it touched, so that clearing costs
// only what the search used.
type searchScratch struct {
	acc     []float32
	touched []uint32
	top     hitHeap
	terms   []scoredList
	passed  []uint32  // selectTop: the slots of a chunk that may enter the top k
	scores  []float32 // and their scores
	pairs   postings  // the query's word pairs' postings, one after the other
}

// Search returns up to k items best matching query by BM25, best first,
// ties broken by increasing id. allow, when not nil, filters items by id;
// it is called only for items good enough to enter the top k, under the
// index's read lock, so it must not call the index. Search returns nil
// when no query word is indexed or k <= 0. It is safe for concurrent use.
func (ix *Index) Search(query string, k int, allow func(id uint32) bool) []Hit {
	if k <= 0 {
		return nil
	}
	qts := ix.queryTerms(query)
	if len(qts) == 0 {
		return nil
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if len(ix.slotOf) == 0 {
		return nil
	}
	n := len(ix.ids)
	sc, _ := ix.scratch.Get().(*searchScratch)
	if sc == nil {
		sc = new(searchScratch)
	}
	defer ix.scratch.Put(sc)
	if len(sc.acc) < n {
		sc.acc = make([]float32, n)
	}
	acc := sc.acc[:n]
	touched := sc.touched[:0]

	k1 := float32(ix.cfg.K1)
	avg := float32(ix.total / float64(n))
	normA := k1 * float32(1-ix.cfg.B)
	normB := k1 * float32(ix.cfg.B) / max(avg, 1e-6)
	terms := sc.terms[:0]
	sc.pairs.slots, sc.pairs.tfs = sc.pairs.slots[:0], sc.pairs.tfs[:0]
	for _, qt := range qts {
		p, ok := ix.postings(qt, sc)
		if !ok {
			continue
		}
		df := float64(len(p.slots))
		idf := math.Log(1 + (float64(n)-df+0.5)/(df+0.5))
		terms = append(terms, scoredList{p: p, scale: float32(idf) * qt.w * (k1 + 1)})
	}
	sc.terms = terms[:0]
	// MaxScore: rare terms first. Once the terms left could not lift an
	// item that none of the terms so far matched into the top k, those
	// terms are only looked up for the items already matched.
	slices.SortFunc(terms, func(a, b scoredList) int { return cmp.Compare(len(a.p.slots), len(b.p.slots)) })
	rest, restLen := float32(0), 0 // upper bound and postings of terms[j:]
	for _, t := range terms {
		rest += t.scale // a posting scores scale·tf/(tf+norm) < scale
		restLen += len(t.p.slots)
	}
	theta := float32(0)
	j := 0
	for ; j < len(terms); j++ {
		if j > 0 && restLen > 4*len(touched) && !ix.exhaustive {
			theta = ix.selectTop(sc, acc, touched, k, allow, false).threshold(k)
			if rest*(1+1e-4) < theta {
				break
			}
		}
		t := terms[j]
		touched = accumulate(acc, ix.lens, t.p.slots, t.p.tfs, t.scale, tfScale*normA, tfScale*normB, touched)
		rest -= t.scale
		restLen -= len(t.p.slots)
	}
	if j < len(terms) {
		cands := touched[:0]
		for _, s := range touched {
			if acc[s]+rest*(1+1e-4) >= theta {
				cands = append(cands, s)
			} else {
				acc[s] = 0
			}
		}
		touched = cands
		slices.Sort(touched)
		for _, t := range terms[j:] {
			i := 0
			for _, s := range touched {
				i = seek(t.p.slots, i, s)
				if i == len(t.p.slots) {
					break
				}
				if t.p.slots[i] == s {
					tf := float32(t.p.tfs[i]) * (1.0 / tfScale)
					acc[s] += t.scale * tf / (tf + normA + normB*ix.lens[s])
				}
			}
		}
	}
	top := ix.selectTop(sc, acc, touched, k, allow, true)
	sc.touched = touched[:0]
	out := slices.Clone([]Hit(top))
	slices.SortFunc(out, func(a, b Hit) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return out
}

// scoredList is a query term's postings and its weight in this search.
type scoredList struct {
	p     postings
	scale float32 // idf · query weight · (k1+1)
}

// seek returns the first index at or after i of slots holding a slot >= s,
// galloping then bisecting.
func seek(slots []uint32, i int, s uint32) int {
	if i >= len(slots) || slots[i] >= s {
		return i
	}
	lo, step := i, 1
	for lo+step < len(slots) && slots[lo+step] < s {
		lo += step
		step *= 2
	}
	hi := min(lo+step, len(slots))
	// slots[lo] < s, and slots[hi] >= s or hi == len(slots).
	off, _ := slices.BinarySearch(slots[lo+1:hi], s)
	return lo + 1 + off
}

// selectTop returns the k best live and allowed items among touched, in
// heap order, in sc.top. With done, it also clears their accumulators.
//
// Most items score below the k-th: touched is filtered in chunks against
// the score of the current k-th best (vectorised where the CPU allows),
// and only the items that pass are looked at one by one.
func (ix *Index) selectTop(sc *searchScratch, acc []float32, touched []uint32, k int, allow func(uint32) bool, done bool) hitHeap {
	const chunk = 512
	top := sc.top[:0]
	for lo := 0; lo < len(touched); lo += chunk {
		theta := float32(0) // every touched item scores above 0
		if len(top) == k {
			theta = top[0].Score
		}
		sc.passed, sc.scores = filter(acc, touched[lo:min(lo+chunk, len(touched))], theta, done, sc.passed[:0], sc.scores[:0])
		for i, s := range sc.passed {
			score := sc.scores[i]
			if len(top) == k && score < top[0].Score || ix.dead[s] {
				continue
			}
			h := Hit{ID: ix.ids[s], Score: score}
			if len(top) == k && !better(h, top[0]) {
				continue
			}
			if allow != nil && !allow(h.ID) {
				continue
			}
			if len(top) < k {
				top = append(top, h)
				if len(top) == k {
					heap.Init(&top)
				}
				continue
			}
			top[0] = h
			heap.Fix(&top, 0)
		}
	}
	sc.top = top[:0]
	return top
}

// threshold returns the score an item must beat to enter a full top k,
// or 0 while fewer than k items are known.
func (h hitHeap) threshold(k int) float32 {
	if len(h) < k {
		return 0
	}
	return h[0].Score
}

// better orders hits by decreasing score, then increasing id.
func better(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.ID < b.ID
}

// hitHeap is a min-heap of hits: its root is the worst of the top k.
type hitHeap []Hit

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(i, j int) bool { return better(h[j], h[i]) }
func (h hitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)        { *h = append(*h, x.(Hit)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
