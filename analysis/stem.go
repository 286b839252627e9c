package analysis

import (
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/kljensen/snowball/french"
	"golang.org/x/text/unicode/norm"
)

// Stemming choice: every word goes through the French Snowball stemmer, also
// English ones. The archive is French, questions come in both languages and
// the same word must reach the same stem whatever the surrounding language,
// which per-word language detection cannot promise. The French rules remove
// plural -s and -x, which covers most English inflection that matters for
// matching; English-only suffixes (-ing, -ed) are left alone.
//
// The stemmer runs on the lower-cased word with its accents (the French
// rules need é and è) and the stem is folded afterwards, so a word written
// without its accents usually, but not always, meets its accented form.

// entry is what the cache knows about one lower-cased word.
type entry struct {
	term     string // folded word
	stem     string // folded stem; term itself for stopwords and numbers
	stop     bool
	question bool
}

// cacheSlots is the number of words the cache holds at most.
const cacheSlots = 1 << 18

// wordCache maps a lower-cased word to its [entry]. It is direct-mapped: a
// word has one slot, chosen by its hash, and a word that lands on a taken
// slot replaces its occupant. Reads take no lock, which matters since
// every token of every text goes through here. Entries are pure functions
// of their key, so results never depend on what is cached.
type wordCache struct {
	slots [cacheSlots]atomic.Pointer[cachedWord]
}

// cachedWord is a slot's content, never changed once published. A key of
// up to shortKey bytes, nearly every word, is kept in the struct, so that a
// hit reads one object rather than also the key's bytes elsewhere in
// memory: lookups miss the processor's caches in a large archive, and
// analysing the 11 million words of the 100,000-paragraph benchmark archive
// took 5 % less time. The 80 bytes of the struct are what it and a separate
// key took together.
type cachedWord struct {
	entry
	n     uint8 // length of the key in short, or 0 when it is in long
	short [shortKey]byte
	long  string
}

const shortKey = 23

func (w *cachedWord) is(key []byte) bool {
	if w.n == 0 {
		return w.long == string(key)
	}
	return int(w.n) == len(key) && string(w.short[:w.n]) == string(key)
}

var cache wordCache

// cacheSlot is the slot of key: FNV-1a, its halves folded together.
func cacheSlot(key []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, b := range key {
		h = (h ^ uint64(b)) * 1099511628211
	}
	return (h ^ h>>32) % cacheSlots
}

// lookup returns the entry for the lower-cased word in key, computing it on a
// miss. key may be a scratch buffer: it is copied before it is stored.
func (c *wordCache) lookup(key []byte) *entry {
	return c.lookupAt(c.slot(key), key)
}

// slot returns key's slot.
func (c *wordCache) slot(key []byte) *atomic.Pointer[cachedWord] {
	return &c.slots[cacheSlot(key)]
}

// lookupAt is lookup, given key's slot.
func (c *wordCache) lookupAt(slot *atomic.Pointer[cachedWord], key []byte) *entry {
	if w := slot.Load(); w != nil && w.is(key) {
		return &w.entry
	}
	w := &cachedWord{entry: newEntry(string(key))}
	if len(key) > 0 && len(key) <= shortKey {
		w.n = uint8(copy(w.short[:], key))
		w.share()
	} else {
		w.long = string(key)
	}
	slot.Store(w)
	return &w.entry
}

// share points the entry's term and stem at the key's bytes in the struct
// when they spell the key or begin it, as they do for most words (a word
// without accents folds to itself, and its stem is most often a prefix of
// it). A token's readers then find the term's and stem's bytes in the
// cache lines the lookup has just brought in, where separate strings
// missed the processor's caches once more each.
func (w *cachedWord) share() {
	key := unsafe.String(&w.short[0], int(w.n))
	if w.term == key {
		w.term = key
	}
	if strings.HasPrefix(key, w.stem) {
		w.stem = key[:len(w.stem)]
	}
}

func newEntry(lower string) entry {
	term := Fold(lower)
	e := entry{term: term, stem: term, stop: stopwords[term], question: questionWord[term]}
	if e.stop || isDigits(term) {
		return e
	}
	e.stem = trimFinalE(Fold(french.Stem(norm.NFC.String(lower), true)))
	return e
}

// trimFinalE drops trailing e's from a folded stem. The stemmer removes
// final é and e from accented words, but leaves "e" where a writer omitted
// the accent ("integrees" stems to "integre", "intégrées" to "integr");
// trimming makes both spellings meet more often.
func trimFinalE(stem string) string {
	for len(stem) > 3 && stem[len(stem)-1] == 'e' {
		stem = stem[:len(stem)-1]
	}
	return stem
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Stem returns the folded French Snowball stem of a single word, which may
// be given with or without accents or capitals: Stem("Artificielle") is
// "artificiel". Stopwords and numbers are returned folded but unstemmed.
// Results are cached; Stem is safe for concurrent use.
func Stem(term string) string {
	return cache.lookup([]byte(strings.ToLower(term))).stem
}
