// Command answers measures the built-in extractive answerer on a question
// answering set (PIAF's layout: corpus.jsonl and queries.jsonl with
// "answers" and "gold_ids"): for each question, answer.Extract is given the
// gold paragraph first, then the other paragraphs of its article, and the
// figures say how often the answer holds one of the expected answers:
//
//	go run ./bench/answers -data ../shared/data/piaf-fr-qa
//
// "sentence" counts the first sentence the answer quotes (the one it ranks
// best), "answer" the whole answer (one or two sentences); both compare
// lower-cased, accent-folded text. Questions the answerer abstains on count
// as misses. The retrieval that would find the paragraph is measured apart
// (bench/quality.sh); this isolates the choice of the sentence.
//
// -half even or -half odd keeps the questions of the articles with an even or
// odd number, so that a change tuned on one half can be checked on the other.
//
// "searched: answer holds it" asks each question over the k paragraphs (-k,
// 5 by default as for /v1/ask) a keyword search of the whole corpus ranks
// best, as the server would: retrieval and the choice of the sentence
// together.
//
// "abstains without the article" asks each question again over the k
// paragraphs a keyword search of the corpus ranks best once the question's
// own article is left out, as an archive that does not hold the answer
// would offer them: the answerer should then say it has nothing.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/veille/veille/analysis"
	"github.com/veille/veille/answer"
	"github.com/veille/veille/lexical"
)

type passage struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

type question struct {
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	GoldIDs  []string `json:"gold_ids"`
}

func main() {
	data := flag.String("data", "../shared/data/piaf-fr-qa", "folder holding corpus.jsonl and queries.jsonl")
	k := flag.Int("k", 5, "passages the answerer reads from a search, as /v1/ask's k (default 5, the server's)")
	depth := flag.Int("depth", 5, "results of the search that the k passages are chosen from, those naming what the question names first (answer.PreferNamed)")
	half := flag.String("half", "", `"even" or "odd": only the questions whose gold paragraph's article ("piaf-a<n>-…") has an even or odd number, two halves without a topic in common`)
	flag.Parse()
	if *half != "" && *half != "even" && *half != "odd" {
		fmt.Fprintf(os.Stderr, "answers: -half %q: want even or odd\n", *half)
		os.Exit(2)
	}
	if *k < 1 {
		fmt.Fprintf(os.Stderr, "answers: -k %d: want 1 or more\n", *k)
		os.Exit(2)
	}
	if *depth < *k {
		*depth = *k
	}
	if err := run(*data, *half, *k, *depth); err != nil {
		fmt.Fprintln(os.Stderr, "answers:", err)
		os.Exit(1)
	}
}

func run(dir, half string, k, depth int) error {
	var corpus []passage
	if err := readJSONL(filepath.Join(dir, "corpus.jsonl"), func(b []byte) error {
		var p passage
		err := json.Unmarshal(b, &p)
		corpus = append(corpus, p)
		return err
	}); err != nil {
		return err
	}
	byID := map[string]passage{}
	byTitle := map[string][]passage{}
	keywords := lexical.New(lexical.Config{})
	for i, p := range corpus {
		byID[p.ID] = p
		byTitle[p.Title] = append(byTitle[p.Title], p)
		keywords.Add(uint32(i), p.Title, p.Text)
	}
	var n, found, sentence, whole, searched, abstained int
	if err := readJSONL(filepath.Join(dir, "queries.jsonl"), func(b []byte) error {
		var q question
		if err := json.Unmarshal(b, &q); err != nil {
			return err
		}
		if len(q.GoldIDs) == 0 || len(q.Answers) == 0 {
			return nil
		}
		if half != "" {
			var article int
			if _, err := fmt.Sscanf(q.GoldIDs[0], "piaf-a%d-", &article); err != nil {
				return fmt.Errorf("-half: gold id %q is not piaf-a<n>-…", q.GoldIDs[0])
			}
			if (article%2 == 0) != (half == "even") {
				return nil
			}
		}
		gold, ok := byID[q.GoldIDs[0]]
		if !ok {
			return fmt.Errorf("question %q: no passage %s", q.Question, q.GoldIDs[0])
		}
		ps := []answer.Passage{{ID: gold.ID, Headline: gold.Title, Text: gold.Text}}
		for _, p := range byTitle[gold.Title] {
			if p.ID != gold.ID && len(ps) < 5 {
				ps = append(ps, answer.Passage{ID: p.ID, Headline: p.Title, Text: p.Text})
			}
		}
		var top, others []answer.Passage
		for _, h := range keywords.Search(q.Question, max(50, depth), nil) {
			p := corpus[h.ID]
			ap := answer.Passage{ID: p.ID, Headline: p.Title, Text: p.Text}
			if len(top) < depth {
				top = append(top, ap)
			}
			if p.Title != gold.Title && len(others) < depth {
				others = append(others, ap)
			}
		}
		top, others = answer.PreferNamed(q.Question, top, k), answer.PreferNamed(q.Question, others, k)
		if a := answer.Extract(q.Question, top); a.Found && holds(a.Text, q.Answers) {
			searched++
		}
		if !answer.Extract(q.Question, others).Found {
			abstained++
		}
		a := answer.Extract(q.Question, ps)
		n++
		if !a.Found {
			return nil
		}
		found++
		if holds(a.Citations[0].Span, q.Answers) && a.Citations[0].ID == gold.ID {
			sentence++
		}
		if holds(a.Text, q.Answers) {
			whole++
		}
		return nil
	}); err != nil {
		return err
	}
	pct := func(k int) string { return fmt.Sprintf("%.1f %%", 100*float64(k)/float64(n)) }
	fmt.Printf("| questions | answered | best sentence holds the answer | answer holds it | searched: answer holds it | abstains without the article |\n|---:|---:|---:|---:|---:|---:|\n")
	fmt.Printf("| %d | %s | %s | %s | %s | %s |\n", n, pct(found), pct(sentence), pct(whole), pct(searched), pct(abstained))
	return nil
}

// holds reports whether text contains one of the answers, compared folded.
func holds(text string, answers []string) bool {
	t := fold(text)
	for _, a := range answers {
		if a = fold(a); a != "" && strings.Contains(t, a) {
			return true
		}
	}
	return false
}

func fold(s string) string {
	s = strings.NewReplacer("’", "'", "\u00a0", " ").Replace(strings.ToLower(analysis.Fold(s)))
	return strings.Join(strings.Fields(s), " ")
}

func readJSONL(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
	return sc.Err()
}
