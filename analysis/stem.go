package analysis

import (
	"strings"
	"sync"

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

const (
	cacheShards   = 64
	cacheShardCap = 4096 // words per shard before the shard is emptied
)

// wordCache maps a lower-cased word to its [entry]. It is bounded: a full
// shard is emptied and refilled, so a long run never grows memory past
// cacheShards*cacheShardCap words. Entries are pure functions of their key,
// so results never depend on what is cached.
type wordCache struct {
	shards [cacheShards]struct {
		mu sync.RWMutex
		m  map[string]entry
	}
}

var cache wordCache

// lookup returns the entry for the lower-cased word in key, computing it on a
// miss. key may be a scratch buffer: it is copied before it is stored.
func (c *wordCache) lookup(key []byte) entry {
	var h uint32 = 2166136261
	for _, b := range key {
		h = (h ^ uint32(b)) * 16777619
	}
	s := &c.shards[h%cacheShards]
	s.mu.RLock()
	e, ok := s.m[string(key)]
	s.mu.RUnlock()
	if ok {
		return e
	}
	k := string(key)
	e = newEntry(k)
	s.mu.Lock()
	if s.m == nil || len(s.m) >= cacheShardCap {
		s.m = make(map[string]entry, cacheShardCap/4)
	}
	s.m[k] = e
	s.mu.Unlock()
	return e
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
