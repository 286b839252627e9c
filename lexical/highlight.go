package lexical

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/veille/veille/analysis"
)

// Highlight returns the sentence of text that best matches query, its byte
// offsets in text (text[start:end] == sentence, surrounding spaces
// trimmed), and the byte offsets in text of the words of that sentence that
// match a query word, in order.
//
// Query words are compared by stem, so "modèles" matches "modèle";
// stopwords and question words are ignored. A sentence scores the sum, over
// the distinct query words it contains, of a weight that is higher for
// words found in few sentences of text and for capitalised words (names),
// plus a small bonus for words found in their exact form. The earliest of
// equal sentences wins. When no sentence matches, Highlight returns the
// first sentence and no matches; when text is blank, it returns "", 0, 0
// and nil. See [Sentences] for where sentences end.
func Highlight(query, text string) (sentence string, start, end int, matches [][2]int) {
	sents := Sentences(text)
	if len(sents) == 0 {
		return "", 0, 0, nil
	}
	type qword struct {
		w     float64
		exact map[string]bool
	}
	qws := map[string]*qword{}
	for _, t := range analysis.Tokens(query) {
		if t.Flags&(analysis.Stop|analysis.Question) != 0 {
			continue
		}
		q := qws[t.Stem]
		if q == nil {
			q = &qword{w: 1, exact: map[string]bool{}}
			qws[t.Stem] = q
		}
		if t.Flags&analysis.Capitalized != 0 && t.Flags&analysis.SentenceStart == 0 {
			q.w = DefaultNames
		}
		q.exact[t.Term] = true
	}
	best := 0
	if len(qws) > 0 {
		toks := analysis.Tokens(text)
		// which[i] is the sentence of toks[i], or -1 between sentences.
		which := make([]int, len(toks))
		s := 0
		for i, t := range toks {
			for s < len(sents) && sents[s][1] <= t.Start {
				s++
			}
			which[i] = -1
			if s < len(sents) && t.Start >= sents[s][0] {
				which[i] = s
			}
		}
		// Count the sentences holding each query stem, once per sentence.
		type seenKey struct {
			term  string
			sent  int
			exact bool
		}
		seen := map[seenKey]bool{}
		sf := map[string]int{}
		for i, t := range toks {
			k := seenKey{term: t.Stem, sent: which[i]}
			if qws[t.Stem] == nil || which[i] < 0 || seen[k] {
				continue
			}
			seen[k] = true
			sf[t.Stem]++
		}
		scores := make([]float64, len(sents))
		clear(seen)
		for i, t := range toks {
			q := qws[t.Stem]
			if q == nil || which[i] < 0 {
				continue
			}
			if k := (seenKey{term: t.Stem, sent: which[i]}); !seen[k] {
				seen[k] = true
				idf := 1 + math.Log(float64(len(sents))/float64(sf[t.Stem]))
				scores[which[i]] += q.w * idf
			}
			if k := (seenKey{term: t.Term, sent: which[i], exact: true}); q.exact[t.Term] && !seen[k] {
				seen[k] = true
				scores[which[i]] += DefaultExact * q.w
			}
		}
		for i, sc := range scores {
			if sc > scores[best] {
				best = i
			}
		}
		if scores[best] > 0 {
			for i, t := range toks {
				if which[i] == best && qws[t.Stem] != nil {
					matches = append(matches, [2]int{t.Start, t.End})
				}
			}
		}
	}
	start, end = sents[best][0], sents[best][1]
	return text[start:end], start, end, matches
}

// Sentences splits text into sentences and returns their byte offsets,
// [start, end) with surrounding spaces trimmed, in order; blank sentences
// are skipped. A sentence ends at a line break, or after '.', '!', '?' or
// '…' (with any closing quotes or brackets, including a French « … » quote
// closed after a space) that is followed by a space and then something
// that can open a sentence: a capital, a digit, an opening quote or
// bracket, or a dash. So decimals ("5.6"), domains ("openai.com"), a
// lower-case continuation ("? » demanda-t-il"), initials ("J. K. Rowling")
// and common abbreviations ("M. Macron", "Mme", "Dr", "cf.") do not end a
// sentence.
func Sentences(text string) [][2]int {
	var out [][2]int
	from := 0
	emit := func(end int) {
		s, e := trimSpace(text, from, end)
		if s < e {
			out = append(out, [2]int{s, e})
		}
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			emit(i)
			from = i + n
			i += n
			continue
		case r == '.' || r == '!' || r == '?' || r == '…':
		default:
			i += n
			continue
		}
		end := i
		// The run of terminal marks, then closing quotes and brackets.
		for end < len(text) {
			r, n := utf8.DecodeRuneInString(text[end:])
			if r != '.' && r != '!' && r != '?' && r != '…' {
				break
			}
			end += n
		}
		end = closeQuotes(text, end)
		if end == i+1 && text[i] == '.' && abbreviation(text, i) {
			i = end
			continue
		}
		if end < len(text) && !opensSentence(text, end) {
			i = end
			continue
		}
		emit(end)
		from = end
		i = end
	}
	emit(len(text))
	return out
}

// closeQuotes extends a sentence end over closing quotes and brackets,
// and over the space French typography puts before '»'.
func closeQuotes(text string, end int) int {
	for end < len(text) {
		r, n := utf8.DecodeRuneInString(text[end:])
		switch r {
		case '»', '"', '”', '’', '\'', ')', ']':
			end += n
			continue
		case ' ', '\u00a0', '\u202f':
			if r2, n2 := utf8.DecodeRuneInString(text[end+n:]); r2 == '»' {
				end += n + n2
				continue
			}
		}
		return end
	}
	return end
}

// opensSentence reports whether text[i:] is a space followed by what can
// start a sentence.
func opensSentence(text string, i int) bool {
	j := i
	for j < len(text) {
		r, n := utf8.DecodeRuneInString(text[j:])
		if !unicode.IsSpace(r) {
			break
		}
		j += n
	}
	if j == i {
		return false
	}
	if j == len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[j:])
	switch r {
	case '«', '"', '“', '(', '[', '-', '–', '—', '¿', '¡':
		return true
	}
	return unicode.IsUpper(r) || unicode.IsDigit(r)
}

// abbreviations are words that end with a '.' that does not end a
// sentence, lower-cased. Single letters (initials) are handled apart.
var abbreviations = map[string]bool{
	"mm": true, "mme": true, "mmes": true, "mlle": true, "mlles": true, "dr": true, "pr": true,
	"me": true, "mgr": true, "st": true, "ste": true, "cf": true, "av": true, "apr": true,
	"vol": true, "art": true, "coll": true, "fig": true, "env": true, "ex": true, "vs": true,
	"mr": true, "mrs": true, "ms": true, "prof": true, "jr": true, "sr": true, "inc": true,
	"ltd": true, "corp": true, "cie": true, "gén": true, "col": true, "no": true, "nº": true,
	"p": true, "pp": true, "éd": true, "dir": true, "trad": true, "hab": true,
}

// abbreviation reports whether the '.' at text[dot] closes an abbreviation
// or an initial rather than a sentence.
func abbreviation(text string, dot int) bool {
	start := dot
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:start])
		if !unicode.IsLetter(r) {
			break
		}
		start -= n
	}
	word := text[start:dot]
	if word == "" {
		return false
	}
	if r, n := utf8.DecodeRuneInString(word); n == len(word) && unicode.IsUpper(r) {
		return true // an initial: "J. K. Rowling", "M. Macron"
	}
	return abbreviations[strings.ToLower(word)]
}

func trimSpace(text string, s, e int) (int, int) {
	for s < e {
		r, n := utf8.DecodeRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		s += n
	}
	for e > s {
		r, n := utf8.DecodeLastRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		e -= n
	}
	return s, e
}
