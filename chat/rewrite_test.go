package chat_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/veille/veille/chat"
	"github.com/veille/veille/chat/chattest"
)

func TestRewriteHeuristic(t *testing.T) {
	user := func(s ...string) []chat.Turn {
		var h []chat.Turn
		for _, c := range s {
			h = append(h, chat.Turn{Role: "user", Content: c}, chat.Turn{Role: "assistant", Content: "Réponse [1]."})
		}
		return h
	}
	tests := []struct {
		name     string
		question string
		history  []chat.Turn
		want     string
	}{
		{"no history", "et en février ?", nil, "et en février ?"},
		{"the start-up", "Qui dirige la start-up maintenant ?",
			user("Combien Meta a-t-il investi dans Scale AI ?"), "Qui dirige la start-up maintenant ? Meta investi Scale"},
		{"the company", "Who runs the company now?",
			user("How much did Meta invest in Scale AI?"), "Who runs the company now? much Meta invest Scale"},
		{"the company, named", "Who runs the company Scale AI now?",
			user("How much did Meta invest in Windsurf?"), "Who runs the company Scale AI now?"},
		{"standalone question", "Quel modèle Meta a-t-il publié en février 2025 ?",
			user("Combien Mistral AI a-t-elle levé ?"), "Quel modèle Meta a-t-il publié en février 2025 ?"},
		{"month replaces month", "et en février ?",
			user("Combien Mistral a-t-elle levé en janvier ?"), "et en février ? Mistral levé"},
		{"name replaces name", "what about Meta?",
			user("How much did Mistral raise?"), "what about Meta? much raise"},
		{"pronoun", "combien ont-ils levé ?",
			user("Quelles start-up françaises d'IA ont levé des fonds en 2024 ?"),
			"combien ont-ils levé ? start-up françaises IA fonds 2024"},
		{"chain of follow-ups", "et Meta ?",
			user("Combien Mistral a-t-elle levé ?", "et en février ?"), "et Meta ? levé février"},
		{"follow-up chain stops at a standalone turn", "et Meta ?",
			user("Qui régule l'IA en Europe ?", "Combien Mistral a-t-elle levé ?", "et en février ?"),
			"et Meta ? levé février"},
		{"assistant turns are ignored", "et Meta ?",
			[]chat.Turn{{Role: "user", Content: "Combien Mistral a-t-elle levé ?"}, {Role: "assistant", Content: "OpenAI a levé 6 milliards."}},
			"et Meta ? levé"},
		{"nothing to add", "et Mistral ?", user("Mistral ?"), "et Mistral ?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chat.RewriteHeuristic(tt.question, tt.history); got != tt.want {
				t.Errorf("RewriteHeuristic(%q) = %q, want %q", tt.question, got, tt.want)
			}
		})
	}
}

func TestRewrite(t *testing.T) {
	history := []chat.Turn{
		{Role: "user", Content: "Combien Mistral AI a-t-elle levé en janvier ?"},
		{Role: "assistant", Content: "Mistral AI a levé 5,6 millions d'euros [1]."},
	}
	tests := []struct {
		name  string
		reply string
		want  string
	}{
		{"plain", "Combien Mistral AI a-t-elle levé en février ?", "Combien Mistral AI a-t-elle levé en février ?"},
		{"label and quotes", "Requête : « Combien Mistral AI a-t-elle levé en février ? »\n", "Combien Mistral AI a-t-elle levé en février ?"},
		{"first line only", "\nLevée de fonds de Mistral AI en février\nJ'ai remplacé le mois.", "Levée de fonds de Mistral AI en février"},
		{"empty reply falls back to the heuristic", "\"\"", "et en février ? Mistral levé"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := chattest.NewServer(t, chattest.Reply{Content: tt.reply})
			c := newClient(t, srv, chat.Config{})
			got, err := c.Rewrite(t.Context(), "et en février ?", history)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Rewrite = %q, want %q", got, tt.want)
			}
			msgs := srv.Requests()[0].Messages
			if len(msgs) != 2 || msgs[0].Role != "system" {
				t.Fatalf("messages %+v", msgs)
			}
			for _, want := range []string{"Utilisateur : Combien Mistral AI", "Assistant : Mistral AI a levé 5,6 millions d'euros.", "Dernière question : et en février ?"} {
				if !strings.Contains(msgs[1].Content, want) {
					t.Errorf("user message lacks %q:\n%s", want, msgs[1].Content)
				}
			}
		})
	}
}

func TestRewriteWithoutHistory(t *testing.T) {
	srv := chattest.NewServer(t)
	c := newClient(t, srv, chat.Config{})
	got, err := c.Rewrite(t.Context(), " Qui a levé des fonds ? ", nil)
	if err != nil || got != "Qui a levé des fonds ?" {
		t.Errorf("Rewrite = %q, %v", got, err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests without history", n)
	}
}

func TestRewriteError(t *testing.T) {
	srv := chattest.NewServer(t, chattest.Reply{Status: 503})
	c := newClient(t, srv, chat.Config{MaxRetries: -1})
	_, err := c.Rewrite(t.Context(), "et Meta ?", []chat.Turn{{Role: "user", Content: "Combien Mistral a-t-elle levé ?"}})
	if !errors.Is(err, chat.ErrUnavailable) {
		t.Errorf("error %v, want ErrUnavailable", err)
	}
}
