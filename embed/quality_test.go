package embed

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

// evalDir holds the shared evaluation sets; they are not part of the
// repository, so tests using them skip when it is missing.
const evalDir = "../../shared/data"

func readJSONL[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("evaluation data not available: %v", err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

type evalPassage struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

type evalQuery struct {
	Question string   `json:"question"`
	GoldIDs  []string `json:"gold_ids"`
}

type evalPair struct {
	Text1 string  `json:"text1"`
	Text2 string  `json:"text2"`
	Score float64 `json:"score"`
}

func dot(a, b []float32) float64 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}

// retrieval returns recall@5 and MRR@10 of exact cosine search with b.
func retrieval(t testing.TB, b *Builtin, corpus []evalPassage, queries []evalQuery) (recall5, mrr10 float64) {
	t.Helper()
	texts := make([]string, len(corpus))
	for i, p := range corpus {
		texts[i] = p.Title + "\n" + p.Text
	}
	pv, err := b.Embed(t.Context(), texts, Passage)
	if err != nil {
		t.Fatal(err)
	}
	qtexts := make([]string, len(queries))
	for i, q := range queries {
		qtexts[i] = q.Question
	}
	qv, err := b.Embed(t.Context(), qtexts, Query)
	if err != nil {
		t.Fatal(err)
	}
	scores := make([]float64, len(pv))
	for qi, q := range queries {
		for i, v := range pv {
			scores[i] = dot(qv[qi], v)
		}
		best := math.Inf(-1)
		for i, p := range corpus {
			if slices.Contains(q.GoldIDs, p.ID) {
				best = max(best, scores[i])
			}
		}
		rank := 1
		for _, s := range scores {
			if s > best {
				rank++
			}
		}
		if rank <= 5 {
			recall5++
		}
		if rank <= 10 {
			mrr10 += 1 / float64(rank)
		}
	}
	n := float64(len(queries))
	return recall5 / n, mrr10 / n
}

// spearman returns the rank correlation of cosine and human score.
func spearman(t testing.TB, b *Builtin, pairs []evalPair) float64 {
	t.Helper()
	xs := make([]float64, len(pairs))
	ys := make([]float64, len(pairs))
	for i, p := range pairs {
		vs, err := b.Embed(t.Context(), []string{p.Text1, p.Text2}, Passage)
		if err != nil {
			t.Fatal(err)
		}
		xs[i], ys[i] = dot(vs[0], vs[1]), p.Score
	}
	return pearson(ranks(xs), ranks(ys))
}

// ranks returns the fractional ranks of xs, ties sharing their mean rank.
func ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	r := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && xs[idx[j+1]] == xs[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j) / 2
		}
		i = j + 1
	}
	return r
}

func pearson(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

// TestBuiltinQuality measures the built-in embedder on the shared French
// evaluation sets and logs the figures; run with -v to see them.
func TestBuiltinQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation skipped in -short mode")
	}
	piaf := filepath.Join(evalDir, "piaf-fr-qa")
	corpus := readJSONL[evalPassage](t, filepath.Join(piaf, "corpus.jsonl"))
	queries := readJSONL[evalQuery](t, filepath.Join(piaf, "queries.jsonl"))
	pairs := readJSONL[evalPair](t, filepath.Join(evalDir, "stsb-fr-headlines", "pairs.jsonl"))

	if raceEnabled {
		// Every tenth question keeps the run short; figures are approximate.
		var sample []evalQuery
		for i := 0; i < len(queries); i += 10 {
			sample = append(sample, queries[i])
		}
		queries = sample
	}
	b := NewBuiltin(0)
	r5, mrr := retrieval(t, b, corpus, queries)
	rho := spearman(t, b, pairs)
	t.Logf("%s: PIAF recall@5 %.3f MRR@10 %.3f (%d questions); STS Spearman %.3f (%d pairs)",
		b.Identity(), r5, mrr, len(queries), rho, len(pairs))
	floors := []struct {
		name      string
		got, want float64
	}{
		{"PIAF recall@5", r5, 0.70},
		{"PIAF MRR@10", mrr, 0.55},
		{"STS Spearman", rho, 0.60},
	}
	for _, f := range floors {
		if f.got < f.want {
			t.Errorf("%s = %.3f, want >= %.2f", f.name, f.got, f.want)
		}
	}
}
