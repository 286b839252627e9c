package eval_test

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/veille/veille/analysis"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/eval"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/lexical"
)

// englishQuestions are English questions about the example archive, each
// with a distinctive piece of the French paragraph (or paragraphs) that
// answers it. They were written for this test by reading the archive.
var englishQuestions = []struct {
	question string
	answers  []string
}{
	{"How much did Meta invest in Scale AI?", []string{"Meta a confirmé le 12 juin"}},
	{"When was GPT-5 released?", []string{"OpenAI a lancé le 7 août GPT-5"}},
	{"How much market value did Nvidia lose in January 2025?", []string{"L’action Nvidia a chuté"}},
	{"Which countries did not sign the Paris AI summit declaration?", []string{"La déclaration finale du sommet"}},
	{"How much did DeepSeek spend to train its model?", []string{"Le chiffre qui a fait le tour du monde"}},
	{"Which countries banned or blocked the DeepSeek app?", []string{"Le 30 janvier, la Garante"}},
	{"How large were the EU fines against Apple and Meta?", []string{"La Commission européenne a sanctionné le 23 avril"}},
	{"At what valuation did OpenAI raise $40 billion?", []string{"OpenAI a annoncé le 31 mars une levée"}},
	{"How much did Google pay to acquire Wiz?", []string{"L’annonce faite le 18 mars par Alphabet"}},
	{"What reasoning model did Mistral AI release in June?", []string{"Mistral AI a publié le 10 juin Magistral"}},
	{"Since when are AI practices with unacceptable risk banned in the EU?", []string{"Depuis le 2 février 2025"}},
	{"How much revenue did Nvidia report for its first fiscal quarter?", []string{"Nvidia a publié le 28 mai"}},
	{"Which company refused to sign the EU code of practice for general-purpose AI?", []string{"Meta a en revanche fait savoir", "Meta reste le principal absent"}},
	{"How many weekly users does ChatGPT have?", []string{"500 millions d’utilisateurs hebdomadaires", "700 millions d’utilisateurs hebdomadaires"}},
	{"How much did OpenAI pay for Jony Ive's startup io?", []string{"OpenAI a annoncé le 21 mai le rachat"}},
	{"What signing bonuses did Meta offer to hire OpenAI researchers?", []string{"Pour peupler ce laboratoire"}},
	{"Which judge ruled that training Claude on purchased books was fair use?", []string{"le juge fédéral William Alsup"}},
	{"How much capital expenditure does Meta plan for 2025?", []string{"Mark Zuckerberg a annoncé le 24 janvier", "Depuis le 30 juillet, Meta prévoit"}},
	{"When did the Senate drop the moratorium on state AI laws?", []string{"Le 1er juillet, le Sénat"}},
	{"Who is the CEO of Mistral AI?", []string{"Les obligations correspondantes de l’AI Act"}},
	{"Did Anthropic raise money?", []string{"Anthropic a annoncé le 3 mars"}},
}

// passages are the texts and ids of a corpus, embedded once.
type passages struct {
	ids   []string
	texts []string
	vecs  [][]float32
}

func (p *passages) embed(t *testing.T, b *embed.Builtin) {
	t.Helper()
	vs, err := b.Embed(t.Context(), p.texts, embed.Passage)
	if err != nil {
		t.Fatal(err)
	}
	p.vecs = vs
}

// searcher scans every passage with the query embedded in mode. The
// built-in embedder treated Query and Passage texts alike before English
// queries were expanded (question words are stopwords, dropped in both
// modes), so Passage mode gives the query vectors of before.
func (p *passages) searcher(b *embed.Builtin, mode embed.Mode) eval.Searcher {
	return func(_ context.Context, q string, k int) ([]string, error) {
		qv := b.Vector(q, mode)
		order := make([]int, len(p.vecs))
		scores := make([]float32, len(p.vecs))
		for i, v := range p.vecs {
			order[i] = i
			for j := range v {
				scores[i] += qv[j] * v[j]
			}
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
		ids := make([]string, 0, k)
		for _, i := range order[:min(k, len(order))] {
			ids = append(ids, p.ids[i])
		}
		return ids, nil
	}
}

// hybrid searches like a hybrid archive search with fusion f: the vector
// list of the Query-mode embedding and the keyword list of a lexical index
// of the passages (headline, then text), each f.Depth long, fused with the
// vector weight f.VectorWeight, or f.EnglishVectorWeight for the queries
// that analysis.Language finds English when detect is set.
func (p *passages) hybrid(b *embed.Builtin, f archive.Fusion, detect bool) eval.Searcher {
	return p.hybridWith(b, f, detect, lexical.Config{}, embed.Query)
}

// hybridWith is hybrid with the lexical index's config lc and the query
// vectors embedded in mode.
func (p *passages) hybridWith(b *embed.Builtin, f archive.Fusion, detect bool, lc lexical.Config, mode embed.Mode) eval.Searcher {
	ix := lexical.New(lc)
	seq := make(map[string]uint32, len(p.ids))
	for i, text := range p.texts {
		headline, body, ok := strings.Cut(text, "\n\n")
		if !ok {
			headline, body = "", text
		}
		ix.Add(uint32(i), headline, body)
		seq[p.ids[i]] = uint32(i)
	}
	vector := p.searcher(b, mode)
	return func(ctx context.Context, q string, k int) ([]string, error) {
		wv := f.VectorWeight
		if detect && analysis.Language(q) == "en" && !analysis.IsQuestion(q) {
			wv = f.EnglishVectorWeight
		}
		vids, err := vector(ctx, q, f.Depth)
		if err != nil {
			return nil, err
		}
		vs := make([]uint32, len(vids))
		for i, id := range vids {
			vs[i] = seq[id]
		}
		var ls []uint32
		for _, h := range ix.Search(q, f.Depth, nil) {
			ls = append(ls, h.ID)
		}
		var ids []string
		for _, x := range lexical.Fuse(f.K, lexical.Ranked{Weight: wv, IDs: vs}, lexical.Ranked{Weight: f.LexicalWeight, IDs: ls}) {
			ids = append(ids, p.ids[x.ID])
		}
		return ids[:min(k, len(ids))], nil
	}
}

// fusionRows measures the hybrid search of English queries qs with
// archive.DefaultFusion's French vector weight for all, and as the archive
// does, with its English weight for those found English.
func (p *passages) fusionRows(t *testing.T, b *embed.Builtin, qs []eval.Query) (french, detected eval.Retrieval) {
	t.Helper()
	var err error
	if french, err = eval.Run(t.Context(), p.hybrid(b, archive.DefaultFusion, false), qs); err != nil {
		t.Fatal(err)
	}
	if detected, err = eval.Run(t.Context(), p.hybrid(b, archive.DefaultFusion, true), qs); err != nil {
		t.Fatal(err)
	}
	return french, detected
}

// query returns the question with, as gold, the passage holding each of
// answers, distinctive pieces of text; each must be in exactly one passage.
func (p *passages) query(t *testing.T, id, question string, answers []string) eval.Query {
	t.Helper()
	q := eval.Query{ID: id, Question: question}
	for _, a := range answers {
		for j, text := range p.texts {
			if strings.Contains(text, a) {
				q.GoldIDs = append(q.GoldIDs, p.ids[j])
			}
		}
	}
	if len(q.GoldIDs) != len(answers) {
		t.Fatalf("%q: %d answer paragraphs found, want %d", question, len(q.GoldIDs), len(answers))
	}
	return q
}

func archivePassages(t *testing.T) *passages {
	t.Helper()
	files, err := filepath.Glob("../examples/archive/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("example archive: %v (%d files)", err, len(files))
	}
	var p passages
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := ingest.Parse(f, data, ingest.FormatRaw)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			for _, it := range d.Items {
				p.ids = append(p.ids, it.ID)
				p.texts = append(p.texts, it.Headline+"\n\n"+it.Text)
			}
		}
	}
	return &p
}

// TestEnglishQueriesOnArchive measures English questions against the
// French example archive with and without the English-to-French expansion
// of the built-in embedder, and searched hybrid as the archive does, with
// and without the keyword index's translations. Run with -v to see the
// figures.
func TestEnglishQueriesOnArchive(t *testing.T) {
	p := archivePassages(t)
	var qs []eval.Query
	for i, q := range englishQuestions {
		if got := analysis.Language(q.question); got != "en" {
			t.Errorf("Language(%q) = %q, want en", q.question, got)
		}
		qs = append(qs, p.query(t, fmt.Sprintf("en%02d", i+1), q.question, q.answers))
	}
	b := embed.NewBuiltin(0)
	p.embed(t, b)
	before, err := eval.Run(t.Context(), p.searcher(b, embed.Passage), qs)
	if err != nil {
		t.Fatal(err)
	}
	after, err := eval.Run(t.Context(), p.searcher(b, embed.Query), qs)
	if err != nil {
		t.Fatal(err)
	}
	hybridFR, hybridEN := p.fusionRows(t, b, qs)
	untranslated, err := eval.Run(t.Context(), p.hybridWith(b, archive.DefaultFusion, true, lexical.Config{Translations: -1}, embed.Query), qs)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	eval.WriteTable(&out, []eval.Row{
		{Name: "english/no-expansion", Retrieval: &before},
		{Name: "english/expansion", Retrieval: &after},
		{Name: "english/hybrid-untranslated-keywords", Retrieval: &untranslated},
		{Name: "english/hybrid-french-weights", Retrieval: &hybridFR},
		{Name: "english/hybrid", Retrieval: &hybridEN},
	})
	t.Logf("English questions on the example archive (%d paragraphs):\n%s", len(p.ids), out.String())
	if after.Recall5 < 0.75 || after.MRR10 < before.MRR10 {
		t.Errorf("with expansion recall@5 %.3f, MRR@10 %.3f (before %.3f); want recall@5 >= 0.75 and no loss",
			after.Recall5, after.MRR10, before.MRR10)
	}
	if hybridEN.MRR10 < untranslated.MRR10 {
		t.Errorf("hybrid MRR@10 %.3f with the keyword index's translations, %.3f without; want no loss",
			hybridEN.MRR10, untranslated.MRR10)
	}
	if hybridEN.MRR10 < hybridFR.MRR10 {
		t.Errorf("hybrid MRR@10 %.3f with the English vector weight, %.3f with the French one; want no loss",
			hybridEN.MRR10, hybridFR.MRR10)
	}
}

// abbreviationQuestions are French questions about the example archive
// that abbreviate what the answering paragraph spells out ("l'UE" for
// "règlement européen", "le PDG" for "le patron"), or use an abbreviation
// it does not, with distinctive pieces of those paragraphs.
var abbreviationQuestions = []struct {
	question string
	answers  []string
}{
	{"Que prévoit l'UE pour l'IA ?", []string{"Depuis le 2 février 2025", "La Commission européenne a publié le 10 juillet", "Les obligations correspondantes de l’AI Act", "Depuis le 2 août 2025"}},
	{"Qui est le PDG de Mistral AI ?", []string{"Les obligations correspondantes de l’AI Act"}},
	{"Quelles amendes l'UE a-t-elle infligées à Apple et Meta ?", []string{"La Commission européenne a sanctionné le 23 avril"}},
	{"Pourquoi Berlin accuse-t-il DeepSeek de violer le RGPD ?", []string{"La commissaire à la protection des données de Berlin"}},
	{"Quel plan d'action les USA ont-ils publié pour l'IA ?", []string{"La Maison Blanche a publié le 23 juillet", "Un nouveau décret, signé le 23 janvier"}},
	{"Quand l'UE a-t-elle interdit la notation sociale ?", []string{"Depuis le 2 février 2025"}},
}

// TestAbbreviationQueriesOnArchive measures French questions holding
// abbreviations against the example archive, searched as the archive does
// (hybrid), with and without the abbreviations' expansion in the keyword
// index and the embedder. Run with -v to see the figures.
func TestAbbreviationQueriesOnArchive(t *testing.T) {
	p := archivePassages(t)
	var qs []eval.Query
	for i, q := range abbreviationQuestions {
		qs = append(qs, p.query(t, fmt.Sprintf("ab%02d", i+1), q.question, q.answers))
	}
	b := embed.NewBuiltin(0)
	p.embed(t, b)
	// Passage mode gives the query vectors without any expansion; these
	// questions are French, so only the abbreviations' would apply.
	before, err := eval.Run(t.Context(), p.hybridWith(b, archive.DefaultFusion, true, lexical.Config{Abbreviations: -1}, embed.Passage), qs)
	if err != nil {
		t.Fatal(err)
	}
	after, err := eval.Run(t.Context(), p.hybridWith(b, archive.DefaultFusion, true, lexical.Config{}, embed.Query), qs)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	eval.WriteTable(&out, []eval.Row{
		{Name: "abbreviations/not-expanded", Retrieval: &before},
		{Name: "abbreviations/expanded", Retrieval: &after},
	})
	t.Logf("French questions with abbreviations on the example archive (%d paragraphs):\n%s", len(p.ids), out.String())
	if after.Recall5 < 0.8 || after.MRR10 <= before.MRR10 {
		t.Errorf("expanded: recall@5 %.3f, MRR@10 %.3f (not expanded %.3f); want recall@5 >= 0.8 and a gain",
			after.Recall5, after.MRR10, before.MRR10)
	}
}

// TestFrenchQueriesNotExpanded checks that French questions get no
// features in Query mode that they lack in Passage mode: their vectors use
// the same buckets, some with other weights (the word after "quel" weighs
// less in a query), and a question without such a word gets the same
// vector.
func TestFrenchQueriesNotExpanded(t *testing.T) {
	b := embed.NewBuiltin(0)
	for _, q := range []string{
		"Combien Meta a-t-il investi dans Scale AI ?",
		"Quand GPT-5 est-il sorti ?",
		"Quels pays n’ont pas signé la déclaration du sommet de Paris ?",
		"Quel modèle open source Mistral a-t-il publié en juin ?",
		"valorisation OpenAI mars",
	} {
		qv, pv := b.Vector(q, embed.Query), b.Vector(q, embed.Passage)
		for i := range qv {
			if (qv[i] == 0) != (pv[i] == 0) {
				t.Errorf("query vector of %q uses other buckets than its passage vector", q)
				break
			}
		}
	}
	for _, q := range []string{"Quand GPT-5 est-il sorti ?", "valorisation OpenAI mars"} {
		if !slices.Equal(b.Vector(q, embed.Query), b.Vector(q, embed.Passage)) {
			t.Errorf("query vector of %q changed", q)
		}
	}
}

// stsPair is a line of the STS headlines set with the English originals.
type stsPair struct {
	Text1EN string `json:"text1_en"`
	Text2EN string `json:"text2_en"`
	Text1ID string `json:"text1_id"`
	Text2ID string `json:"text2_id"`
}

// TestEnglishHeadlinesHeldOut is a held-out check of the glossary, which
// was written without looking at these headlines: each English headline of
// the STS benchmark must find its own French translation among the 496
// French headlines. It skips when the shared data is missing.
func TestEnglishHeadlinesHeldOut(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation skipped in -short mode")
	}
	dir := "../../shared/data/stsb-fr-headlines"
	var p passages
	for _, l := range readLines(t, filepath.Join(dir, "corpus.jsonl")) {
		var c struct{ ID, Text string }
		if err := json.Unmarshal(l, &c); err != nil {
			t.Fatal(err)
		}
		p.ids = append(p.ids, c.ID)
		p.texts = append(p.texts, c.Text)
	}
	var qs []eval.Query
	english := 0
	for _, l := range readLines(t, filepath.Join(dir, "pairs.jsonl")) {
		var s stsPair
		if err := json.Unmarshal(l, &s); err != nil {
			t.Fatal(err)
		}
		for _, q := range []eval.Query{
			{ID: s.Text1ID, Question: s.Text1EN, GoldIDs: []string{s.Text1ID}},
			{ID: s.Text2ID, Question: s.Text2EN, GoldIDs: []string{s.Text2ID}},
		} {
			if analysis.Language(q.Question) == "en" {
				english++
			}
			qs = append(qs, q)
		}
	}
	if raceEnabled {
		// Every tenth headline keeps the run short; figures are approximate.
		var sample []eval.Query
		for i := 0; i < len(qs); i += 10 {
			sample = append(sample, qs[i])
		}
		qs = sample
	}
	b := embed.NewBuiltin(0)
	p.embed(t, b)
	before, err := eval.Run(t.Context(), p.searcher(b, embed.Passage), qs)
	if err != nil {
		t.Fatal(err)
	}
	after, err := eval.Run(t.Context(), p.searcher(b, embed.Query), qs)
	if err != nil {
		t.Fatal(err)
	}
	hybridFR, hybridEN := p.fusionRows(t, b, qs)
	var out strings.Builder
	eval.WriteTable(&out, []eval.Row{
		{Name: "sts-en→fr/no-expansion", Retrieval: &before},
		{Name: "sts-en→fr/expansion", Retrieval: &after},
		{Name: "sts-en→fr/hybrid-french-weights", Retrieval: &hybridFR},
		{Name: "sts-en→fr/hybrid", Retrieval: &hybridEN},
	})
	t.Logf("English STS headlines to their French translation (%d found English of %d):\n%s", english, len(qs), out.String())
	if after.MRR10 < before.MRR10 {
		t.Errorf("expansion lowers MRR@10 from %.3f to %.3f", before.MRR10, after.MRR10)
	}
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("evaluation data not available: %v", err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		out = append(out, slices.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
