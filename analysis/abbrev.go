package analysis

import (
	"strings"
	"sync"
	"unicode"
)

// French abbreviations. A newsletter writes "l'UE" in one paragraph and
// "l'Union européenne" in the next, "le PDG" here and "le patron" there;
// a question may use either. [Abbreviations] bridges the two for queries,
// in any language: it gives the words an abbreviation written in capitals
// stands for, and the abbreviation of a spelt-out form. As with [Expand],
// passages keep their own words.

// abbreviationList maps French abbreviations to what they stand for, one
// entry a line: abbreviations as written (in capitals) separated by commas,
// "=", then French expressions separated by semicolons, the full form
// first. The full form, when it has several words, also leads back to the
// abbreviation; the other expressions are words a newsletter uses for the
// same thing ("patron" for "PDG") and only the abbreviation leads to them.
const abbreviationList = `
UE = Union européenne; européen
IA = intelligence artificielle
IAG, AGI = intelligence artificielle générale
USA, US = États-Unis; américain
UK = Royaume-Uni; britannique
PDG = président-directeur général; directeur général; patron; dirigeant
DG = directeur général; patron
ONU = Organisation des Nations unies; Nations unies
OTAN = Organisation du traité de l'Atlantique nord
BCE = Banque centrale européenne
FMI = Fonds monétaire international
OMC = Organisation mondiale du commerce
PIB = produit intérieur brut
RGPD = règlement général sur la protection des données; données personnelles
CNIL = Commission nationale de l'informatique et des libertés
DMA = règlement sur les marchés numériques
DSA = règlement sur les services numériques
PME = petites et moyennes entreprises
ETI = entreprises de taille intermédiaire
OPA = offre publique d'achat; rachat
IPO = introduction en Bourse
LLM = grand modèle de langage; modèle de langage
GPU = processeur graphique; puce
RH = ressources humaines
`

var (
	abbreviationsOnce sync.Once
	abbreviations     map[string][]Token // folded abbreviation → words it stands for
	fullForms         map[string]Token   // folded full form, terms joined by spaces → its abbreviation
	longestFullForm   int                // most terms in a full form
)

func loadAbbreviations() {
	abbreviations = make(map[string][]Token)
	fullForms = make(map[string]Token)
	for _, line := range strings.Split(abbreviationList, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		short, long, ok := strings.Cut(line, "=")
		if !ok {
			panic("analysis: abbreviation line without '=': " + line)
		}
		var words []Token
		exprs := strings.Split(long, ";")
		for _, expr := range exprs {
			for _, t := range Tokens(expr) {
				if t.Flags&Stop == 0 {
					words = mergeWords(words, Token{Term: t.Term, Stem: t.Stem, Kind: t.Kind})
				}
			}
		}
		full := Tokens(exprs[0])
		var terms []string
		for _, t := range full {
			terms = append(terms, t.Term)
		}
		for i, abbr := range strings.Split(short, ",") {
			a := Tokens(abbr)[0]
			abbreviations[a.Term] = words
			if i == 0 && len(full) > 1 {
				fullForms[strings.Join(terms, " ")] = Token{Term: a.Term, Stem: a.Stem, Kind: a.Kind}
				longestFullForm = max(longestFullForm, len(full))
			}
		}
	}
}

// Abbreviations returns the expansions of the French abbreviations and
// full forms among toks, the tokens of text as produced by [Tokens], in
// order: for an abbreviation written in capitals ("UE", "PDG"), the words
// it stands for ("union", "europeenne", "europeen"); for a full form
// ("Union européenne", "intelligence artificielle"), its abbreviation.
// Capitals are required, so that "us" or "ia" in running text are left
// alone. The expansions' Words are shared: callers must not modify them.
// It is safe for concurrent use.
func Abbreviations(text string, toks []Token) []Expansion {
	abbreviationsOnce.Do(loadAbbreviations)
	var out []Expansion
	terms := make([]string, 0, longestFullForm)
	for i := 0; i < len(toks); {
		used := 0
		for n := min(longestFullForm, len(toks)-i); n >= 2 && used == 0; n-- {
			terms = terms[:0]
			for _, t := range toks[i : i+n] {
				terms = append(terms, t.Term)
			}
			if abbr, ok := fullForms[strings.Join(terms, " ")]; ok {
				used = n
				out = append(out, Expansion{Source: strings.Join(terms, " "), Words: []Token{abbr}})
			}
		}
		if used == 0 {
			t := toks[i]
			if words, ok := abbreviations[t.Term]; ok && inCapitals(text[t.Start:t.End]) {
				out = append(out, Expansion{Source: t.Term, Words: words})
			}
		}
		i += max(used, 1)
	}
	return out
}

// inCapitals reports whether word has two letters or more and no
// lower-case one.
func inCapitals(word string) bool {
	letters := 0
	for _, r := range word {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters >= 2
}
