package analysis

import (
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestLanguage(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"How much did Meta invest in Scale AI?", "en"},
		{"When was GPT-5 released?", "en"},
		{"What did Meta do about DeepSeek?", "en"},
		{"Which countries did not sign the Paris AI summit declaration?", "en"},
		{"Nvidia market value loss", "en"},
		{"Combien Meta a-t-il investi dans Scale AI ?", "fr"},
		{"Quand GPT-5 est-il sorti ?", "fr"},
		{"Quel modèle open source Mistral a-t-il publié ?", "fr"},
		{"Le Chat de Mistral", "fr"},
		{"investissement Meta Scale", "fr"},
		{"GPT-5", "fr"}, // no clue: the archive's language
		{"", "fr"},
	}
	for _, tt := range tests {
		if got := Language(tt.text); got != tt.want {
			t.Errorf("Language(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func stems(words []Token) []string {
	var out []string
	for _, w := range words {
		out = append(out, w.Stem)
	}
	return out
}

func TestExpand(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  map[string][]string // source → stems that must be among its words
		none  []string            // sources that must not be expanded
	}{
		{
			name:  "phrase before words",
			query: "How much market value did Nvidia lose in January 2025?",
			want: map[string][]string{
				"market value": {Stem("capitalisation"), Stem("boursière")},
				"lose":         {Stem("perdre"), Stem("perte")},
				"january":      {Stem("janvier")},
			},
			none: []string{"market", "value", "2025", "nvidia"},
		},
		{
			name:  "inflections",
			query: "Which countries banned chips after the model was released?",
			want: map[string][]string{
				"countries": {Stem("pays")},
				"banned":    {Stem("interdire"), Stem("interdiction")},
				"chips":     {Stem("puces")},
				"released":  {Stem("sorti"), Stem("publié"), Stem("lancé")},
			},
			none: []string{"after", "the"},
		},
		{
			name:  "stopword that is an English word",
			query: "AI summit in Paris",
			want: map[string][]string{
				"ai":     {"ia", Stem("intelligence"), Stem("artificielle")},
				"summit": {Stem("sommet")},
			},
			none: []string{"paris"}, // same word in French: nothing to add
		},
		{
			name:  "name ending in AI",
			query: "Who is the CEO of Mistral AI?",
			want:  map[string][]string{"ceo": {Stem("patron"), Stem("PDG")}},
			none:  []string{"ai", "mistral"},
		},
		{
			name:  "AI after a function word",
			query: "Did AI lift the market?",
			want:  map[string][]string{"ai": {"ia"}},
		},
		{
			name:  "plural phrase",
			query: "new data centers in Texas",
			want:  map[string][]string{"data centers": {Stem("centre"), Stem("données")}},
			none:  []string{"data", "centers", "texas"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string][]string{}
			for _, x := range Expand(Tokens(tt.query)) {
				if _, dup := got[x.Source]; dup {
					t.Errorf("%q expanded twice", x.Source)
				}
				got[x.Source] = stems(x.Words)
				if len(x.Words) == 0 {
					t.Errorf("%q expanded to nothing", x.Source)
				}
			}
			for src, want := range tt.want {
				for _, s := range want {
					if !slices.Contains(got[src], s) {
						t.Errorf("%q: stems %v lack %q", src, got[src], s)
					}
				}
			}
			for _, src := range tt.none {
				if w, ok := got[src]; ok {
					t.Errorf("%q expanded to %v", src, w)
				}
			}
		})
	}
}

func TestTranslate(t *testing.T) {
	tests := []struct {
		english string
		want    []string // folded French words that must be present
	}{
		{"investment", []string{"investissement"}},
		{"Invested", []string{"investir"}},
		{"billion", []string{"milliard"}},
		{"December", []string{"decembre"}},
		{"revenue", []string{"chiffre", "affaires"}},
		{"Open-weight", []string{"poids", "ouverts"}},
		{"valuation", []string{"valorisation"}},
		{"fines", []string{"amende"}},
		{"courts", []string{"tribunal"}},
		{"employees", []string{"salarie"}},
	}
	for _, tt := range tests {
		got := Translate(tt.english)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("Translate(%q) = %v, lacks %q", tt.english, got, w)
			}
		}
	}
	for _, s := range []string{"", "zzyzx", "2025"} {
		if got := Translate(s); len(got) != 0 {
			t.Errorf("Translate(%q) = %v, want none", s, got)
		}
	}
}

func TestEnglishForms(t *testing.T) {
	tests := []struct{ term, base string }{
		{"countries", "country"},
		{"released", "release"},
		{"invested", "invest"},
		{"banned", "ban"},
		{"launches", "launch"},
		{"training", "train"},
		{"users", "user"},
		{"business", "business"},
	}
	for _, tt := range tests {
		if got := englishForms(tt.term); !slices.Contains(got, tt.base) || got[0] != tt.term {
			t.Errorf("englishForms(%q) = %v, want %q first and %q among them", tt.term, got, tt.term, tt.base)
		}
	}
}

// TestGlossary checks the table itself: every line parses, every English
// key is an English word (not a French stopword that would hide a French
// query word) and keys are not repeated by mistake across lines.
func TestGlossary(t *testing.T) {
	glossaryOnce.Do(loadGlossary)
	seen := map[string]int{}
	entries := 0
	for n, line := range strings.Split(glossary, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		entries++
		en, fr, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(fr) == "" {
			t.Errorf("line %d %q: want \"english = french\"", n, line)
			continue
		}
		for _, key := range strings.Split(en, ",") {
			k := glossaryKey(key)
			if k == "" {
				t.Errorf("line %d: empty English key", n)
			}
			if prev, dup := seen[k]; dup && k != "speech" {
				t.Errorf("line %d: key %q already on line %d", n, k, prev)
			}
			seen[k] = n
		}
	}
	if entries < 300 || len(seen) < 400 {
		t.Errorf("glossary has %d lines and %d keys, want at least 300 and 400", entries, len(seen))
	}
	t.Logf("glossary: %d lines, %d English keys, longest %d words", entries, len(seen), longestKey)
}

func TestExpandConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if x := Expand(Tokens("Meta lost market value")); len(x) != 2 {
				t.Errorf("Expand gave %d expansions, want 2", len(x))
			}
		})
	}
	wg.Wait()
}

func TestExpansionShares(t *testing.T) {
	xs := Expand(Tokens("Who is the CEO?"))
	if len(xs) != 1 || len(xs[0].Shares) != len(xs[0].Words) {
		t.Fatalf("Expand: %+v", xs)
	}
	// "ceo, chief executive = PDG; patron; directeur général": one word
	// says it alone, each of two shares it.
	want := map[string]float64{Stem("PDG"): 1, Stem("patron"): 1, Stem("directeur"): 1 / math.Sqrt2, Stem("général"): 1 / math.Sqrt2}
	for i, w := range xs[0].Words {
		if got := xs[0].Shares[i]; math.Abs(got-want[w.Stem]) > 1e-9 {
			t.Errorf("share of %q = %v, want %v", w.Stem, got, want[w.Stem])
		}
	}
	if len(xs[0].Words) != len(want) {
		t.Errorf("words %v, want the stems of %v", stems(xs[0].Words), want)
	}
}
