package analysis

import (
	"strings"
	"sync"
)

// Texts are analysed line by line, and the tokens of recently analysed lines
// are memoised. A paragraph is analysed several times in a row: an ingest
// embeds it with its headline, then the keyword index analyses the headline
// and the paragraph, and every paragraph of a news item repeats its
// headline; later a question's answer and highlights analyse the passages
// that the search just returned. A line is a unit that keeps its tokens: a
// newline ends a sentence and a hyphenation, and no number or elision
// reaches across it, so the tokens of a text are those of its lines, their
// offsets moved by where each line starts.

// memoTokens bounds the tokens memoised: those of the current generation
// and of the one before it, up to memoTokens each (3 MB at 48 bytes a
// token). It covers the paragraphs a bulk load has embedded but not yet
// given the keyword index: a few issues, about a hundred tokens a paragraph.
const memoTokens = 1 << 16

// memoMinLine and memoMaxLine bound the lengths, in bytes, of the lines
// memoised: shorter ones cost more to look up than to analyse, and longer
// ones would take much of a generation.
const (
	memoMinLine = 16
	memoMaxLine = 8 << 10
)

// lineMemo maps lines to their tokens, with offsets from the line's start.
// Entries are pure functions of their key, so results never depend on what
// is memoised.
type lineMemo struct {
	mu        sync.Mutex
	cur, prev memoGen
}

// memoGen is one generation of entries, their tokens in one slab that is
// reused two generations later.
type memoGen struct {
	spans map[string]span
	toks  []Token
}

// span locates an entry's tokens in its generation's slab.
type span struct{ off, n int32 }

var memo = lineMemo{
	cur:  memoGen{spans: make(map[string]span), toks: make([]Token, 0, memoTokens)},
	prev: memoGen{spans: make(map[string]span), toks: make([]Token, 0, memoTokens)},
}

// appendLine appends to dst the tokens of line, which starts at offset base
// of its text, from the memo if it has them.
func (m *lineMemo) appendLine(dst []Token, line string, base int) []Token {
	if len(line) < memoMinLine || len(line) > memoMaxLine {
		return appendScanned(dst, line, base)
	}
	n := len(dst)
	m.mu.Lock()
	if sp, ok := m.cur.spans[line]; ok {
		dst = append(dst, m.cur.toks[sp.off:sp.off+sp.n]...)
	} else if sp, ok := m.prev.spans[line]; ok {
		dst = append(dst, m.prev.toks[sp.off:sp.off+sp.n]...)
		m.put(line, dst[n:])
	} else {
		m.mu.Unlock()
		dst = appendScanned(dst, line, 0)
		m.mu.Lock()
		m.put(line, dst[n:])
	}
	m.mu.Unlock()
	moveOffsets(dst[n:], base)
	return dst
}

// put copies toks into the current generation as line's entry, first
// starting a new generation if the current one is full. The caller holds
// mu.
func (m *lineMemo) put(line string, toks []Token) {
	if _, ok := m.cur.spans[line]; ok {
		return
	}
	if len(m.cur.toks)+len(toks) > cap(m.cur.toks) {
		clear(m.prev.spans)
		m.prev.toks = m.prev.toks[:0]
		m.cur, m.prev = m.prev, m.cur
	}
	m.cur.spans[line] = span{off: int32(len(m.cur.toks)), n: int32(len(toks))}
	m.cur.toks = append(m.cur.toks, toks...)
}

func moveOffsets(toks []Token, base int) {
	if base == 0 {
		return
	}
	for i := range toks {
		toks[i].Start += base
		toks[i].End += base
	}
}

// appendLines appends the tokens of text to dst, line by line.
func appendLines(dst []Token, text string) []Token {
	base := 0
	for {
		line, rest, more := strings.Cut(text[base:], "\n")
		dst = memo.appendLine(dst, line, base)
		if !more {
			return dst
		}
		base = len(text) - len(rest)
	}
}
