package dates

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// parser holds one question while Parse scans it.
type parser struct {
	q     string
	f     string  // folded q
	off   []int32 // f offset → q offset; nil when they coincide
	toks  []token
	c     clock
	words int // tokens other than punctuation and et/and; -1 until counted
}

// Context strength given by the words before a core expression.
const (
	ctxNone = iota
	ctxWeak
	ctxStrong
)

// val is a core expression. When partial, its year is still unknown and m
// (0 for a bare day in "du 3 au 10 mars"), d (0 for a whole month) and
// third describe it; otherwise sp holds the resolved range.
type val struct {
	sp          span
	partial     bool
	m, d, third int
	cal         bool // a calendar date rather than a relative phrase
}

func resolved(s span) val { return val{sp: s, cal: true} }

// Token accessors; each is safe for any index.

func (p *parser) tok(i int) (token, bool) {
	if i < 0 || i >= len(p.toks) {
		return token{}, false
	}
	return p.toks[i], true
}

// w is the text of token i if it is a word, else "".
func (p *parser) w(i int) string {
	t, ok := p.tok(i)
	if !ok || t.kind != tWord {
		return ""
	}
	return p.f[t.s:t.e]
}

// text is the text of token i whatever its kind.
func (p *parser) text(i int) string {
	t, ok := p.tok(i)
	if !ok {
		return ""
	}
	return p.f[t.s:t.e]
}

func (p *parser) is(i int, c byte) bool {
	t, ok := p.tok(i)
	return ok && t.kind == tPunct && p.f[t.s] == c
}

// glued reports whether token i exists and directly follows token i-1.
func (p *parser) glued(i int) bool {
	t, ok := p.tok(i)
	return ok && i > 0 && !t.sp
}

func (p *parser) num(i int) (n, nd int, ok bool) {
	t, ok := p.tok(i)
	if !ok || t.kind != tNum || t.n < 0 {
		return 0, 0, false
	}
	return int(t.n), int(t.nd), true
}

// elided matches "l'" style elisions: word w then an apostrophe.
func (p *parser) elided(i int, w string) bool {
	return p.w(i) == w && p.is(i+1, '\'')
}

// upper reports whether token i starts with an upper-case letter in q.
func (p *parser) upper(i int) bool {
	t, ok := p.tok(i)
	if !ok {
		return false
	}
	r, _ := utf8.DecodeRuneInString(p.q[p.orig(t.s):])
	return unicode.IsUpper(r)
}

// expr parses a date expression starting at token i: a range ("entre … et
// …"), an open range ("depuis …") or a single core with its prepositions.
func (p *parser) expr(i int) (span, int, bool) {
	w := p.w(i)
	switch w {
	case "entre", "between":
		return p.pair(i+1, "et", "and")
	case "de", "du", "from":
		if s, e, ok := p.pair(i + 1); ok {
			return s, e, true
		}
	case "d":
		if p.is(i+1, '\'') {
			if s, e, ok := p.pair(i + 2); ok {
				return s, e, true
			}
		}
	case "la", "the":
		if s, e, ok := p.weekOfDay(i + 1); ok {
			return s, e, true
		}
	case "semaine", "week":
		if s, e, ok := p.weekOfDay(i); ok {
			return s, e, true
		}
	case "depuis", "since":
		if n, u, e, ok := p.duration(i + 1); ok {
			return span{p.c.lastN(u, n).from, open}, e, true
		}
		if s, e, ok := p.operand(i + 1); ok {
			return span{s.from, open}, e, true
		}
		return span{}, 0, false
	case "avant", "before":
		if w == "avant" && p.is(i+1, '-') && p.w(i+2) == "hier" {
			return daySpan(addDays(p.c.ref, -2)), i + 3, true
		}
		if s, e, ok := p.operand(i + 1); ok {
			return span{open, before(s.from)}, e, true
		}
		return span{}, 0, false
	case "prior":
		if p.w(i+1) == "to" {
			if s, e, ok := p.operand(i + 2); ok {
				return span{open, before(s.from)}, e, true
			}
		}
		return span{}, 0, false
	case "apres", "after":
		if s, e, ok := p.operand(i + 1); ok {
			return span{after(s.to), open}, e, true
		}
		return span{}, 0, false
	case "jusqu":
		if p.is(i+1, '\'') && (p.w(i+2) == "a" || p.w(i+2) == "au" || p.w(i+2) == "en" || p.w(i+2) == "aux") {
			if s, e, ok := p.operand(i + 3); ok {
				return span{open, s.to}, e, true
			}
		}
		return span{}, 0, false
	case "until", "till":
		if s, e, ok := p.operand(i + 1); ok {
			return span{open, s.to}, e, true
		}
		return span{}, 0, false
	case "a", "starting":
		j := 0
		switch {
		case w == "a" && p.w(i+1) == "partir" && (p.w(i+2) == "de" || p.w(i+2) == "du"):
			j = i + 3
		case w == "a" && p.w(i+1) == "partir" && p.elided(i+2, "d"):
			j = i + 4
		case w == "starting" && (p.w(i+1) == "in" || p.w(i+1) == "from" || p.w(i+1) == "on"):
			j = i + 2
		}
		if j > 0 {
			if s, e, ok := p.operand(j); ok {
				return span{s.from, open}, e, true
			}
			return span{}, 0, false
		}
	}
	return p.simple(i)
}

// weekOfDay parses "semaine du 24 mars" or "week of March 24" at token i:
// the ISO week, Monday to Sunday, that holds the day.
func (p *parser) weekOfDay(i int) (span, int, bool) {
	switch w := p.w(i); {
	case w == "semaine" && (p.w(i+1) == "du" || p.w(i+1) == "de"), w == "week" && p.w(i+1) == "of":
		if s, e, ok := p.operand(i + 2); ok && s.from.d != 0 && s.from == s.to {
			return weekOf(s.from), e, true
		}
	}
	return span{}, 0, false
}

// pair parses "X sep Y" for "entre X et Y" and "de X à Y"; with no seps
// given it accepts the "to" words. X may lack its year or month, which Y
// then supplies.
func (p *parser) pair(i int, seps ...string) (span, int, bool) {
	v1, j, ok := p.side(i, true)
	if !ok {
		return span{}, 0, false
	}
	k := 0
	sep := p.w(j)
	if len(seps) > 0 {
		if sep == seps[0] || sep == seps[1] || p.is(j, '&') {
			k = j + 1
		}
	} else {
		switch {
		case sep == "a" || sep == "au" || sep == "aux" || sep == "to" || sep == "till" ||
			sep == "until" || sep == "through" || p.is(j, '-'):
			k = j + 1
		case sep == "jusqu" && p.is(j+1, '\'') && (p.w(j+2) == "a" || p.w(j+2) == "au" || p.w(j+2) == "en"):
			k = j + 3
		}
	}
	if k == 0 {
		return span{}, 0, false
	}
	v2, e, ok := p.side(k, false)
	if !ok {
		return span{}, 0, false
	}
	return p.join(v1, v2, e)
}

// join resolves v2, then v1 against it, into one range ending at token e.
func (p *parser) join(v1, v2 val, e int) (span, int, bool) {
	s2, ok := p.resolve(v2, p.c.ref)
	if !ok {
		return span{}, 0, false
	}
	s1, ok := p.resolve(v1, s2.from.first())
	if !ok {
		return span{}, 0, false
	}
	return hull(s1, s2), e, true
}

// side is one end of a range: a core, maybe after an article.
func (p *parser) side(i int, bare bool) (val, int, bool) {
	if v, e, ok := p.core(i, ctxStrong, bare); ok {
		return v, e, true
	}
	if k, ok := p.article(i); ok {
		return p.core(k, ctxStrong, bare)
	}
	return val{}, 0, false
}

// operand is what follows depuis/avant/après/…, resolved.
func (p *parser) operand(i int) (span, int, bool) {
	v, e, ok := p.side(i, false)
	if !ok {
		return span{}, 0, false
	}
	s, ok := p.resolve(v, p.c.ref)
	return s, e, ok
}

// duration parses "3 mois", "deux ans", "un an" after depuis.
func (p *parser) duration(i int) (int, unit, int, bool) {
	n, j, ok := p.count(i)
	if !ok {
		return 0, 0, 0, false
	}
	u, ok := units[p.w(j)]
	return n, u, j + 1, ok
}

// simple parses [preposition] [article] core [to core].
func (p *parser) simple(i int) (span, int, bool) {
	try := func(j, ctx int) (span, int, bool) {
		v, e, ok := p.core(j, ctx, false)
		if !ok {
			return span{}, 0, false
		}
		if v.cal {
			// "January to March 2025", "janvier–mars 2025"; a list such as
			// "en 2024 et 2025" gives the span that holds both.
			if w := p.w(e); w == "to" || w == "through" || w == "et" || w == "and" || w == "ou" || w == "or" || p.is(e, '-') {
				if v2, e2, ok := p.side(e+1, false); ok && v2.cal {
					if s, e3, ok := p.join(v, v2, e2); ok {
						return s, e3, true
					}
				}
			}
		}
		s, ok := p.resolve(v, p.c.ref)
		return s, e, ok
	}
	if s, e, ok := try(i, ctxNone); ok {
		return s, e, true
	}
	if j, ctx, ok := p.prep(i); ok {
		if s, e, ok := try(j, ctx); ok {
			return s, e, true
		}
		if p.w(i) == "on" {
			return span{}, 0, false
		}
		if k, ok := p.article(j); ok {
			return try(k, ctx)
		}
		return span{}, 0, false
	}
	if k, ok := p.article(i); ok {
		return try(k, ctxNone)
	}
	return span{}, 0, false
}

// prep consumes one preposition and reports the context it gives.
func (p *parser) prep(i int) (int, int, bool) {
	w := p.w(i)
	switch {
	case (w == "au" && p.w(i+1) == "cours") || (w == "lors"):
		j := i + 1
		if w == "au" {
			j++
		}
		switch {
		case p.w(j) == "de" || p.w(j) == "du" || p.w(j) == "des":
			return j + 1, ctxStrong, true
		case p.elided(j, "d"):
			return j + 2, ctxStrong, true
		}
		return 0, 0, false
	case w == "a":
		// "à la fin de", "à l'été", "à mi-2025", never the verb "a"
		if p.w(i+1) == "la" || p.elided(i+1, "l") || parts[p.w(i+1)] != 0 {
			return i + 1, ctxWeak, true
		}
		return 0, 0, false
	case w == "d" && p.is(i+1, '\''):
		return i + 2, ctxWeak, true
	case strongPreps[w]:
		return i + 1, ctxStrong, true
	case weakPreps[w]:
		return i + 1, ctxWeak, true
	}
	return 0, 0, false
}

func (p *parser) article(i int) (int, bool) {
	if articles[p.w(i)] {
		return i + 1, true
	}
	if p.elided(i, "l") {
		return i + 2, true
	}
	return 0, false
}

// resolve turns v into a range; a partial v takes the most recent year that
// puts it on or before anchor.
func (p *parser) resolve(v val, anchor day) (span, bool) {
	if !v.partial {
		return v.sp, true
	}
	m, d := v.m, v.d
	y := anchor.y
	if m == 0 {
		// bare day: the anchor's month, or the one before if the day is later
		m = anchor.m
		if d > anchor.d {
			y, m = addMonths(y, m, -1)
		}
	} else if m > anchor.m || (m == anchor.m && d > anchor.d) {
		y--
	}
	if d == 0 {
		if v.third != 0 {
			return monthThird(y, m, v.third), true
		}
		return monthSpan(y, m), true
	}
	for range 8 { // 29 February
		if d <= daysIn(y, m) {
			return daySpan(day{y, m, d}), true
		}
		if v.m == 0 {
			return span{}, false
		}
		y--
	}
	return span{}, false
}

// core parses one date expression without its leading prepositions. ctx is
// the strength of the context before it; bare admits a lone day number
// ("du 3 au 10 mars").
func (p *parser) core(i, ctx int, bare bool) (val, int, bool) {
	t, ok := p.tok(i)
	if !ok {
		return val{}, 0, false
	}
	switch t.kind {
	case tNum:
		if v, e, ok := p.numeric(i, ctx); ok {
			return v, e, true
		}
		if v, e, ok := p.relative(i); ok {
			return v, e, true
		}
		return p.monthDate(i, ctx, bare)
	case tAlnum:
		if v, e, ok := p.period(i, ctx); ok {
			return v, e, true
		}
		return p.monthDate(i, ctx, bare)
	case tWord:
		if v, e, ok := p.relative(i); ok {
			return v, e, true
		}
		if v, e, ok := p.monthDate(i, ctx, bare); ok {
			return v, e, true
		}
		if v, e, ok := p.season(i); ok {
			return v, e, true
		}
		if v, e, ok := p.partOf(i); ok {
			return v, e, true
		}
		return p.period(i, ctx)
	}
	return val{}, 0, false
}

// count parses a small number in digits or words.
func (p *parser) count(i int) (int, int, bool) {
	if n, nd, ok := p.num(i); ok {
		if nd > 3 || n < 1 || n > 100 {
			return 0, 0, false
		}
		return n, i + 1, true
	}
	w := p.w(i)
	if w == "a" && p.w(i+1) == "few" {
		return 3, i + 2, true
	}
	n, ok := counts[w]
	return n, i + 1, ok
}

// relative parses phrases resolved against the reference date.
func (p *parser) relative(i int) (val, int, bool) {
	c := p.c
	w := p.w(i)
	rel := func(s span, e int) (val, int, bool) { return val{sp: s}, e, true }
	switch w {
	case "hier", "yesterday":
		return rel(c.shift(uDay, -1), i+1)
	case "today":
		return rel(c.shift(uDay, 0), i+1)
	case "aujourd":
		if p.is(i+1, '\'') && p.w(i+2) == "hui" {
			return rel(c.shift(uDay, 0), i+3)
		}
	case "recemment", "recently", "dernierement", "lately":
		return rel(c.lastN(uMonth, 3), i+1)
	case "il":
		if p.w(i+1) == "y" && p.w(i+2) == "a" {
			if n, u, e, ok := p.duration(i + 3); ok {
				return rel(c.shift(u, -n), e)
			}
		}
	case "ce", "cet", "cette", "this":
		if u, ok := units[p.w(i+1)]; ok {
			e := i + 2
			if p.is(e, '-') && p.w(e+1) == "ci" {
				e += 2
			}
			return rel(c.shift(u, 0), e)
		}
		if s, ok := seasons[p.w(i+1)]; ok {
			y := c.ref.y
			if s == 4 && c.ref.m == 12 {
				y++
			}
			return val{sp: seasonSpan(s, y), cal: true}, i + 2, true
		}
	case "last", "past", "previous", "next":
		k := -1
		if w == "next" {
			k = 1
		}
		if k < 0 {
			if n, j, ok := p.count(i + 1); ok {
				if u, ok := units[p.w(j)]; ok {
					return rel(c.lastN(u, n), j+1)
				}
			}
		}
		if u, ok := units[p.w(i+1)]; ok && !(u == uQuarter && p.w(i+2) == "of") {
			return rel(c.shift(u, k), i+2)
		}
		if s, ok := seasons[p.w(i+1)]; ok {
			return val{sp: p.seasonAt(s, k), cal: true}, i + 2, true
		}
	case "recent", "derniers", "dernieres":
		// "in recent months", "ces derniers mois", "ces dernières semaines"
		n, j, ok := p.count(i + 1)
		if !ok {
			n, j = 0, i+1
		}
		if u, ok := units[p.w(j)]; ok {
			if n == 0 {
				n = defaultN(u)
			}
			return rel(c.lastN(u, n), j+1)
		}
	}
	// "trois derniers mois", "two months ago"
	if n, j, ok := p.count(i); ok {
		if pastWords[p.w(j)] {
			if u, ok := units[p.w(j+1)]; ok {
				return rel(c.lastN(u, n), j+2)
			}
		}
		if u, ok := units[p.w(j)]; ok && p.w(j+1) == "ago" {
			return rel(c.shift(u, -n), j+2)
		}
	}
	// "mois dernier", "année prochaine", "année 2024", "l'an 2000"
	if u, ok := units[w]; ok {
		switch {
		case pastWords[p.w(i+1)]:
			return rel(c.shift(u, -1), i+2)
		case nextWords[p.w(i+1)]:
			return rel(c.shift(u, 1), i+2)
		case u == uYear && (w == "annee" || w == "an" || w == "year"):
			if y, ok := p.bareYear(i + 1); ok {
				return resolved(yearSpan(y)), i + 2, true
			}
		}
	}
	return val{}, 0, false
}

// defaultN is the window for "ces derniers mois" and the like.
func defaultN(u unit) int {
	switch u {
	case uDay:
		return 7
	case uYear:
		return 2
	}
	return 3
}

// seasonAt is season s relative to ref: k = 0 the most recent one that has
// started, -1 the one before it unless that one is already over, 1 the next.
func (p *parser) seasonAt(s, k int) span {
	start := func(y int) day { return seasonSpan(s, y).from }
	y := p.c.recent(start)
	switch {
	case k > 0:
		y++
	case k < 0 && seasonSpan(s, y).to.key() >= p.c.month().key():
		y--
	}
	return seasonSpan(s, y)
}

// numberOK reports whether the number at i stands alone: not glued to a
// word, a version ("GPT-4", "3.1"), a decimal or a thousands group.
func (p *parser) numberOK(i int) bool {
	t := p.toks[i]
	if i > 0 && !p.dashed(i) {
		prev := p.toks[i-1]
		if !t.sp && (prev.kind != tPunct || p.is(i-1, '-') || p.is(i-1, '.') || p.is(i-1, ',') ||
			p.is(i-1, '/') || p.is(i-1, '#') || p.is(i-1, '$')) {
			return false
		}
		if t.sp && prev.kind == tNum {
			return false // "2 024", "100 000"
		}
	}
	if n, ok := p.tok(i + 1); ok {
		if !n.sp && n.kind != tPunct {
			return false
		}
		if n.sp && n.kind == tNum && n.nd == 3 {
			return false // "2 000"
		}
		if !n.sp && n.kind == tPunct && p.glued(i+2) && p.toks[i+2].kind == tNum {
			switch p.f[n.s] {
			case '.', ',', '/', '-', ':':
				return false // "2024.5", "2024/25", "10:30"
			}
		}
	}
	return true
}

// dashed reports a number glued by a dash to a word that takes one:
// "mi-2025", "mid-2025", "Q1-2025".
func (p *parser) dashed(i int) bool {
	if i < 2 || !p.glued(i) || !p.is(i-1, '-') || !p.glued(i-1) {
		return false
	}
	if parts[p.w(i-2)] != 0 {
		return true
	}
	s := p.text(i - 2)
	return p.toks[i-2].kind == tAlnum && len(s) == 2 && strings.IndexByte("tqsh", s[0]) >= 0
}

// quantity reports whether the token after a number names what it counts.
func (p *parser) quantity(i int) bool {
	return quantities[p.w(i)] || p.is(i, '%') || p.is(i, '$') || p.is(i, '#')
}

// bareYear is a four-digit year 1990–2100 at i that is not a quantity.
func (p *parser) bareYear(i int) (int, bool) {
	n, nd, ok := p.num(i)
	if !ok || nd != 4 || n < 1990 || n > 2100 || !p.numberOK(i) || p.quantity(i+1) {
		return 0, false
	}
	return n, true
}

// dateYear is a four-digit year 1900–2100 after a month or day.
func (p *parser) dateYear(i int) (int, bool) {
	n, nd, ok := p.num(i)
	if !ok || nd != 4 || n < 1900 || n > 2100 || !p.numberOK(i) {
		return 0, false
	}
	return n, true
}

// alone reports whether tokens [i, e) are the only thing in the question
// besides punctuation and "et"/"and": "2024 ?", "Et 2024 ?".
func (p *parser) alone(i, e int) bool {
	if p.words < 0 {
		p.words = 0
		for j := range p.toks {
			if p.wordy(j) {
				p.words++
			}
		}
	}
	n := p.words
	for j := i; j < e && j < len(p.toks); j++ {
		if p.wordy(j) {
			n--
		}
	}
	return n == 0
}

// wordy reports a token that counts against alone.
func (p *parser) wordy(j int) bool {
	w := p.w(j)
	return p.toks[j].kind != tPunct && w != "et" && w != "and"
}

// numeric parses numeric dates: ISO "2025-01-27" and "2025-01", day-first
// "27/01/2025", "01/2025", year ranges "2024-2025" and bare years.
func (p *parser) numeric(i, ctx int) (val, int, bool) {
	n, nd, ok := p.num(i)
	if !ok {
		return val{}, 0, false
	}
	if p.glued(i) && (p.toks[i-1].kind != tPunct || p.is(i-1, '.') || p.is(i-1, ',') || p.is(i-1, '-') || p.is(i-1, '/')) {
		return val{}, 0, false
	}
	sep := byte(0)
	if t, ok := p.tok(i + 1); ok && !t.sp && t.kind == tPunct && p.glued(i+2) {
		sep = p.f[t.s]
	}
	// number after the separator at i+2, and whether another follows it
	n2, nd2, ok2 := p.num(i + 2)
	ok2 = ok2 && sep != 0
	more := func(j int) bool { // a glued separator and number after token j
		t, ok := p.tok(j + 1)
		return ok && !t.sp && t.kind == tPunct && p.glued(j+2) && p.toks[j+2].kind != tPunct
	}
	switch {
	case nd == 4 && ok2 && (sep == '-' || sep == '/'):
		if nd2 <= 2 && n2 >= 1 && n2 <= 12 {
			if n < 1900 || n > 2100 {
				return val{}, 0, false
			}
			if p.is(i+3, sep) && p.glued(i+3) {
				d, ndd, ok := p.num(i + 4)
				if !ok || !p.glued(i+4) || ndd > 2 || more(i+4) {
					return val{}, 0, false
				}
				dd := day{n, n2, d}
				if d < 1 || !dd.valid() {
					return val{}, 0, false
				}
				return resolved(daySpan(dd)), i + 5, true
			}
			if more(i + 2) {
				return val{}, 0, false
			}
			return resolved(monthSpan(n, n2)), i + 3, true
		}
		if sep == '-' && nd2 == 4 && n >= 1990 && n2 > n && n2 <= 2100 && !more(i+2) &&
			(ctx == ctxStrong || p.alone(i, i+3)) && !p.quantity(i+3) {
			return resolved(span{monthOf(n, 1), monthOf(n2, 12)}), i + 3, true
		}
		return val{}, 0, false
	case nd == 4:
		if ctx != ctxStrong && !p.alone(i, i+1) && !p.lead(i) {
			return val{}, 0, false
		}
		if y, ok := p.bareYear(i); ok {
			return resolved(yearSpan(y)), i + 1, true
		}
	case nd <= 2 && ok2 && (sep == '/' || sep == '.' || sep == '-'):
		if p.is(i+3, sep) && p.glued(i+3) {
			y, ndy, ok := p.num(i + 4)
			if !ok || !p.glued(i+4) || (ndy != 4 && ndy != 2) || more(i+4) {
				return val{}, 0, false
			}
			if ndy == 2 {
				y += 2000
			}
			dd := day{y, n2, n}
			if y < 1900 || y > 2100 || nd2 > 2 || n < 1 || !dd.valid() {
				return val{}, 0, false
			}
			return resolved(daySpan(dd)), i + 5, true
		}
		if sep == '/' && nd2 == 4 && n >= 1 && n <= 12 && n2 >= 1900 && n2 <= 2100 && !more(i+2) {
			return resolved(monthSpan(n2, n)), i + 3, true
		}
	}
	return val{}, 0, false
}

// lead reports a year that opens the question as a heading: "2024 : …", "2024, …".
func (p *parser) lead(i int) bool {
	return i == 0 && (p.is(1, ':') || p.is(1, ','))
}

// dayNum parses a day of the month: "27", "1er", "1st", "27th", "premier".
func (p *parser) dayNum(i int) (int, bool) {
	t, ok := p.tok(i)
	if !ok {
		return 0, false
	}
	switch t.kind {
	case tNum:
		if t.nd > 2 || t.n < 1 || t.n > 31 || !p.numberOK(i) || p.quantity(i+1) {
			return 0, false
		}
		return int(t.n), true
	case tAlnum:
		s := p.f[t.s:t.e]
		d, k := 0, 0
		for ; k < len(s) && k < 3 && isDigit(s[k]); k++ {
			d = d*10 + int(s[k]-'0')
		}
		switch s[k:] {
		case "er", "re", "st", "nd", "rd", "th":
			if k <= 2 && d >= 1 && d <= 31 && (t.sp || i == 0 || p.toks[i-1].kind == tPunct && !p.is(i-1, '-')) {
				return d, true
			}
		}
	case tWord:
		if p.f[t.s:t.e] == "premier" {
			return 1, true
		}
	}
	return 0, false
}

// month parses a month name with an optional abbreviation dot.
func (p *parser) month(i int) (monthWord, int, bool) {
	mw, ok := months[p.w(i)]
	if !ok {
		return mw, 0, false
	}
	if mw.abbr && p.is(i+1, '.') && p.glued(i+1) {
		return mw, i + 2, true
	}
	return mw, i + 1, true
}

// monthOK applies the month's ambiguity class when it stands alone.
func (p *parser) monthOK(mw monthWord, i, ctx int) bool {
	switch mw.class {
	case mFree:
		return true
	case mWeak:
		return ctx == ctxStrong || ctx == ctxWeak && !p.upper(i)
	}
	return ctx == ctxStrong
}

// dayBlocked reports a day-first number read as a version instead: the
// word before it is a capitalised name, as in "Llama 3 mai 2024".
func (p *parser) dayBlocked(i int) bool {
	if i == 0 || p.toks[i-1].kind == tPunct {
		return false
	}
	w := p.w(i - 1)
	if articles[w] || strongPreps[w] || weakPreps[w] || weekdays[w] || starters[w] {
		return false
	}
	return p.toks[i-1].kind == tAlnum || p.upper(i-1)
}

// monthDate parses dates built on a month name: "27 janvier 2025",
// "le 1er mars", "January 27, 2025", "27th of January", "janvier 2025",
// "janvier", with an optional weekday first.
func (p *parser) monthDate(i, ctx int, bare bool) (val, int, bool) {
	j := i
	if w := p.w(j); w == "mois" || w == "month" {
		// "au mois de mars", "the month of May"
		k, ok := p.connector(j + 1)
		if _, _, isMonth := p.month(k); !ok || !isMonth {
			return val{}, 0, false
		}
		j, ctx = k, ctxStrong
	}
	wd := weekdays[p.w(j)]
	if wd {
		j++
		if p.is(j, ',') {
			j++
		}
	}
	if d, ok := p.dayNum(j); ok {
		if !wd && p.dayBlocked(j) {
			return val{}, 0, false
		}
		k := j + 1
		if p.w(k) == "of" {
			k++
		}
		if mw, e, ok := p.month(k); ok {
			if y, ok := p.dateYear(e); ok {
				dd := day{y, mw.m, d}
				if !dd.valid() {
					return val{}, 0, false
				}
				return resolved(daySpan(dd)), e + 1, true
			}
			if d > daysIn(2024, mw.m) {
				return val{}, 0, false
			}
			return val{partial: true, m: mw.m, d: d, cal: true}, e, true
		}
		if bare && !wd && p.w(j) != "premier" {
			return val{partial: true, d: d, cal: true}, j + 1, true
		}
		return val{}, 0, false
	}
	mw, k, ok := p.month(j)
	if !ok {
		return val{}, 0, false
	}
	// month first: "January 27, 2025", "Jan 27"
	if d, ok := p.dayNum(k); ok && p.toks[k].kind != tWord && !mw.fr {
		if mw.class == mStrong && ctx != ctxStrong && !p.upper(j) {
			return val{}, 0, false
		}
		e := k + 1
		if p.is(e, ',') {
			e++
		}
		if y, ok := p.dateYear(e); ok {
			dd := day{y, mw.m, d}
			if !dd.valid() {
				return val{}, 0, false
			}
			return resolved(daySpan(dd)), e + 1, true
		}
		if d > daysIn(2024, mw.m) {
			return val{}, 0, false
		}
		return val{partial: true, m: mw.m, d: d, cal: true}, k + 1, true
	}
	if wd {
		return val{}, 0, false
	}
	e := k
	if p.w(e) == "of" {
		e++
	}
	if y, ok := p.dateYear(e); ok {
		return resolved(monthSpan(y, mw.m)), e + 1, true
	}
	if !p.monthOK(mw, j, ctx) {
		return val{}, 0, false
	}
	return val{partial: true, m: mw.m, cal: true}, k, true
}

// season parses "été 2025", "summer of 2025", "l'été dernier", "au printemps".
func (p *parser) season(i int) (val, int, bool) {
	s, ok := seasons[p.w(i)]
	if !ok {
		return val{}, 0, false
	}
	e := i + 1
	if w := p.w(e); w == "de" || w == "of" {
		e++
	}
	if y, ok := p.dateYear(e); ok {
		return resolved(seasonSpan(s, y)), e + 1, true
	}
	switch {
	case pastWords[p.w(i+1)]:
		return resolved(p.seasonAt(s, -1)), i + 2, true
	case nextWords[p.w(i+1)]:
		return resolved(p.seasonAt(s, 1)), i + 2, true
	}
	// Without a year, the word before must make it a season: "a été"
	// (has been) and "the fall of" are not.
	prev := p.w(i - 1)
	if p.is(i-1, '\'') && p.w(i-2) == "l" {
		prev = "l'"
	}
	okPrev := false
	switch p.w(i) {
	case "fall":
		okPrev = prev == "in" || prev == "during" || prev == "the" && (p.w(i-2) == "in" || p.w(i-2) == "during")
	case "ete":
		okPrev = prev == "l'" || prev == "en" || prev == "pendant" || prev == "durant"
	default:
		switch prev {
		case "l'", "en", "au", "in", "the", "during", "pendant", "durant", "du":
			okPrev = true
		}
	}
	if !okPrev {
		return val{}, 0, false
	}
	return resolved(p.seasonAt(s, 0)), i + 1, true
}

// connector skips "de", "du", "d'", "of" and then "l'", "the".
func (p *parser) connector(i int) (int, bool) {
	j := i
	switch {
	case p.w(j) == "de" || p.w(j) == "du" || p.w(j) == "of":
		j++
	case p.elided(j, "d"):
		j += 2
	}
	if p.w(j) == "the" {
		j++
	} else if p.elided(j, "l") {
		j += 2
	}
	return j, j > i
}

// yearRef parses a year as a number or as "l'année dernière", "this year",
// "next year", "année" (the current one).
func (p *parser) yearRef(i int) (int, int, bool) {
	if y, ok := p.dateYear(i); ok && !p.quantity(i+1) {
		return y, i + 1, true
	}
	k, j := 0, i
	switch p.w(j) {
	case "cette", "this":
		j++
	case "last":
		k, j = -1, j+1
	case "next":
		k, j = 1, j+1
	}
	if units[p.w(j)] != uYear || p.w(j) == "ans" || p.w(j) == "years" || p.w(j) == "annees" {
		return 0, 0, false
	}
	j++
	if k == 0 {
		switch {
		case pastWords[p.w(j)]:
			k, j = -1, j+1
		case nextWords[p.w(j)]:
			k, j = 1, j+1
		}
	}
	return p.c.ref.y + k, j, true
}

// partOf parses the beginning, middle or end of a month or year: "fin
// janvier 2025", "mi-janvier", "début 2025", "end of 2024", "fin de l'année".
func (p *parser) partOf(i int) (val, int, bool) {
	w := p.w(i)
	third := parts[w]
	if third == 0 {
		return val{}, 0, false
	}
	j := i + 1
	if p.is(j, '-') && p.glued(j) {
		j++
	}
	k, conn := p.connector(j)
	if ofParts[w] && !conn {
		return val{}, 0, false
	}
	for _, t := range [2]int{k, j} {
		if mw, e, ok := p.month(t); ok {
			if y, ok := p.dateYear(e); ok {
				return resolved(monthThird(y, mw.m, third)), e + 1, true
			}
			return val{partial: true, m: mw.m, third: third, cal: true}, e, true
		}
		if p.w(t) == "mois" || p.w(t) == "month" {
			if m2, ok := p.connector(t + 1); ok {
				if mw, e, ok := p.month(m2); ok {
					if y, ok := p.dateYear(e); ok {
						return resolved(monthThird(y, mw.m, third)), e + 1, true
					}
					return val{partial: true, m: mw.m, third: third, cal: true}, e, true
				}
			}
			k, e := 0, t+1
			switch {
			case pastWords[p.w(e)]:
				k, e = -1, e+1
			case nextWords[p.w(e)]:
				k, e = 1, e+1
			}
			y, m := addMonths(p.c.ref.y, p.c.ref.m, k)
			return resolved(monthThird(y, m, third)), e, true
		}
		if y, e, ok := p.yearRef(t); ok {
			return resolved(yearThird(y, third)), e, true
		}
		if t == j {
			break
		}
	}
	return val{}, 0, false
}

// period parses quarters and halves: "T1 2025", "Q1", "H1 2025",
// "premier trimestre 2025", "the second half of 2024", "le dernier trimestre".
func (p *parser) period(i, ctx int) (val, int, bool) {
	t, ok := p.tok(i)
	if !ok {
		return val{}, 0, false
	}
	n, size, j := 0, 0, i+1
	if s := p.f[t.s:t.e]; t.kind == tAlnum && len(s) == 2 && isDigit(s[1]) {
		n = int(s[1] - '0')
		switch s[0] {
		case 't', 'q':
			size = 3
		case 's', 'h':
			size = 6
		}
		if size == 0 || n < 1 || n > 12/size {
			return val{}, 0, false
		}
		if p.is(j, '-') && p.glued(j) {
			j++
		}
		if y, ok := p.dateYear(j); ok {
			return resolved(monthsSpan(y, size*(n-1)+1, size)), j + 1, true
		}
		if ctx != ctxStrong {
			return val{}, 0, false
		}
		return resolved(p.periodRecent(n, size)), i + 1, true
	}
	n = ordinals[p.text(i)]
	size = periods[p.w(j)]
	if n == 0 || size == 0 || n > 12/size {
		return val{}, 0, false
	}
	j++
	k, _ := p.connector(j)
	for _, t := range [2]int{k, j} {
		if y, e, ok := p.yearRef(t); ok {
			if n < 0 {
				n = 12 / size
			}
			return resolved(monthsSpan(y, size*(n-1)+1, size)), e, true
		}
	}
	if n < 0 { // "le dernier trimestre": the one before the current one
		cur := p.periodRecent((p.c.ref.m-1)/size+1, size)
		y, m := addMonths(cur.from.y, cur.from.m, -size)
		return resolved(monthsSpan(y, m, size)), j, true
	}
	return resolved(p.periodRecent(n, size)), j, true
}

// periodRecent is the most recent quarter or half number n that has started.
func (p *parser) periodRecent(n, size int) span {
	y := p.c.recent(func(y int) day { return monthOf(y, size*(n-1)+1) })
	return monthsSpan(y, size*(n-1)+1, size)
}
