package dates

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Range is an inclusive date range over issue dates. Each bound is
// "YYYY-MM" (the whole month) or "YYYY-MM-DD"; an empty bound is open.
// At least one bound is set, and From's first day is on or before To's last.
type Range struct{ From, To string }

// Match is a date expression found in a question.
type Match struct {
	// Range is the period the expression means.
	Range Range
	// Text is the question with Phrase and a dangling preposition before it
	// removed, white space collapsed and the final punctuation kept:
	// "Qu'a fait Mistral en janvier 2025 ?" gives "Qu'a fait Mistral ?".
	// It is "" when nothing but the expression and punctuation remains.
	Text string
	// Phrase is the expression as written in the question, with its
	// prepositions: "en janvier 2025".
	Phrase string
	// Start and End are the byte offsets of Phrase in the question.
	Start, End int
}

// Parse looks for the first date expression in q, in French or English, and
// reports ok false when there is none. ref is the reference date for
// relative phrases ("le mois dernier", "en janvier" with no year); callers
// pass the date of the archive's newest issue. Only ref's calendar date in
// its own location is used; a zero ref means time.Now(). See the package
// documentation for how expressions are resolved. Parse does no I/O and is
// safe for concurrent use.
func Parse(q string, ref time.Time) (m Match, ok bool) {
	if ref.IsZero() {
		ref = time.Now()
	}
	var (
		p    parser
		fbuf [256]byte
		tbuf [48]token
	)
	p.q = q
	p.words = -1
	p.c.ref = day{ref.Year(), int(ref.Month()), ref.Day()}
	p.toks = tbuf[:0]
	p.fold(fbuf[:])
	p.lex()
	for i, t := range p.toks {
		switch t.kind {
		case tPunct:
			continue
		case tWord:
			if !starters[p.f[t.s:t.e]] {
				continue
			}
		}
		s, end, ok := p.expr(i)
		if !ok || !s.valid() {
			continue
		}
		if p.is(end, '\'') && p.glued(end) && p.w(end+1) == "s" && p.glued(end+1) {
			end += 2 // "this year's models"
		}
		if n := p.deadline(i); n > 0 {
			i -= n
			s = span{open, s.to}
		} else if p.target(i, s) {
			s = span{open, s.to}
		}
		start, stop := p.orig(p.toks[i].s), p.orig(p.toks[end-1].e)
		return Match{
			Range:  Range{From: s.from.String(), To: s.to.String()},
			Text:   p.clean(i, end),
			Phrase: q[start:stop],
			Start:  start,
			End:    stop,
		}, true
	}
	return Match{}, false
}

// deadline returns the number of tokens before token i that make the
// expression there a deadline, "by" or "d'ici" (optionally "d'ici à"), or
// 0. A question about what is due "by the end of 2025" asks about news
// from any time until then, not about news dated late 2025, which the
// archive may not have yet.
func (p *parser) deadline(i int) int {
	j := i
	if j >= 1 && p.w(j-1) == "by" {
		return 1
	}
	if j >= 1 && p.w(j-1) == "a" {
		j--
	}
	if j >= 3 && p.w(j-1) == "ici" && p.is(j-2, '\'') && p.w(j-3) == "d" {
		return i - j + 3
	}
	return 0
}

// target reports whether the expression s, which starts at token i, is a
// target in the future: "pour" or "for" a period that starts after the
// reference month. Like a deadline, it asks about news from any time until
// its end: "Que prévoit OpenAI pour la fin de l'année ?" asked in August is
// answered by what the archive said of it so far, not by issues of
// September to December that it does not have yet, while "Quels résultats
// pour 2024 ?" asks about 2024.
func (p *parser) target(i int, s span) bool {
	w := p.w(i)
	return (w == "pour" || w == "for") && s.from.y != 0 &&
		monthOf(s.from.y, s.from.m).key() > monthOf(p.c.ref.y, p.c.ref.m).key()
}

// clean removes tokens [i, end) and a dangling preposition before them.
func (p *parser) clean(i, end int) string {
	q := p.q
	stop := p.orig(p.toks[end-1].e)
	for n := 0; n < 2 && i > 0; n++ {
		switch {
		case dangling[p.w(i-1)] && (i == 1 || p.toks[i-1].sp):
			i--
		case i >= 2 && p.is(i-1, '\'') && p.w(i-2) == "d" && (i == 2 || p.toks[i-2].sp):
			i -= 2
		default:
			n = 2
		}
	}
	left := strings.TrimRightFunc(q[:p.orig(p.toks[i].s)], unicode.IsSpace)
	rest := q[stop:]
	right := strings.TrimLeftFunc(rest, unicode.IsSpace)
	spaced := len(right) < len(rest)
	capital := false
	switch {
	case strings.HasSuffix(left, "(") && strings.HasPrefix(right, ")"):
		left, right = strings.TrimRightFunc(left[:len(left)-1], unicode.IsSpace), strings.TrimLeftFunc(right[1:], unicode.IsSpace)
		spaced = true
	case strings.TrimLeft(left, "¿¡\"'«“ (") == "":
		// The phrase opened the question: drop what introduced the rest
		// ("En 2024, …") and restore the capital.
		right = strings.TrimLeftFunc(right, func(r rune) bool {
			return r == ',' || r == ':' || r == ';' || r == '-' || r == '–' || r == '—' || unicode.IsSpace(r)
		})
		capital = startsUpper(q[len(left):])
	case strings.HasSuffix(left, ",") && strings.HasPrefix(right, ","):
		// "Mistral, en 2024, a levé" → "Mistral a levé"
		left, right = strings.TrimRightFunc(left[:len(left)-1], unicode.IsSpace), strings.TrimLeftFunc(right[1:], unicode.IsSpace)
		spaced = true
	}
	if right == "" || strings.IndexFunc(right, isAlnum) < 0 && strings.HasPrefix(right, ",") {
		left = strings.TrimRight(left, ",;:")
		right = strings.TrimLeft(right, ",;: ")
	}
	if strings.IndexFunc(left, isAlnum) < 0 && strings.IndexFunc(right, isAlnum) < 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(left) + len(right) + 1)
	collapse(&b, left)
	if left != "" && right != "" {
		r, _ := utf8.DecodeRuneInString(right)
		if spaced || !strings.ContainsRune("?!.,;:)", r) {
			b.WriteByte(' ')
		}
	}
	if capital && right != "" {
		r, n := utf8.DecodeRuneInString(right)
		b.WriteRune(unicode.ToUpper(r))
		right = right[n:]
	}
	collapse(&b, right)
	return strings.TrimSpace(b.String())
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func startsUpper(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return unicode.IsUpper(r)
		}
	}
	return false
}

// collapse writes s with every run of white space as one space.
func collapse(b *strings.Builder, s string) {
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
}
