// Command chromem times chromem-go, an embedded Go vector store that answers
// every query with an exhaustive scan, on n random L2-normalised vectors: the
// bare in-process baseline that bench/load compares veille's HTTP search to.
// It is a module of its own so that the product's go.mod does not depend on
// chromem-go.
//
// Output: one human line on stderr and one JSON object on stdout,
// {"n", "dims", "queries", "k", "add_s", "ms_per_query", "p50_ms", "p99_ms"}.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	chromem "github.com/philippgille/chromem-go"
)

func main() {
	n := flag.Int("n", 100_000, "number of stored vectors")
	dims := flag.Int("dims", 384, "vector dimensions")
	queries := flag.Int("queries", 50, "number of timed queries")
	k := flag.Int("k", 10, "results per query")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*n, *dims, *queries, *k, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "chromem:", err)
		os.Exit(1)
	}
}

func run(n, dims, queries, k int, seed uint64) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 2))
	docs := make([]chromem.Document, n)
	for i := range docs {
		docs[i] = chromem.Document{ID: strconv.Itoa(i), Embedding: unitVector(rng, dims)}
	}
	db := chromem.NewDB()
	// No embedding function: every document and query comes with its vector.
	col, err := db.CreateCollection("bench", nil, func(context.Context, string) ([]float32, error) {
		return nil, fmt.Errorf("no embedding function in this benchmark")
	})
	if err != nil {
		return err
	}
	start := time.Now()
	if err := col.AddDocuments(ctx, docs, runtime.GOMAXPROCS(0)); err != nil {
		return fmt.Errorf("add documents: %w", err)
	}
	addS := time.Since(start).Seconds()

	// One untimed query warms caches and the scheduler.
	if _, err := col.QueryEmbedding(ctx, unitVector(rng, dims), k, nil, nil); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	took := make([]time.Duration, queries)
	var total time.Duration
	for i := range took {
		q := unitVector(rng, dims)
		start := time.Now()
		res, err := col.QueryEmbedding(ctx, q, k, nil, nil)
		took[i] = time.Since(start)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		if len(res) != k {
			return fmt.Errorf("query: %d results, want %d", len(res), k)
		}
		total += took[i]
	}
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }
	out := map[string]any{
		"n": n, "dims": dims, "queries": queries, "k": k, "gomaxprocs": runtime.GOMAXPROCS(0),
		"add_s":        math.Round(addS*100) / 100,
		"ms_per_query": ms(total / time.Duration(queries)),
		"p50_ms":       ms(took[len(took)/2]),
		"p99_ms":       ms(took[min(len(took)-1, len(took)*99/100)]),
	}
	fmt.Fprintf(os.Stderr, "chromem-go %s: %d x %d vectors added in %.1fs; exhaustive query (k=%d): %.2f ms mean, p50 %.2f ms, p99 %.2f ms over %d queries\n",
		chromemVersion(), n, dims, addS, k, out["ms_per_query"], out["p50_ms"], out["p99_ms"], queries)
	return json.NewEncoder(os.Stdout).Encode(out)
}

// unitVector returns a random vector of length 1: Gaussian components, so
// that its direction is uniform on the sphere.
func unitVector(rng *rand.Rand, dims int) []float32 {
	v := make([]float32, dims)
	var norm float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		norm += x * x
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// chromemVersion is the chromem-go version this binary was built with.
func chromemVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/philippgille/chromem-go" {
				return m.Version
			}
		}
	}
	return "(unknown version)"
}
