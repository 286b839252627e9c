package chat_test

import (
	"slices"
	"testing"

	"github.com/veille/veille/chat"
)

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"two sentences", "Mistral a levé des fonds [1]. Meta publie Llama [2].",
			[]string{"Mistral a levé des fonds [1].", "Meta publie Llama [2]."}},
		{"french decimal", "Le tour atteint 5,6 millions [1]. Puis rien.",
			[]string{"Le tour atteint 5,6 millions [1].", "Puis rien."}},
		{"english decimal", "It raised 5.6 million [1]. Then nothing.",
			[]string{"It raised 5.6 million [1].", "Then nothing."}},
		{"title and initials", "M. Mensch et J. R. Dupont dirigent Mistral [1]. Ils recrutent.",
			[]string{"M. Mensch et J. R. Dupont dirigent Mistral [1].", "Ils recrutent."}},
		{"abbreviation", "Des modèles (GPT, Llama, etc.) sont cités [2]. Fin.",
			[]string{"Des modèles (GPT, Llama, etc.) sont cités [2].", "Fin."}},
		{"marker after the full stop", "Mistral a levé 5,6 millions. [1] Meta publie Llama 4. [2][3]",
			[]string{"Mistral a levé 5,6 millions. [1]", "Meta publie Llama 4. [2][3]"}},
		{"lower case after a question mark", "Pourquoi ? parce que le marché change [1].",
			[]string{"Pourquoi ? parce que le marché change [1]."}},
		{"list and line breaks", "Voici l'essentiel :\n- Mistral a levé 5,6 millions [1]\n2. Meta publie Llama 4 [2]\n[3]",
			[]string{"Voici l'essentiel :", "Mistral a levé 5,6 millions [1]", "Meta publie Llama 4 [2]\n[3]"}},
		{"closing guillemet", "Il parle d'une « rupture. » Puis il part.",
			[]string{"Il parle d'une « rupture. »", "Puis il part."}},
		{"year at the end", "Fondée en 2023. Elle grandit.", []string{"Fondée en 2023.", "Elle grandit."}},
		{"empty", "  \n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chat.SplitSentences(tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("SplitSentences(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}
