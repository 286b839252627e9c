package embed

import (
	"context"
	"math"
	"sync"
	"unsafe"

	"github.com/veille/veille/analysis"
)

// DefaultDims is the vector length of the built-in embedder when none is
// given. It was chosen by measurement on French question answering and
// headline similarity: larger vectors collide less but cost memory and
// search time for every stored paragraph. Measured recall@5 on PIAF:
// 0.74 at 512 dims, 0.79 at 1024, 0.80 at 1536, 0.82 at 2048.
const DefaultDims = 1024

// BuiltinModel names the feature set of [Builtin]. It changes whenever the
// Passage vectors of any text change, so stored vectors can be told apart.
// Query vectors may change under the same name when the change only helps
// queries meet the same stored vectors: since the English-to-French
// expansion was added, English queries get extra features, since the kind
// weight was added, the word after "quel" or "which" weighs less in a
// query, and since abbreviations are expanded, "UE" in a query also stands
// for "Union européenne" and back; every Passage vector is as before.
const BuiltinModel = "hash-v1"

// Builtin is a model-free embedder: it hashes the features of a text into a
// fixed number of signed buckets (the "hashing trick"). Features are the
// stems of content words with sublinear term frequency, pairs of adjacent
// content stems, character n-grams of the folded words (for inflections and
// misspellings that stemming misses), and numbers; capitalised words
// inside a sentence, most often names, weigh more.
//
// In [Query] mode, the word naming the kind of answer sought, after "quel",
// "combien", "which"… (see [analysis.AsksForKind]), weighs less: "pays" in
// "Dans quel pays se situe Jos" says little about the passage that answers.
//
// In [Query] mode, a text that [analysis.Language] finds English also gets
// the French words [analysis.Expand] gives for its English words ("lose"
// adds "perdre", "perte"…), so that English questions meet the French
// archive on more than names and numbers. In [Query] mode, whatever the
// language, an abbreviation written in capitals also gets the words it
// stands for, and a spelt-out form its abbreviation
// ([analysis.Abbreviations]): "le PDG" meets "le patron", "l'UE" meets
// "l'Union européenne". Passages are never expanded.
//
// It needs no weights, no network and no corpus statistics: a text's vector
// depends only on that text, its mode and the dims, and is the same in every
// process. A Builtin is safe for concurrent use.
type Builtin struct {
	dims int
	p    params
}

// params are the feature weights of one version of the embedder.
type params struct {
	unigram  float64 // content word stem
	chargram float64 // all character n-grams of one word together
	number   float64
	name     float64 // factor for capitalised words inside a sentence
	minN     int     // character n-gram sizes
	maxN     int
	// translation weighs each French word added to an English query by
	// [analysis.Expand], relative to a word of the query itself; 0 turns
	// the expansion off.
	translation float64
	// kind weighs the word of a query that names the kind of answer
	// sought, relative to other words.
	kind float64
	// abbreviation weighs each word added to a query by
	// [analysis.Abbreviations], relative to a word of the query itself; 0
	// turns it off.
	abbreviation float64
}

// hashV1 was tuned on French QA retrieval and headline similarity. Pairs
// of adjacent stems were tried and dropped: at these sizes their collisions
// cost more than word order gains. Character 4- and 5-grams beat 3-grams.
// The translation weight was tuned on English questions about the example
// archive and English STS headlines against their French translations
// (package eval): 0.8 to 1.3 do about equally, 0.4 is clearly worse,
// sharing the weight by the square root of the number of French words
// beats both not sharing it and sharing it linearly, and the character
// n-grams of the French words matter (without them MRR@10 drops 0.02-0.06).
// The kind weight was tuned on PIAF, alone and with 5,548 distractor
// paragraphs (bench/distractors): at 0.5 recall@5 gains 0.012 on both, and
// on both halves of the questions split by article; 0.3 does about as well.
//
// The abbreviation weight was tuned on French questions with abbreviations
// about the example archive and on the English STS headlines, 37 of which
// say "US" (package eval): at 0.5, searched hybrid with the keyword index's
// expansion, the questions' MRR@10 goes from 0.667 to 0.889 and the
// headlines' stays at 0.900; at 1 the questions gain as much but the
// headlines lose 0.003, "américain" making their many American stories
// alike.
var hashV1 = params{unigram: 1, chargram: 1.5, number: 2, name: 1.25, minN: 4, maxN: 5, translation: 1, kind: 0.5, abbreviation: 0.5}

// NewBuiltin returns a built-in embedder producing vectors of dims
// float32s, or [DefaultDims] when dims <= 0.
func NewBuiltin(dims int) *Builtin {
	if dims <= 0 {
		dims = DefaultDims
	}
	return &Builtin{dims: dims, p: hashV1}
}

// Identity returns provider "builtin", model [BuiltinModel] and the dims.
func (b *Builtin) Identity() Identity {
	return Identity{Provider: "builtin", Model: BuiltinModel, Dims: b.dims}
}

// PassageFunc returns, for an identity of the built-in embedder (any
// dims), the function that gives its Passage vector of a text: a store
// may keep texts without their vectors and have them again from it, since
// such a vector depends on the text alone ([BuiltinModel] changes with any
// Passage vector). ok is false for any other identity, whose vectors only
// the model that made them can give.
func PassageFunc(id Identity) (passage func(text string) []float32, ok bool) {
	b := NewBuiltin(id.Dims)
	if id.Dims <= 0 || b.Identity() != id {
		return nil, false
	}
	return func(text string) []float32 { return b.Vector(text, Passage) }, true
}

// Embed returns one L2-normalised vector per text, in order. It fails only
// when ctx is done, which it checks every few texts.
func (b *Builtin) Embed(ctx context.Context, texts []string, mode Mode) ([][]float32, error) {
	out := make([][]float32, len(texts))
	slab := make([]float32, len(texts)*b.dims)
	f := featurePool.Get().(*features)
	defer featurePool.Put(f)
	for i, text := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		v := slab[i*b.dims : (i+1)*b.dims : (i+1)*b.dims]
		b.vector(f, v, text, mode)
		out[i] = v
	}
	return out, nil
}

// Vector returns the L2-normalised vector of one text.
func (b *Builtin) Vector(text string, mode Mode) []float32 {
	f := featurePool.Get().(*features)
	defer featurePool.Put(f)
	v := make([]float32, b.dims)
	b.vector(f, v, text, mode)
	return v
}

// Feature kinds salt the hashes so that, say, the stem "ia" and the
// character n-gram "ia" land in unrelated buckets.
const (
	saltUnigram uint64 = iota + 1
	saltChargram
	saltNumber
	saltEmpty
)

var featurePool = sync.Pool{New: func() any { return newFeatures(1024) }}

// features accumulates weighted feature hashes of one text, so that
// repeated features get a sublinear weight: the features in the order they
// first came, and an open-addressing table of where each is in that list.
// A table slot holds a feature's place and the top half of its hash, so a
// probe reads the list only on a likely match. Table (8 bytes a slot) and
// list (24 bytes a feature) together fit the processor's first-level cache
// for a paragraph's 700 or so features, where a table of whole features
// (24 bytes a slot, twice as many slots as features) did not, and writing
// the vector reads the list in order.
type features struct {
	toks  []analysis.Token
	table []slot
	list  []feature
	// acc sums the features into a vector that stays in the processor's
	// caches from text to text, where the vector returned, new memory,
	// missed them at nearly every feature; it is then written out in order.
	acc []float32
	// grams remembers the character n-gram hashes of recent words (see
	// gramsOf), gramSlots of them.
	grams []wordGrams
}

// wordGrams is an entry of features.grams: a word as the analyser gave it,
// the n-gram sizes its hashes were made for, and its n-gram hashes in the
// order chargrams adds them.
type wordGrams struct {
	term       string
	minN, maxN int
	hashes     []uint64
}

// gramSlots is the number of entries of features.grams. The analyser gives
// every occurrence of a word the same strings from its cache of words, so
// most words of a paragraph were met a few paragraphs before.
const (
	gramBits  = 10
	gramSlots = 1 << gramBits
)

// slot is a table entry: at is the feature's place in the list plus one,
// 0 marking an empty slot; tag is the top half of its hash.
type slot struct {
	at, tag uint32
}

// feature is a distinct feature of the text: its hash, the sum of its
// weights, how often it came, and its slot in the table.
type feature struct {
	key   uint64
	sum   float64
	count int32
	slot  int32
}

func newFeatures(size int) *features {
	return &features{table: make([]slot, size)}
}

func (f *features) reset() {
	for _, fe := range f.list {
		f.table[fe.slot] = slot{}
	}
	f.list = f.list[:0]
}

func (f *features) add(h uint64, w float64) {
	h |= 1
	tag := uint32(h >> 32)
	mask := uint64(len(f.table) - 1)
	for s := h & mask; ; s = (s + 1) & mask {
		sl := f.table[s]
		if sl.at == 0 {
			f.list = append(f.list, feature{key: h, sum: w, count: 1, slot: int32(s)})
			f.table[s] = slot{at: uint32(len(f.list)), tag: tag}
			if 2*len(f.list) > len(f.table) {
				f.grow()
			}
			return
		}
		if sl.tag == tag {
			if fe := &f.list[sl.at-1]; fe.key == h {
				fe.sum += w
				fe.count++
				return
			}
		}
	}
}

// grow doubles the table and places the features again.
func (f *features) grow() {
	f.table = make([]slot, 2*len(f.table))
	mask := uint64(len(f.table) - 1)
	for i := range f.list {
		fe := &f.list[i]
		s := fe.key & mask
		for f.table[s].at != 0 {
			s = (s + 1) & mask
		}
		f.table[s] = slot{at: uint32(i + 1), tag: uint32(fe.key >> 32)}
		fe.slot = int32(s)
	}
}

// vector writes the normalised embedding of text into v, which must be
// zeroed and of length b.dims.
func (b *Builtin) vector(f *features, v []float32, text string, mode Mode) {
	f.reset()
	f.toks = analysis.AppendTokens(f.toks[:0], text)
	content := 0
	for _, t := range f.toks {
		if t.Flags&analysis.Stop == 0 {
			content++
		}
	}
	// A text made only of stopwords ("Qui est-ce ?") keeps them rather than
	// vanishing; otherwise stopwords carry no topic.
	keepStop := content == 0
	kind := false // in a query, the next content word names the kind of answer
	for _, t := range f.toks {
		if mode == Query && !keepStop && t.Flags&analysis.Question != 0 && analysis.AsksForKind(t.Term) {
			kind = true
		}
		if t.Flags&analysis.Stop != 0 && !keepStop {
			continue
		}
		if mode == Query && t.Flags&analysis.Question != 0 && !keepStop {
			continue
		}
		w := 1.0
		switch {
		case t.Flags&analysis.Capitalized != 0 && t.Flags&analysis.SentenceStart == 0:
			w = b.p.name
		case kind:
			w = b.p.kind
		}
		kind = false
		if t.Kind == analysis.Number {
			f.add(hashString(saltNumber, t.Term), b.p.number)
			continue
		}
		f.add(hashString(saltUnigram, t.Stem), w*b.p.unigram)
		b.chargrams(f, t.Term, w)
	}
	if mode == Query {
		if b.p.translation > 0 && analysis.Language(text) == "en" {
			b.expand(f, analysis.Expand(f.toks), b.p.translation)
		}
		if b.p.abbreviation > 0 {
			b.expand(f, analysis.Abbreviations(text, f.toks), b.p.abbreviation)
		}
	}
	if len(f.list) == 0 {
		f.add(saltEmpty, 1)
	}
	if cap(f.acc) < len(v) {
		f.acc = make([]float32, len(v))
	}
	acc := f.acc[:len(v)]
	for _, fe := range f.list {
		h, w := fe.key, fe.sum
		if n := fe.count; n > 1 {
			w = w / float64(n) * (1 + math.Log(float64(n)))
		}
		i := (h >> 32) * uint64(len(acc)) >> 32
		// Bit 1 of the hash is the sign: moved to the sign bit of w
		// rather than branched on, a coin toss the processor
		// mispredicted half the time. The same vectors, bit for bit,
		// 6 % faster (the benchmark archive's paragraphs, alternated).
		w = math.Float64frombits(math.Float64bits(w) ^ (h&2)<<62)
		acc[i] += float32(w)
	}
	normaliseInto(v, acc)
}

// expand adds the words of each expansion of the query, the French words
// for its English ones or what its abbreviations stand for, each as a stem
// and character n-grams like a word of the text. The weight of one source
// word or phrase is shared among its words, so that one with many does not
// outweigh the rest.
func (b *Builtin) expand(f *features, xs []analysis.Expansion, weight float64) {
	for _, x := range xs {
		w := weight / math.Sqrt(float64(len(x.Words)))
		for _, t := range x.Words {
			f.add(hashString(saltUnigram, t.Stem), w*b.p.unigram)
			b.chargrams(f, t.Term, w)
		}
	}
}

// chargrams adds the character n-grams of the folded word, with '<' and '>'
// marking its ends, sharing weight w*chargram among them.
func (b *Builtin) chargrams(f *features, term string, w float64) {
	hashes := b.gramsOf(f, term)
	if len(hashes) == 0 {
		return
	}
	gw := w * b.p.chargram / math.Sqrt(float64(len(hashes)))
	for _, h := range hashes {
		f.add(h, gw)
	}
}

// gramsOf returns the hashes of term's character n-grams, from f.grams if
// they are there. An entry is found by where term's bytes are, without
// hashing or comparing them: the entry keeps its string alive, so no other
// string can have those bytes' address, and strings do not change. In a
// 100,000-paragraph ingest the embedder took 0.12 s less (3.36 and 3.31 s
// against 3.49 and 3.43 s, bench/perf-ingest.sh, alternated), the vectors
// the same bit for bit.
func (b *Builtin) gramsOf(f *features, term string) []uint64 {
	if len(term) == 0 {
		return b.appendGrams(nil, term)
	}
	if f.grams == nil {
		f.grams = make([]wordGrams, gramSlots)
	}
	at := uint64(uintptr(unsafe.Pointer(unsafe.StringData(term))))
	e := &f.grams[(at^uint64(len(term))<<48)*0x9e3779b97f4a7c15>>(64-gramBits)]
	if unsafe.StringData(e.term) != unsafe.StringData(term) || len(e.term) != len(term) || e.minN != b.p.minN || e.maxN != b.p.maxN {
		e.term, e.minN, e.maxN = term, b.p.minN, b.p.maxN
		e.hashes = b.appendGrams(e.hashes[:0], term)
	}
	return e.hashes
}

// appendGrams appends to dst the hashes of the character n-grams of term,
// with '<' and '>' marking its ends: of every size from minN to maxN, and
// within a size in order.
func (b *Builtin) appendGrams(dst []uint64, term string) []uint64 {
	const maxWord = 48
	var buf [maxWord + 2]byte
	if len(term) > maxWord {
		term = term[:maxWord]
	}
	buf[0] = '<'
	copy(buf[1:], term)
	buf[len(term)+1] = '>'
	word := buf[:len(term)+2]
	for n := b.p.minN; n <= b.p.maxN; n++ {
		for i := 0; i+n <= len(word); i++ {
			dst = append(dst, hashBytes(saltChargram+uint64(n), word[i:i+n]))
		}
	}
	return dst
}

// normaliseInto writes src, L2-normalised, into dst, which must be zeroed,
// and zeroes src: the same float32s as normalise(src) would leave in src.
func normaliseInto(dst, src []float32) {
	inv, ok := inverseNorm(src)
	if !ok {
		return
	}
	for i, x := range src {
		dst[i] = x * inv
	}
	clear(src)
}

func normalise(v []float32) {
	inv, ok := inverseNorm(v)
	if !ok {
		return
	}
	for i := range v {
		v[i] *= inv
	}
}

// inverseNorm returns the inverse of v's L2 norm, or false when v is zero.
func inverseNorm(v []float32) (float32, bool) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return 0, false
	}
	return float32(1 / math.Sqrt(ss)), true
}

// hashString is 64-bit FNV-1a seeded with a salt, then mixed: stable
// across processes and Go versions, unlike hash/maphash.
func hashString(salt uint64, s string) uint64 {
	h := 14695981039346656037 ^ salt*0x9e3779b97f4a7c15
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return mix(h)
}

func hashBytes(salt uint64, s []byte) uint64 {
	h := 14695981039346656037 ^ salt*0x9e3779b97f4a7c15
	for _, c := range s {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return mix(h)
}

// mix is the splitmix64 finaliser; it spreads FNV's weak high bits.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
