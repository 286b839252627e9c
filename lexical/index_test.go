package lexical

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

func ids(hits []Hit) []uint32 {
	out := make([]uint32, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func newTestIndex(t *testing.T) *Index {
	t.Helper()
	ix := New(Config{})
	ix.Add(1, "Mistral AI lève 600 millions", "La start-up parisienne Mistral AI a levé 600 millions d'euros pour ses modèles de langage.")
	ix.Add(2, "Meta publie Llama", "Meta a publié un nouveau modèle ouvert, Llama, entraîné sur 15 000 milliards de jetons.")
	ix.Add(3, "Le prix de l'inférence baisse", "Le coût d'une requête a été divisé par 5,6 en un an selon Epoch AI.")
	ix.Add(4, "", "Qui est le président de la République ? Emmanuel Macron.")
	return ix
}

func TestSearch(t *testing.T) {
	ix := newTestIndex(t)
	tests := []struct {
		name  string
		query string
		want  []uint32 // a prefix of the result
		none  bool
	}{
		{"stem", "modèles ouverts de Meta", []uint32{2}, false},
		{"accents and elision", "l'entreprise MISTRAL leve des millions", []uint32{1}, false},
		{"decimal with comma", "divisé par 5.6", []uint32{3}, false},
		{"thousands", "15000 milliards", []uint32{2}, false},
		{"question words dropped", "Combien a levé Mistral ?", []uint32{1}, false},
		{"only stopwords", "qui est le", nil, true},
		{"unknown words", "blockchain quantique", nil, true},
		{"empty", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ix.Search(tt.query, 10, nil)
			if tt.none {
				if len(got) != 0 {
					t.Fatalf("Search(%q) = %v, want none", tt.query, got)
				}
				return
			}
			if g := ids(got); len(g) < len(tt.want) || !slices.Equal(g[:len(tt.want)], tt.want) {
				t.Fatalf("Search(%q) = %v, want prefix %v", tt.query, g, tt.want)
			}
			for i := 1; i < len(got); i++ {
				if better(got[i], got[i-1]) {
					t.Fatalf("hits out of order: %v", got)
				}
			}
		})
	}
}

func TestSearchK(t *testing.T) {
	ix := newTestIndex(t)
	if got := ix.Search("modèle", 0, nil); got != nil {
		t.Errorf("k=0: %v", got)
	}
	if got := ix.Search("modèle", 1, nil); len(got) != 1 {
		t.Errorf("k=1: %v", got)
	}
	if got := ix.Search("modèle", 10, nil); len(got) != 2 {
		t.Errorf("k=10: %v, want the 2 items about models", got)
	}
}

func TestSearchAllow(t *testing.T) {
	ix := newTestIndex(t)
	got := ix.Search("Mistral Meta modèle", 10, func(id uint32) bool { return id != 1 })
	if g := ids(got); !slices.Equal(g, []uint32{2}) {
		t.Errorf("got %v, want [2]", g)
	}
}

// TestScore checks a one-term score against the BM25 formula by hand.
func TestScore(t *testing.T) {
	ix := New(Config{K1: 1.2, B: 0.75, Exact: -1, Pairs: -1, FieldWeights: []float64{1}})
	ix.Add(1, "chat chat chien") // 3 words
	ix.Add(2, "chien loup")      // 2 words
	ix.Add(3, "loup")            // 1 word
	got := ix.Search("chat", 10, nil)
	// n 3, df 1, tf 2, dl 3, avgdl 2.
	idf := math.Log(1 + (3-1+0.5)/(1+0.5))
	want := idf * 2 * 2.2 / (2 + 1.2*(1-0.75+0.75*3.0/2))
	if len(got) != 1 || got[0].ID != 1 || math.Abs(float64(got[0].Score)-want) > 1e-5 {
		t.Errorf("got %v, want [{1 %.6f}]", got, want)
	}
}

func TestExactFormBonus(t *testing.T) {
	ix := New(Config{FieldWeights: []float64{1}})
	ix.Add(1, "les modèles ouverts")
	ix.Add(2, "le modèle ouvert")
	got := ids(ix.Search("modèles ouverts", 10, nil))
	if !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("got %v, want the exact forms first", got)
	}
	got = ids(ix.Search("modèle ouvert", 10, nil))
	if !slices.Equal(got, []uint32{2, 1}) {
		t.Errorf("got %v, want the exact forms first", got)
	}
}

func TestKindWeight(t *testing.T) {
	weights := func(ix *Index, query string) map[string]float32 {
		m := make(map[string]float32)
		for _, qt := range ix.queryTerms(query) {
			if qt.dict == dictStems {
				m[qt.term] = qt.w
			}
		}
		return m
	}
	ix := New(Config{Kind: 0.5})
	tests := []struct {
		query string
		want  map[string]float32
	}{
		{"Dans quel pays se situe la ville ?", map[string]float32{"pay": 0.5, "situ": 1, "vill": 1}},
		{"Quelle est la date de l'annexion ?", map[string]float32{"dat": 0.5, "annexion": 1}},
		{"Combien d'hommes ont pris part ?", map[string]float32{"homm": 0.5, "pris": 1, "part": 1}},
		{"Quel Mistral a levé des fonds ?", map[string]float32{"mistral": 1.25, "lev": 1, "fond": 1}},
		{"Qui dirige le pays ?", map[string]float32{"dirig": 1, "pay": 1}},
		// A name that starts an inverted question weighs as a name.
		{"Anthropic a-t-il levé des fonds ?", map[string]float32{"anthropic": 1.25, "lev": 1, "fond": 1}},
		{"Anthropic lève des fonds.", map[string]float32{"anthropic": 1, "lev": 1, "fond": 1}},
	}
	for _, tt := range tests {
		if got := weights(ix, tt.query); !maps.Equal(got, tt.want) {
			t.Errorf("weights of %q = %v, want %v", tt.query, got, tt.want)
		}
	}
	if got := weights(New(Config{Kind: 1}), "Dans quel pays ?"); got["pay"] != 1 {
		t.Errorf("Kind 1: weight of pays = %v, want 1", got["pay"])
	}
}

// TestAbbreviations checks that a query's abbreviation finds the item
// that spells it out, and its spelt-out form the item that abbreviates it.
func TestAbbreviations(t *testing.T) {
	items := []string{
		"Arthur Mensch, le patron de Mistral AI, demande une pause.",
		"Mistral AI publie un nouveau modèle ouvert.",
		"L'UE interdit la notation sociale.",
		"La notation sociale progresse.",
	}
	for _, tt := range []struct {
		query string
		want  uint32
	}{
		{"Qui est le PDG de Mistral AI ?", 0},
		{"L'Union européenne et la notation sociale", 2},
	} {
		for _, weight := range []float64{0, -1} {
			ix := New(Config{Abbreviations: weight})
			for i, text := range items {
				ix.Add(uint32(i), "", text)
			}
			hits := ix.Search(tt.query, 1, nil)
			found := len(hits) == 1 && hits[0].ID == tt.want
			if expanded := weight >= 0; found != expanded {
				t.Errorf("%q with Abbreviations %v: top hit %v, want item %d: %v", tt.query, weight, hits, tt.want, expanded)
			}
		}
	}
}

func TestTranslations(t *testing.T) {
	items := []string{
		"Mistral AI publie un nouveau modèle ouvert et une API.",
		"Arthur Mensch, le patron de Mistral AI, réclame une pause.",
		"Mistral AI ouvre un bureau à Londres.",
	}
	for _, tt := range []struct {
		query    string
		weight   float64
		expanded bool
	}{
		{"Who is the CEO of Mistral AI?", 0, true},
		{"Who is the CEO of Mistral AI?", -1, false},
		// French words that are English keys ("date", "court") are not
		// translated in a French query.
		{"Le CEO de Mistral AI", 0, false},
	} {
		ix := New(Config{Translations: tt.weight})
		for i, text := range items {
			ix.Add(uint32(i), "", text)
		}
		hits := ix.Search(tt.query, 1, nil)
		if found := len(hits) == 1 && hits[0].ID == 1; found != tt.expanded {
			t.Errorf("%q with Translations %v: top hit %v; want item 1 first: %v", tt.query, tt.weight, hits, tt.expanded)
		}
	}
}

func TestHeadlineWeight(t *testing.T) {
	ix := New(Config{})
	ix.Add(1, "Nvidia", "Les résultats trimestriels dépassent les attentes des analystes.")
	ix.Add(2, "Résultats trimestriels", "Nvidia dépasse les attentes des analystes.")
	if got := ids(ix.Search("Nvidia", 10, nil)); !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("got %v, want the headline match first", got)
	}
}

func TestDeleteAndReplace(t *testing.T) {
	ix := newTestIndex(t)
	if !ix.Delete(2) {
		t.Fatal("Delete(2) = false")
	}
	if ix.Delete(2) {
		t.Fatal("second Delete(2) = true")
	}
	if ix.Len() != 3 {
		t.Fatalf("Len = %d, want 3", ix.Len())
	}
	if got := ix.Search("Llama Meta", 10, nil); len(got) != 0 {
		t.Fatalf("deleted item returned: %v", got)
	}
	ix.Add(1, "", "Anthropic présente Claude.")
	if ix.Len() != 3 {
		t.Fatalf("Len after replace = %d, want 3", ix.Len())
	}
	if got := ix.Search("Mistral", 10, nil); len(got) != 0 {
		t.Fatalf("replaced text still found: %v", got)
	}
	if got := ids(ix.Search("Claude", 10, nil)); !slices.Equal(got, []uint32{1}) {
		t.Fatalf("replacement not found: %v", got)
	}
}

// TestCompaction deletes enough items to compact several times and checks
// every search against an index built from the survivors only.
func TestCompaction(t *testing.T) {
	docs := corpus(400, 1)
	ix := New(Config{})
	for i, d := range docs {
		ix.Add(uint32(i), d)
	}
	live := map[uint32]bool{}
	for i := range docs {
		live[uint32(i)] = true
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, i := range r.Perm(len(docs))[:300] {
		if !ix.Delete(uint32(i)) {
			t.Fatalf("Delete(%d) = false", i)
		}
		delete(live, uint32(i))
	}
	if ix.Len() != len(live) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(live))
	}
	fresh := New(Config{})
	for i, d := range docs {
		if live[uint32(i)] {
			fresh.Add(uint32(i), d)
		}
	}
	ix.mu.Lock()
	ix.compact() // make the statistics exact, as in fresh
	ix.mu.Unlock()
	for q := range 50 {
		query := corpus(1, uint64(q+100))[0][:60]
		got, want := ix.Search(query, 10, nil), fresh.Search(query, 10, nil)
		if !slices.Equal(got, want) {
			t.Fatalf("query %q:\n got %v\nwant %v", query, got, want)
		}
		for _, h := range got {
			if !live[h.ID] {
				t.Fatalf("deleted id %d returned", h.ID)
			}
		}
	}
}

// TestMaxScore checks that pruned searches return exactly what scoring
// every posting returns, with and without a filter.
func TestMaxScore(t *testing.T) {
	s := newSynthetic(7, 2000)
	paras := make([]string, 1000)
	ix, full := New(Config{}), New(Config{})
	full.exhaustive = true
	for i := range paras {
		paras[i] = s.paragraph(60)
		h := s.paragraph(6)
		ix.Add(uint32(i), h, paras[i])
		full.Add(uint32(i), h, paras[i])
	}
	odd := func(id uint32) bool { return id%2 == 1 }
	for q := range 60 {
		query := s.query(paras, 2+q%9)
		for _, k := range []int{1, 10} {
			for _, allow := range []func(uint32) bool{nil, odd} {
				got, want := ix.Search(query, k, allow), full.Search(query, k, allow)
				if !slices.Equal(got, want) {
					t.Fatalf("Search(%q, %d):\n got %v\nwant %v", query, k, got, want)
				}
			}
		}
	}
}

func TestConcurrent(t *testing.T) {
	docs := corpus(200, 3)
	ix := New(Config{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(docs); i += 4 {
				ix.Add(uint32(i), docs[i])
				if i%7 == 0 {
					ix.Delete(uint32(i))
				}
				ix.Search(docs[(i*31)%len(docs)][:40], 5, nil)
			}
		})
	}
	wg.Wait()
	if want := len(docs) - (len(docs)+6)/7; ix.Len() != want {
		t.Errorf("Len = %d, want %d", ix.Len(), want)
	}
}

// vocabulary is a list of French newsletter words for synthetic corpora.
var vocabulary = []string{
	"intelligence", "artificielle", "modèle", "modèles", "langage", "données", "entraînement",
	"Mistral", "OpenAI", "Google", "Meta", "Anthropic", "Nvidia", "puces", "GPU", "calcul",
	"régulation", "Commission", "européenne", "AI", "Act", "souveraineté", "numérique",
	"start-up", "levée", "fonds", "millions", "milliards", "euros", "dollars", "investissement",
	"recherche", "chercheurs", "publication", "article", "benchmark", "performance", "raisonnement",
	"agents", "assistant", "conversationnel", "génératif", "images", "vidéo", "voix", "traduction",
	"sécurité", "risques", "désinformation", "élections", "droit", "auteur", "licence", "ouverte",
	"code", "source", "développeurs", "entreprises", "clients", "usage", "coût", "prix", "énergie",
	"centres", "serveurs", "cloud", "Microsoft", "Amazon", "Apple", "smartphone", "application",
	"santé", "médecine", "diagnostic", "éducation", "école", "emploi", "travail", "automatisation",
	"robot", "robotique", "voiture", "autonome", "France", "Paris", "États-Unis", "Chine", "Europe",
	"gouvernement", "ministre", "loi", "projet", "annonce", "lancement", "version", "mise", "jour",
}

var glue = []string{"le", "la", "les", "de", "des", "du", "et", "un", "une", "pour", "sur", "avec", "dans", "a", "est"}

// corpus returns n synthetic paragraphs of about 60 words drawn with a
// Zipf-like skew, so that a few words are common and most are rare.
func corpus(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	z := rand.NewZipf(r, 1.1, 2, uint64(len(vocabulary)-1))
	out := make([]string, n)
	var buf []byte
	for i := range out {
		buf = buf[:0]
		for w := range 60 {
			if w > 0 {
				buf = append(buf, ' ')
			}
			if r.IntN(3) == 0 {
				buf = append(buf, glue[r.IntN(len(glue))]...)
			} else {
				buf = append(buf, vocabulary[z.Uint64()]...)
			}
			if w%15 == 14 {
				buf = append(buf, '.')
			}
		}
		buf = fmt.Appendf(buf, " Numéro %d.", i)
		out[i] = string(buf)
	}
	return out
}
