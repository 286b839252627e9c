package lexical

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/veille/veille/analysis"
)

// Default scoring parameters, tuned on PIAF alone and on PIAF mixed with
// 5,548 distractor paragraphs (see eval_test.go: -sweep bm25 logs the
// sensitivity, -corpus searches the mix). On PIAF all are flat within
// ±0.003 MRR@10 around their defaults, except Exact (0.787 off, 0.795 at
// 0.3) and Names (0.791 off). With the distractors, shorter paragraphs that
// often repeat a few common words, K1 and B matter too: recall@5 is 0.874
// at K1 0.6, B 0.5 but 0.864 at the textbook K1 0.9, B 0.75, for the same
// MRR@10 on PIAF.
const (
	// DefaultK1 is the default term-frequency saturation of [Config].
	DefaultK1 = 0.6
	// DefaultB is the default length normalisation of [Config].
	DefaultB = 0.5
	// DefaultExact is the default weight of exact-form matches of [Config].
	DefaultExact = 0.3
	// DefaultNames is the default weight of capitalised query words of
	// [Config].
	DefaultNames = 1.25
	// DefaultPairs is the default weight of word-pair matches of [Config].
	// Pairs add 0.002 MRR@10 on PIAF (0.795 instead of 0.793) and 0.005 with
	// the distractors (0.787 instead of 0.782) for twice the postings and
	// half again the indexing time (BenchmarkAdd: 57–64 µs an item against
	// 33–41 µs without), which the archive's sizes afford.
	DefaultPairs = 0.3
	// DefaultKind is the default weight of the word naming the kind of
	// answer sought, of [Config]. It adds 0.003 recall@5 and MRR@10 on PIAF
	// and 0.005 recall@5 with the distractors, on both halves of the
	// questions (split by article); 0.3 to 0.7 do about as well.
	DefaultKind = 0.5
	// DefaultAbbreviations is the default weight of the words that stand
	// for a query's abbreviations, of [Config]. PIAF's questions hold few
	// abbreviations (23 of 3,779) and score the same with it or without;
	// it is there for a newsletter's "UE", "PDG" and "USA". On French
	// questions with abbreviations about the example archive (package
	// eval), searched hybrid, MRR@10 is 0.889 at 1 and 0.792 at 0.5.
	DefaultAbbreviations = 1
	// DefaultTranslations is the default weight of the French words that
	// stand for an English query's words, of [Config]. On 21 English
	// questions about the example archive (package eval), searched hybrid
	// as the archive does, MRR@10 is 1.000 at 0.5, 0.952 at 1 and 0.881
	// at 2 (0.743 without).
	DefaultTranslations = 0.5
)

// DefaultFieldWeights are the default field weights of [Config]: the first
// field given to [Index.Add], a headline or title, counts twice as much as
// the others. On PIAF, where titles are article names, weights from 1 to 3
// score within 0.003 MRR@10 of each other.
var DefaultFieldWeights = []float64{2, 1}

// Config tunes the scoring of an [Index]. A zero field takes its default,
// so Config{} is a good start.
type Config struct {
	// K1 is the BM25 term-frequency saturation: the higher, the more a
	// repeated word adds. Default [DefaultK1].
	K1 float64
	// B is the BM25 length normalisation in (0, 1]: how much a long item is
	// penalised. Default [DefaultB].
	B float64
	// FieldWeights[i] multiplies the occurrences of the words of the i-th
	// field given to [Index.Add], both in term frequencies and in the item
	// length (BM25F). Fields past the end of the list weigh 1; a
	// non-positive weight is taken as 1. Default [DefaultFieldWeights].
	FieldWeights []float64
	// Exact is the weight, relative to a stem match, of the bonus for a
	// query word found in the same folded form ("modèles" rather than
	// "modèle"); it costs extra postings for words whose form differs from
	// their stem. Negative turns it off. Default [DefaultExact].
	Exact float64
	// Pairs is the weight, relative to a stem match, of a match on two
	// adjacent content words (stopwords between them are skipped), which
	// rewards passages that keep the query's phrases. It costs postings for
	// every word pair. Negative turns it off. Default [DefaultPairs].
	Pairs float64
	// Names multiplies the weight of the query words capitalised inside a
	// sentence, most often names ("Qui a fondé Mistral"), and of an inverted
	// question's subject ("Mistral a-t-il levé…", see
	// [analysis.NamesSubject]). Values below 1 turn it off. Default
	// [DefaultNames].
	Names float64
	// Kind multiplies the weight of the query word that names the kind of
	// answer sought, the first content word after a question word such as
	// "quel" or "combien" (see [analysis.AsksForKind]): "pays" in "Dans quel
	// pays se situe Jos", which the answer ("Nigeria") seldom comes with.
	// Names are left alone. Values of 1 or more turn it off. Default
	// [DefaultKind].
	Kind float64
	// Abbreviations is the weight, relative to a query word, shared by the
	// words [analysis.Abbreviations] adds to a query for an abbreviation
	// ("PDG": "président", "directeur", "patron"…) or a spelt-out form
	// ("Union européenne": "UE"): each gets it divided by the square root
	// of their number, as in the built-in embedder. Negative turns it off.
	// Default [DefaultAbbreviations].
	Abbreviations float64
	// Translations is the weight, relative to a query word, shared by the
	// French words [analysis.Expand] gives for each English word or phrase
	// of a query that [analysis.Language] finds English ("CEO": "PDG",
	// "patron", "directeur général"), divided as for Abbreviations. A
	// French archive otherwise meets an English question by its names and
	// numbers only. Negative turns it off. Default [DefaultTranslations].
	Translations float64
}

func (c Config) withDefaults() Config {
	if c.K1 <= 0 {
		c.K1 = DefaultK1
	}
	if c.B <= 0 {
		c.B = DefaultB
	}
	c.B = min(c.B, 1)
	if c.FieldWeights == nil {
		c.FieldWeights = DefaultFieldWeights
	}
	if c.Exact == 0 {
		c.Exact = DefaultExact
	}
	c.Exact = max(c.Exact, 0)
	if c.Names == 0 {
		c.Names = DefaultNames
	}
	c.Names = max(c.Names, 1)
	if c.Pairs == 0 {
		c.Pairs = DefaultPairs
	}
	c.Pairs = max(c.Pairs, 0)
	if c.Kind <= 0 {
		c.Kind = DefaultKind
	}
	c.Kind = min(c.Kind, 1)
	if c.Abbreviations == 0 {
		c.Abbreviations = DefaultAbbreviations
	}
	c.Abbreviations = max(c.Abbreviations, 0)
	if c.Translations == 0 {
		c.Translations = DefaultTranslations
	}
	c.Translations = max(c.Translations, 0)
	return c
}

// Hit is one search result.
type Hit struct {
	ID    uint32
	Score float32 // BM25 score; comparable only within one search
}

// tfScale is the fixed-point scale of stored term frequencies, which are
// weighted by field: a stored tf of 4 is one occurrence in a weight-1 field.
const tfScale = 4

// postings lists the slots holding a term, in increasing slot order, with
// the term's weighted frequency in each. Two parallel slices take 6 bytes a
// posting where a slice of structs would take 8.
type postings struct {
	slots []uint32
	tfs   []uint16 // in units of 1/tfScale, at least 1
}

// Index is an in-memory BM25 index of items, each made of one or more text
// fields (a headline and a paragraph, say) and known by a uint32 id chosen
// by the caller. It is safe for concurrent use: searches run in parallel,
// and Add and Delete wait for them and exclude each other.
//
// Items live in slots, numbered in order of addition, so every posting
// list is sorted. Delete only marks a slot dead; once a quarter of the
// slots are dead the index is compacted. Until then the dead items still
// count in document frequencies and the average length, as in Lucene, but
// they are never returned.
type Index struct {
	cfg     Config
	weights []float32 // resolved field weights

	mu     sync.RWMutex
	stems  map[string]uint32 // stem → index in lists
	forms  map[string]uint32 // folded word whose stem differs → index in lists
	pairs  pairLog           // word pairs' postings, by pairKey of their stems' lists
	lists  []postings
	ids    []uint32  // slot → id
	lens   []float32 // slot → weighted length in words
	dead   []bool    // slot → deleted
	slotOf map[uint32]uint32
	total  float64 // sum of lens, dead slots included
	ndead  int
	known  []knownTerm // terms Add met lately, by knownSlot; made on first use

	scratch    sync.Pool // *searchScratch
	exhaustive bool      // tests: score every posting, no MaxScore
}

// New returns an empty index scored with cfg; see [Config] for defaults.
func New(cfg Config) *Index {
	cfg = cfg.withDefaults()
	ix := &Index{
		cfg:    cfg,
		stems:  make(map[string]uint32),
		forms:  make(map[string]uint32),
		pairs:  pairLog{bufMax: defaultPairBuffer, runMax: defaultPairRun, blockLen: defaultPairBlock},
		slotOf: make(map[uint32]uint32),
	}
	for _, w := range cfg.FieldWeights {
		if w <= 0 {
			w = 1
		}
		ix.weights = append(ix.weights, float32(w))
	}
	return ix
}

func (ix *Index) fieldWeight(i int) float32 {
	if i < len(ix.weights) {
		return ix.weights[i]
	}
	return 1
}

// pairKey is the key in pairs of the word pair whose stems have the lists
// a and b. Keys by list rather than by "stem stem" strings spare a string
// for each of the millions of pairs of an archive.
func pairKey(a, b uint32) uint64 { return uint64(a)<<32 | uint64(b) }

// docTerms is the analysed form of one item, built outside the lock. Its
// stems are numbered in order of first occurrence, and its word pairs are
// keyed by those numbers (pairKey), so that Add turns each stem into its
// list once and each pair into its key without hashing strings again.
type docTerms struct {
	stems   tally
	terms   []string  // Add: the stems, then the forms
	lists   []uint32  // Add: terms[i]'s index in Index.lists
	tfs     []float32 // Add: the weighted frequency of each of lists
	touched uint32    // what touchStems, touchKnown and touchTails read, summed
	forms   tally
	pairs   pairTally // pairKey of two places in stems → weighted frequency
	toks    []analysis.Token
	len     float32
}

// weighted is a stem and its weighted frequency in an item.
type weighted struct {
	term string
	tf   float32
}

var docPool = sync.Pool{New: func() any { return new(docTerms) }}

func (ix *Index) analyse(fields []string) *docTerms {
	d := docPool.Get().(*docTerms)
	d.stems.reset()
	d.forms.reset()
	d.pairs.reset()
	d.len = 0
	for i, f := range fields {
		w := ix.fieldWeight(i)
		d.toks = analysis.AppendTokens(d.toks[:0], f)
		d.touched += touchStems(d.toks)
		prev := -1
		for _, t := range d.toks {
			if t.Flags&analysis.SentenceStart != 0 {
				prev = -1
			}
			if t.Flags&analysis.Stop != 0 {
				continue
			}
			si := d.stems.add(t.Stem, w)
			if ix.cfg.Pairs > 0 && prev >= 0 {
				d.pairs.add(pairKey(uint32(prev), si), w)
			}
			prev = int(si)
			d.len += w
			if ix.cfg.Exact > 0 && t.Term != t.Stem {
				d.forms.add(t.Term, w)
			}
		}
	}
	return d
}

func fixedTF(tf float32) uint16 {
	return uint16(min(max(math.Round(float64(tf)*tfScale), 1), math.MaxUint16))
}

// Add indexes the item id made of fields, in order: a headline or title
// first, then the text, as weighted by [Config.FieldWeights]. Adding an id
// that is present replaces the item. Ids are never reused by the store, so
// a replacement is a delete plus an add and leaves a dead slot behind.
func (ix *Index) Add(id uint32, fields ...string) {
	d := ix.analyse(fields)
	defer docPool.Put(d)

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if _, ok := ix.slotOf[id]; ok {
		ix.deleteLocked(id)
	}
	slot := uint32(len(ix.ids))
	ix.ids = append(ix.ids, id)
	ix.lens = append(ix.lens, d.len)
	ix.dead = append(ix.dead, false)
	ix.slotOf[id] = slot
	ix.total += float64(d.len)
	// The lists of the stems, in order, then those of the forms.
	d.lists, d.tfs = d.lists[:0], d.tfs[:0]
	d.terms = d.terms[:0]
	for _, st := range d.stems.items {
		d.terms = append(d.terms, st.term)
		d.tfs = append(d.tfs, st.tf)
	}
	stems := len(d.terms)
	for _, f := range d.forms.items {
		d.terms = append(d.terms, f.term)
		d.tfs = append(d.tfs, f.tf)
	}
	if ix.known == nil {
		ix.known = make([]knownTerm, knownTerms)
	}
	d.touched += ix.touchKnown(d.terms)
	for i, term := range d.terms {
		d.lists = append(d.lists, ix.lookup(i >= stems, term))
	}
	d.touched += touchTails(ix.lists, d.lists)
	for i, li := range d.lists {
		ix.lists[li].add(slot, d.tfs[i])
	}
	for i, key := range d.pairs.keys {
		ix.pairs.add(pairKey(d.lists[key>>32], d.lists[uint32(key)]), slot, fixedTF(d.pairs.tfs[i]))
	}
	ix.pairs.seal()
}

// knownTerm is an entry of Index.known: a term string as the analyser gave
// it, a stem or a form, and its list.
type knownTerm struct {
	term string
	li   uint32
	form bool
}

// knownTerms is the number of entries of Index.known: 1.5 MB.
const knownTerms = 1 << 16

// knownSlot returns the entry of Index.known for term, chosen by where its
// bytes are: the analyser gives every occurrence of a word the same strings,
// from its cache of words, so a term is found without hashing or comparing
// its bytes.
func knownSlot(term string) int {
	h := uint64(uintptr(unsafe.Pointer(unsafe.StringData(term)))) ^ uint64(len(term))<<56
	return int(h * 0x9e3779b97f4a7c15 >> (64 - 16))
}

// touchKnown reads the entries of Index.known for terms, before Add looks
// each up: the reads are independent, so the processor waits for their
// cache misses together. It returns a sum of what it read, as touchTails.
func (ix *Index) touchKnown(terms []string) uint32 {
	var x uint32
	for _, t := range terms {
		x += ix.known[knownSlot(t)].li
	}
	return x
}

// lookup returns the index of term's list, a form's if form, else a
// stem's, starting it if the term is new. The answer for the very string
// term is remembered in known, where a string with the same bytes at the
// same place is the same term: the entry keeps its string, hence its bytes,
// alive. The Go map's lookup missed the processor's caches two or three
// times (its group, its key's bytes), and a lookup in known misses once, if
// at all.
func (ix *Index) lookup(form bool, term string) uint32 {
	k := &ix.known[knownSlot(term)]
	if k.form == form && len(k.term) == len(term) && term != "" && unsafe.StringData(k.term) == unsafe.StringData(term) {
		return k.li
	}
	dict := ix.stems
	if form {
		dict = ix.forms
	}
	li := ix.list(dict, term)
	*k = knownTerm{term: term, li: li, form: form}
	return li
}

// list returns the index of term's list in dict, starting it if the term is
// new. A new term is copied: a token's term may share the memory of the
// analyser's cache entry for its word, which the dictionary would
// otherwise keep alive.
func (ix *Index) list(dict map[string]uint32, term string) uint32 {
	li, ok := dict[term]
	if !ok {
		li = ix.newList()
		dict[strings.Clone(term)] = li
	}
	return li
}

func (p *postings) add(slot uint32, tf float32) {
	p.slots = append(p.slots, slot)
	p.tfs = append(p.tfs, fixedTF(tf))
}

// touchTails reads the last posting of each list in lis before Add appends
// to them: the reads are independent, so the processor waits for their
// cache misses together rather than one append after another, and Add took
// 9 % less time (BenchmarkAdd). It returns a sum of what it read, which
// the caller keeps so that the reads are not optimised away.
func touchTails(lists []postings, lis []uint32) uint32 {
	var x uint32
	for _, li := range lis {
		p := &lists[li]
		if n := len(p.slots); n > 0 {
			x += p.slots[n-1] + uint32(p.tfs[n-1])
		}
	}
	return x
}

// touchStems reads the first byte of each token's stem before analyse hashes
// them: the stems' bytes are in the analyser's cache entries, which the
// embedder read a while before, and independent reads let the processor
// wait for their misses together. It returns a sum of what it read, which
// the caller keeps so that the reads are not optimised away.
func touchStems(toks []analysis.Token) uint32 {
	var x uint32
	for _, t := range toks {
		if t.Stem != "" {
			x += uint32(t.Stem[0])
		}
	}
	return x
}

// newList appends an empty posting list and returns its index.
func (ix *Index) newList() uint32 {
	if len(ix.lists) == cap(ix.lists) {
		// Double the capacity: append grows a long slice by about a
		// quarter, which would copy hundreds of thousands of lists many
		// times over while an archive is loaded.
		ix.lists = slices.Grow(ix.lists, max(len(ix.lists), 1024))
	}
	ix.lists = append(ix.lists, postings{})
	return uint32(len(ix.lists) - 1)
}

// Delete removes the item id and reports whether it was present. Searches
// that start after Delete returns never return id.
func (ix *Index) Delete(id uint32) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.deleteLocked(id)
}

func (ix *Index) deleteLocked(id uint32) bool {
	slot, ok := ix.slotOf[id]
	if !ok {
		return false
	}
	delete(ix.slotOf, id)
	ix.dead[slot] = true
	ix.ndead++
	if ix.ndead >= 16 && ix.ndead*4 >= len(ix.ids) {
		ix.compact()
	}
	return true
}

// Len returns the number of items in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.slotOf)
}

// compact drops the dead slots, renumbering the live ones in order so that
// posting lists stay sorted, and drops the terms left without postings.
func (ix *Index) compact() {
	const gone = math.MaxUint32
	remap := make([]uint32, len(ix.ids)) // old slot → new slot, or gone
	n := uint32(0)
	ix.total = 0
	for s, dead := range ix.dead {
		if dead {
			remap[s] = gone
			continue
		}
		remap[s] = n
		ix.ids[n] = ix.ids[s]
		ix.lens[n] = ix.lens[s]
		ix.dead[n] = false
		ix.slotOf[ix.ids[s]] = n
		ix.total += float64(ix.lens[s])
		n++
	}
	ix.ids, ix.lens, ix.dead = ix.ids[:n], ix.lens[:n], ix.dead[:n]
	ix.ndead = 0

	lists := make([]postings, 0, len(ix.lists))
	// keep appends list li's postings of live slots, renumbered, to lists
	// and returns its new index, or reports false if none is left.
	keep := func(li uint32) (uint32, bool) {
		p := ix.lists[li]
		var kept postings
		for i, s := range p.slots {
			if remap[s] != gone {
				kept.slots = append(kept.slots, remap[s])
				kept.tfs = append(kept.tfs, p.tfs[i])
			}
		}
		if len(kept.slots) == 0 {
			return 0, false
		}
		lists = append(lists, kept)
		return uint32(len(lists) - 1), true
	}
	moved := make([]uint32, len(ix.lists)) // old → new index of the stems' lists, which pair keys name
	for _, dict := range []map[string]uint32{ix.stems, ix.forms} {
		for term, li := range dict {
			nl, ok := keep(li)
			if !ok {
				delete(dict, term)
				continue
			}
			dict[term] = nl
			moved[li] = nl
		}
	}
	// A pair with a live posting has its two stems posted in the same slot,
	// so both stems' lists survive.
	ix.pairs.compact(remap, moved, gone)
	ix.lists = lists
	clear(ix.known)
}
