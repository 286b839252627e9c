package eval

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fixed is a fake searcher returning a fixed ranking per question.
func fixed(rankings map[string][]string) Searcher {
	return func(_ context.Context, q string, k int) ([]string, error) {
		ids := rankings[q]
		return ids[:min(k, len(ids))], nil
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRun(t *testing.T) {
	s := fixed(map[string][]string{
		"first":  {"a", "x", "y"},
		"third":  {"x", "y", "b", "c"},
		"two":    {"d1", "x", "d2"},
		"missed": {"x", "y", "z"},
		"late":   {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "g"},
		"dup":    {"x", "x", "x", "x", "x", "h"},
	})
	l2 := func(r float64) float64 { return 1 / math.Log2(r+1) }
	tests := []struct {
		name                   string
		q                      Query
		r1, r5, r10, mrr, ndcg float64
	}{
		{"gold first", Query{"q1", "first", []string{"a"}}, 1, 1, 1, 1, 1},
		{"gold third", Query{"q2", "third", []string{"b"}}, 0, 1, 1, 1.0 / 3, 0.5},
		// Gold at 1 and 3 of two: DCG 1+1/2, ideal 1+1/log2(3).
		{"two golds", Query{"q3", "two", []string{"d1", "d2"}}, 1, 1, 1, 1, 1.5 / (1 + l2(2))},
		{"missed", Query{"q4", "missed", []string{"m"}}, 0, 0, 0, 0, 0},
		{"beyond k", Query{"q5", "late", []string{"g"}}, 0, 0, 0, 0, 0},
		// Repeated ids take one rank: "h" is second.
		{"duplicates", Query{"q6", "dup", []string{"h"}}, 0, 1, 1, 0.5, l2(2)},
	}
	var sum Retrieval
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Run(t.Context(), s, []Query{tt.q})
			if err != nil {
				t.Fatal(err)
			}
			want := Retrieval{Queries: 1, Recall1: tt.r1, Recall5: tt.r5, Recall10: tt.r10, MRR10: tt.mrr, NDCG10: tt.ndcg}
			if got.Queries != 1 || !near(got.Recall1, want.Recall1) || !near(got.Recall5, want.Recall5) ||
				!near(got.Recall10, want.Recall10) || !near(got.MRR10, want.MRR10) || !near(got.NDCG10, want.NDCG10) {
				t.Errorf("Run = %+v, want %+v", got, want)
			}
		})
		sum.Recall5 += tt.r5
		sum.MRR10 += tt.mrr
	}
	var qs []Query
	for _, tt := range tests {
		qs = append(qs, tt.q)
	}
	got, err := Run(t.Context(), s, qs)
	if err != nil {
		t.Fatal(err)
	}
	n := float64(len(tests))
	if got.Queries != len(tests) || !near(got.Recall5, sum.Recall5/n) || !near(got.MRR10, sum.MRR10/n) {
		t.Errorf("Run over all = %+v, want recall@5 %v, MRR@10 %v", got, sum.Recall5/n, sum.MRR10/n)
	}
	if got.P50 <= 0 || got.P95 < got.P50 {
		t.Errorf("latencies p50 %v, p95 %v", got.P50, got.P95)
	}
}

func TestRunErrors(t *testing.T) {
	boom := errors.New("boom")
	failing := func(context.Context, string, int) ([]string, error) { return nil, boom }
	if _, err := Run(t.Context(), failing, []Query{{ID: "q7", Question: "x", GoldIDs: []string{"a"}}}); !errors.Is(err, boom) || !strings.Contains(err.Error(), "q7") {
		t.Errorf("Run with a failing searcher: %v", err)
	}
	if _, err := Run(t.Context(), failing, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("Run without queries: %v, want ErrEmpty", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Run(ctx, fixed(nil), []Query{{Question: "x", GoldIDs: []string{"a"}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context: %v", err)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 20; i++ {
		ds = append(ds, time.Duration(i))
	}
	if p50, p95 := percentile(ds, 50), percentile(ds, 95); p50 != 10 || p95 != 19 {
		t.Errorf("percentiles of 1..20: p50 %d, p95 %d, want 10 and 19", p50, p95)
	}
	if p := percentile(ds[:1], 95); p != 1 {
		t.Errorf("p95 of one value = %d, want 1", p)
	}
}

func TestSpearman(t *testing.T) {
	tests := []struct {
		name   string
		xs, ys []float64
		want   float64
	}{
		{"same order", []float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}, 1},
		{"reversed", []float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}, -1},
		// No ties: 1 - 6*sum(d²)/(n(n²-1)); d = (0,0,1,-1,0), so 1 - 12/120.
		{"one swap", []float64{1, 2, 3, 4, 5}, []float64{1, 2, 4, 3, 5}, 0.9},
		// Ranks of xs: 1, 2.5, 2.5, 4; ys: 1, 2, 3, 4. Centred: (-1.5,0,0,1.5)
		// and (-1.5,-.5,.5,1.5); r = 4.5 / sqrt(4.5*5).
		{"ties", []float64{0.1, 0.5, 0.5, 0.9}, []float64{1, 2, 3, 4}, 4.5 / math.Sqrt(4.5*5)},
		// Ranks of xs: 2, 2, 2, 4.5, 4.5; ys: 1..5. Centred xs: (-1,-1,-1,1.5,1.5),
		// ys: (-2,-1,0,1,2); sum of products 2+1+0+1.5+3 = 7.5; norms 7.5 and 10.
		{"two tie groups", []float64{3, 3, 3, 7, 7}, []float64{1, 2, 3, 4, 5}, 7.5 / math.Sqrt(7.5*10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Spearman(tt.xs, tt.ys); !near(got, tt.want) {
				t.Errorf("Spearman = %v, want %v", got, tt.want)
			}
		})
	}
	if got := Spearman([]float64{1, 1, 1}, []float64{1, 2, 3}); !math.IsNaN(got) {
		t.Errorf("Spearman of a constant series = %v, want NaN", got)
	}
}

func TestSimilarity(t *testing.T) {
	// Texts are embedded as fixed 2-d directions; the cosines of the pairs
	// are 1, 0, -1 and 0.6.
	vecs := map[string][]float32{
		"a": {1, 0}, "a2": {2, 0}, "b": {0, 3}, "c": {-1, 0}, "d": {3, 4},
	}
	e := func(_ context.Context, texts []string) ([][]float32, error) {
		out := make([][]float32, len(texts))
		for i, s := range texts {
			out[i] = vecs[s]
		}
		return out, nil
	}
	pairs := []Pair{
		{"a", "a2", 5}, {"a", "b", 2}, {"a", "c", 0}, {"a", "d", 3},
	}
	got, err := Similarity(t.Context(), e, pairs)
	if err != nil {
		t.Fatal(err)
	}
	if !near(got, 1) {
		t.Errorf("Similarity = %v, want 1", got)
	}
	pairs[3].Score = 1 // now cos 0.6 ranks above 0 while its score is below
	got, err = Similarity(t.Context(), e, pairs)
	if err != nil {
		t.Fatal(err)
	}
	if !near(got, 0.8) { // ranks 4,2,1,3 against 4,3,1,2: 1 - 6*2/60
		t.Errorf("Similarity = %v, want 0.8", got)
	}
	if _, err := Similarity(t.Context(), e, pairs[:1]); !errors.Is(err, ErrEmpty) {
		t.Errorf("Similarity of one pair: %v, want ErrEmpty", err)
	}
	short := func(context.Context, []string) ([][]float32, error) { return nil, nil }
	if _, err := Similarity(t.Context(), short, pairs); err == nil {
		t.Error("Similarity with an embedder returning no vectors: no error")
	}
}

func TestReadQueries(t *testing.T) {
	in := `{"id":"q1","question":"Combien ?","gold_ids":["p1","p2"],"answers":["3"]}

{"id":"q2","question":"When?","gold_ids":["p3"]}
`
	got, err := ReadQueries(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "q1" || got[0].Question != "Combien ?" || len(got[0].GoldIDs) != 2 || got[1].GoldIDs[0] != "p3" {
		t.Errorf("ReadQueries = %+v", got)
	}
	bad := []struct{ name, in, line string }{
		{"not json", `{"question":"x","gold_ids":["a"]}` + "\n{oops\n", "line 2"},
		{"no gold", `{"question":"x"}`, "line 1"},
		{"no question", "\n\n" + `{"gold_ids":["a"]}`, "line 3"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadQueries(strings.NewReader(tt.in))
			if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tt.line) {
				t.Errorf("error %v, want ErrSyntax at %s", err, tt.line)
			}
		})
	}
}

func TestReadPairs(t *testing.T) {
	in := `{"text1":"a","text2":"b","score":4.4,"text1_en":"x"}
{"text1":"c","text2":"d","score":0}`
	got, err := ReadPairs(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != (Pair{"a", "b", 4.4}) || got[1] != (Pair{"c", "d", 0}) {
		t.Errorf("ReadPairs = %+v", got)
	}
	if _, err := ReadPairs(strings.NewReader(`{"text1":"a","text2":"b"}`)); !errors.Is(err, ErrSyntax) {
		t.Errorf("pair without score: %v, want ErrSyntax", err)
	}
}

func TestWriteTable(t *testing.T) {
	rho := 0.7612
	rows := []Row{
		{Name: "builtin", Retrieval: &Retrieval{Queries: 15, Recall1: 0.4, Recall5: 0.8, Recall10: 0.9333, MRR10: 0.55, NDCG10: 0.6, P50: 250*time.Microsecond + 400*time.Nanosecond, P95: 2 * time.Millisecond}, Spearman: &rho},
		{Name: "sts-only", Spearman: &rho},
	}
	var b strings.Builder
	WriteTable(&b, rows)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("table has %d lines, want 3:\n%s", len(lines), b.String())
	}
	for _, want := range []string{"0.400", "0.933", "250µs", "2ms", "0.761"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("row %q lacks %q", lines[1], want)
		}
	}
	if f := strings.Fields(lines[2]); len(f) != 10 || f[1] != "-" || f[9] != "0.761" {
		t.Errorf("row without retrieval = %q", lines[2])
	}
	col := func(line, s string) int { return utf8.RuneCountInString(line[:strings.Index(line, s)]) }
	if col(lines[0], "Spearman") != col(lines[1], "0.761") || col(lines[0], "Spearman") != col(lines[2], "0.761") {
		t.Errorf("columns not aligned:\n%s", b.String())
	}
}
