package archive

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/veille/veille/analysis"
	"github.com/veille/veille/store"
)

// Story links. Two items tell the same story when their vectors are close,
// or fairly close and their headlines share a name ("DeepSeek", "Stargate",
// "AI Act"). The thresholds were read off the built-in embedder's cosines
// on the example archive's followed-up stories (same story: 0.18–0.45;
// unrelated paragraphs: 0.13–0.24) and on the STS headline pairs.
const (
	// StoryCosine links two items on their vectors alone.
	StoryCosine = 0.40
	// StoryCosineWithName links two items whose headlines share a name.
	StoryCosineWithName = 0.12
	// DuplicateCosine makes two items near-duplicates, shown as one.
	DuplicateCosine = 0.85

	threadNeighbours = 30 // candidates examined around each member
	threadExpand     = 8  // members whose own neighbours are examined
	threadMax        = 24 // items in a thread at most
)

// Also is another place where a collapsed hit's story appeared.
type Also struct {
	ID      string  `json:"id"`
	IssueID string  `json:"issue_id"`
	Date    string  `json:"date,omitempty"`
	Score   float32 `json:"score"`
}

// member is an item with what the story rule needs.
type member struct {
	store.Item
	vec   []float32
	names map[string]bool
	score float32 // similarity to the item that brought it in
}

func (a *Archive) member(ctx context.Context, g *generation, it store.Item, score float32) (member, error) {
	vec, err := a.db.Vector(ctx, g.gen, it.Seq)
	if err != nil {
		return member{}, err
	}
	return member{Item: it, vec: vec, names: headlineNames(it.Headline), score: score}, nil
}

// headlineNames returns the folded names of a headline: its capitalised
// words that are not stopwords, the first word included, since headlines
// often open on a name.
func headlineNames(h string) map[string]bool {
	names := map[string]bool{}
	for _, t := range analysis.Tokens(h) {
		if t.Is(analysis.Capitalized) && !t.Is(analysis.Stop) && t.Kind == analysis.Word {
			names[t.Term] = true
		}
	}
	return names
}

// sameStory applies the story rule to two members whose cosine is cos.
func sameStory(x, y member, cos float32) bool {
	if cos >= StoryCosine {
		return true
	}
	if cos < StoryCosineWithName {
		return false
	}
	for n := range x.names {
		if y.names[n] {
			return true
		}
	}
	return false
}

// Thread returns the story of the item with the given id across issues, in
// date order: the item itself and, for every other issue that tells the
// same story, its closest item. Links are found from the index at each
// call, so they follow ingests and deletes at once. It returns an error
// wrapping [store.ErrNotFound] when the item does not exist.
func (a *Archive) Thread(ctx context.Context, id string) ([]Hit, error) {
	it, err := a.db.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	g := a.acquire()
	defer g.release()
	seed, err := a.member(ctx, g, it, 1)
	if err != nil {
		return nil, err
	}
	byIssue := map[string]member{seed.IssueID: seed}
	queue := []member{seed}
	for expanded := 0; len(queue) > 0 && expanded < threadExpand && len(byIssue) < threadMax; expanded++ {
		m := queue[0]
		queue = queue[1:]
		found, err := g.ix.Search(m.vec, threadNeighbours, nil)
		if err != nil {
			return nil, err
		}
		seqs := make([]uint32, 0, len(found))
		for _, h := range found {
			seqs = append(seqs, h.ID)
		}
		items, err := a.db.ItemsBySeq(ctx, seqs)
		if err != nil {
			return nil, err
		}
		scores := map[uint32]float32{}
		for _, h := range found {
			scores[h.ID] = h.Score
		}
		for _, cand := range items {
			if cand.IssueID == seed.IssueID || cand.IssueID == m.IssueID {
				continue
			}
			cm, err := a.member(ctx, g, cand, scores[cand.Seq])
			if errors.Is(err, store.ErrNotFound) {
				continue // deleted meanwhile
			}
			if err != nil {
				return nil, err
			}
			// A follow-up of a follow-up must still be near the item the
			// thread is for, or the thread drifts from story to story.
			if !sameStory(m, cm, cm.score) || m.Seq != seed.Seq && !sameStory(seed, cm, dot(seed.vec, cm.vec)) {
				continue
			}
			if prev, ok := byIssue[cand.IssueID]; ok && prev.score >= cm.score {
				continue
			}
			if _, ok := byIssue[cand.IssueID]; !ok {
				queue = append(queue, cm)
			}
			byIssue[cand.IssueID] = cm
		}
	}
	out := make([]Hit, 0, len(byIssue))
	for _, m := range byIssue {
		out = append(out, Hit{Item: m.Item, Score: m.score})
	}
	slices.SortFunc(out, func(x, y Hit) int {
		return cmp.Or(cmp.Compare(x.Date, y.Date), cmp.Compare(x.IssueID, y.IssueID), cmp.Compare(x.Ordinal, y.Ordinal))
	})
	return out, nil
}

// collapse folds hits into the best-ranked hit of their group: with
// stories set, hits telling the same story; otherwise near-duplicates. The
// folded hits are listed in the keeper's AlsoIn.
func (a *Archive) collapse(ctx context.Context, g *generation, hits []Hit, stories bool) ([]Hit, error) {
	ms := make([]member, 0, len(hits))
	live := hits[:0:0]
	for _, h := range hits {
		m, err := a.member(ctx, g, h.Item, h.Score)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since it was found: left out, as a.hits does
		}
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
		live = append(live, h)
	}
	hits = live
	out := make([]Hit, 0, len(hits))
	kept := make([]int, 0, len(hits))
	for i := range hits {
		folded := false
		for j, k := range kept {
			cos := dot(ms[i].vec, ms[k].vec)
			same := cos >= DuplicateCosine || stories && sameStory(ms[i], ms[k], cos)
			if same {
				out[j].AlsoIn = append(out[j].AlsoIn, Also{ID: hits[i].ID, IssueID: hits[i].IssueID, Date: hits[i].Date, Score: hits[i].Score})
				folded = true
				break
			}
		}
		if !folded {
			kept = append(kept, i)
			out = append(out, hits[i])
		}
	}
	return out, nil
}

func dot(x, y []float32) float32 {
	var s float32
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}
