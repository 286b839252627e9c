package chat_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/veille/veille/chat"
	"github.com/veille/veille/chat/chattest"
)

// formattedLen is the budget that passages take once formatted.
func formattedLen(ps []chat.Passage) int {
	n := 0
	for i, p := range ps {
		n += utf8.RuneCountInString(chat.FormatPassage(i+1, p)) + 2
	}
	return n
}

func TestTrimPassages(t *testing.T) {
	all := formattedLen(testPassages)
	two := formattedLen(testPassages[:2])
	p2First := "Meta a publié Llama 4 en février, un modèle ouvert de 400 milliards de paramètres."
	tests := []struct {
		name   string
		budget int
		want   []string // texts of the passages kept
	}{
		{"everything fits", all, []string{testPassages[0].Text, testPassages[1].Text, testPassages[2].Text}},
		{"last passage dropped", two, []string{testPassages[0].Text, testPassages[1].Text}},
		{"last kept passage cut after a sentence", two - 10, []string{testPassages[0].Text, p2First}},
		{"first passage cut after a word", 70, []string{"La start-up française"}},
		{"no room at all", 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chat.TrimPassages(testPassages, tt.budget)
			if len(got) != len(tt.want) {
				t.Fatalf("kept %d passages, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, p := range got {
				if p.Text != tt.want[i] {
					t.Errorf("passage %d text %q, want %q", i+1, p.Text, tt.want[i])
				}
				if p.ID != testPassages[i].ID || !strings.HasPrefix(testPassages[i].Text, p.Text) {
					t.Errorf("passage %d is not a prefix of the original", i+1)
				}
			}
			if n := formattedLen(got); n > tt.budget {
				t.Errorf("kept %d runes, over the budget of %d", n, tt.budget)
			}
		})
	}
}

func TestAnswerTrimsContext(t *testing.T) {
	budget := formattedLen(testPassages[:2]) - 10
	reply := "Meta a publié Llama 4 en février [2]. Le groupe affirme qu'il dépasse GPT-4 [2]. L'AI Act encadre les modèles [3]."
	srv := chattest.NewServer(t, chattest.Reply{Content: reply})
	c := newClient(t, srv, chat.Config{MaxContextChars: budget})
	res, err := c.Answer(t.Context(), "Quoi de neuf ?", nil, testPassages)
	if err != nil {
		t.Fatal(err)
	}
	last := srv.Requests()[0].Messages[1].Content
	if strings.Contains(last, "[3]") || strings.Contains(last, "GPT-4") || !strings.Contains(last, "400 milliards de paramètres.") {
		t.Errorf("passages not trimmed:\n%s", last)
	}
	// The model could only see what was sent: the cut sentence and passage
	// 3 are not evidence.
	if want := "Meta a publié Llama 4 en février [2]."; res.Answer != want {
		t.Errorf("answer %q, want %q", res.Answer, want)
	}
}
