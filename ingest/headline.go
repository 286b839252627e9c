package ingest

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const (
	// maxHeadlineWords bounds a headline found from its shape alone.
	maxHeadlineWords = 15
	// maxKnownHeadlineWords bounds a line that matches a known headline.
	maxKnownHeadlineWords = 25
	// minSentenceWords is the shortest text left after splitting a
	// headline off; shorter rests are too weak a signal.
	minSentenceWords = 6
)

// foldWords returns the words of s in lower case, without accents, split at
// anything that is not a letter or a digit: "l’IA « frugal »?" gives
// [l ia frugal]. Headlines are compared in this form, and issue keys made
// of it. Text made of the runes of [foldedRunes] is folded a rune at a time
// from that table, which [foldNFD] filled; any other text goes through
// foldNFD itself. Parsing the benchmark archive spent a fifth of its time
// in foldNFD; with the table it takes 12 % less time.
func foldWords(s string) []string {
	buf := make([]byte, 0, len(s))
	for _, r := range s {
		if r >= rune(len(foldedRunes)) || foldedRunes[r] == nil {
			return strings.Fields(foldNFD(s))
		}
		buf = append(buf, foldedRunes[r]...)
	}
	return strings.Fields(string(buf))
}

// foldNFD decomposes s (NFD), drops its nonspacing marks, lowers its
// letters and turns every rune that is neither a letter nor a digit into a
// space.
func foldNFD(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// foldedRunes holds what foldNFD makes of each rune below U+2070 that
// starts its own decomposition (its canonical combining class is 0): such a
// rune's marks never reorder with its neighbours', so a text of them folds
// rune by rune. Combining marks (from U+0300) and the runes up to U+1FFF
// after them (Greek, Cyrillic and other scripts, Vietnamese letters) are
// left out (nil).
var foldedRunes = func() [][]byte {
	t := make([][]byte, 0x2070)
	for r := range rune(len(t)) {
		if (r >= 0x300 && r < 0x2000) || !utf8.ValidRune(r) {
			continue
		}
		if p := norm.NFD.PropertiesString(string(r)); p.CCC() != 0 || p.LeadCCC() != 0 {
			continue
		}
		t[r] = []byte(foldNFD(string(r)))
	}
	return t
}()

// headlineSet is an issue's list of headlines, in order, with their folded
// forms for matching.
type headlineSet struct {
	list []string
	keys [][]string
}

// add appends h unless it is empty or related to a headline already there.
func (hs *headlineSet) add(h string) {
	k := foldWords(h)
	if len(k) == 0 || hs.related(k) {
		return
	}
	hs.list = append(hs.list, h)
	hs.keys = append(hs.keys, k)
}

// related reports whether the folded words w equal, extend or start a known
// headline. Extending needs a known headline of two words or more, starting
// one needs three words or more, so that a lone name matches nothing.
func (hs *headlineSet) related(w []string) bool {
	for _, k := range hs.keys {
		switch {
		case slices.Equal(w, k):
			return true
		case len(k) >= 2 && len(w) > len(k) && slices.Equal(w[:len(k)], k):
			return true
		case len(w) >= 3 && len(w) < len(k) && slices.Equal(k[:len(w)], w):
			return true
		}
	}
	return false
}

// knownPrefix returns how many of words spell a known headline of two words
// or more, ending on a word boundary, or 0. Closing quotes and "?" or "!"
// standing alone after it are counted in.
func (hs *headlineSet) knownPrefix(words []string) int {
	best := 0
	for _, k := range hs.keys {
		if len(k) < 2 {
			continue
		}
		if n := spells(words, k); n > best {
			best = n
		}
	}
	for best > 0 && best < len(words) && len(foldWords(words[best])) == 0 && strings.Trim(words[best], closers+"?!") == "" {
		best++
	}
	return best
}

// spells returns the number of leading words whose folded words are exactly
// key, or 0.
func spells(words []string, key []string) int {
	t := 0
	for i, w := range words {
		for _, tok := range foldWords(w) {
			if t == len(key) || tok != key[t] {
				return 0
			}
			t++
		}
		if t == len(key) {
			return i + 1
		}
	}
	return 0
}

// standalone reports whether a paragraph is a headline on its own: a line
// related to a known headline, or a title-like line that is not a credit or
// a byline.
func (hs *headlineSet) standalone(text string) bool {
	if moreWordsThan(text, max(maxKnownHeadlineWords, maxHeadlineWords)) {
		return false // a paragraph of text: not worth splitting into words
	}
	words := strings.Fields(text)
	if len(words) == 0 {
		return false
	}
	// A known headline may start in lower case, like a product name
	// ("gpt-oss : …"); a title found by its shape may not.
	if len(words) <= maxKnownHeadlineWords && hs.related(foldWords(text)) &&
		!strings.ContainsAny(lastMark(words[len(words)-1]), ".…,;:") && !hasSentenceEnd(words[:len(words)-1]) {
		return true
	}
	return titleLike(words) && !notTitles[strings.ToLower(strings.TrimRight(words[0], ":"))]
}

// collapsed reports whether s is trimmed and its only white space is single
// ASCII spaces. Every paragraph of an ingest passes here: it looks each
// byte up in a table and decodes only the runes that may be white space,
// 3.5 times as fast on the benchmark archive's lines (0.7 ns a byte) as a
// test of each byte's kind and a decoding of every non-ASCII rune.
func collapsed(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' || strings.Contains(s, "  ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !maySpace[s[i]] {
			continue
		}
		if s[i] < utf8.RuneSelf {
			return false
		}
		if r, _ := utf8.DecodeRuneInString(s[i:]); unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// maySpace marks the bytes that start white space other than ' ' (see
// [unicode.IsSpace]): ASCII tab to carriage return, and the lead bytes of
// the other spaces' UTF-8, 0xC2 (U+0085, U+00A0), 0xE1 (U+1680), 0xE2
// (U+2000 to U+205F) and 0xE3 (U+3000). No continuation byte is among
// them, so a byte marked starts a rune.
var maySpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, 0xC2: true, 0xE1: true, 0xE2: true, 0xE3: true}

// moreWordsThan reports whether text has more than n words, reading no
// further than the word after the n-th.
func moreWordsThan(text string, n int) bool {
	words := 0
	for range strings.FieldsSeq(text) {
		if words++; words > n {
			return true
		}
	}
	return false
}

// titleLike reports whether words have the shape of a title: 2 to
// [maxHeadlineWords] words, a capital first, no sentence punctuation inside,
// ending with a letter, digit, closing quote or "?", and not with a word
// such as "de" or "the" that cannot end a title.
func titleLike(words []string) bool {
	if len(words) < 2 || len(words) > maxHeadlineWords || !startsUpper(words[0]) {
		return false
	}
	for _, w := range words[:len(words)-1] {
		if strings.ContainsAny(lastMark(w), ".!?…;") {
			return false
		}
	}
	last := words[len(words)-1]
	mark := lastMark(last)
	return (mark == "" || mark == "?") && !isFunctionWord(last)
}

// firstLineHeadline reports whether the first line of a multi-line paragraph
// is a headline: a standalone headline shape, followed by a line starting
// with a capital and, unless it matches a known headline, at most 60% as
// long (hard-wrapped text has lines of even length).
func (hs *headlineSet) firstLineHeadline(first, next string) bool {
	nextWords := strings.Fields(next)
	if len(nextWords) == 0 || !startsUpper(nextWords[0]) || !hs.standalone(first) {
		return false
	}
	return hs.related(foldWords(first)) || len(first)*10 <= len(next)*6
}

// splitStart splits a headline glued to the start of text, single-spaced, as
// described on [FormatRaw].
func (hs *headlineSet) splitStart(text string) (headline, rest string, ok bool) {
	// The cut is found within the first maxKnownHeadlineWords+2 words (the
	// word after the cut and the one after it); a paragraph with none
	// there is rejected without splitting all its words.
	if hs.startCut(firstFields(text, maxKnownHeadlineWords+2)) == 0 {
		return "", "", false
	}
	words := strings.Fields(text)
	cut := hs.startCut(words)
	if cut == 0 || !looksLikeSentence(words[cut:]) {
		return "", "", false
	}
	return strings.Join(words[:cut], " "), strings.Join(words[cut:], " "), true
}

// startCut returns where a headline glued to the start of words ends, or 0.
func (hs *headlineSet) startCut(words []string) int {
	if len(words) < 3+minSentenceWords || !startsUpper(words[0]) {
		return 0
	}
	if n := hs.knownPrefix(words); n > 0 {
		return cutAfterKnown(words, n)
	}
	return cutGeneric(words)
}

// firstFields returns the first n words of text at most.
func firstFields(text string, n int) []string {
	words := make([]string, 0, n)
	for w := range strings.FieldsSeq(text) {
		if len(words) == n {
			break
		}
		words = append(words, w)
	}
	return words
}

// cutAfterKnown returns where the headline ends in words that start with a
// known headline n words long, or 0: at n if a sentence opener follows or the
// headline ends with "?" or "!", else at the first later opener or after the
// first later "?" or "!", within [maxKnownHeadlineWords].
func cutAfterKnown(words []string, n int) int {
	for i := n; i < len(words) && i <= maxKnownHeadlineWords; i++ {
		mark := lastMark(words[i-1])
		switch {
		case strings.ContainsAny(mark, "?!"):
			if startsUpper(words[i]) {
				return i
			}
			return 0
		case strings.ContainsAny(mark, ".…;,"):
			return 0
		case opensSentence(words, i):
			return i
		}
	}
	return 0
}

// cutGeneric returns where a headline ends in words from its shape alone,
// or 0: at the first capitalised sentence opener after three words or more,
// before any comma or sentence punctuation, within [maxHeadlineWords].
func cutGeneric(words []string) int {
	for i := 1; i < len(words) && i <= maxHeadlineWords; i++ {
		if strings.ContainsAny(lastMark(words[i-1]), ".…!?;,") {
			return 0
		}
		if i >= 3 && opensSentence(words, i) {
			return i
		}
	}
	return 0
}

// opensSentence reports whether words[i] is a capitalised sentence opener
// that can follow a headline: words[i-1] must end the headline cleanly (a
// letter, digit or closing quote, not a word like "de" or an opener itself).
// A determiner or pronoun must be followed by a lower-case word or a number,
// so that names like "Le Chat" or "The Information" do not count.
func opensSentence(words []string, i int) bool {
	prev, w := words[i-1], words[i]
	if isFunctionWord(prev) || isOpenerWord(prev) || !endsClean(prev) || i+1 >= len(words) {
		return false
	}
	next := words[i+1]
	switch {
	case determiners[w]:
		return startsLowerOrDigit(next)
	case prepositions[w]:
		return true
	}
	for _, p := range elisions {
		if rest, ok := strings.CutPrefix(w, p); ok && startsLowerOrDigit(rest) {
			return true
		}
	}
	return false
}

// splitEnd splits a title-like tail off the end of text, single-spaced, as
// described on [FormatRaw].
func (hs *headlineSet) splitEnd(text string) (body, headline string, ok bool) {
	// A title has at most maxHeadlineWords words, so the sentence end
	// before it is among the last maxHeadlineWords+1: a paragraph whose
	// last words end with no title is rejected without splitting all its
	// words.
	if _, ok := hs.endTitle(lastFields(text, maxHeadlineWords+1)); !ok {
		return "", "", false
	}
	words := strings.Fields(text)
	k, ok := hs.endTitle(words)
	if !ok || k+1 < minSentenceWords {
		return "", "", false
	}
	return strings.Join(words[:k+1], " "), strings.Join(words[k+1:], " "), true
}

// endTitle reports whether words end with a title that follows a sentence,
// and returns k, the index of the word that ends the sentence.
func (hs *headlineSet) endTitle(words []string) (k int, ok bool) {
	k = -1
	for j := len(words) - 2; j >= 0; j-- {
		if endsSentence(words[j]) && !isAbbreviation(words[j]) && startsUpper(words[j+1]) {
			k = j
			break
		}
	}
	if k < 0 {
		return k, false
	}
	tail := words[k+1:]
	if !titleLike(tail) {
		return k, false
	}
	return k, hs.related(foldWords(strings.Join(tail, " "))) || hasTitleColon(tail)
}

// lastFields returns the last n words of text at most, as strings.Fields
// splits them.
func lastFields(text string, n int) []string {
	words := make([]string, n)
	i, end := n, len(text)
	for end > 0 && i > 0 {
		if r, size := utf8.DecodeLastRuneInString(text[:end]); unicode.IsSpace(r) {
			end -= size
			continue
		}
		start := end
		for start > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:start])
			if unicode.IsSpace(r) {
				break
			}
			start -= size
		}
		i--
		words[i] = text[start:end]
		end = start
	}
	return words[i:]
}

// hasTitleColon reports whether words are shaped "Name : title" or
// "Name: title".
func hasTitleColon(words []string) bool {
	for i, w := range words[:len(words)-1] {
		if i > 0 && w == ":" || w != ":" && strings.HasSuffix(w, ":") {
			return true
		}
	}
	return false
}

// looksLikeSentence reports whether words read as running text rather than
// a fragment: a capital first, six words or more, and a sentence end or
// twelve words or more.
func looksLikeSentence(words []string) bool {
	if len(words) < minSentenceWords || !startsUpper(words[0]) {
		return false
	}
	return len(words) >= 12 || hasSentenceEnd(words)
}

// hasSentenceEnd reports whether a word of words ends a sentence.
func hasSentenceEnd(words []string) bool {
	return slices.ContainsFunc(words, endsSentence)
}

const (
	openers = "«“‘\"'([¿¡"
	closers = "»”’\"')]"
)

// lastMark returns the punctuation that ends the word w (or the last word
// of w), closing quotes and brackets left out: "l’IA?" and "»?" give "?", "R1," gives ",", "»" gives "" and
// "«" gives "«".
func lastMark(w string) string {
	end := len(w)
	for end > 0 {
		r, size := utf8.DecodeLastRuneInString(w[:end])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) {
			break
		}
		end -= size
	}
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(closers, r) {
			return -1
		}
		return r
	}, w[end:])
}

// endsSentence reports whether w ends with ".", "!", "?" or "…", possibly
// before closing quotes.
func endsSentence(w string) bool {
	return strings.ContainsAny(lastMark(w), ".!?…")
}

// endsClean reports whether w ends with a letter, a digit or a closing quote
// or bracket.
func endsClean(w string) bool {
	return lastMark(w) == ""
}

// startsUpper reports whether w, opening quotes left out, starts with an
// upper-case letter or a digit.
func startsUpper(w string) bool {
	r, _ := utf8.DecodeRuneInString(strings.TrimLeft(w, openers))
	return unicode.IsUpper(r) || unicode.IsDigit(r)
}

// startsLowerOrDigit reports whether w, opening quotes left out, starts with
// a lower-case letter or a digit.
func startsLowerOrDigit(w string) bool {
	r, _ := utf8.DecodeRuneInString(strings.TrimLeft(w, openers))
	return unicode.IsLower(r) || unicode.IsDigit(r)
}

// isAbbreviation reports whether w, ending with a period, is more likely an
// abbreviation ("M.", "U.S.", "etc.") than the end of a sentence.
func isAbbreviation(w string) bool {
	t := strings.TrimRight(w, closers)
	if !strings.HasSuffix(t, ".") {
		return false
	}
	t = strings.TrimSuffix(t, ".")
	if utf8.RuneCountInString(t) <= 1 {
		return true
	}
	if abbreviations[strings.ToLower(t)] {
		return true
	}
	for p := range strings.SplitSeq(t, ".") {
		if utf8.RuneCountInString(p) > 1 {
			return false
		}
	}
	return true
}

// isFunctionWord reports whether w is a word that cannot end a title: an
// article, preposition, conjunction or elided form ("d’", "l'").
func isFunctionWord(w string) bool {
	t := strings.ToLower(strings.Trim(w, openers+closers))
	return functionWords[t] || strings.HasSuffix(t, "’") || strings.HasSuffix(t, "'")
}

// isOpenerWord reports whether w is one of the sentence openers.
func isOpenerWord(w string) bool {
	return determiners[w] || prepositions[w]
}

// wordSet builds a set from space-separated words.
func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for w := range strings.FieldsSeq(s) {
		m[w] = true
	}
	return m
}

var (
	// determiners are capitalised articles, pronouns and conjunctions that
	// start sentences; a lower-case word must follow them.
	determiners = wordSet(`Le La Les Un Une Des Ce Cet Cette Ces Son Sa Ses Leur Leurs Notre Nos Votre Vos
		Il Elle Ils Elles On Nous Vous Je Cela Ceci Tout Tous Toutes Plusieurs Certains Certaines Chaque
		Aucun Aucune Mais Si Du Au Aux
		The This These Those Its It They We Our An`)

	// prepositions are capitalised prepositions, adverbs and participles
	// that start sentences; a name may follow them ("Selon Bloomberg").
	prepositions = wordSet(`Selon Depuis Après Avant Pour Avec Dans En Sur Chez Lors Malgré Grâce Face Parmi
		Outre Alors Ainsi Pourtant Cependant Désormais Déjà Hier Aujourd’hui Aujourd'hui Enfin Concrètement
		Basée Basé Basés Basées Fondée Fondé Créée Créé Lancée Lancé Située Situé Installée Installé
		Estimée Estimé Valorisée Valorisé Présentée Présenté Annoncée Annoncé Dévoilée Dévoilé
		According After Since Following Based Founded Launched In At With For Last Earlier`)

	// elisions are capitalised elided openers: "L’entreprise", "D’après",
	// "C’est", "Qu’il", "S’il"; a lower-case letter must follow them.
	elisions = strings.Fields(`L’ L' D’ D' C’ C' Qu’ Qu' S’ S' J’ J'`)

	// functionWords cannot end a title.
	functionWords = wordSet(`de du des d la le les l un une à a au aux et ou en pour par sur avec dans
		que qui sans sous vers chez entre son sa ses ce cette ces leur leurs mais donc ni car dont
		the of and or to an in for on with by at from its`)

	// notTitles start short lines that credit or point elsewhere rather
	// than name a news item: "Source : Les Echos", "Par Jeanne Martin".
	notTitles = wordSet(`source sources crédit crédits photo photos illustration lire voir
		par by via`)

	// abbreviations end with a period without ending a sentence.
	abbreviations = wordSet(`mme mmes mlle mlles dr pr me mgr st ste etc cf vs inc ltd corp co jr sr
		no nº av apr env ex fig vol éd ed`)
)
