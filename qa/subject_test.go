package qa

import "testing"

func TestNewsSubject(t *testing.T) {
	for _, tt := range []struct {
		question, subject string
		ok                bool
	}{
		{"Quoi de neuf chez Mistral ?", "Mistral", true},
		{"Quelles sont les dernières nouvelles de Mistral AI ?", "Mistral", true}, // "ai" is a French stopword
		{"What's new at OpenAI?", "OpenAI", true},
		{"Mistral a-t-il du nouveau ?", "Mistral", true}, // an inverted question's subject
		{"Quoi de neuf chez Google et Meta ?", "Google Meta", true},
		{"Quoi de neuf ?", "", false},                   // no name: the newest issue's digest
		{"Combien Mistral a-t-il levé ?", "", false},    // a question about something
		{"Quoi de neuf chez les fondeurs ?", "", false}, // no name
	} {
		subject, ok := newsSubject(tt.question)
		if subject != tt.subject || ok != tt.ok {
			t.Errorf("newsSubject(%q) = %q, %v; want %q, %v", tt.question, subject, ok, tt.subject, tt.ok)
		}
	}
}
