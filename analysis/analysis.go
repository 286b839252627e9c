// Package analysis turns French and English text into search terms: it
// lower-cases and folds accents, removes French elisions (l', qu', jusqu'…),
// keeps numbers whole ("5,6" is "5.6", "100 000" is "100000"), flags
// stopwords and capitalised words, and stems with the French Snowball
// stemmer. The built-in embedder, the extractive answerer and the keyword
// index all analyse text the same way through this package.
//
// Everything here is safe for concurrent use. Stems, and the tokens of the
// lines analysed last, are memoised in bounded caches whose state never
// changes a result.
package analysis

import (
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// Kind tells words from numbers.
type Kind uint8

const (
	// Word is a run of letters, possibly with digits ("mistral", "gpt4", "7b").
	Word Kind = iota + 1
	// Number is a run of digits with an optional decimal part, written with
	// a '.' whatever the source used: "5,6" is "5.6", "100 000" is "100000".
	Number
)

// Flags describe a token's role and original spelling.
type Flags uint8

const (
	// Stop marks a stopword (see [IsStopword]).
	Stop Flags = 1 << iota
	// Question marks an interrogative word (see [IsInterrogative]).
	Question
	// Capitalized marks a token whose first letter is upper-case in the
	// original text, as in names ("DeepSeek", "Meta", "GPT").
	Capitalized
	// SentenceStart marks the first token of a sentence, where a capital
	// says nothing about names.
	SentenceStart
	// Hyphenated marks a token joined to the previous one by a hyphen: in
	// "GPT-4" the token "4" has it.
	Hyphenated
)

// Token is one analysed term of a text.
type Token struct {
	// Term is the folded, lower-cased word without its elided article:
	// "L’Élysée" gives "elysee". Numbers are normalised (see [Number]).
	Term string
	// Stem is the folded stem of Term; it equals Term for stopwords and
	// numbers.
	Stem string
	// Start and End are the byte offsets of the token in the original text,
	// End exclusive; text[Start:End] is "Élysée" for "L’Élysée".
	Start, End int
	Kind       Kind
	Flags      Flags
}

// Is reports whether all of f are set on t.
func (t Token) Is(f Flags) bool { return t.Flags&f == f }

// Tokens analyses text. See [AppendTokens].
func Tokens(text string) []Token {
	return AppendTokens(nil, text)
}

// StemSet returns the stems of text's tokens, stopwords included.
func StemSet(text string) map[string]bool {
	set := map[string]bool{}
	for _, t := range Tokens(text) {
		set[t.Stem] = true
	}
	return set
}

// ContentTerms returns the stems of the words and numbers of text that are
// not stopwords, in order: "L’intelligence artificielle" gives
// ["intelligent", "artificiel"].
func ContentTerms(text string) []string {
	var terms []string
	for _, t := range Tokens(text) {
		if t.Flags&Stop == 0 {
			terms = append(terms, t.Stem)
		}
	}
	return terms
}

// elisions are the French words that drop their vowel before an apostrophe;
// the part before the apostrophe is removed.
var elisions = map[string]bool{
	"l": true, "d": true, "qu": true, "jusqu": true, "lorsqu": true, "puisqu": true,
	"quoiqu": true, "presqu": true, "quelqu": true, "n": true, "s": true, "c": true,
	"j": true, "m": true, "t": true,
}

// clitics are English endings after an apostrophe that are dropped with it:
// "OpenAI's" gives "openai".
var clitics = map[string]bool{"s": true, "t": true, "re": true, "ll": true, "ve": true, "d": true, "m": true}

// AppendTokens analyses text and appends its tokens to dst, which lets
// callers reuse a buffer. Term and Stem strings come from a shared cache and
// do not keep text alive. Apart from growing dst, analysing text that is
// mostly known words does not allocate, and the lines of text analysed a
// moment before are not analysed again (see memo.go).
func AppendTokens(dst []Token, text string) []Token {
	return appendLines(dst, text)
}

// appendScanned analyses text, which starts at offset base of a longer one,
// and appends its tokens to dst.
func appendScanned(dst []Token, text string, base int) []Token {
	var scratch [64]byte
	var words batch
	sc := scanner{text: text, key: scratch[:0], sentence: true}
	n := len(dst)
	for {
		var ok bool
		if dst, ok = sc.next(dst); !ok {
			words.resolve(dst)
			moveOffsets(dst[n:], base)
			return dst
		}
		if sc.cached {
			words.add(dst, len(dst)-1, sc.key)
		}
	}
}

// batch holds the words of up to batchWords tokens, whose entries in the
// word cache are looked up together. In a large archive most lookups miss
// the processor's caches twice, for the slot and for its entry, and each
// token waited for both misses before the next one began. Loading all the
// slots of a batch, then all their entries, lets the processor wait for
// many misses at once: BenchmarkVocabulary took 13 % less time (15.6–15.9
// against 13.5–13.9 µs a paragraph).
type batch struct {
	n     int
	tok   [batchWords]int32  // index of the token in dst
	end   [batchWords]uint16 // end of its key in keys
	keys  [batchWords * 12]byte
	taken int // bytes of keys in use
	sink  uint8
}

const batchWords = 32

// add queues the lookup of key for dst[tok], first resolving the queued
// ones if the batch is full. A key too long for an empty batch is looked up
// at once.
func (b *batch) add(dst []Token, tok int, key []byte) {
	if b.n == batchWords || b.taken+len(key) > len(b.keys) {
		b.resolve(dst)
	}
	if len(key) > len(b.keys) {
		dst[tok].fill(cache.lookup(key))
		return
	}
	b.tok[b.n] = int32(tok)
	b.taken += copy(b.keys[b.taken:], key)
	b.end[b.n] = uint16(b.taken)
	b.n++
}

// resolve looks up the queued words and fills in their tokens in dst.
func (b *batch) resolve(dst []Token) {
	var slots [batchWords]*atomic.Pointer[cachedWord]
	var words [batchWords]*cachedWord
	start := 0
	for i, end := range b.end[:b.n] {
		slots[i] = cache.slot(b.keys[start:end])
		start = int(end)
	}
	for i, s := range slots[:b.n] {
		words[i] = s.Load()
	}
	for _, w := range words[:b.n] {
		if w != nil {
			b.sink += w.n
		}
	}
	start = 0
	for i, end := range b.end[:b.n] {
		dst[b.tok[i]].fill(cache.lookupAt(slots[i], b.keys[start:end]))
		start = int(end)
	}
	b.n, b.taken = 0, 0
}

// fill sets the term, the stem and the flags that e gives t.
func (t *Token) fill(e *entry) {
	t.Term, t.Stem = e.term, e.stem
	if e.stop {
		t.Flags |= Stop
	}
	if e.question {
		t.Flags |= Question
	}
}

type scanner struct {
	text     string
	pos      int
	key      []byte // lower-cased current word, accents kept
	sentence bool   // the next token starts a sentence
	hyphen   bool   // the next token follows a hyphen
	cached   bool   // the last token's term, stem and flags await the word cache
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isASCIIDigit(c byte) bool { return '0' <= c && c <= '9' }

func isASCIIAlnum(c byte) bool {
	return isASCIIDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// runeAt decodes the rune at i, or returns utf8.RuneError and 0 at the end.
func (sc *scanner) runeAt(i int) (rune, int) {
	if i >= len(sc.text) {
		return utf8.RuneError, 0
	}
	if c := sc.text[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(sc.text[i:])
}

// skip advances to the start of the next word, noting sentence ends.
func (sc *scanner) skip() bool {
	for sc.pos < len(sc.text) {
		r, n := sc.runeAt(sc.pos)
		if isWordRune(r) {
			return true
		}
		switch {
		case r == '.' || r == '!' || r == '?' || r == '\n' || r == '…':
			sc.sentence = true
			sc.hyphen = false
		case isHyphen(r):
		default:
			sc.hyphen = false
		}
		sc.pos += n
	}
	return false
}

// segment reads letters, digits and marks from sc.pos into sc.key, with '.'
// and ',' between two digits, and returns the end offset and whether the
// segment holds only digits and separators.
func (sc *scanner) segment() (end int, numeric bool) {
	sc.key = sc.key[:0]
	numeric = true
	i := sc.pos
	prevDigit := false
	for i < len(sc.text) {
		c := sc.text[i]
		if c < utf8.RuneSelf {
			switch {
			case isASCIIAlnum(c):
				isDigit := isASCIIDigit(c)
				numeric = numeric && isDigit
				prevDigit = isDigit
				sc.key = append(sc.key, lowerASCII(c))
				i++
				continue
			case (c == '.' || c == ',') && prevDigit && i+1 < len(sc.text) && isASCIIDigit(sc.text[i+1]):
				sc.key = append(sc.key, c)
				i++
				prevDigit = false
				continue
			}
			return i, numeric
		}
		r, n := utf8.DecodeRuneInString(sc.text[i:])
		if !isWordRune(r) && !unicode.Is(unicode.Mn, r) {
			return i, numeric
		}
		isDigit := unicode.IsDigit(r)
		numeric = numeric && isDigit
		prevDigit = false
		sc.key = utf8.AppendRune(sc.key, unicode.ToLower(r))
		i += n
	}
	return i, numeric
}

// next appends the next token to dst, or returns false at the end of the
// text. Built in place, a token is not copied on its way to dst: returned by
// value, its 48 bytes took a tenth of BenchmarkAppendTokens/scan.
func (sc *scanner) next(dst []Token) ([]Token, bool) {
	for sc.skip() {
		start := sc.pos
		end, numeric := sc.segment()
		r, n := sc.runeAt(end)
		if isApostrophe(r) {
			after, _ := sc.runeAt(end + n)
			if unicode.IsLetter(after) {
				if elisions[string(sc.key)] {
					sc.pos = end + n
					continue
				}
				if end2 := sc.wordEnd(end + n); clitics[sc.lower(end+n, end2)] {
					sc.pos = end2
					return sc.emit(dst, start, end, numeric), true
				}
			}
		}
		sc.pos = end
		if numeric {
			end = sc.numberTail(end)
			sc.pos = end
		}
		return sc.emit(dst, start, end, numeric), true
	}
	return dst, false
}

// wordEnd returns the end of the run of letters starting at i.
func (sc *scanner) wordEnd(i int) int {
	for i < len(sc.text) {
		r, n := sc.runeAt(i)
		if !unicode.IsLetter(r) {
			break
		}
		i += n
	}
	return i
}

// lower returns text[i:j] lower-cased when it is short ASCII, else "".
func (sc *scanner) lower(i, j int) string {
	if j-i > 2 {
		return ""
	}
	var b [2]byte
	for k := i; k < j; k++ {
		b[k-i] = lowerASCII(sc.text[k])
	}
	return string(b[:j-i])
}

// numberTail extends a number ending at end over French thousands groups
// separated by spaces ("100 000", "1 234,5") and returns the new end.
// Groups are merged only after a first group of at most three digits and
// when each following group has exactly three digits.
func (sc *scanner) numberTail(end int) int {
	if len(sc.key) > 3 {
		return end
	}
	for _, c := range sc.key {
		if !isASCIIDigit(c) {
			return end
		}
	}
	merged := false
	for {
		r, n := sc.runeAt(end)
		if !isSpaceInNumber(r) {
			break
		}
		g := end + n
		if g+3 > len(sc.text) || !isASCIIDigit(sc.text[g]) || !isASCIIDigit(sc.text[g+1]) || !isASCIIDigit(sc.text[g+2]) {
			break
		}
		if g+3 < len(sc.text) && isASCIIAlnum(sc.text[g+3]) {
			break
		}
		sc.key = append(sc.key, sc.text[g:g+3]...)
		end = g + 3
		merged = true
	}
	if merged && end+1 < len(sc.text) && (sc.text[end] == ',' || sc.text[end] == '.') && isASCIIDigit(sc.text[end+1]) {
		sc.key = append(sc.key, ',')
		end++
		for end < len(sc.text) && isASCIIDigit(sc.text[end]) {
			sc.key = append(sc.key, sc.text[end])
			end++
		}
	}
	return end
}

// emit appends to dst the token for text[start:end], built from sc.key.
func (sc *scanner) emit(dst []Token, start, end int, numeric bool) []Token {
	dst = append(dst, Token{Start: start, End: end, Kind: Word})
	t := &dst[len(dst)-1]
	if sc.sentence {
		t.Flags |= SentenceStart
	}
	if sc.hyphen {
		t.Flags |= Hyphenated
	}
	sc.sentence = false
	sc.hyphen = false
	if r, _ := sc.runeAt(start); unicode.IsUpper(r) {
		t.Flags |= Capitalized
	}
	if r, n := sc.runeAt(end); isHyphen(r) {
		if next, _ := sc.runeAt(end + n); isWordRune(next) {
			sc.hyphen = true
		}
	}
	sc.cached = false
	if numeric {
		t.Kind = Number
		if hasSeparator(sc.key) {
			t.Term = normaliseNumber(sc.key)
			t.Stem = t.Term
			return dst
		}
	}
	sc.cached = true
	return dst
}

func hasSeparator(key []byte) bool {
	for _, c := range key {
		if c == '.' || c == ',' {
			return true
		}
	}
	return false
}

// normaliseNumber rewrites digits with ',' and '.' separators. A lone
// separator is a decimal point ("5,6" and "5.6" give "5.6"). A repeated
// separator followed by groups of three digits marks thousands, and a
// different final separator the decimals ("1.000.000", "1,234.5" and
// "1.234,5" give "1000000", "1234.5"). Anything else keeps its groups joined
// by '.' ("12.03.2020").
func normaliseNumber(key []byte) string {
	var seps []int
	for i, c := range key {
		if c == '.' || c == ',' {
			seps = append(seps, i)
		}
	}
	last := len(seps) - 1
	decimal := -1 // index in key of the decimal separator, if any
	thousands := len(seps) > 1
	if key[seps[last]] != key[seps[0]] {
		decimal = seps[last]
		seps = seps[:last]
	}
	for k, p := range seps {
		next := len(key)
		if k+1 < len(seps) {
			next = seps[k+1]
		} else if decimal >= 0 {
			next = decimal
		}
		if key[p] != key[seps[0]] || next-p-1 != 3 {
			thousands = false
		}
	}
	if len(seps) == 1 && decimal < 0 {
		thousands = false
	}
	out := make([]byte, 0, len(key))
	for i, c := range key {
		switch {
		case c != '.' && c != ',':
			out = append(out, c)
		case i == decimal || !thousands:
			out = append(out, '.')
		}
	}
	return string(out)
}
