package answer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a sentence of a passage: text[Start:End].
type span struct{ Start, End int }

// sentences splits text into sentences. A sentence ends at '.', '!', '?' or
// '…' (with any closing quotes or brackets after it) followed by a space and
// an upper-case letter, a digit or an opening quote, or by the end of the
// text. Decimal numbers ("5.6"), initials ("J. Doe") and common
// abbreviations ("M.", "etc.", "av. J.-C.") do not end a sentence.
func sentences(text string) []span {
	var out []span
	start := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if r != '.' && r != '!' && r != '?' && r != '…' {
			continue
		}
		end := closing(text, i)
		if end < len(text) && !startsSentence(text[end:]) {
			i = end
			continue
		}
		if r == '.' && abbreviation(text[start:i-1]) {
			i = end
			continue
		}
		if s := trim(text, start, end); s.End > s.Start {
			out = append(out, s)
		}
		start, i = end, end
	}
	if s := trim(text, start, len(text)); s.End > s.Start {
		out = append(out, s)
	}
	return out
}

// closing returns the end of the run of punctuation, closing quotes and
// brackets that starts at i; French puts a space before a closing «»
// quote, so a space followed by one is part of the run.
func closing(text string, i int) int {
	for i < len(text) {
		c, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case strings.ContainsRune(".!?…»\")]’", c):
			i += n
		case unicode.IsSpace(c) && strings.HasPrefix(strings.TrimLeftFunc(text[i:], unicode.IsSpace), "»"):
			i += n
		default:
			return i
		}
	}
	return i
}

// startsSentence reports whether rest, the text after a full stop, begins
// with white space and then something that can open a sentence.
func startsSentence(rest string) bool {
	trimmed := strings.TrimLeftFunc(rest, unicode.IsSpace)
	if len(trimmed) == len(rest) || trimmed == "" {
		return trimmed == ""
	}
	r, _ := utf8.DecodeRuneInString(trimmed)
	return unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("«\"“([", r)
}

// abbreviation reports whether before, the text up to a full stop, ends with
// a single letter (an initial) or a common abbreviation.
func abbreviation(before string) bool {
	i := strings.LastIndexFunc(before, func(r rune) bool { return unicode.IsSpace(r) || r == '(' })
	word := before[i+1:]
	if utf8.RuneCountInString(word) == 1 {
		return unicode.IsLetter([]rune(word)[0])
	}
	return abbreviations[strings.ToLower(word)]
}

var abbreviations = map[string]bool{
	"m": true, "mm": true, "mme": true, "mlle": true, "dr": true, "pr": true, "st": true,
	"etc": true, "cf": true, "ex": true, "env": true, "av": true, "apr": true, "vol": true,
	"mr": true, "mrs": true, "ms": true, "vs": true, "inc": true, "ltd": true, "corp": true,
	"co": true, "jr": true, "sr": true, "no": true, "n°": true, "p": true, "pp": true,
	"j.-c": true, "e.g": true, "i.e": true, "u.s": true,
}

// trim narrows text[start:end] to exclude surrounding white space.
func trim(text string, start, end int) span {
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
