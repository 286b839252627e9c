package eval

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// Embedder returns one vector per text, in order. The vectors need not be
// normalised: [Similarity] computes the full cosine.
type Embedder func(ctx context.Context, texts []string) ([][]float32, error)

// similarityBatch bounds the texts sent to an [Embedder] in one call, so
// that remote embedders get requests of a reasonable size.
const similarityBatch = 128

// Similarity embeds both texts of every pair and returns the Spearman rank
// correlation between their cosine and the human score, ties sharing their
// average rank. The result is NaN when all cosines or all scores are equal.
// It returns [ErrEmpty] for fewer than two pairs, and the embedder's error,
// or an error when it returns the wrong number of vectors.
func Similarity(ctx context.Context, e Embedder, pairs []Pair) (float64, error) {
	if len(pairs) < 2 {
		return 0, ErrEmpty
	}
	cos := make([]float64, len(pairs))
	human := make([]float64, len(pairs))
	for start := 0; start < len(pairs); start += similarityBatch / 2 {
		batch := pairs[start:min(start+similarityBatch/2, len(pairs))]
		texts := make([]string, 0, 2*len(batch))
		for _, p := range batch {
			texts = append(texts, p.Text1, p.Text2)
		}
		vs, err := e(ctx, texts)
		if err != nil {
			return 0, fmt.Errorf("embed pairs %d-%d: %w", start, start+len(batch)-1, err)
		}
		if len(vs) != len(texts) {
			return 0, fmt.Errorf("embed pairs %d-%d: got %d vectors for %d texts", start, start+len(batch)-1, len(vs), len(texts))
		}
		for i, p := range batch {
			cos[start+i] = cosine(vs[2*i], vs[2*i+1])
			human[start+i] = p.Score
		}
	}
	return Spearman(cos, human), nil
}

// Spearman returns the rank correlation of xs and ys, which must have the
// same length: the Pearson correlation of their ranks, tied values sharing
// the mean of the ranks they span. It is NaN when either series is
// constant or shorter than two.
func Spearman(xs, ys []float64) float64 {
	if len(xs) != len(ys) {
		panic("eval: Spearman of series of different lengths")
	}
	return pearson(ranks(xs), ranks(ys))
}

// ranks returns the 1-based fractional ranks of xs.
func ranks(xs []float64) []float64 {
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return xs[order[a]] < xs[order[b]] })
	r := make([]float64, len(xs))
	for i := 0; i < len(order); {
		j := i + 1
		for j < len(order) && xs[order[j]] == xs[order[i]] {
			j++
		}
		// Positions i..j-1 are tied; their 1-based ranks average to this.
		mean := float64(i+1+j) / 2
		for _, k := range order[i:j] {
			r[k] = mean
		}
		i = j
	}
	return r
}

func pearson(a, b []float64) float64 {
	n := float64(len(a))
	if len(a) < 2 {
		return math.NaN()
	}
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= n
	mb /= n
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	return sab / math.Sqrt(saa*sbb)
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range min(len(a), len(b)) {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
