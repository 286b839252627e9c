// Command bm25bleve measures a bleve v2 keyword baseline on a retrieval
// evaluation set, so that veille's own keyword index (package lexical) can
// be compared with a well-known engine. It indexes every passage of a JSON
// Lines corpus ({"id","title","text"}) in memory with bleve's French
// analyzer ("fr": elision, lower-case, French stopwords, light stemmer) and
// BM25 scoring, asks every question of a queries file
// ({"question","gold_ids"}) as a match (OR) query on the fields given by
// -fields, and prints recall@1/5/10 and MRR@10.
//
// On PIAF (bleve v2.6.3, scorch): text 0.673 / 0.833 / 0.868 and MRR@10
// 0.740; _all 0.688 / 0.849 / 0.886 and 0.757; title,text 0.623 / 0.830 /
// 0.881 and 0.710. bleve.NewMemOnly would silently score TF-IDF instead.
//
// It lives in its own Go module so that bleve and its dependencies stay out
// of the server's go.mod. Run it from this directory:
//
//	go run . -corpus ../../../shared/data/piaf-fr-qa/corpus.jsonl \
//	         -queries ../../../shared/data/piaf-fr-qa/queries.jsonl [-json]
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bm25bleve:", err)
		os.Exit(1)
	}
}

// passage is one corpus line; other fields are ignored.
type passage struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// question is one queries line; other fields are ignored.
type question struct {
	Question string   `json:"question"`
	GoldIDs  []string `json:"gold_ids"`
}

// result is what the command reports, also as JSON with -json.
type result struct {
	Engine   string  `json:"engine"`
	Scoring  string  `json:"scoring"`
	Fields   string  `json:"fields"`
	Passages int     `json:"passages"`
	Queries  int     `json:"queries"`
	Recall1  float64 `json:"recall_at_1"`
	Recall5  float64 `json:"recall_at_5"`
	Recall10 float64 `json:"recall_at_10"`
	MRR10    float64 `json:"mrr_at_10"`
	IndexMS  float64 `json:"index_ms"`
	QueryUS  float64 `json:"mean_query_us"`
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bm25bleve", flag.ContinueOnError)
	corpus := fs.String("corpus", "", "corpus JSON Lines file: {id, title, text}")
	queries := fs.String("queries", "", "queries JSON Lines file: {question, gold_ids}")
	scoring := fs.String("scoring", index.BM25Scoring, `bleve scoring model: "bm25" or "tf-idf"`)
	fieldList := fs.String("fields", "text", `comma-separated fields to query, or "_all" for bleve's composite field`)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpus == "" || *queries == "" {
		return errors.New("-corpus and -queries are required")
	}
	ps, err := readLines[passage](*corpus)
	if err != nil {
		return err
	}
	qs, err := readLines[question](*queries)
	if err != nil {
		return err
	}

	fields := strings.Split(*fieldList, ",")
	tmp, err := os.MkdirTemp("", "bm25bleve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	start := time.Now()
	ix, err := build(filepath.Join(tmp, "index"), ps, *scoring)
	if err != nil {
		return err
	}
	defer ix.Close()
	res := result{Engine: "bleve v2.6.3 fr", Scoring: *scoring, Fields: *fieldList, Passages: len(ps), Queries: len(qs),
		IndexMS: float64(time.Since(start).Microseconds()) / 1000}

	start = time.Now()
	for _, q := range qs {
		ids, err := search(ix, q.Question, fields, 10)
		if err != nil {
			return fmt.Errorf("search %q: %w", q.Question, err)
		}
		rank := firstGold(ids, q.GoldIDs)
		if rank == 1 {
			res.Recall1++
		}
		if rank >= 1 && rank <= 5 {
			res.Recall5++
		}
		if rank >= 1 {
			res.Recall10++
			res.MRR10 += 1 / float64(rank)
		}
	}
	n := float64(max(len(qs), 1))
	res.QueryUS = float64(time.Since(start).Microseconds()) / n
	res.Recall1 /= n
	res.Recall5 /= n
	res.Recall10 /= n
	res.MRR10 /= n

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "engine   %s (%s on %s), %d passages, %d queries\n", res.Engine, res.Scoring, res.Fields, res.Passages, res.Queries)
	fmt.Fprintf(stdout, "%-10s %-10s %-10s %-10s\n", "R@1", "R@5", "R@10", "MRR@10")
	fmt.Fprintf(stdout, "%-10.3f %-10.3f %-10.3f %-10.3f\n", res.Recall1, res.Recall5, res.Recall10, res.MRR10)
	fmt.Fprintf(stdout, "index %.0f ms, %.0f µs a query\n", res.IndexMS, res.QueryUS)
	return nil
}

// build indexes the passages in a new scorch index in dir with the French analyzer on both
// fields and the given scoring model.
func build(dir string, ps []passage, scoring string) (bleve.Index, error) {
	field := bleve.NewTextFieldMapping()
	field.Analyzer = fr.AnalyzerName
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("title", field)
	doc.AddFieldMappingsAt("text", field)
	im := bleve.NewIndexMapping()
	im.DefaultMapping = doc
	im.DefaultAnalyzer = fr.AnalyzerName
	im.ScoringModel = scoring
	// bleve.NewMemOnly uses the upsidedown index, which ignores the
	// scoring model; only scorch, which needs a directory, scores BM25.
	ix, err := bleve.New(dir, im)
	if err != nil {
		return nil, fmt.Errorf("new index: %w", err)
	}
	b := ix.NewBatch()
	for _, p := range ps {
		if err := b.Index(p.ID, map[string]any{"title": p.Title, "text": p.Text}); err != nil {
			return nil, fmt.Errorf("index %s: %w", p.ID, err)
		}
	}
	if err := ix.Batch(b); err != nil {
		return nil, fmt.Errorf("index batch: %w", err)
	}
	return ix, nil
}

// search returns the ids of the k best passages for q: a disjunction of
// match (OR) queries, one for each field.
func search(ix bleve.Index, q string, fields []string, k int) ([]string, error) {
	var qs []query.Query
	for _, f := range fields {
		m := bleve.NewMatchQuery(q)
		m.SetField(f)
		qs = append(qs, m)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(qs...), k, 0, false)
	res, err := ix.Search(req)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

// firstGold returns the 1-based rank of the first gold id in ids, or 0.
func firstGold(ids, gold []string) int {
	for i, id := range ids {
		for _, g := range gold {
			if id == g {
				return i + 1
			}
		}
	}
	return 0
}

// readLines decodes a JSON Lines file, one T a non-blank line.
func readLines[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<26)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}
