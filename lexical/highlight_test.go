package lexical

import (
	"slices"
	"testing"
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
			s, start, end, matches := Highlight(tt.query, text)
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
	s, start, end, m := Highlight("Mistral", "")
	if s != "" || start != 0 || end != 0 || m != nil {
		t.Errorf("got %q %d %d %v", s, start, end, m)
	}
}
