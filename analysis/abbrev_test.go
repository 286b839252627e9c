package analysis

import (
	"slices"
	"strings"
	"testing"
)

func TestAbbreviations(t *testing.T) {
	tests := []struct {
		text string
		want map[string][]string // source → some of its words' terms
	}{
		{"Que prévoit l'UE pour l'IA ?", map[string][]string{"ue": {"union", "europeenne"}, "ia": {"intelligence", "artificielle"}}},
		{"Qui est le PDG de Mistral AI ?", map[string][]string{"pdg": {"president", "directeur", "patron"}}},
		{"Que fait l’Union européenne contre DeepSeek ?", map[string][]string{"union europeenne": {"ue"}}},
		{"Le président-directeur général d'OpenAI", map[string][]string{"president directeur general": {"pdg"}}},
		{"Combien investissent les USA ?", map[string][]string{"usa": {"etats", "unis", "americain"}}},
		// Lower-case words are no abbreviations, and a lone word of a
		// full form is no full form.
		{"Tell us about ia and ue", nil},
		{"L'union fait la force", nil},
		{"Une intelligence rare", nil},
	}
	for _, tt := range tests {
		got := map[string][]string{}
		for _, x := range Abbreviations(tt.text, Tokens(tt.text)) {
			for _, w := range x.Words {
				got[x.Source] = append(got[x.Source], w.Term)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q: expansions %v, want %v", tt.text, got, tt.want)
			continue
		}
		for src, words := range tt.want {
			for _, w := range words {
				if !slices.Contains(got[src], w) {
					t.Errorf("%q: %q expands to %v, want %q among them", tt.text, src, got[src], w)
				}
			}
		}
	}
}

// TestAbbreviationList checks every line of the list: each abbreviation
// is written in capitals and expands, and each full form of several words
// leads back to its first abbreviation.
func TestAbbreviationList(t *testing.T) {
	abbreviationsOnce.Do(loadAbbreviations)
	if len(abbreviations) < 20 {
		t.Fatalf("%d abbreviations loaded", len(abbreviations))
	}
	for abbr, words := range abbreviations {
		text := "Que dit " + strings.ToUpper(abbr) + " ?"
		xs := Abbreviations(text, Tokens(text))
		if len(words) == 0 || len(xs) != 1 || xs[0].Source != abbr {
			t.Errorf("abbreviation %q: %+v, want its %d words", abbr, xs, len(words))
		}
	}
	for form, abbr := range fullForms {
		text := form + " et " + abbr.Term
		xs := Abbreviations(text, Tokens(text))
		if len(xs) == 0 || xs[0].Source != form || xs[0].Words[0].Term != abbr.Term {
			t.Errorf("full form %q: %+v, want it to give %q", form, xs, abbr.Term)
		}
	}
}
