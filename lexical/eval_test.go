package lexical

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veille/veille/embed"
)

// sweep asks TestEvalPIAF to also log how the figures move with each
// parameter: go test ./lexical -run EvalPIAF -sweep all -v.
var sweep = flag.String("sweep", "", `log parameter sensitivity in TestEvalPIAF: "bm25", "fuse" or "all"`)

// corpusFlag replaces the PIAF passages in TestEvalPIAF, for instance with the
// PIAF corpus mixed with distractors (bench/distractors): go test ./lexical
// -run EvalPIAF -corpus /tmp/mix/mix.jsonl -v. Gold ids missing from it
// count as misses.
var corpusFlag = flag.String("corpus", "", "JSON Lines corpus to search instead of PIAF's in TestEvalPIAF")

// evalDir holds the shared evaluation sets; they are not part of the
// repository, so the tests using them skip when it is missing.
const evalDir = "../../shared/data"

// depth is how many results of each retriever are scored and fused.
const depth = 100

type evalPassage struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

type evalQuery struct {
	Question string   `json:"question"`
	GoldIDs  []string `json:"gold_ids"`
}

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

// piaf is the PIAF set with passages numbered from 0 in corpus order.
// odd[q] tells in which half of the questions the q-th falls: those about
// an even-numbered article or an odd one (gold ids are
// "piaf-a<article>-p<paragraph>"), two halves without a topic in common
// for checking that a tuned parameter holds on both.
type piaf struct {
	passages []evalPassage
	queries  []string
	gold     [][]uint32
	odd      []bool
}

func loadPIAF(t testing.TB) *piaf {
	t.Helper()
	dir := filepath.Join(evalDir, "piaf-fr-qa")
	path := filepath.Join(dir, "corpus.jsonl")
	if *corpusFlag != "" {
		path = *corpusFlag
	}
	d := &piaf{passages: readJSONL[evalPassage](t, path)}
	num := make(map[string]uint32, len(d.passages))
	for i, p := range d.passages {
		num[p.ID] = uint32(i)
	}
	for _, q := range readJSONL[evalQuery](t, filepath.Join(dir, "queries.jsonl")) {
		var gold []uint32
		for _, g := range q.GoldIDs {
			if n, ok := num[g]; ok {
				gold = append(gold, n)
			}
		}
		var article int
		if len(q.GoldIDs) > 0 {
			fmt.Sscanf(q.GoldIDs[0], "piaf-a%d-", &article)
		}
		d.queries = append(d.queries, q.Question)
		d.gold = append(d.gold, gold)
		d.odd = append(d.odd, article%2 == 1)
	}
	return d
}

// halves returns the figures of runs on each half of the questions.
func (d *piaf) halves(runs [][]uint32) (even, odd metrics) {
	var r, g [2][][]uint32
	for q := range runs {
		h := 0
		if d.odd[q] {
			h = 1
		}
		r[h] = append(r[h], runs[q])
		g[h] = append(g[h], d.gold[q])
	}
	return measure(r[0], g[0]), measure(r[1], g[1])
}

// logRuns logs the figures of runs overall and on each half.
func (d *piaf) logRuns(t *testing.T, name string, runs [][]uint32, note string) metrics {
	t.Helper()
	m := measure(runs, d.gold)
	even, odd := d.halves(runs)
	t.Logf("%-9s %v  (%s)\n          even articles R@5 %.3f MRR@10 %.3f, odd R@5 %.3f MRR@10 %.3f",
		name, m, note, even.R5, even.MRR, odd.R5, odd.MRR)
	return m
}

// metrics are the retrieval figures of one configuration.
type metrics struct{ R1, R5, R10, MRR float64 }

func (m metrics) String() string {
	return fmt.Sprintf("R@1 %.3f  R@5 %.3f  R@10 %.3f  MRR@10 %.3f", m.R1, m.R5, m.R10, m.MRR)
}

func measure(runs [][]uint32, gold [][]uint32) metrics {
	var m metrics
	for q, ids := range runs {
		rank := 0
		for i, id := range ids[:min(len(ids), 10)] {
			if slices.Contains(gold[q], id) {
				rank = i + 1
				break
			}
		}
		if rank == 1 {
			m.R1++
		}
		if rank >= 1 && rank <= 5 {
			m.R5++
		}
		if rank >= 1 {
			m.R10++
			m.MRR += 1 / float64(rank)
		}
	}
	n := float64(len(runs))
	return metrics{m.R1 / n, m.R5 / n, m.R10 / n, m.MRR / n}
}

func bm25Runs(d *piaf, cfg Config) [][]uint32 {
	ix := New(cfg)
	for i, p := range d.passages {
		ix.Add(uint32(i), p.Title, p.Text)
	}
	runs := make([][]uint32, len(d.queries))
	for q, query := range d.queries {
		for _, h := range ix.Search(query, depth, nil) {
			runs[q] = append(runs[q], h.ID)
		}
	}
	return runs
}

func embedRuns(t testing.TB, d *piaf) [][]uint32 {
	t.Helper()
	e := embed.NewBuiltin(0)
	texts := make([]string, len(d.passages))
	for i, p := range d.passages {
		texts[i] = p.Title + "\n\n" + p.Text
	}
	pv, err := e.Embed(t.Context(), texts, embed.Passage)
	if err != nil {
		t.Fatal(err)
	}
	qv, err := e.Embed(t.Context(), d.queries, embed.Query)
	if err != nil {
		t.Fatal(err)
	}
	type scored struct {
		id uint32
		s  float32
	}
	// An exact scan of every pair is 6 G multiply-adds: split the queries
	// between the cores.
	runs := make([][]uint32, len(qv))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			all := make([]scored, len(pv))
			for q := w; q < len(qv); q += workers {
				for i, p := range pv {
					all[i] = scored{uint32(i), dot(qv[q], p)}
				}
				slices.SortFunc(all, func(a, b scored) int {
					return cmp.Or(cmp.Compare(b.s, a.s), cmp.Compare(a.id, b.id))
				})
				for _, s := range all[:min(depth, len(all))] {
					runs[q] = append(runs[q], s.id)
				}
			}
		})
	}
	wg.Wait()
	return runs
}

// dot is the dot product of two vectors of the same length, unrolled.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

func fuseRuns(k, wLex, wVec float64, lex, vec [][]uint32) [][]uint32 {
	runs := make([][]uint32, len(lex))
	for q := range lex {
		for _, f := range Fuse(k, Ranked{Weight: wLex, IDs: lex[q]}, Ranked{Weight: wVec, IDs: vec[q]}) {
			runs[q] = append(runs[q], f.ID)
			if len(runs[q]) == 10 {
				break
			}
		}
	}
	return runs
}

// Fusion of the keyword index with the built-in embedder, as
// archive.DefaultFusion: the embedder is much weaker than BM25 on PIAF, so
// it weighs little and the rank constant is small (-sweep fuse logs the
// grid).
const (
	evalFuseK   = 5
	evalWeightL = 1
	evalWeightV = 0.1
)

// TestEvalPIAF logs the retrieval figures of the index, the built-in
// embedder and their fusion on PIAF, and fails if the index or the fusion
// falls below the bleve baseline (bench/bm25bleve, text field, BM25).
func TestEvalPIAF(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("the exact-scan evaluation is slow; it runs without -race and -short")
	}
	d := loadPIAF(t)
	start := time.Now()
	lex := bm25Runs(d, Config{})
	bm25 := d.logRuns(t, "bm25", lex, fmt.Sprintf("%d passages, %d queries, %v", len(d.passages), len(d.queries), time.Since(start).Round(time.Millisecond)))
	start = time.Now()
	vec := embedRuns(t, d)
	d.logRuns(t, "embedder", vec, time.Since(start).Round(time.Millisecond).String())
	fused := d.logRuns(t, "fused", fuseRuns(evalFuseK, evalWeightL, evalWeightV, lex, vec), fmt.Sprintf("k %d, weights %v/%v", evalFuseK, evalWeightL, evalWeightV))

	if m := bm25; m.R5 < 0.833 || m.MRR < 0.740 {
		t.Errorf("bm25 %v: below the bleve baseline R@5 0.833, MRR@10 0.740", m)
	}
	if fused.R5 < 0.833 || fused.MRR < 0.740 {
		t.Errorf("fused %v: below the bleve baseline R@5 0.833, MRR@10 0.740", fused)
	}
	// The project's hybrid target is R@5 0.88 and MRR@10 0.79. The built-in
	// embedder hashes the same stems as the index, so it adds little that
	// BM25 lacks: at best RRF breaks a few ties (+0.001 recall@5), and a
	// score sum, tried too, does no better.
	if fused.R5 < 0.88 || fused.MRR < 0.79 {
		t.Logf("fused is short of the hybrid target R@5 0.88, MRR@10 0.79")
	}
	if *sweep == "" {
		return
	}
	var b strings.Builder
	row := func(name string, m metrics) { fmt.Fprintf(&b, "\n%-32s %v", name, m) }
	if *sweep == "bm25" || *sweep == "all" {
		for _, k1 := range []float64{0.4, 0.6, 0.9, 1.2} {
			for _, bb := range []float64{0.3, 0.5, 0.75, 1} {
				row(fmt.Sprintf("k1 %.1f b %.2f", k1, bb), measure(bm25Runs(d, Config{K1: k1, B: bb}), d.gold))
			}
		}
		for _, w := range []float64{1, 1.5, 2, 3} {
			row(fmt.Sprintf("title weight %.1f", w), measure(bm25Runs(d, Config{FieldWeights: []float64{w, 1}}), d.gold))
		}
		for _, x := range []float64{-1, 0.15, 0.3, 0.5} {
			row(fmt.Sprintf("exact %.2f", x), measure(bm25Runs(d, Config{Exact: x}), d.gold))
		}
		for _, x := range []float64{-1, 0.15, 0.3, 0.5} {
			row(fmt.Sprintf("pairs %.2f", x), measure(bm25Runs(d, Config{Pairs: x}), d.gold))
		}
		for _, x := range []float64{-1, 1.25, 1.5} {
			row(fmt.Sprintf("names %.2f", x), measure(bm25Runs(d, Config{Names: x}), d.gold))
		}
		for _, x := range []float64{0.3, 0.5, 0.7, 1} {
			row(fmt.Sprintf("kind %.2f", x), measure(bm25Runs(d, Config{Kind: x}), d.gold))
		}
	}
	if *sweep == "fuse" || *sweep == "all" {
		for _, n := range []int{20, 50, 100} {
			for _, k := range []float64{1, 2, 3, 5, 10, 60} {
				for _, wv := range []float64{0.1, 0.15, 0.2, 0.3, 0.5, 1} {
					row(fmt.Sprintf("fuse top %d k %.0f weights 1/%.2f", n, k, wv), measure(fuseRuns(k, 1, wv, head(lex, n), head(vec, n)), d.gold))
				}
			}
		}
	}
	t.Log(b.String())
}

func head(runs [][]uint32, n int) [][]uint32 {
	out := make([][]uint32, len(runs))
	for q, r := range runs {
		out[q] = r[:min(n, len(r))]
	}
	return out
}
