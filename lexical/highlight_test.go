package lexical

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/veille/veille/analysis"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"simple", "Première phrase. Deuxième phrase ! Troisième ?", []string{"Première phrase.", "Deuxième phrase !", "Troisième ?"}},
		{"decimal", "Le coût a baissé de 5.6 fois. Puis de 3,2 %.", []string{"Le coût a baissé de 5.6 fois.", "Puis de 3,2 %."}},
		{"title", "M. Macron a parlé. Mme Borne aussi.", []string{"M. Macron a parlé.", "Mme Borne aussi."}},
		{"initials", "Le livre de J. K. Rowling est sorti. Il a plu.", []string{"Le livre de J. K. Rowling est sorti.", "Il a plu."}},
		{"abbreviation", "Voir cf. Dr. House et p. 12 du rapport. Fin.", []string{"Voir cf. Dr. House et p. 12 du rapport.", "Fin."}},
		{"french quotes", "Il a dit : « C'est fini. » Puis il est parti.", []string{"Il a dit : « C'est fini. »", "Puis il est parti."}},
		{"quote continues", "« Où ? » demanda-t-il. Personne ne sut.", []string{"« Où ? » demanda-t-il.", "Personne ne sut."}},
		{"domain and lower case", "Voir openai.com pour plus. etc. et la suite. Oui.", []string{"Voir openai.com pour plus. etc. et la suite.", "Oui."}},
		{"line breaks", "Titre\n\nUn paragraphe.\n", []string{"Titre", "Un paragraphe."}},
		{"ellipsis", "On verra… Peut-être. Ou pas...", []string{"On verra…", "Peut-être.", "Ou pas..."}},
		{"number starts next", "Il est né en 1960. 1968 fut une année.", []string{"Il est né en 1960.", "1968 fut une année."}},
		{"blank", "  \n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range Sentences(tt.text) {
				got = append(got, tt.text[s[0]:s[1]])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestHighlight(t *testing.T) {
	const text = "Mistral AI a été fondée en 2023 à Paris. La start-up a levé 600 millions d'euros en juin. " +
		"Ses modèles sont publiés sous licence ouverte. M. Mensch dirige l'entreprise."
	tests := []struct {
		name     string
		query    string
		sentence string
		words    []string
	}{
		{"number", "Combien d'euros a levé Mistral ?", "La start-up a levé 600 millions d'euros en juin.", []string{"levé", "euros"}},
		{"stem", "Quel modèle est ouvert ?", "Ses modèles sont publiés sous licence ouverte.", []string{"modèles", "ouverte"}},
		{"date", "Quand Mistral a-t-elle été fondée ?", "Mistral AI a été fondée en 2023 à Paris.", []string{"Mistral", "fondée"}},
		{"after a title", "Qui dirige l'entreprise ?", "M. Mensch dirige l'entreprise.", []string{"dirige", "entreprise"}},
		{"name weighs more", "Qui dirige Mistral ?", "Mistral AI a été fondée en 2023 à Paris.", []string{"Mistral"}},
		{"no match", "Que fait Nvidia ?", "Mistral AI a été fondée en 2023 à Paris.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, start, end, matches := NewHighlighter(tt.query).Highlight(text)
			if s != tt.sentence || text[start:end] != s {
				t.Fatalf("Highlight(%q) = %q [%d:%d], want %q", tt.query, s, start, end, tt.sentence)
			}
			var words []string
			for _, m := range matches {
				if m[0] < start || m[1] > end {
					t.Errorf("match %v outside the sentence [%d:%d]", m, start, end)
				}
				words = append(words, text[m[0]:m[1]])
			}
			if !slices.Equal(words, tt.words) {
				t.Errorf("matches %q, want %q", words, tt.words)
			}
		})
	}
}

func TestHighlightEmpty(t *testing.T) {
	s, start, end, m := NewHighlighter("Mistral").Highlight("")
	if s != "" || start != 0 || end != 0 || m != nil {
		t.Errorf("got %q %d %d %v", s, start, end, m)
	}
}

// TestHighlightMatchesReference checks the Highlighter against a plain
// version of its rules, written with maps, on random texts and queries.
func TestHighlightMatchesReference(t *testing.T) {
	words := strings.Fields(`Mistral mistral modèle modèles modele Modèles entreprise
		entreprises l'entreprise OpenAI Paris paris levé lève euros 5,6 100 000 a été le la
		de qui Qui fondée fondé GPT-4 d'OpenAI M. Mme ouverte ouvert. Puis. fin ! et ? « Oui. »`)
	r := rand.New(rand.NewPCG(3, 4))
	phrase := func(n int) string {
		f := make([]string, n)
		for i := range f {
			f[i] = words[r.IntN(len(words))]
		}
		return strings.Join(f, " ")
	}
	for range 3000 {
		query, text := phrase(1+r.IntN(6)), phrase(r.IntN(60))
		s, start, end, m := NewHighlighter(query).Highlight(text)
		ws, wstart, wend, wm := referenceHighlight(query, text)
		if s != ws || start != wstart || end != wend || !slices.Equal(m, wm) {
			t.Fatalf("query %q, text %q:\n got %q %d %d %v\nwant %q %d %d %v", query, text, s, start, end, m, ws, wstart, wend, wm)
		}
	}
}

// referenceHighlight is the highlighting rule of [Highlighter.Highlight],
// written plainly.
func referenceHighlight(query, text string) (sentence string, start, end int, matches [][2]int) {
	sents := Sentences(text)
	if len(sents) == 0 {
		return "", 0, 0, nil
	}
	type qword struct {
		w     float64
		exact map[string]bool
	}
	qws := map[string]*qword{}
	for _, t := range analysis.Tokens(query) {
		if t.Flags&(analysis.Stop|analysis.Question) != 0 {
			continue
		}
		q := qws[t.Stem]
		if q == nil {
			q = &qword{w: 1, exact: map[string]bool{}}
			qws[t.Stem] = q
		}
		if t.Flags&analysis.Capitalized != 0 && t.Flags&analysis.SentenceStart == 0 {
			q.w = DefaultNames
		}
		q.exact[t.Term] = true
	}
	best := 0
	if len(qws) > 0 {
		toks := analysis.Tokens(text)
		which := make([]int, len(toks)) // sentence of each token, or -1
		for i, t := range toks {
			which[i] = -1
			for s, se := range sents {
				if t.Start >= se[0] && t.Start < se[1] {
					which[i] = s
				}
			}
		}
		type seenKey struct {
			term  string
			sent  int
			exact bool
		}
		seen := map[seenKey]bool{}
		sf := map[string]int{}
		for i, t := range toks {
			k := seenKey{term: t.Stem, sent: which[i]}
			if qws[t.Stem] == nil || which[i] < 0 || seen[k] {
				continue
			}
			seen[k] = true
			sf[t.Stem]++
		}
		scores := make([]float64, len(sents))
		clear(seen)
		for i, t := range toks {
			q := qws[t.Stem]
			if q == nil || which[i] < 0 {
				continue
			}
			if k := (seenKey{term: t.Stem, sent: which[i]}); !seen[k] {
				seen[k] = true
				scores[which[i]] += q.w * (1 + math.Log(float64(len(sents))/float64(sf[t.Stem])))
			}
			if k := (seenKey{term: t.Term, sent: which[i], exact: true}); q.exact[t.Term] && !seen[k] {
				seen[k] = true
				scores[which[i]] += DefaultExact * q.w
			}
		}
		for i, sc := range scores {
			if sc > scores[best] {
				best = i
			}
		}
		if scores[best] > 0 {
			for i, t := range toks {
				if which[i] == best && qws[t.Stem] != nil {
					matches = append(matches, [2]int{t.Start, t.End})
				}
			}
		}
	}
	start, end = sents[best][0], sents[best][1]
	return text[start:end], start, end, matches
}
