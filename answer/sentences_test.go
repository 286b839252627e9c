package answer

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
		{"two", "DeepSeek a publié R1. Le modèle est ouvert.", []string{"DeepSeek a publié R1.", "Le modèle est ouvert."}},
		{"decimal", "Le coût serait de 5.6 millions. C'est peu.", []string{"Le coût serait de 5.6 millions.", "C'est peu."}},
		{"question and quotes", "Est-ce la fin ? « Non », dit-il. Voilà!", []string{"Est-ce la fin ?", "« Non », dit-il.", "Voilà!"}},
		{"abbreviation", "Selon M. Macron, la France investira. Les fonds suivront.", []string{"Selon M. Macron, la France investira.", "Les fonds suivront."}},
		{"initial", "John F. Kennedy est cité. Fin.", []string{"John F. Kennedy est cité.", "Fin."}},
		{"lower case after dot", "Le site openai.com a changé. Bien.", []string{"Le site openai.com a changé.", "Bien."}},
		{"no final stop", "Un titre sans point", []string{"Un titre sans point"}},
		{"closing quote", "Il a dit « c'est fini. » Puis il est parti.", []string{"Il a dit « c'est fini. »", "Puis il est parti."}},
		{"blank", "   ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range sentences(tt.text) {
				got = append(got, tt.text[s.Start:s.End])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("sentences(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}
