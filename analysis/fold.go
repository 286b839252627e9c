package analysis

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldTable holds the folded form of every non-ASCII rune below foldTableSize,
// computed once from Unicode data so the tokenizer never calls into norm on
// the hot path for Latin text.
const foldTableSize = 0x250

var foldTable [foldTableSize]string

func init() {
	for r := rune(utf8.RuneSelf); r < foldTableSize; r++ {
		foldTable[r] = foldRuneSlow(r)
	}
}

// ligatures lists letters that Unicode does not decompose but that French and
// English readers treat as letter sequences.
var ligatures = map[rune]string{
	'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss",
	'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ł': "l", 'Ł': "l",
	'ı': "i", 'ĳ': "ij", 'Ĳ': "ij",
}

// foldRuneSlow lower-cases r, decomposes it and drops combining marks.
func foldRuneSlow(r rune) string {
	if s, ok := ligatures[r]; ok {
		return s
	}
	if isApostrophe(r) {
		return "'"
	}
	if unicode.Is(unicode.Mn, r) {
		return ""
	}
	var b strings.Builder
	for _, d := range norm.NFD.String(string(unicode.ToLower(r))) {
		if !unicode.Is(unicode.Mn, d) {
			b.WriteRune(d)
		}
	}
	return b.String()
}

// foldRune returns the folded form of a non-ASCII rune.
func foldRune(r rune) string {
	if r < foldTableSize {
		return foldTable[r]
	}
	return foldRuneSlow(r)
}

// Fold lower-cases s, removes accents and other combining marks, expands the
// ligatures œ and æ, and maps typographic apostrophes (’ ‘ ʼ) to '.
// "Élysée" becomes "elysee" and "Œuvre" becomes "oeuvre". Characters outside
// letters and marks are kept as they are.
func Fold(s string) string {
	if isFoldedASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(lowerASCII(byte(r)))
		default:
			b.WriteString(foldRune(r))
		}
	}
	return b.String()
}

func isFoldedASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isApostrophe(r rune) bool {
	return r == '\'' || r == '\u2019' || r == '\u2018' || r == '\u02bc'
}

func isHyphen(r rune) bool {
	return r == '-' || r == '\u2010' || r == '\u2011'
}

// isSpaceInNumber reports whether r may separate thousands groups, as in
// "100 000" (French typography uses a no-break or narrow no-break space).
func isSpaceInNumber(r rune) bool {
	return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009'
}
