package chat

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is the byte range [start, end) of a text.
type span struct{ start, end int }

// splitSentences returns the sentences of text as byte ranges, trimmed of
// white space and of any list marker ("- ", "* ", "1. ", "## ") that opens
// their line. A line break always ends a sentence. A full stop does not end
// one inside a number ("5.6"), after an initial or a known abbreviation
// ("M.", "J. Dupont", "etc."), or when the next word starts in lower case.
// Citation markers right after the end of a sentence ("… en 2024. [2]")
// belong to that sentence, and a line holding only markers joins the
// sentence before it.
func splitSentences(text string) []span {
	var out []span
	add := func(start, end int) {
		s := trimSpan(text, start, end)
		if s.end <= s.start {
			return
		}
		if onlyMarkup(text[s.start:s.end]) {
			// A lone "[2]" line cites the sentence above; anything else
			// without letters or digits ("—", "**") is dropped.
			if len(out) > 0 && strings.Contains(text[s.start:s.end], "[") {
				out[len(out)-1].end = s.end
			}
			return
		}
		out = append(out, s)
	}
	start := skipLineStart(text, 0)
	for i := start; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			add(start, i)
			start = skipLineStart(text, i+1)
			i = start
			continue
		case r == '.' || r == '!' || r == '?' || r == '…':
			end := afterTerminal(text, i+n)
			if !opensSentence(text[end:]) || r == '.' && abbreviated(text[start:i]) {
				i = max(end, i+n)
				continue
			}
			add(start, end)
			start, i = end, end
			continue
		}
		i += n
	}
	add(start, len(text))
	return out
}

// afterTerminal returns the end of the run that follows a sentence's final
// punctuation at i: more punctuation, closing quotes and brackets, and
// citation markers, possibly after spaces ("… 2024. [2]").
func afterTerminal(text string, i int) int {
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if strings.ContainsRune(".!?…»\"”’)*", r) {
			i += n
			continue
		}
		j := i
		for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
			j++
		}
		if m, ok := markerAt(text, j); ok {
			i = m.end
			continue
		}
		if r == ' ' && strings.HasPrefix(text[i+1:], "»") {
			i++ // French puts a space before a closing guillemet
			continue
		}
		return i
	}
	return i
}

// opensSentence reports whether rest, the text after a sentence's final
// punctuation, is empty or starts with white space and then a character
// that can begin a sentence: a capital, a digit, an opening quote or
// bracket, a list marker or another line.
func opensSentence(rest string) bool {
	trimmed := strings.TrimLeft(rest, " \t\u00a0\u202f")
	if trimmed == "" {
		return true
	}
	if len(trimmed) == len(rest) {
		return rest[0] == '\n' || rest[0] == '\r'
	}
	r, _ := utf8.DecodeRuneInString(trimmed)
	return unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("«\"“([*-•\n\r", r)
}

// abbreviated reports whether before, a sentence up to a full stop, ends with
// an initial or a common abbreviation, after which a full stop does not end
// the sentence.
func abbreviated(before string) bool {
	i := strings.LastIndexFunc(before, func(r rune) bool { return unicode.IsSpace(r) || r == '(' || r == '\'' || r == '’' })
	word := before[i+1:]
	if utf8.RuneCountInString(word) == 1 {
		r, _ := utf8.DecodeRuneInString(word)
		return unicode.IsLetter(r)
	}
	return shortForms[strings.ToLower(word)]
}

// shortForms are abbreviations written with a final full stop.
var shortForms = map[string]bool{
	"mm": true, "mme": true, "mmes": true, "mlle": true, "dr": true, "pr": true, "st": true,
	"ste": true, "etc": true, "cf": true, "ex": true, "env": true, "vol": true, "av": true,
	"mr": true, "mrs": true, "ms": true, "vs": true, "inc": true, "ltd": true, "corp": true,
	"co": true, "jr": true, "sr": true, "no": true, "n°": true, "p": true, "pp": true,
	"e.g": true, "i.e": true, "u.s": true, "j.-c": true, "approx": true, "fig": true,
}

// skipLineStart skips the spaces and the list or heading marker that start
// the line at i.
func skipLineStart(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
		i++
	}
	rest := text[i:]
	switch {
	case strings.HasPrefix(rest, "- "), strings.HasPrefix(rest, "* "), strings.HasPrefix(rest, "+ "):
		i += 2
	case strings.HasPrefix(rest, "• "), strings.HasPrefix(rest, "– "):
		i += len(rest) - len(rest[strings.IndexByte(rest, ' ')+1:])
	case strings.HasPrefix(rest, "#"):
		j := strings.IndexFunc(rest, func(r rune) bool { return r != '#' })
		if j > 0 && rest[j] == ' ' {
			i += j + 1
		}
	default:
		j := 0
		for j < len(rest) && j < 3 && '0' <= rest[j] && rest[j] <= '9' {
			j++
		}
		if j > 0 && j+1 < len(rest) && (rest[j] == '.' || rest[j] == ')') && rest[j+1] == ' ' {
			i += j + 2
		}
	}
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	return i
}

// trimSpan narrows text[start:end] to exclude surrounding white space.
func trimSpan(text string, start, end int) span {
	for start < end {
		r, n := utf8.DecodeRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= n
	}
	return span{start, end}
}

// onlyMarkup reports whether s has no letter or digit outside citation
// markers.
func onlyMarkup(s string) bool {
	for i := 0; i < len(s); {
		if m, ok := markerAt(s, i); ok {
			i = m.end
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
		i += n
	}
	return true
}

// marker is a citation marker such as "[1]", "[1, 2]" or "[2-4]" at
// text[start:end], with the passage numbers it cites in order.
type marker struct {
	start, end int
	ns         []int
}

// maxRange bounds the passages a range marker such as "[1-3]" may cite, so
// that "[1-2025]" is not read as two thousand citations.
const maxRange = 20

// markerAt parses the citation marker that starts at text[i], if any.
// Numbers are separated by commas or semicolons, with optional spaces;
// "a-b" is a range.
func markerAt(text string, i int) (marker, bool) {
	if i >= len(text) || text[i] != '[' {
		return marker{}, false
	}
	closing := strings.IndexByte(text[i:], ']')
	if closing < 2 || closing > 40 {
		return marker{}, false
	}
	m := marker{start: i, end: i + closing + 1}
	for part := range strings.FieldsFuncSeq(text[i+1:i+closing], func(r rune) bool { return r == ',' || r == ';' }) {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			lo, hi, isRange = strings.Cut(part, "–")
		}
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			return marker{}, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a || b-a >= maxRange {
				return marker{}, false
			}
		}
		for n := a; n <= b; n++ {
			m.ns = append(m.ns, n)
		}
	}
	return m, len(m.ns) > 0
}

// markers returns the citation markers of text in order.
func markers(text string) []marker {
	var out []marker
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '[')
		if j < 0 {
			break
		}
		if m, ok := markerAt(text, i+j); ok {
			out = append(out, m)
			i = m.end
			continue
		}
		i += j + 1
	}
	return out
}

// stripMarkers returns text without its citation markers and the spaces
// before them.
func stripMarkers(text string) string {
	ms := markers(text)
	if len(ms) == 0 {
		return text
	}
	var b strings.Builder
	prev := 0
	for _, m := range ms {
		b.WriteString(strings.TrimRight(text[prev:m.start], " \t"))
		prev = m.end
	}
	b.WriteString(text[prev:])
	return b.String()
}
