package analysis

import "strings"

// The lists are written in folded form (see [Fold]) because they are checked
// against folded terms: "où" and "ou" both become "ou". Interrogative words
// are stopwords too: they carry the question type, not its topic.

const frenchStopwords = `
a à afin ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient aurais
aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquels auxquelles avaient
avais avait avant avec avez aviez avions avoir avons ayant ayez ayons
c ca car ce ceci cela celle celles celui cependant certain certaine certaines certains ces cet
cette ceux chacun chacune chaque chez ci comme comment d dans de des desquels desquelles deja donc
dont du duquel elle elles en encore entre es est et etaient etais etait etant ete etes etiez etions
etre eu eue eues eurent eus eut eux fait faite faites fois font furent fut
hui aujourd ici il ils j je jusqu l la laquelle le lequel les lesquels lesquelles leur leurs lors
lorsque lorsqu lui m ma mais me meme memes mes moi moins mon n ne ni nos notre nous on ont or ou
par parce parmi pas pendant peu peut plus pour pourquoi puis puisque puisqu qu quand que quel quelle
quelles quels qui quoi quelqu s sa sans se sera serai seraient serais serait seras serez seriez
serions serons seront ses si sien sienne soi soient sois soit sommes son sont sous suis sur t ta
tandis te tel telle telles tels tes toi ton tous tout toute toutes tres tu un une unes uns vers
voici voila vos votre vous y combien
`

const englishStopwords = `
about after again all also am and any are as at be been before being both but by can could did
do does doing down during each few for from further had has have having he her here hers herself
him himself his how i if in into is it its itself just me more most my myself no nor not of off
on once only or other our ours out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very was
we were what when where which while who whom whose why will with would you your yours
`

// interrogatives are the question words of French and English, folded.
const interrogatives = `
combien comment quand pourquoi quel quelle quels quelles qui que quoi ou lequel laquelle lesquels
lesquelles what which who whom whose when where why how
`

// typeInterrogatives are the question words that ask which thing of a kind
// is meant, the kind being the word that follows: "quel pays", "combien
// d'hommes", "which year".
const typeInterrogatives = `
quel quelle quels quelles lequel laquelle lesquels lesquelles combien which what
`

var (
	stopwords    = wordSet(frenchStopwords, englishStopwords)
	questionWord = wordSet(interrogatives)
	typeQuestion = wordSet(typeInterrogatives)
)

func wordSet(lists ...string) map[string]bool {
	m := make(map[string]bool)
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			m[Fold(w)] = true
		}
	}
	return m
}

// IsStopword reports whether the folded term is a French or English
// stopword (articles, pronouns, auxiliaries, prepositions, question words).
// Pass terms as produced by [Tokens] or [Fold].
func IsStopword(term string) bool {
	return stopwords[term]
}

// IsInterrogative reports whether the folded term is a French or English
// question word such as "combien", "quand", "who" or "how". Answerers use it
// to guess the expected answer type; every interrogative is also a stopword.
func IsInterrogative(term string) bool {
	return questionWord[term]
}

// AsksForKind reports whether the folded term is a question word followed by
// the kind of thing asked for: "quel" in "Quel pays…", "combien" in
// "Combien d'hommes…", "what" in "What year…". That word names the answer's
// type, which the answer itself seldom repeats ("1834" answers "en quelle
// année"). Every such term is also an interrogative.
func AsksForKind(term string) bool {
	return typeQuestion[term]
}

// subjectPronouns are the pronouns that repeat an inverted question's
// subject after its verb: "Anthropic a-t-il", "Leavitt a-t-elle".
var subjectPronouns = map[string]bool{"il": true, "elle": true, "ils": true, "elles": true}

// indefinites are the French indefinite pronouns, folded, that stand alone
// as a subject as names do ("Plusieurs ont-ils démissionné ?") and are no
// names. Some are also stopwords.
var indefinites = wordSet("personne rien plusieurs beaucoup certains certaines chacun chacune aucun aucune tous toutes tout nul nulle autrui quiconque peu")

// NamesSubject reports whether the first of a question's tokens is its
// subject put before an inverted verb and its pronoun, as in "Anthropic
// a-t-il levé des fonds ?" or "Descartes est-il pour ou contre les
// passions ?", and is capitalised. French puts no bare common noun in that
// place, only a name or an indefinite pronoun ("Plusieurs ont-ils…"), so
// that word, unless it is one of those pronouns, is a name although it
// starts the sentence, where a capital otherwise tells nothing.
func NamesSubject(toks []Token) bool {
	if len(toks) < 3 || toks[0].Kind != Word || toks[0].Flags&Capitalized == 0 || toks[0].Flags&(Stop|Question) != 0 || indefinites[toks[0].Term] {
		return false
	}
	verb := toks[1]
	if verb.Kind != Word || verb.Flags&Hyphenated != 0 {
		return false
	}
	i := 2
	if toks[i].Term == "t" && toks[i].Flags&Hyphenated != 0 && i+1 < len(toks) {
		i++
	}
	return toks[i].Flags&Hyphenated != 0 && subjectPronouns[toks[i].Term]
}

// IsQuestion reports whether text reads as a question: it ends with a
// question mark, or its first word is a question word ("who", "combien").
func IsQuestion(text string) bool {
	text = strings.TrimSpace(text)
	if strings.HasSuffix(text, "?") {
		return true
	}
	first, _, _ := strings.Cut(text, " ") // the first word is enough
	toks := Tokens(first)
	return len(toks) > 0 && toks[0].Flags&Question != 0
}
