package dates

import (
	"testing"
	"time"
)

// ref is a Friday.
var ref = time.Date(2025, 8, 15, 9, 30, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		name, q  string
		from, to string
		text     string
		phrase   string // checked when set
		none     bool   // no date expression
	}{
		// months
		{name: "fr month year", q: "Qu'a annoncé Mistral en janvier 2025 ?", from: "2025-01", to: "2025-01", text: "Qu'a annoncé Mistral ?", phrase: "en janvier 2025"},
		{name: "whole question", q: "janvier 2025", from: "2025-01", to: "2025-01", text: ""},
		{name: "whole question with mark", q: "Janvier 2025 ?", from: "2025-01", to: "2025-01", text: ""},
		{name: "en month year", q: "What did Mistral do in January 2025?", from: "2025-01", to: "2025-01", text: "What did Mistral do?", phrase: "in January 2025"},
		{name: "en month year alone", q: "January 2025", from: "2025-01", to: "2025-01", text: ""},
		{name: "abbreviation", q: "Mistral jan. 2025 ?", from: "2025-01", to: "2025-01", text: "Mistral ?", phrase: "jan. 2025"},
		{name: "month no year", q: "Qu'a fait Mistral en janvier ?", from: "2025-01", to: "2025-01", text: "Qu'a fait Mistral ?"},
		{name: "month after ref", q: "Qu'a fait OpenAI en décembre ?", from: "2024-12", to: "2024-12", text: "Qu'a fait OpenAI ?"},
		{name: "ref month", q: "What happened in August?", from: "2025-08", to: "2025-08", text: "What happened?"},
		{name: "no accent upper", q: "QU'A FAIT MISTRAL EN FEVRIER 2024 ?", from: "2024-02", to: "2024-02", text: "QU'A FAIT MISTRAL ?"},
		{name: "mois de", q: "Qu'a fait Mistral au mois de mars 2024 ?", from: "2024-03", to: "2024-03", text: "Qu'a fait Mistral ?", phrase: "au mois de mars 2024"},
		{name: "may with context", q: "What did Google ship in May?", from: "2025-05", to: "2025-05", text: "What did Google ship?"},
		{name: "debut month", q: "Qu'a fait Meta début janvier 2025 ?", from: "2025-01-01", to: "2025-01-10", text: "Qu'a fait Meta ?"},
		{name: "mi month", q: "Qu'a fait Meta mi-janvier ?", from: "2025-01-11", to: "2025-01-20", text: "Qu'a fait Meta ?", phrase: "mi-janvier"},
		{name: "fin month", q: "Fin janvier 2025, qu'a dit Google ?", from: "2025-01-21", to: "2025-01-31", text: "Qu'a dit Google ?"},
		{name: "fin february", q: "fin février 2024", from: "2024-02-21", to: "2024-02-29", text: ""},
		{name: "early month", q: "early January 2025", from: "2025-01-01", to: "2025-01-10", text: ""},
		{name: "mid month", q: "News from mid-January?", from: "2025-01-11", to: "2025-01-20", text: "News?"},
		{name: "late month", q: "What did xAI do in late January 2025?", from: "2025-01-21", to: "2025-01-31", text: "What did xAI do?"},
		// days
		{name: "le day", q: "Que s'est-il passé le 27 janvier 2025 ?", from: "2025-01-27", to: "2025-01-27", text: "Que s'est-il passé ?", phrase: "le 27 janvier 2025"},
		{name: "day first", q: "27 janvier 2025", from: "2025-01-27", to: "2025-01-27", text: ""},
		{name: "1er no year", q: "Quoi de neuf le 1er mars ?", from: "2025-03-01", to: "2025-03-01", text: "Quoi de neuf ?"},
		{name: "en day", q: "What happened on January 27, 2025?", from: "2025-01-27", to: "2025-01-27", text: "What happened?", phrase: "on January 27, 2025"},
		{name: "en day first", q: "DeepSeek crash 27 January 2025", from: "2025-01-27", to: "2025-01-27", text: "DeepSeek crash"},
		{name: "ordinal of", q: "the 27th of January 2025", from: "2025-01-27", to: "2025-01-27", text: ""},
		{name: "iso", q: "Que dit le numéro du 2025-01-27 ?", from: "2025-01-27", to: "2025-01-27", text: "Que dit le numéro ?"},
		{name: "slash", q: "Le 27/01/2025, qu'a fait Nvidia ?", from: "2025-01-27", to: "2025-01-27", text: "Qu'a fait Nvidia ?"},
		{name: "iso month", q: "issue 2025-03", from: "2025-03", to: "2025-03", text: "issue"},
		{name: "weekday", q: "lundi 27 janvier 2025", from: "2025-01-27", to: "2025-01-27", text: ""},
		{name: "leap day", q: "le 29 février", from: "2024-02-29", to: "2024-02-29", text: ""},
		{name: "typographic apostrophe", q: "Qu’a fait Mistral l’an dernier ?", from: "2024-01", to: "2024-12", text: "Qu’a fait Mistral ?", phrase: "l’an dernier"},
		// years
		{name: "en year", q: "Qu'a fait Mistral en 2024 ?", from: "2024-01", to: "2024-12", text: "Qu'a fait Mistral ?"},
		{name: "in year", q: "What did Meta release in 2024?", from: "2024-01", to: "2024-12", text: "What did Meta release?"},
		{name: "year alone", q: "2024 ?", from: "2024-01", to: "2024-12", text: ""},
		{name: "year lead", q: "En 2024, qu'a fait Mistral ?", from: "2024-01", to: "2024-12", text: "Qu'a fait Mistral ?"},
		{name: "year parenthetical", q: "Mistral, en 2024, a levé combien ?", from: "2024-01", to: "2024-12", text: "Mistral a levé combien ?"},
		{name: "annee", q: "Bilan de l'année 2023", from: "2023-01", to: "2023-12", text: "Bilan"},
		{name: "year range", q: "Les levées en 2023-2024", from: "2023-01", to: "2024-12", text: "Les levées"},
		// seasons and parts
		{name: "printemps", q: "Les annonces au printemps 2024 ?", from: "2024-03", to: "2024-05", text: "Les annonces ?"},
		{name: "a l'ete", q: "Qu'a sorti Apple à l'été 2025 ?", from: "2025-06", to: "2025-08", text: "Qu'a sorti Apple ?"},
		{name: "cet ete", q: "Qu'a fait Mistral cet été ?", from: "2025-06", to: "2025-08", text: "Qu'a fait Mistral ?"},
		{name: "spring", q: "in spring 2024", from: "2024-03", to: "2024-05", text: ""},
		{name: "summer", q: "Anthropic summer 2025", from: "2025-06", to: "2025-08", text: "Anthropic"},
		{name: "winter", q: "l'hiver dernier", from: "2024-12", to: "2025-02", text: ""},
		{name: "last summer", q: "What happened last summer?", from: "2024-06", to: "2024-08", text: "What happened?"},
		{name: "fin year", q: "Qu'a fait Google fin 2024 ?", from: "2024-09", to: "2024-12", text: "Qu'a fait Google ?"},
		{name: "debut year", q: "début 2025", from: "2025-01", to: "2025-04", text: ""},
		{name: "mi year", q: "mi-2025", from: "2025-05", to: "2025-08", text: ""},
		{name: "end of", q: "What happened at the end of 2024?", from: "2024-09", to: "2024-12", text: "What happened?", phrase: "at the end of 2024"},
		{name: "early year", q: "early 2025", from: "2025-01", to: "2025-04", text: ""},
		{name: "fin de l'annee", q: "Qu'a fait OpenAI à la fin de l'année ?", from: "2025-09", to: "2025-12", text: "Qu'a fait OpenAI ?"},
		// A target after the reference month is read as a deadline.
		{name: "pour fin de l'annee", q: "Que prévoit OpenAI pour la fin de l'année ?", from: "", to: "2025-12", text: "Que prévoit OpenAI ?"},
		{name: "for next year", q: "What will OpenAI ship for next year?", from: "", to: "2026-12", text: "What will OpenAI ship?"},
		{name: "pour past year", q: "Quels résultats pour 2024 ?", from: "2024-01", to: "2024-12", text: "Quels résultats ?"},
		{name: "pour ref month", q: "Quels lancements pour août 2025 ?", from: "2025-08", to: "2025-08", text: "Quels lancements ?"},
		{name: "trimestre", q: "Résultats de Nvidia au premier trimestre 2025", from: "2025-01", to: "2025-03", text: "Résultats de Nvidia"},
		{name: "T1", q: "T1 2025", from: "2025-01", to: "2025-03", text: ""},
		{name: "Q1", q: "Nvidia revenue Q1 2025?", from: "2025-01", to: "2025-03", text: "Nvidia revenue?"},
		{name: "semestre", q: "le premier semestre 2025", from: "2025-01", to: "2025-06", text: ""},
		{name: "H1", q: "H1 2025", from: "2025-01", to: "2025-06", text: ""},
		{name: "second half", q: "in the second half of 2024", from: "2024-07", to: "2024-12", text: ""},
		{name: "last quarter", q: "le dernier trimestre", from: "2025-04", to: "2025-06", text: ""},
		// relative
		{name: "an dernier", q: "l'année dernière", from: "2024-01", to: "2024-12", text: ""},
		{name: "last year", q: "What did Apple do last year?", from: "2024-01", to: "2024-12", text: "What did Apple do?"},
		{name: "cette annee", q: "Les levées de fonds cette année", from: "2025-01", to: "2025-12", text: "Les levées de fonds"},
		{name: "this year", q: "this year", from: "2025-01", to: "2025-12", text: ""},
		{name: "mois dernier", q: "Qu'a fait Mistral le mois dernier ?", from: "2025-07", to: "2025-07", text: "Qu'a fait Mistral ?"},
		{name: "last month", q: "last month", from: "2025-07", to: "2025-07", text: ""},
		{name: "ce mois-ci", q: "Quoi de neuf ce mois-ci ?", from: "2025-08", to: "2025-08", text: "Quoi de neuf ?"},
		{name: "this month", q: "this month", from: "2025-08", to: "2025-08", text: ""},
		{name: "semaine derniere", q: "la semaine dernière", from: "2025-08-04", to: "2025-08-10", text: ""},
		{name: "last week", q: "What did OpenAI ship last week?", from: "2025-08-04", to: "2025-08-10", text: "What did OpenAI ship?"},
		{name: "cette semaine", q: "cette semaine", from: "2025-08-11", to: "2025-08-17", text: ""},
		{name: "semaine du", q: "Quoi de neuf la semaine du 26 mars 2025 ?", from: "2025-03-24", to: "2025-03-30", text: "Quoi de neuf ?", phrase: "la semaine du 26 mars 2025"},
		{name: "semaine du lundi", q: "semaine du 24 mars", from: "2025-03-24", to: "2025-03-30", text: ""},
		{name: "week of", q: "What happened the week of March 30, 2025?", from: "2025-03-24", to: "2025-03-30", text: "What happened?"},
		{name: "week of across months", q: "the week of 1 January 2025", from: "2024-12-30", to: "2025-01-05", text: ""},
		{name: "this week", q: "this week", from: "2025-08-11", to: "2025-08-17", text: ""},
		{name: "hier", q: "Qu'est-ce qui est sorti hier ?", from: "2025-08-14", to: "2025-08-14", text: "Qu'est-ce qui est sorti ?"},
		{name: "yesterday", q: "yesterday", from: "2025-08-14", to: "2025-08-14", text: ""},
		{name: "aujourd'hui", q: "Quoi de neuf aujourd'hui ?", from: "2025-08-15", to: "2025-08-15", text: "Quoi de neuf ?"},
		{name: "today", q: "today", from: "2025-08-15", to: "2025-08-15", text: ""},
		{name: "recemment", q: "Qu'a fait Mistral récemment ?", from: "2025-06", to: "2025-08", text: "Qu'a fait Mistral ?"},
		{name: "recently", q: "recently", from: "2025-06", to: "2025-08", text: ""},
		{name: "depuis mars", q: "Qu'a publié OpenAI depuis mars ?", from: "2025-03", to: "", text: "Qu'a publié OpenAI ?"},
		{name: "since March", q: "since March", from: "2025-03", to: "", text: ""},
		{name: "depuis year", q: "depuis 2024", from: "2024-01", to: "", text: ""},
		{name: "since year", q: "Which models since 2024?", from: "2024-01", to: "", text: "Which models?"},
		{name: "depuis duration", q: "depuis 3 mois", from: "2025-06", to: "", text: ""},
		{name: "depuis debut annee", q: "depuis le début de l'année", from: "2025-01", to: "", text: ""},
		{name: "avant", q: "avant mars 2025", from: "", to: "2025-02", text: ""},
		{name: "before", q: "before March 2025", from: "", to: "2025-02", text: ""},
		{name: "avant day", q: "avant le 27 janvier 2025", from: "", to: "2025-01-26", text: ""},
		{name: "apres", q: "après mars 2025", from: "2025-04", to: "", text: ""},
		{name: "after", q: "after 2024", from: "2025-01", to: "", text: ""},
		{name: "jusqu'en", q: "jusqu'en 2024", from: "", to: "2024-12", text: ""},
		{name: "by deadline", q: "What will OpenAI release by the end of 2025?", from: "", to: "2025-12", text: "What will OpenAI release?", phrase: "by the end of 2025"},
		{name: "d'ici deadline", q: "Que doit lancer Mistral d'ici fin 2025 ?", from: "", to: "2025-12", text: "Que doit lancer Mistral ?", phrase: "d'ici fin 2025"},
		{name: "d'ici a deadline", q: "Qui sera rentable d'ici à la fin de l'année ?", from: "", to: "2025-12", text: "Qui sera rentable ?", phrase: "d'ici à la fin de l'année"},
		{name: "by a name", q: "Written by March Hare?", none: true},
		{name: "entre", q: "Qu'a fait Mistral entre janvier et mars 2025 ?", from: "2025-01", to: "2025-03", text: "Qu'a fait Mistral ?"},
		{name: "between", q: "between January and March 2025", from: "2025-01", to: "2025-03", text: ""},
		{name: "de a", q: "de janvier à mars 2025", from: "2025-01", to: "2025-03", text: ""},
		{name: "from to", q: "from January to March 2025", from: "2025-01", to: "2025-03", text: ""},
		{name: "dash range", q: "January–March 2025", from: "2025-01", to: "2025-03", text: ""},
		{name: "across year", q: "de novembre à février", from: "2024-11", to: "2025-02", text: ""},
		{name: "day range", q: "du 3 au 10 mars 2025", from: "2025-03-03", to: "2025-03-10", text: ""},
		{name: "il y a", q: "Qu'a fait Mistral il y a deux mois ?", from: "2025-06", to: "2025-06", text: "Qu'a fait Mistral ?"},
		{name: "ago", q: "two months ago", from: "2025-06", to: "2025-06", text: ""},
		{name: "trois derniers mois", q: "les trois derniers mois", from: "2025-06", to: "2025-08", text: ""},
		{name: "last three months", q: "What happened over the last three months?", from: "2025-06", to: "2025-08", text: "What happened?"},
		{name: "last 7 days", q: "the last 7 days", from: "2025-08-09", to: "2025-08-15", text: ""},
		{name: "annee prochaine", q: "Que prévoit Mistral pour l'année prochaine ?", from: "", to: "2026-12", text: "Que prévoit Mistral ?"},
		{name: "en annee prochaine", q: "Que lancera Mistral l'année prochaine ?", from: "2026-01", to: "2026-12", text: "Que lancera Mistral ?"},
		{name: "possessive", q: "What were this year's best models?", from: "2025-01", to: "2025-12", text: "What were best models?"},
		{name: "en ce debut", q: "Qu'a fait Mistral en ce début d'année ?", from: "2025-01", to: "2025-04", text: "Qu'a fait Mistral ?"},
		{name: "ces semaines", q: "Qu'a publié Google ces deux dernières semaines ?", from: "2025-08-02", to: "2025-08-15", text: "Qu'a publié Google ?"},
		{name: "il y a semaines", q: "il y a 2 semaines", from: "2025-07-28", to: "2025-08-03", text: ""},
		{name: "entre days", q: "Quelles annonces entre le 1er et le 15 mars ?", from: "2025-03-01", to: "2025-03-15", text: "Quelles annonces ?"},
		{name: "de years lead", q: "De 2023 à 2025, comment a évolué Mistral ?", from: "2023-01", to: "2025-12", text: "Comment a évolué Mistral ?"},
		{name: "parentheses", q: "Mistral (en 2024) a levé", from: "2024-01", to: "2024-12", text: "Mistral a levé"},
		{name: "parentheses first", q: "(en 2024) Mistral ?", from: "2024-01", to: "2024-12", text: "Mistral ?"},
		{name: "du day", q: "Que dit la newsletter du 12 mai 2025 ?", from: "2025-05-12", to: "2025-05-12", text: "Que dit la newsletter ?"},
		{name: "combining accents", q: "e\u0301te\u0301 2024", from: "2024-06", to: "2024-08", text: ""},
		{name: "list", q: "Quels modèles sont sortis en 2024 et 2025 ?", from: "2024-01", to: "2025-12", text: "Quels modèles sont sortis ?"},
		{name: "first of several", q: "en 2024 puis en 2025", from: "2024-01", to: "2024-12", text: "puis en 2025"},

		// not dates
		{name: "7B", q: "Mistral 7B", none: true},
		{name: "GPT-4", q: "Que vaut GPT-4 ?", none: true},
		{name: "49.3", q: "le 49.3", none: true},
		{name: "R1", q: "DeepSeek R1", none: true},
		{name: "o3", q: "OpenAI o3", none: true},
		{name: "decimal", q: "5,6 millions de dollars", none: true},
		{name: "thousands", q: "100 000 GPU", none: true},
		{name: "version", q: "Llama 3.1", none: true},
		{name: "H20", q: "les puces H20", none: true},
		{name: "GPT-4o", q: "GPT-4o", none: true},
		{name: "iPhone", q: "iPhone 16", none: true},
		{name: "2000 puces", q: "2000 puces", none: true},
		{name: "2 000 GPU", q: "2 000 GPU", none: true},
		{name: "2 024 employes", q: "les 2 024 employés", none: true},
		{name: "en euros", q: "payé en 2025 euros", none: true},
		{name: "bare year in text", q: "Mistral 2024 modèle", none: true},
		{name: "a ete", q: "Qu'a été annoncé par Mistral ?", none: true},
		{name: "sept", q: "sept modèles", none: true},
		{name: "may verb", q: "the model may fail", none: true},
		{name: "Jan name", q: "Jan Leike a quitté OpenAI", none: true},
		{name: "fin de", q: "la fin de GPT-4", none: true},
		{name: "premier ministre", q: "le premier ministre", none: true},
		{name: "planet", q: "Mistral sur Mars", none: true},
		{name: "il y a", q: "il y a 3 modèles", none: true},
		{name: "fraction", q: "1/3 des requêtes, 24/7", none: true},
		{name: "the fall", q: "the fall of Rome", none: true},
		{name: "dernier modele", q: "le dernier modèle de Mistral", none: true},
		{name: "quantity after year", q: "Le modèle fait 2025 tokens", none: true},
		{name: "duration", q: "Mistral vise la rentabilité en 2 ans", none: true},
		{name: "fin verb", q: "OpenAI met fin au contrat", none: true},
		{name: "year in name", q: "Bilan WWDC 2024", none: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := Parse(tc.q, ref)
			if tc.none {
				if ok {
					t.Fatalf("Parse(%q) = %+v, want no date", tc.q, m)
				}
				return
			}
			if !ok {
				t.Fatalf("Parse(%q): no date, want %s..%s", tc.q, tc.from, tc.to)
			}
			if want := (Range{tc.from, tc.to}); m.Range != want {
				t.Errorf("Parse(%q).Range = %+v, want %+v (phrase %q)", tc.q, m.Range, want, m.Phrase)
			}
			if m.Text != tc.text {
				t.Errorf("Parse(%q).Text = %q, want %q", tc.q, m.Text, tc.text)
			}
			if tc.phrase != "" && m.Phrase != tc.phrase {
				t.Errorf("Parse(%q).Phrase = %q, want %q", tc.q, m.Phrase, tc.phrase)
			}
			checkMatch(t, tc.q, m)
		})
	}
}

// TestRefResolution checks phrases without a year against other references.
func TestRefResolution(t *testing.T) {
	tests := []struct {
		name, q  string
		ref      time.Time
		from, to string
	}{
		{"january in january", "en janvier", time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC), "2025-01", "2025-01"},
		{"february before its day", "le 20 février", time.Date(2025, 2, 10, 0, 0, 0, 0, time.UTC), "2024-02-20", "2024-02-20"},
		{"winter in december", "cet hiver", time.Date(2024, 12, 5, 0, 0, 0, 0, time.UTC), "2024-12", "2025-02"},
		{"summer just over", "l'été dernier", time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), "2025-06", "2025-08"},
		{"last week over new year", "last week", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), "2024-12-23", "2024-12-29"},
		{"last months over new year", "les 3 derniers mois", time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC), "2024-11", "2025-01"},
		{"last quarter in Q1", "last quarter", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), "2024-10", "2024-12"},
		{"Q4 without year", "in Q4", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), "2024-10", "2024-12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := Parse(tc.q, tc.ref)
			if !ok {
				t.Fatalf("Parse(%q): no date", tc.q)
			}
			if want := (Range{tc.from, tc.to}); m.Range != want {
				t.Errorf("Parse(%q).Range = %+v, want %+v", tc.q, m.Range, want)
			}
		})
	}
}

// checkMatch verifies the invariants every match holds.
func checkMatch(t *testing.T, q string, m Match) {
	t.Helper()
	if m.Start < 0 || m.End > len(q) || m.Start >= m.End {
		t.Fatalf("Parse(%q): offsets [%d, %d) out of bounds", q, m.Start, m.End)
	}
	if q[m.Start:m.End] != m.Phrase {
		t.Fatalf("Parse(%q): Phrase %q != q[%d:%d] %q", q, m.Phrase, m.Start, m.End, q[m.Start:m.End])
	}
	if m.Range.From == "" && m.Range.To == "" {
		t.Fatalf("Parse(%q): both bounds open", q)
	}
	from, okF := bound(m.Range.From, false)
	to, okT := bound(m.Range.To, true)
	if !okF || !okT {
		t.Fatalf("Parse(%q): invalid range %+v", q, m.Range)
	}
	if m.Range.From != "" && m.Range.To != "" && from.After(to) {
		t.Fatalf("Parse(%q): From after To in %+v", q, m.Range)
	}
}

// bound parses a Range bound as its first day, or its last day when end.
func bound(s string, end bool) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	if d, err := time.Parse("2006-01-02", s); err == nil {
		return d, true
	}
	d, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, false
	}
	if end {
		d = d.AddDate(0, 1, -1)
	}
	return d, true
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Qu'a annoncé Mistral en janvier 2025 ?", "le 27 janvier 2025", "January 27, 2025",
		"2025-01-27", "27/01/2025", "en 2024", "2024 ?", "Mistral 7B", "GPT-4o", "les 2 024 employés",
		"au printemps 2024", "T1 2025", "H1 2025", "fin janvier", "mi-2025", "l’an dernier",
		"il y a deux mois", "les trois derniers mois", "entre janvier et mars 2025", "du 3 au 10 mars",
		"de novembre à février", "avant le 1er mars", "depuis 3 mois", "le 29 février", "Mistral, en 2024, a levé",
		"e\u0301te\u0301 2024", "\xff en 2024 \xfe", "31/02/2025", "2024-2025", "Q4", "en sept. 2024",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		m, ok := Parse(q, ref)
		if !ok {
			if m != (Match{}) {
				t.Fatalf("Parse(%q): ok false with non-zero match %+v", q, m)
			}
			return
		}
		checkMatch(t, q, m)
	})
}

var sinkMatch Match

func BenchmarkParse(b *testing.B) {
	qs := []string{
		"Qu'a annoncé Mistral en janvier 2025 ?",
		"What did OpenAI release over the last three months?",
		"Quels sont les benchmarks de Llama 3.1 405B face à GPT-4o ?",
		"Combien de GPU H100 Meta a-t-il achetés pour entraîner ses modèles ?",
	}
	for _, q := range qs {
		b.Run(q[:12], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkMatch, _ = Parse(q, ref)
			}
		})
	}
}
