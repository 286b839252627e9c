package archive

import (
	"context"
	"fmt"

	"github.com/veille/veille/answer"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

// Range limits results to issues dated within it, bounds included. From and
// To are YYYY-MM or YYYY-MM-DD, or empty for an open end. A month matches
// every date within it: From "2025-02" To "2025-02" keeps issues dated
// "2025-02" and "2025-02-14". Items without a date never match a bounded
// range.
type Range struct {
	From, To string
}

// IsZero reports whether r keeps everything.
func (r Range) IsZero() bool { return r.From == "" && r.To == "" }

// contains reports whether an issue dated d falls within r.
func (r Range) contains(d string) bool {
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

func pad(date, day string) string {
	if len(date) == len("2006-01") {
		return date + day
	}
	return date
}

// Hit is an item found by a search, with its cosine similarity to the query.
type Hit struct {
	store.Item
	Score float32 `json:"score"`
}

// Search returns up to k items most similar to the query text, best first.
func (a *Archive) Search(ctx context.Context, text string, k int, r Range) ([]Hit, error) {
	vecs, err := a.emb.Embed(ctx, []string{text}, embed.Query)
	if err != nil {
		return nil, fmt.Errorf("embed query: %w", err)
	}
	return a.nearest(ctx, vecs[0], k, r, 0)
}

// SimilarText returns up to k items most similar to a passage of text.
func (a *Archive) SimilarText(ctx context.Context, text string, k int, r Range) ([]Hit, error) {
	vecs, err := a.emb.Embed(ctx, []string{text}, embed.Passage)
	if err != nil {
		return nil, fmt.Errorf("embed text: %w", err)
	}
	return a.nearest(ctx, vecs[0], k, r, 0)
}

// SimilarItem returns up to k items most similar to the item with the given
// id, never the item itself. It returns an error wrapping [store.ErrNotFound]
// when the item does not exist.
func (a *Archive) SimilarItem(ctx context.Context, id string, k int, r Range) ([]Hit, error) {
	it, err := a.db.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	vec, err := a.db.Vector(ctx, it.Seq)
	if err != nil {
		return nil, err
	}
	return a.nearest(ctx, vec, k, r, it.Seq)
}

// nearest searches the index, leaving out the item with seq skip (0 is no
// item), and reads the hits back from the store.
func (a *Archive) nearest(ctx context.Context, vec []float32, k int, r Range, skip uint32) ([]Hit, error) {
	var f *vectorindex.Filter
	if !r.IsZero() {
		seqs := a.sortedSeqs(r.contains)
		if len(seqs) == 0 {
			return []Hit{}, nil
		}
		f = vectorindex.NewFilter(seqs)
	}
	want := k
	if skip != 0 {
		want++
	}
	found, err := a.ix.Search(vec, want, f)
	if err != nil {
		return nil, fmt.Errorf("search index: %w", err)
	}
	seqs := make([]uint32, 0, len(found))
	scores := make(map[uint32]float32, len(found))
	for _, h := range found {
		if h.ID == skip {
			continue
		}
		seqs = append(seqs, h.ID)
		scores[h.ID] = h.Score
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
		out[i] = answer.Passage{ID: h.ID, IssueID: h.IssueID, Date: h.Date, Headline: h.Headline, Text: h.Text, Score: h.Score}
	}
	return out
}
