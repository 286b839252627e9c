package dates

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Token kinds.
const (
	tWord  = iota + 1 // letters only
	tNum              // ASCII digits only
	tAlnum            // letters and digits: "7b", "h20", "1er", "q1"
	tPunct            // one other byte
)

// token is a span of the folded question.
type token struct {
	s, e int32 // byte offsets in the folded text
	n    int32 // value of a tNum of at most 9 digits, else -1
	nd   uint8 // number of digits of a tNum (capped at 255)
	kind uint8
	sp   bool // preceded by white space or at the start
}

// latin holds the folded form of U+00C0…U+024F: the base letter, or a
// two-letter expansion for ligatures; "" for what is not a Latin letter.
var latin [0x250 - 0xC0]string

func init() {
	for r := rune(0xC0); r < 0x250; r++ {
		s := norm.NFD.String(string(unicode.ToLower(r)))
		if c := s[0]; 'a' <= c && c <= 'z' {
			latin[r-0xC0] = s[:1]
		}
	}
	for r, s := range map[rune]string{'Æ': "ae", 'æ': "ae", 'Œ': "oe", 'œ': "oe", 'ß': "ss", 'Ø': "o", 'ø': "o"} {
		latin[r-0xC0] = s
	}
}

// fold lower-cases q, strips accents, maps typographic apostrophes to ',
// dashes to -, every space to ' ', currency signs to $, other letters to x
// and other symbols to #. When q is not ASCII it also records, for each
// folded byte, the offset in q of the rune it came from.
func (p *parser) fold(buf []byte) {
	q := p.q
	ascii := true
	for i := 0; i < len(q); i++ {
		if q[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	b := buf[:0]
	if ascii {
		for i := 0; i < len(q); i++ {
			b = append(b, foldASCII(q[i]))
		}
		p.f = string(b)
		return
	}
	off := make([]int32, 0, len(q)+1)
	for i, r := range q {
		var s string
		switch {
		case r < utf8.RuneSelf:
			b = append(b, foldASCII(byte(r)))
			off = append(off, int32(i))
			continue
		case r == '\u2019' || r == '\u2018' || r == '\u02bc' || r == '\u00b4' || r == '\u2032':
			s = "'"
		case r >= '\u2010' && r <= '\u2015' || r == '\u2212':
			s = "-"
		case unicode.IsSpace(r):
			s = " "
		case r >= 0xC0 && r < 0x250 && latin[r-0xC0] != "":
			s = latin[r-0xC0]
		case unicode.Is(unicode.Mn, r):
			continue // a combining accent: "e\u0301" folds like "é"
		case unicode.IsLetter(r):
			s = "x"
		case unicode.Is(unicode.Sc, r):
			s = "$"
		default:
			s = "#"
		}
		for j := 0; j < len(s); j++ {
			b = append(b, s[j])
			off = append(off, int32(i))
		}
	}
	p.f = string(b)
	p.off = append(off, int32(len(q)))
}

func foldASCII(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
		return ' '
	case c == '`':
		return '\''
	}
	return c
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// lex splits the folded text into tokens.
func (p *parser) lex() {
	f := p.f
	sp := true
	for i := 0; i < len(f); {
		c := f[i]
		if c == ' ' {
			sp = true
			i++
			continue
		}
		t := token{s: int32(i), sp: sp, n: -1, kind: tPunct}
		j := i + 1
		if isLetter(c) || isDigit(c) {
			letters, digits := false, false
			for j = i; j < len(f) && (isLetter(f[j]) || isDigit(f[j])); j++ {
				if isDigit(f[j]) {
					digits = true
				} else {
					letters = true
				}
			}
			switch {
			case !digits:
				t.kind = tWord
			case !letters:
				t.kind = tNum
				t.nd = uint8(min(j-i, 255))
				if j-i <= 9 {
					n := int32(0)
					for k := i; k < j; k++ {
						n = n*10 + int32(f[k]-'0')
					}
					t.n = n
				}
			default:
				t.kind = tAlnum
			}
		}
		t.e = int32(j)
		p.toks = append(p.toks, t)
		sp = false
		i = j
	}
}

// orig maps an offset in the folded text to one in the question.
func (p *parser) orig(i int32) int {
	if p.off == nil {
		return int(i)
	}
	return int(p.off[i])
}
