package archive

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/veille/veille/analysis"
	"github.com/veille/veille/answer"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/lexical"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

// Range limits results to issues dated within it, bounds included. From and
// To are YYYY-MM or YYYY-MM-DD, or empty for an open end. A month matches
// every date within it: From "2025-02" To "2025-02" keeps issues dated
// "2025-02" and "2025-02-14". Items without a date never match a bounded
// range.
type Range struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// IsZero reports whether r keeps everything.
func (r Range) IsZero() bool { return r.From == "" && r.To == "" }

// Backwards reports whether r starts after it ends, so that it keeps
// nothing; a month at either end stands for all its days.
func (r Range) Backwards() bool {
	return r.From != "" && r.To != "" && pad(r.From, "-00") > pad(r.To, "-99")
}

// Contains reports whether an issue dated d falls within r.
func (r Range) Contains(d string) bool {
	if r.IsZero() {
		return true
	}
	if d == "" {
		return false
	}
	// Pad month dates so that plain string comparison orders them around
	// the days they contain: "2025-02-00" < "2025-02-14" < "2025-02-99".
	lo, hi := pad(d, "-00"), pad(d, "-99")
	return (r.From == "" || hi >= pad(r.From, "-00")) && (r.To == "" || lo <= pad(r.To, "-99"))
}

// Covers reports whether the whole of an issue's date d, a day or a month,
// lies within r: a range of days covers the issues dated to one of its
// days, not those dated by their month.
func (r Range) Covers(d string) bool {
	if r.IsZero() {
		return true
	}
	if d == "" {
		return false
	}
	lo, hi := pad(d, "-00"), pad(d, "-99")
	return (r.From == "" || lo >= pad(r.From, "-00")) && (r.To == "" || hi <= pad(r.To, "-99"))
}

func pad(date, day string) string {
	if len(date) == len("2006-01") {
		return date + day
	}
	return date
}

// Mode chooses the retrievers of a search.
type Mode string

// The search modes. Hybrid is the default: it fuses the other two.
const (
	Hybrid  Mode = "hybrid"
	Vector  Mode = "vector"
	Lexical Mode = "lexical"
)

// ParseMode returns the mode named s; "" is [Hybrid].
func ParseMode(s string) (Mode, bool) {
	switch m := Mode(s); m {
	case "":
		return Hybrid, true
	case Hybrid, Vector, Lexical:
		return m, true
	}
	return "", false
}

// Fusion tunes hybrid ranking: reciprocal rank fusion of the vector and the
// lexical lists, each Depth long (at least k), with rank constant K.
type Fusion struct {
	K                           float64
	VectorWeight, LexicalWeight float64
	// EnglishVectorWeight replaces VectorWeight for a query in English
	// (see [analysis.Language]) that is no question ([analysis.IsQuestion]):
	// a headline or a news item's text, which the keyword index meets on the
	// French archive by its names, numbers and the glossary's translations
	// of a few of its words, while the embedder meets it on its whole
	// meaning. An English question names what it asks about, which the
	// keyword index translates as the embedder does: it is fused with
	// VectorWeight, as a French one.
	EnglishVectorWeight float64
	Depth               int
}

// DefaultFusion was tuned on the PIAF dev questions, alone and mixed with
// 5,548 distractor paragraphs (see BENCHMARKS.md): with the built-in
// embedder, which hashes the same stems as the keyword index, the vector
// list only breaks ties, hence its low weight and the small rank constant.
// Rank constants 1 to 5 with weights 0.1 to 0.15 do the same on PIAF; at
// weight 0.2 the vector list starts to cost recall@5 and MRR@10 with the
// distractors, on both halves of the questions split by article.
//
// For English text other than questions the roles swap (package eval
// measures both sets): on 500 English STS headlines searched among their
// French translations, hybrid MRR@10 goes from 0.825 with vector weight 0.1
// for all to 0.888 with weight 10 for those found English (the vector list
// alone: 0.900). On 21 English questions about the example archive, whose
// words the keyword index translates ([lexical.Config.Translations]), the
// French weight does best: MRR@10 1.000, against 0.845 with weight 10.
var DefaultFusion = Fusion{K: 5, VectorWeight: 0.1, LexicalWeight: 1, EnglishVectorWeight: 10, Depth: 50}

// reranks reports whether, in a fused list of k hits, no item missing
// from the keyword list can rank: the best such item, first in the vector
// list only, scores weight/(K+1), below the k-th keyword hit's
// LexicalWeight/(K+k) at least, as long as the keyword list holds k items.
func (f Fusion) reranks(english bool, k int) bool {
	wv := f.VectorWeight
	if english {
		wv = f.EnglishVectorWeight
	}
	return wv/(f.K+1) < f.LexicalWeight/(f.K+float64(k))
}

func (f Fusion) withDefaults() Fusion {
	if f.K <= 0 {
		f.K = DefaultFusion.K
	}
	if f.VectorWeight <= 0 {
		f.VectorWeight = DefaultFusion.VectorWeight
	}
	if f.LexicalWeight <= 0 {
		f.LexicalWeight = DefaultFusion.LexicalWeight
	}
	if f.EnglishVectorWeight <= 0 {
		f.EnglishVectorWeight = DefaultFusion.EnglishVectorWeight
	}
	if f.Depth <= 0 {
		f.Depth = DefaultFusion.Depth
	}
	return f
}

// Query is a search.
type Query struct {
	Text  string
	K     int
	Range Range
	Mode  Mode // "" is Hybrid
	// Collapse folds the hits that tell the same story into the best one,
	// listing the others in its AlsoIn.
	Collapse bool
}

// Highlight is the sentence of a hit that best matches the query, with byte
// offsets into the hit's text: the sentence's, and each matched word's.
type Highlight struct {
	Text    string   `json:"text"`
	Start   int      `json:"start"`
	End     int      `json:"end"`
	Matches [][2]int `json:"matches"`
}

// Hit is an item found by a search. Score is the cosine similarity in
// vector mode, the BM25 score in lexical mode and the fused score in hybrid
// mode: it orders hits within one search only.
type Hit struct {
	store.Item
	Score     float32    `json:"score"`
	Highlight *Highlight `json:"highlight,omitempty"`
	// AlsoIn lists the hits folded into this one: near-duplicates, or with
	// Query.Collapse the other items of the same story.
	AlsoIn []Also `json:"also_in,omitempty"`
}

// collapseExtra bounds the hits a collapsing search retrieves beyond q.K
// (at most twice q.K): folding compares each hit with every story kept.
const collapseExtra = 50

// Search returns up to q.K items for the query text, best first, each with
// its highlight.
func (a *Archive) Search(ctx context.Context, q Query) ([]Hit, error) {
	mode, ok := ParseMode(string(q.Mode))
	if !ok {
		return nil, fmt.Errorf("unknown search mode %q", q.Mode)
	}
	f := a.filter(q.Range)
	if f != nil && f.Len() == 0 {
		return []Hit{}, nil
	}
	g := a.acquire()
	defer g.release()
	// Collapsing folds hits together: it starts from more of them, so that
	// q.K stories remain when the archive has them.
	rq := q
	if q.Collapse {
		rq.K = q.K + min(2*q.K, collapseExtra)
	}
	var ranked []scored
	switch mode {
	case Lexical:
		ranked = a.lexical(rq.Text, rq.K, f)
	case Vector:
		var err error
		if ranked, err = g.embedSearch(ctx, rq.Text, rq.K, f); err != nil {
			return nil, err
		}
	case Hybrid:
		var err error
		if ranked, err = a.hybrid(ctx, g, rq, f); err != nil {
			return nil, err
		}
	}
	// ranked holds at most q.K items, most often read from the store's
	// item cache. They are highlighted on this goroutine: a search arrives
	// on idle cores, and on two cores fanning out measured slower.
	hits, err := a.hits(ctx, ranked, len(ranked))
	if err != nil {
		return nil, err
	}
	if q.Collapse {
		if hits, err = a.collapse(ctx, g, hits, true); err != nil {
			return nil, err
		}
		hits = hits[:min(len(hits), q.K)]
	}
	hl := lexical.NewHighlighter(q.Text)
	for i := range hits {
		s, start, end, m := hl.Highlight(hits[i].Text)
		if m == nil {
			m = [][2]int{}
		}
		hits[i].Highlight = &Highlight{Text: s, Start: start, End: end, Matches: m}
	}
	return hits, nil
}

// hybrid fuses the keyword and the vector rankings of q's text.
//
// When the vector list weighs so little that an item the keywords did not
// find could not enter the top q.K whatever its vector rank (see
// [Fusion.reranks]) and the keywords found q.K items at least, the vector
// list can only reorder the keyword candidates: they are then ranked by
// their exact similarity to the query instead of searching the graph, which
// costs a few dozen inner products instead of a walk through thousands of
// vectors. Otherwise the keyword search runs beside the embedding and the
// graph search, which both take longer.
func (a *Archive) hybrid(ctx context.Context, g *generation, q Query, f *vectorindex.Filter) ([]scored, error) {
	english := analysis.Language(q.Text) == "en" && !analysis.IsQuestion(q.Text)
	depth := max(q.K, a.cfg.Fusion.Depth)
	if a.cfg.Fusion.reranks(english, q.K) {
		ls := a.lexical(q.Text, depth, f)
		vec, err := g.embedQuery(ctx, q.Text)
		if err != nil {
			return nil, err
		}
		var vs []scored
		if len(ls) >= q.K {
			seqs := make([]uint32, len(ls))
			for i, s := range ls {
				seqs[i] = s.seq
			}
			vs, err = g.vector(vec, len(seqs), vectorindex.NewFilter(seqs), 0)
		} else {
			vs, err = g.vector(vec, depth, f, 0)
		}
		if err != nil {
			return nil, err
		}
		return fuse(a.cfg.Fusion, english, vs, ls, q.K), nil
	}
	var ls []scored
	var wg sync.WaitGroup
	wg.Go(func() { ls = a.lexical(q.Text, depth, f) })
	vs, err := g.embedSearch(ctx, q.Text, depth, f)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return fuse(a.cfg.Fusion, english, vs, ls, q.K), nil
}

// Similar narrows a similar-items search.
type Similar struct {
	K     int
	Range Range
	// ExcludeSameIssue leaves out the items of the given item's issue.
	ExcludeSameIssue bool
}

// SimilarText returns up to s.K items most similar to a passage of text,
// near-duplicates folded into one hit.
func (a *Archive) SimilarText(ctx context.Context, text string, s Similar) ([]Hit, error) {
	g := a.acquire()
	defer g.release()
	vecs, err := g.emb.Embed(ctx, []string{text}, embed.Passage)
	if err != nil {
		return nil, fmt.Errorf("embed text: %w", err)
	}
	return a.similar(ctx, g, vecs[0], s, store.Item{})
}

// SimilarItem returns up to s.K items most similar to the item with the
// given id, never the item itself, near-duplicates folded into one hit. It
// returns an error wrapping [store.ErrNotFound] when the item does not
// exist.
func (a *Archive) SimilarItem(ctx context.Context, id string, s Similar) ([]Hit, error) {
	it, err := a.db.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	g := a.acquire()
	defer g.release()
	vec, err := a.db.Vector(ctx, g.gen, it.Seq)
	if err != nil {
		return nil, err
	}
	return a.similar(ctx, g, vec, s, it)
}

// similarDepth is how many more neighbours than asked for are fetched, to
// make up for the hits that exclusions and folding take away.
const similarDepth = 3

func (a *Archive) similar(ctx context.Context, g *generation, vec []float32, s Similar, of store.Item) ([]Hit, error) {
	f := a.filter(s.Range)
	if f != nil && f.Len() == 0 {
		return []Hit{}, nil
	}
	ranked, err := g.vector(vec, s.K*similarDepth, f, of.Seq)
	if err != nil {
		return nil, err
	}
	hits, err := a.hits(ctx, ranked, s.K*similarDepth)
	if err != nil {
		return nil, err
	}
	if s.ExcludeSameIssue {
		hits = slices.DeleteFunc(hits, func(h Hit) bool { return h.IssueID == of.IssueID })
	}
	if hits, err = a.collapse(ctx, g, hits, false); err != nil {
		return nil, err
	}
	return hits[:min(s.K, len(hits))], nil
}

// scored is a seq with its score in some ranking.
type scored struct {
	seq   uint32
	score float32
}

// filter returns the allowed set for r, or nil when r keeps everything.
func (a *Archive) filter(r Range) *vectorindex.Filter {
	if r.IsZero() {
		return nil
	}
	return vectorindex.NewFilter(a.sortedSeqs(r.Contains))
}

func (a *Archive) lexical(text string, k int, f *vectorindex.Filter) []scored {
	var allow func(uint32) bool
	if f != nil {
		allow = f.Allows
	}
	found := a.lex.Search(text, k, allow)
	out := make([]scored, len(found))
	for i, h := range found {
		out[i] = scored{h.ID, h.Score}
	}
	return out
}

// fuse merges the vector and lexical rankings by reciprocal rank fusion,
// with the vector weight for English queries when english is set.
func fuse(f Fusion, english bool, vs, ls []scored, k int) []scored {
	ids := func(ss []scored) []uint32 {
		out := make([]uint32, len(ss))
		for i, s := range ss {
			out[i] = s.seq
		}
		return out
	}
	wv := f.VectorWeight
	if english {
		wv = f.EnglishVectorWeight
	}
	fused := lexical.Fuse(f.K,
		lexical.Ranked{Weight: wv, IDs: ids(vs)},
		lexical.Ranked{Weight: f.LexicalWeight, IDs: ids(ls)})
	out := make([]scored, 0, min(k, len(fused)))
	for _, x := range fused[:min(k, len(fused))] {
		out = append(out, scored{x.ID, float32(x.Score)})
	}
	return out
}

// hits reads the ranked items back from the store, keeping up to k of those
// that still exist.
func (a *Archive) hits(ctx context.Context, ranked []scored, k int) ([]Hit, error) {
	seqs := make([]uint32, len(ranked))
	scores := make(map[uint32]float32, len(ranked))
	for i, s := range ranked {
		seqs[i] = s.seq
		scores[s.seq] = s.score
	}
	items, err := a.db.ItemsBySeq(ctx, seqs)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, 0, min(k, len(items)))
	for _, it := range items {
		if len(hits) == k {
			break
		}
		hits = append(hits, Hit{Item: it, Score: scores[it.Seq]})
	}
	return hits, nil
}

// Passages turns hits into the answerer's passages, in the same order.
func Passages(hits []Hit) []answer.Passage {
	out := make([]answer.Passage, len(hits))
	for i, h := range hits {
		out[i] = answer.Passage{ID: h.ID, IssueID: h.IssueID, Date: h.Date, Headline: h.Headline, Link: h.Link, Text: h.Text, Score: h.Score}
	}
	return out
}
