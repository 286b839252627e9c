package qa

import (
	"reflect"
	"strings"
	"testing"

	"github.com/veille/veille/analysis"
)

func TestNewsSubject(t *testing.T) {
	// names gives the stems of each name, a name's words apart by spaces.
	names := func(ns ...string) [][]string {
		var out [][]string
		for _, n := range ns {
			var stems []string
			for _, w := range strings.Fields(n) {
				stems = append(stems, analysis.Stem(w))
			}
			out = append(out, stems)
		}
		return out
	}
	for _, tt := range []struct {
		question, subject string
		names             [][]string
	}{
		{"Quoi de neuf chez Mistral ?", "Mistral", names("Mistral")},
		{"Quelles sont les dernières nouvelles de Mistral AI ?", "Mistral", names("Mistral")}, // "ai" is a French stopword
		{"What's new at OpenAI?", "OpenAI", names("OpenAI")},
		{"Mistral a-t-il du nouveau ?", "Mistral", names("Mistral")}, // an inverted question's subject
		{"Quoi de neuf chez Google et Meta ?", "Google et Meta", names("Google", "Meta")},
		{"Quoi de neuf chez Thinking Machines Lab ?", "Thinking Machines Lab", names("Thinking Machines Lab")},
		{"Quoi de neuf ?", "", nil},                   // no name: the newest issue's digest
		{"Combien Mistral a-t-il levé ?", "", nil},    // a question about something
		{"Quoi de neuf chez les fondeurs ?", "", nil}, // no name
	} {
		subject, got, ok := newsSubject(tt.question)
		if subject != tt.subject || !reflect.DeepEqual(got, tt.names) || ok != (tt.names != nil) {
			t.Errorf("newsSubject(%q) = %q, %q, %v; want %q, %q", tt.question, subject, got, ok, tt.subject, tt.names)
		}
	}
}
