package lexical

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// synthetic makes newsletter-like paragraphs from a vocabulary of
// pronounceable pseudo-words drawn with a Zipf law, as in real text: a few
// words are everywhere and most are rare. Stopwords are mixed in.
type synthetic struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

func newSynthetic(seed uint64, vocab int) *synthetic {
	r := rand.New(rand.NewPCG(seed, 42))
	const cons, vows = "bcdfglmnprstvz", "aeiouéè"
	s := &synthetic{r: r, zipf: rand.NewZipf(r, 1.07, 2, uint64(vocab-1))}
	seen := map[string]bool{}
	for len(s.vocab) < vocab {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteByte(cons[r.IntN(len(cons))])
			v := []rune(vows)
			b.WriteRune(v[r.IntN(len(v))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			s.vocab = append(s.vocab, w)
		}
	}
	return s
}

func (s *synthetic) paragraph(words int) string {
	var b strings.Builder
	for i := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		if s.r.IntN(3) == 0 {
			b.WriteString(glue[s.r.IntN(len(glue))])
		} else {
			b.WriteString(s.vocab[s.zipf.Uint64()])
		}
		if i%20 == 19 {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// query picks words of a random paragraph, as a question about it would.
func (s *synthetic) query(paras []string, words int) string {
	f := strings.Fields(paras[s.r.IntN(len(paras))])
	q := make([]string, words)
	for i := range q {
		q[i] = f[s.r.IntN(len(f))]
	}
	return strings.Join(q, " ")
}

var sinkHits []Hit

// BenchmarkAdd indexes 80-word paragraphs with an 8-word headline into an
// index that grows to 100k items.
func BenchmarkAdd(b *testing.B) {
	s := newSynthetic(1, 50000)
	paras := make([]string, 100_000)
	heads := make([]string, len(paras))
	for i := range paras {
		paras[i] = s.paragraph(80)
		heads[i] = s.paragraph(8)
	}
	b.ReportAllocs()
	ix := New(Config{})
	i := 0
	for b.Loop() {
		if i == len(paras) {
			b.StopTimer()
			ix = New(Config{})
			i = 0
			b.StartTimer()
		}
		ix.Add(uint32(i), heads[i], paras[i])
		i++
	}
}

// BenchmarkSearch runs 7-word queries for the top 10 on indexes of 80-word
// paragraphs.
func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{1000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%s", count(n)), func(b *testing.B) {
			s := newSynthetic(2, 50000)
			paras := make([]string, n)
			ix := New(Config{})
			for i := range paras {
				paras[i] = s.paragraph(80)
				ix.Add(uint32(i), s.paragraph(8), paras[i])
			}
			queries := make([]string, 256)
			for i := range queries {
				queries[i] = s.query(paras, 7)
			}
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				sinkHits = ix.Search(queries[i%len(queries)], 10, nil)
				i++
			}
			// After the loop: b.Loop drops metrics reported before it.
			b.ReportMetric(float64(ms.HeapAlloc)/float64(n), "heapB/item")
		})
	}
}

func count(n int) string {
	if n >= 1000 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// BenchmarkMergeRuns merges two runs of a million pair postings each, keys
// drawn at random as in an archive's pairs.
func BenchmarkMergeRuns(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y := randomPostings(r, 1<<20, 0), randomPostings(r, 1<<20, 1<<20)
	pl := New(Config{}).pairs
	for b.Loop() {
		b.StopTimer()
		a, c := pl.sortedRun(slices.Clone(x), nil), pl.sortedRun(slices.Clone(y), nil)
		b.StartTimer()
		sinkRun = pl.merge(&a, &c)
		pl.release(&sinkRun)
	}
}

var sinkRun pairRun

// BenchmarkSortedRun sorts a full buffer of pair postings into a run.
func BenchmarkSortedRun(b *testing.B) {
	ps := randomPostings(rand.New(rand.NewPCG(1, 2)), defaultPairBuffer, 0)
	work, scratch := make([]pairPosting, len(ps)), make([]pairPosting, len(ps))
	pl := New(Config{}).pairs
	for b.Loop() {
		copy(work, ps)
		sinkRun = pl.sortedRun(work, scratch)
		pl.release(&sinkRun)
	}
}

// randomPostings returns n pair postings in slot order, 70 an item from
// firstSlot on, their keys drawn at random among a million lists.
func randomPostings(r *rand.Rand, n int, firstSlot uint32) []pairPosting {
	ps := make([]pairPosting, n)
	for i := range ps {
		ps[i] = pairPosting{key: pairKey(uint32(r.IntN(1<<20)), uint32(r.IntN(1<<20))), slot: firstSlot + uint32(i/70), tf: tfScale}
	}
	return ps
}
