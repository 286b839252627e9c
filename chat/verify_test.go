package chat_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/veille/veille/chat"
)

// verified returns the numbers of the verified citations of r.
func verified(r chat.Result) []int {
	var ns []int
	for _, c := range r.Citations {
		if c.Verified {
			ns = append(ns, c.N)
		}
	}
	return ns
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name         string
		answer       string
		wantAnswer   string
		wantVerified []int
		wantDropped  []int // of the first sentence
		failedClosed bool
	}{
		{
			name:         "correct citations",
			answer:       "Mistral AI a levé 5,6 millions d'euros [1]. Meta a publié Llama 4, un modèle de 400 milliards de paramètres [2].",
			wantAnswer:   "Mistral AI a levé 5,6 millions d'euros [1]. Meta a publié Llama 4, un modèle de 400 milliards de paramètres [2].",
			wantVerified: []int{1, 2},
		},
		{
			name:         "passage that was not sent",
			answer:       "Mistral AI a levé 5,6 millions d'euros [1][7].",
			wantAnswer:   "Mistral AI a levé 5,6 millions d'euros [1].",
			wantVerified: []int{1},
			wantDropped:  []int{7},
		},
		{
			name:         "only a passage that was not sent",
			answer:       "Mistral AI a levé 5,6 millions d'euros [7].",
			wantDropped:  []int{7},
			failedClosed: true,
		},
		{
			name:         "wrong number",
			answer:       "Mistral AI a levé 10 millions d'euros [1].",
			wantDropped:  []int{1},
			failedClosed: true,
		},
		{
			name:         "wrong number left out, right claim kept",
			answer:       "Mistral AI a levé 10 millions d'euros [1]. Meta a publié Llama 4 en février [2].",
			wantAnswer:   "Meta a publié Llama 4 en février [2].",
			wantVerified: []int{2},
			wantDropped:  []int{1},
		},
		{
			name:         "claim from another passage",
			answer:       "Meta a publié Llama 4 [1].",
			wantDropped:  []int{1},
			failedClosed: true,
		},
		{
			name:         "one right and one wrong citation on a sentence",
			answer:       "Le Parlement européen a adopté l'AI Act [1, 3].",
			wantAnswer:   "Le Parlement européen a adopté l'AI Act [3].",
			wantVerified: []int{3},
			wantDropped:  []int{1},
		},
		{
			name:         "no citations",
			answer:       "Mistral AI a levé 5,6 millions d'euros. Meta a publié Llama 4.",
			failedClosed: true,
		},
		{
			name:         "passages are silent",
			answer:       "Les passages ne donnent pas la valorisation de Mistral AI.",
			failedClosed: true,
		},
		{
			name:         "connective sentences stay, uncited claims go",
			answer:       "Voici l'essentiel :\n- Mistral AI a levé 5,6 millions d'euros [1]\n- OpenAI prépare GPT-5.\n\nLes passages ne disent rien de sa valorisation.",
			wantAnswer:   "Voici l'essentiel :\n- Mistral AI a levé 5,6 millions d'euros [1]\n\nLes passages ne disent rien de sa valorisation.",
			wantVerified: []int{1},
		},
		{
			name:         "facts from two passages",
			answer:       "Mistral AI a levé 5,6 millions d'euros et Meta a publié Llama 4 [1][2].",
			wantAnswer:   "Mistral AI a levé 5,6 millions d'euros et Meta a publié Llama 4 [1][2].",
			wantVerified: []int{1, 2},
		},
		{
			name:         "range marker",
			answer:       "Mistral AI a levé 5,6 millions d'euros et Meta a publié Llama 4 [1-2].",
			wantAnswer:   "Mistral AI a levé 5,6 millions d'euros et Meta a publié Llama 4 [1][2].",
			wantVerified: []int{1, 2},
		},
		{
			name:         "paraphrase",
			answer:       "L'entreprise compte lancer un nouveau modèle au printemps [1].",
			wantAnswer:   "L'entreprise compte lancer un nouveau modèle au printemps [1].",
			wantVerified: []int{1},
		},
		{
			name:         "month from the passage's date",
			answer:       "En février 2025, Meta a publié Llama 4 [2].",
			wantAnswer:   "En février 2025, Meta a publié Llama 4 [2].",
			wantVerified: []int{2},
		},
		{
			name:         "english answer over french passages",
			answer:       "Mistral AI raised 5.6 million euros from European funds [1]. The European Parliament adopted the AI Act [3].",
			wantAnswer:   "Mistral AI raised 5.6 million euros from European funds [1]. The European Parliament adopted the AI Act [3].",
			wantVerified: []int{1, 3},
		},
		{
			name:         "abbreviation of what the passage spells out",
			answer:       "L'UE a adopté l'AI Act [3].",
			wantAnswer:   "L'UE a adopté l'AI Act [3].",
			wantVerified: []int{3},
		},
		{
			name:         "english answer with a wrong number",
			answer:       "Meta released Llama 4, an open model with 500 billion parameters [2].",
			wantDropped:  []int{2},
			failedClosed: true,
		},
		{
			name:         "empty",
			answer:       "",
			failedClosed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := chat.Verify(tt.answer, testPassages)
			if r.FailedClosed != tt.failedClosed {
				t.Errorf("FailedClosed = %v, want %v (notice %q)", r.FailedClosed, tt.failedClosed, r.Notice)
			}
			if r.FailedClosed && r.Notice == "" {
				t.Error("failed closed without a notice")
			}
			if r.Answer != tt.wantAnswer {
				t.Errorf("Answer\n got %q\nwant %q", r.Answer, tt.wantAnswer)
			}
			if got := verified(r); !slices.Equal(got, tt.wantVerified) {
				t.Errorf("verified citations = %v, want %v", got, tt.wantVerified)
			}
			if len(r.Sentences) > 0 && !slices.Equal(r.Sentences[0].Dropped, tt.wantDropped) {
				t.Errorf("first sentence dropped %v, want %v", r.Sentences[0].Dropped, tt.wantDropped)
			}
			for _, c := range r.Citations {
				if c.N < 1 || c.N > len(testPassages) {
					t.Errorf("citation of passage %d, which was not sent", c.N)
					continue
				}
				if text := testPassages[c.N-1].Text; text[c.SpanStart:c.SpanEnd] != c.Span || c.Span == "" {
					t.Errorf("[%d] span %q does not match offsets %d:%d", c.N, c.Span, c.SpanStart, c.SpanEnd)
				}
				if c.Score < 0 || c.Score > 1 {
					t.Errorf("[%d] score %v out of [0, 1]", c.N, c.Score)
				}
			}
			for _, s := range r.Sentences {
				if s.Supported != (len(s.Citations) > 0) {
					t.Errorf("sentence %q: supported %v with citations %v", s.Text, s.Supported, s.Citations)
				}
			}
		})
	}
}

// TestVerifyAbbreviations checks that an abbreviation and what it stands
// for support each other, whichever of the two the passage writes: without
// that, the first sentence below shares only its figure with its passage (2
// of 6) and the second only "modèles" (1 of 4).
func TestVerifyAbbreviations(t *testing.T) {
	passages := []chat.Passage{
		{ID: "2025-05/1", IssueID: "2025-05", Date: "2025-05", Headline: "Conjoncture",
			Text: "Le PIB de la France a progressé de 0,4 % au premier trimestre."},
		{ID: "2025-05/2", IssueID: "2025-05", Date: "2025-05", Headline: "Régulation",
			Text: "L'UE encadre désormais les modèles ouverts."},
	}
	tests := []struct {
		answer string
		want   []int
	}{
		{"Le produit intérieur brut augmente de 0,4 % [1].", []int{1}},
		{"L'Union européenne réglemente les modèles [2].", []int{2}},
		{"Le produit intérieur brut augmente de 1,2 % [1].", nil},
	}
	for _, tt := range tests {
		r := chat.Verify(tt.answer, passages)
		if got := verified(r); !slices.Equal(got, tt.want) {
			t.Errorf("Verify(%q): verified %v, want %v", tt.answer, got, tt.want)
		}
	}
}

func TestVerifySpans(t *testing.T) {
	r := chat.Verify("Mistral AI a levé 5,6 millions d'euros [1]. Les premières obligations de l'AI Act s'appliquent en août 2025 [3].", testPassages)
	want := map[int]string{
		1: "La start-up française Mistral AI a levé 5,6 millions d'euros auprès de fonds européens.",
		3: "Les premières obligations s'appliquent dès août 2025.",
	}
	if len(r.Citations) != len(want) {
		t.Fatalf("citations %+v, want %d", r.Citations, len(want))
	}
	for _, c := range r.Citations {
		if !c.Verified || c.Span != want[c.N] {
			t.Errorf("[%d] verified %v span %q, want %q", c.N, c.Verified, c.Span, want[c.N])
		}
		if c.SpanStart != strings.Index(testPassages[c.N-1].Text, want[c.N]) {
			t.Errorf("[%d] SpanStart %d", c.N, c.SpanStart)
		}
	}
	if r.Sentences[1].Text != "Les premières obligations de l'AI Act s'appliquent en août 2025 [3]." {
		t.Errorf("second sentence %q", r.Sentences[1].Text)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("Mistral AI a levé 5,6 millions d'euros [1][7]. Meta [2, 3] publie.")
	f.Add("[1-20] [0] [-1] [1,,2] [ ] [99999999999999999999]")
	f.Add("- a [1]\n\n1. b. [2]\n[3]")
	f.Fuzz(func(t *testing.T, answer string) {
		r := chat.Verify(answer, testPassages)
		for _, c := range r.Citations {
			if c.N < 1 || c.N > len(testPassages) {
				t.Fatalf("citation %d out of range", c.N)
			}
			if testPassages[c.N-1].Text[c.SpanStart:c.SpanEnd] != c.Span {
				t.Fatalf("span mismatch")
			}
		}
		if r.FailedClosed != (r.Answer == "") {
			t.Fatalf("FailedClosed %v with answer %q", r.FailedClosed, r.Answer)
		}
	})
}

func TestVerifySpanPrefersSupportedSentence(t *testing.T) {
	r := chat.Verify("Mistral AI a levé 10 millions d'euros [1]. Mistral AI a levé des fonds européens [1].", testPassages)
	if len(r.Citations) != 1 {
		t.Fatalf("citations %+v", r.Citations)
	}
	c := r.Citations[0]
	if !c.Verified || c.Score < chat.SupportThreshold {
		t.Errorf("citation %+v: want verified with the supported sentence's score", c)
	}
	if r.Answer != "Mistral AI a levé des fonds européens [1]." {
		t.Errorf("answer %q", r.Answer)
	}
}
