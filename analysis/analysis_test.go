package analysis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

func terms(toks []Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Term
	}
	return out
}

func TestTokensTerms(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"typographic elision", "L’intelligence artificielle", []string{"intelligence", "artificielle"}},
		{"qu elision keeps name", "qu'OpenAI", []string{"openai"}},
		{"jusqu", "jusqu'à demain", []string{"a", "demain"}},
		{"lorsqu and puisqu", "lorsqu’il vint, puisqu'elle part", []string{"il", "vint", "elle", "part"}},
		{"several elisions", "d'l'x", []string{"x"}},
		{"french decimal", "5,6 millions", []string{"5.6", "millions"}},
		{"dot decimal", "3.7 milliards", []string{"3.7", "milliards"}},
		{"number before unit", "65 milliards d'euros", []string{"65", "milliards", "euros"}},
		{"space thousands", "100 000 salariés", []string{"100000", "salaries"}},
		{"no-break space thousands", "20\u202f000 employeurs", []string{"20000", "employeurs"}},
		{"thousands with decimals", "1 234,5 km", []string{"1234.5", "km"}},
		{"years not merged", "en 2003 et 12 000", []string{"en", "2003", "et", "12000"}},
		{"english thousands", "1,000,000 users", []string{"1000000", "users"}},
		{"mixed separators", "1.234,56", []string{"1234.56"}},
		{"date stays grouped", "12.03.2020", []string{"12.03.2020"}},
		{"sentence full stop is not decimal", "en 2019. Puis", []string{"en", "2019", "puis"}},
		{"model size", "Mistral 7B", []string{"mistral", "7b"}},
		{"hyphenated model", "GPT-4", []string{"gpt", "4"}},
		{"accents", "Élysée", []string{"elysee"}},
		{"ligature", "Œuvre cœur", []string{"oeuvre", "coeur"}},
		{"decomposed accent", "e\u0301te\u0301", []string{"ete"}},
		{"english possessive", "OpenAI's model doesn't", []string{"openai", "model", "doesn"}},
		{"aujourd'hui", "aujourd'hui", []string{"aujourd", "hui"}},
		{"punctuation only", " ,;: «» ", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := terms(Tokens(tt.text))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Tokens(%q) terms = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestTokensOffsetsAndFlags(t *testing.T) {
	text := "L’Élysée dit : DeepSeek et Meta. GPT-4 arrive, jusqu'à 5,6 millions."
	type tok struct {
		src   string
		term  string
		kind  Kind
		flags Flags
	}
	want := []tok{
		{"Élysée", "elysee", Word, Capitalized | SentenceStart},
		{"dit", "dit", Word, 0},
		{"DeepSeek", "deepseek", Word, Capitalized},
		{"et", "et", Word, Stop},
		{"Meta", "meta", Word, Capitalized},
		{"GPT", "gpt", Word, Capitalized | SentenceStart},
		{"4", "4", Number, Hyphenated},
		{"arrive", "arrive", Word, 0},
		{"à", "a", Word, Stop},
		{"5,6", "5.6", Number, 0},
		{"millions", "millions", Word, 0},
	}
	var got []tok
	for _, tk := range Tokens(text) {
		got = append(got, tok{text[tk.Start:tk.End], tk.Term, tk.Kind, tk.Flags})
	}
	if !slices.Equal(got, want) {
		t.Errorf("Tokens(%q)\n got %+v\nwant %+v", text, got, want)
	}
}

func TestStems(t *testing.T) {
	tests := []struct {
		word, want string
	}{
		{"intelligence", "intelligent"},
		{"artificielle", "artificiel"},
		{"artificiel", "artificiel"},
		{"Artificielles", "artificiel"},
		{"modèles", "model"},
		{"modèle", "model"},
		{"entreprises", "entrepris"},
		{"2019", "2019"},
		{"les", "les"},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := Stem(tt.word); got != tt.want {
				t.Errorf("Stem(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func TestContentTerms(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"L’intelligence artificielle", []string{"intelligent", "artificiel"}},
		{"Combien d'employeurs en France ?", []string{"employeur", "franc"}},
		{"What is the model of Mistral?", []string{"model", "mistral"}},
		{"Quel montant en 2003", []string{"mont", "2003"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := ContentTerms(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("ContentTerms(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Élysée", "elysee"},
		{"ŒUVRE", "oeuvre"},
		{"aujourd’hui", "aujourd'hui"},
		{"naïve façade", "naive facade"},
		{"déjà-vu 3,5", "deja-vu 3,5"},
		{"Straße", "strasse"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStopwordsAndQuestions(t *testing.T) {
	for _, w := range []string{"le", "ou", "deja", "the", "which", "combien"} {
		if !IsStopword(w) {
			t.Errorf("IsStopword(%q) = false", w)
		}
	}
	for _, w := range []string{"intelligence", "mistral", "modele", "an"} {
		if IsStopword(w) {
			t.Errorf("IsStopword(%q) = true", w)
		}
	}
	for _, w := range []string{"combien", "pourquoi", "who", "how"} {
		if !IsInterrogative(w) {
			t.Errorf("IsInterrogative(%q) = false", w)
		}
	}
	if IsInterrogative("le") {
		t.Error(`IsInterrogative("le") = true`)
	}
	for _, w := range []string{"quel", "quelles", "lequel", "combien", "which", "what"} {
		if !AsksForKind(w) || !IsInterrogative(w) {
			t.Errorf("AsksForKind(%q), IsInterrogative = %v, %v; want both true", w, AsksForKind(w), IsInterrogative(w))
		}
	}
	for _, w := range []string{"qui", "quand", "comment", "pays", "who"} {
		if AsksForKind(w) {
			t.Errorf("AsksForKind(%q) = true", w)
		}
	}
}

func TestNamesSubject(t *testing.T) {
	for q, want := range map[string]bool{
		"Anthropic a-t-il levé des fonds ?":              true,
		"Descartes est-il pour ou contre les passions ?": true,
		"Leavitt a-t-elle obtenu un diplôme ?":           true,
		"Ceuta fait-elle partie de l'UE ?":               true,
		"Anthropic lève des fonds.":                      false, // no inversion
		"Quand acquièrent-elles un statut ?":             false, // a question word
		"L'empire est-il exclusivement musulman ?":       false, // no capital
		"Que faut-il obtenir ?":                          false,
		"Y a-t-il des interpellations ?":                 false,
		"2025 a-t-elle été une bonne année ?":            false, // a number
		"Plusieurs ont-ils démissionné ?":                false, // indefinite pronouns
		"Rien a-t-il changé ?":                           false,
		"Beaucoup ont-ils perdu ?":                       false,
		"Personne n'a-t-il protesté ?":                   false,
	} {
		if got := NamesSubject(Tokens(q)); got != want {
			t.Errorf("NamesSubject(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestCacheIndependence checks that results are the same whether words are
// cached or not, from many goroutines, as other words evict them.
func TestCacheIndependence(t *testing.T) {
	text := "Les modèles d'intelligence artificielle générative de Mistral AI coûtent 5,6 millions."
	want := Tokens(text)
	// Words that take the slots of the text's words.
	slots := map[uint64]bool{}
	for _, tk := range want {
		slots[cacheSlot([]byte(strings.ToLower(text[tk.Start:tk.End])))] = true
	}
	var evict []string
	for i := 0; len(slots) > 0; i++ {
		w := fmt.Sprintf("mot%d", i)
		if s := cacheSlot([]byte(w)); slots[s] {
			delete(slots, s)
			evict = append(evict, w)
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			filler := strings.Join(evict[g%2:], " ")
			for range 50 {
				for i, tk := range Tokens(filler) {
					if tk.Term != evict[g%2+i] {
						t.Errorf("filler word %q gave %+v", evict[g%2+i], tk)
						return
					}
				}
				if got := Tokens(text); !slices.Equal(got, want) {
					t.Errorf("tokens changed with cache state: %+v", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestLookupBatches checks that words looked up in batches (see batch) get
// the entries they get alone: more words than a batch holds, repeated ones,
// stopwords, numbers and a word longer than a batch's room for keys.
func TestLookupBatches(t *testing.T) {
	words := strings.Fields("Le modèle de Mistral entraîné pour 5,6 millions d'euros et 2025 GPU")
	for i := range 40 {
		words = append(words, fmt.Sprintf("Élève%d", i), "données")
	}
	words = append(words, strings.Repeat("anticonstitutionnellement", 20), "fin")
	var want []Token
	for _, w := range words {
		want = append(want, Tokens(w)...)
	}
	got := appendScanned(nil, strings.Join(words, " "), 0)
	if len(got) != len(want) {
		t.Fatalf("%d tokens, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Term != w.Term || g.Stem != w.Stem || g.Kind != w.Kind || g.Flags&(Stop|Question) != w.Flags&(Stop|Question) {
			t.Errorf("token %d: %+v, alone %+v", i, g, w)
		}
	}
}

// FuzzTokens checks the tokens' offsets and terms, and that analysing a text
// line by line, memoised or not (the second call), gives the tokens of one
// scan of the whole text.
func FuzzTokens(f *testing.F) {
	for _, s := range append([]string{"L’Élysée", "5,6 millions", "100 000", "qu'OpenAI's", "1.234,56", "a-t-il", "e\u0301"}, memoTexts...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		whole := appendScanned(nil, text, 0)
		for range 2 {
			if got := Tokens(text); !slices.Equal(got, whole) {
				t.Fatalf("Tokens(%q) =\n%+v\nwant, as one scan,\n%+v", text, got, whole)
			}
		}
		end := 0
		for _, tk := range whole {
			if tk.Start < end || tk.End <= tk.Start || tk.End > len(text) {
				t.Fatalf("bad offsets %d:%d after %d in %q", tk.Start, tk.End, end, text)
			}
			if tk.Term == "" || tk.Stem == "" {
				t.Fatalf("empty term in %q: %+v", text, tk)
			}
			end = tk.End
		}
	})
}

var sinkTokens []Token

// BenchmarkAppendTokens analyses a paragraph: "scan" as if first seen,
// "memo" as when its line was analysed a moment before.
func BenchmarkAppendTokens(b *testing.B) {
	text := strings.Repeat("Le Ministère de la Jeunesse et des Sports estime à 100 000 le nombre de salariés travaillant pour le secteur sportif, jusqu'à 5,6 millions d'euros. ", 4)
	for _, bm := range []struct {
		name    string
		analyse func([]Token, string) []Token
	}{
		{"scan", func(dst []Token, text string) []Token { return appendScanned(dst, text, 0) }},
		{"memo", AppendTokens},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			var buf []Token
			for b.Loop() {
				buf = bm.analyse(buf[:0], text)
			}
			sinkTokens = buf
		})
	}
}

// BenchmarkVocabulary analyses paragraphs of 110 words drawn (Zipf) from a
// vocabulary of 60,000 made-up words, too many for the processor's caches
// to hold the word cache, and reads each token's term and stem, as the
// embedder and the keyword index do: the word cache's misses, which
// BenchmarkAppendTokens's one paragraph never pays, are most of an
// ingest's analysis time.
func BenchmarkVocabulary(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	syllables := []string{"ba", "cor", "di", "fen", "ga", "lu", "mo", "ni", "pra", "que", "ri", "sto", "tu", "ve", "za", "ment", "tion", "ique", "eur", "ais"}
	vocab := make([]string, 60000)
	for i := range vocab {
		var w strings.Builder
		for range 2 + r.IntN(3) {
			w.WriteString(syllables[r.IntN(len(syllables))])
		}
		vocab[i] = w.String()
	}
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(vocab)-1))
	texts := make([]string, 4000)
	for i := range texts {
		var t strings.Builder
		for range 110 {
			t.WriteString(vocab[zipf.Uint64()])
			t.WriteByte(' ')
		}
		texts[i] = t.String()
	}
	var buf []Token
	var sum int
	for i := 0; b.Loop(); i++ {
		buf = appendScanned(buf[:0], texts[i%len(texts)], 0)
		for _, t := range buf {
			for _, s := range [2]string{t.Term, t.Stem} {
				for j := range len(s) {
					sum += int(s[j])
				}
			}
		}
	}
	sinkTokens, sinkSum = buf, sum
}

var sinkSum int

func TestIsQuestion(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"Who is the CEO of Mistral AI?", true},
		{"Who runs Mistral AI", true},
		{"Combien a coûté R1 ?", true},
		{"Anthropic a-t-il levé des fonds ?  ", true},
		{"Quand GPT-5 est-il sorti", true},
		{"Nvidia loses $600 billion in market value", false},
		{"Le Chat de Mistral", false},
		{"", false},
	} {
		if got := IsQuestion(tt.text); got != tt.want {
			t.Errorf("IsQuestion(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
