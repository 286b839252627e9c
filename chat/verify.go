package chat

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/veille/veille/analysis"
)

// SupportThreshold is the least support score at which a passage backs a
// sentence that cites it. The score of a sentence against a passage is the
// weighted share of the sentence's content terms (stems of its words and
// numbers that are not stopwords, each counted once) that the passage, its
// headline or its date contain. Numbers weigh [numberWeight], capitalised
// names [nameWeight] and other words 1. Independently of the score, every
// number of the sentence must occur in the passage: a sentence that gets one
// figure wrong is unsupported however many words it shares.
//
// The value was tuned on the cases of verify_test.go: faithful sentences
// score 1, paraphrases 0.5 to 0.9 (English ones through the glossary), and
// sentences about another subject 0 to 0.2. Overlap cannot see relations:
// "OpenAI a été fondée par Meta" passes against a passage naming OpenAI,
// Meta and "fondée"; a wrong figure or a wrong passage is what it catches.
const SupportThreshold = 0.5

// jointShare is the least score at which a passage counts as one of the
// sources of a sentence that no single passage supports but its cited
// passages support together ("Mistral a levé 600 M€ [1] et Meta 1 Md$ [2].").
const jointShare = 0.25

const (
	numberWeight = 2.0
	nameWeight   = 1.5
)

// maxConnectiveTerms is the most content terms an uncited sentence may have
// and still be kept in the answer as a connective one ("Voici l'essentiel :").
const maxConnectiveTerms = 4

// Sentence is one sentence of a model's answer after verification.
type Sentence struct {
	// Text is the sentence with only its verified citation markers.
	Text string `json:"text"`
	// Citations are the passage numbers whose markers were kept: those
	// that support the sentence.
	Citations []int `json:"citations"`
	// Dropped are the passage numbers the model cited here that were
	// removed: out of range, or not supporting the sentence.
	Dropped []int `json:"dropped,omitempty"`
	// Supported is true when at least one cited passage supports the
	// sentence. Uncited sentences are never supported.
	Supported bool `json:"supported"`
}

// Citation reports on one passage that the answer cites, with its best
// support over the sentences that cite it.
type Citation struct {
	// N is the passage's number: passage i is [i+1].
	N int `json:"n"`
	// Verified is true when the passage supports at least one sentence
	// that cites it.
	Verified bool `json:"verified"`
	// Span is the sentence, or two consecutive sentences, of the passage's
	// text that share the most with the citing sentence (see Score); SpanStart and
	// SpanEnd are its byte offsets in Passage.Text, so Span ==
	// Text[SpanStart:SpanEnd].
	Span      string `json:"span"`
	SpanStart int    `json:"span_start"`
	SpanEnd   int    `json:"span_end"`
	// Score is the support score (see [SupportThreshold]), in [0, 1], of
	// the citing sentence the span was chosen for: the best-scoring
	// sentence that the passage supports, or when it supports none, the
	// best-scoring sentence that cites it.
	Score float64 `json:"score"`
}

// Result is a model's answer after verification.
type Result struct {
	// Answer is the text to show: supported sentences, with markers only for
	// their verified citations, and short uncited connective sentences.
	// Unsupported sentences are left out. It is empty when FailedClosed.
	Answer string `json:"answer"`
	// Sentences are all the sentences of the model's answer, in order,
	// including those left out of Answer.
	Sentences []Sentence `json:"sentences"`
	// Citations has one entry per passage in range that the model cited,
	// by increasing N. Citations of passages that were not sent ([7] with
	// three passages) appear only in [Sentence.Dropped].
	Citations []Citation `json:"citations"`
	// Language is "fr" or "en": the question's, or for [Verify] the
	// answer's.
	Language string `json:"language"`
	// FailedClosed is true when no sentence is supported, or the model
	// could not be asked: the caller must show the extractive answer
	// instead.
	FailedClosed bool `json:"failed_closed"`
	// Notice says in a few English words why sentences were left out or why
	// the answer failed closed; it is empty when every sentence was kept.
	Notice string `json:"notice,omitempty"`
}

// Verify checks answerText, a model's answer to be backed by passages
// (numbered [1] to [len(passages)]), sentence by sentence: it keeps the
// citations whose passage supports their sentence (see [SupportThreshold])
// and drops the others, marks the sentences that keep a citation as
// supported, and fails closed when none does.
//
// Uncited sentences are never supported. Those with no number, no name and
// at most four content words ("Voici ce qu'en disent les passages :"), and
// those that only say the passages are silent ("Les passages ne donnent pas
// le montant."), stay in Answer as connective text; other uncited sentences
// are claims without a source and are left out, like unsupported ones.
//
// Verify is pure and safe for concurrent use.
func Verify(answerText string, passages []Passage) Result {
	lang := analysis.Language(answerText)
	res := Result{Language: lang, Sentences: []Sentence{}, Citations: []Citation{}}
	views := make([]*passageView, len(passages))
	view := func(n int) *passageView {
		if views[n-1] == nil {
			views[n-1] = newPassageView(passages[n-1])
		}
		return views[n-1]
	}
	best := map[int]*Citation{}
	var keep []keptSentence
	supported, leftOut := 0, 0
	for _, s := range splitSentences(answerText) {
		raw := answerText[s.start:s.end]
		ms := markers(raw)
		cl := newClaim(stripMarkers(raw), lang == "en")
		var cited, inRange []int
		for _, m := range ms {
			for _, n := range m.ns {
				if !slices.Contains(cited, n) {
					cited = append(cited, n)
					if n >= 1 && n <= len(passages) {
						inRange = append(inRange, n)
					}
				}
			}
		}
		scores := map[int]support{}
		verified := map[int]bool{}
		for _, n := range inRange {
			sp := view(n).support(cl)
			scores[n] = sp
			if sp.ok() {
				verified[n] = true
			}
		}
		if len(verified) == 0 && len(inRange) > 1 {
			joint := newJointView(inRange, view)
			if joint.support(cl).ok() {
				for _, n := range inRange {
					if scores[n].score >= jointShare {
						verified[n] = true
					}
				}
			}
		}
		for _, n := range inRange {
			sp := scores[n]
			c := best[n]
			if c == nil {
				c = &Citation{N: n, Score: -1}
				best[n] = c
			}
			// A sentence the passage verifies wins over a better-scoring
			// one it does not: the span is the evidence shown to readers.
			replace := verified[n] && !c.Verified || verified[n] == c.Verified && sp.score > c.Score
			c.Verified = c.Verified || verified[n]
			if replace {
				c.Score = sp.score
				c.SpanStart, c.SpanEnd = view(n).span(cl)
				c.Span = passages[n-1].Text[c.SpanStart:c.SpanEnd]
			}
		}
		sent := Sentence{Text: rewriteMarkers(raw, ms, verified), Citations: []int{}, Supported: len(verified) > 0}
		for _, n := range cited {
			if verified[n] {
				sent.Citations = append(sent.Citations, n)
			} else {
				sent.Dropped = append(sent.Dropped, n)
			}
		}
		res.Sentences = append(res.Sentences, sent)
		switch {
		case sent.Supported:
			supported++
			keep = append(keep, keptSentence{s, sent.Text})
		case len(cited) == 0 && cl.connective():
			keep = append(keep, keptSentence{s, sent.Text})
		default:
			leftOut++
		}
	}
	for _, c := range best {
		res.Citations = append(res.Citations, *c)
	}
	slices.SortFunc(res.Citations, func(a, b Citation) int { return a.N - b.N })
	switch {
	case len(res.Sentences) == 0:
		res.FailedClosed, res.Notice = true, "the model's answer is empty"
	case supported == 0:
		res.FailedClosed, res.Notice = true, "no sentence of the model's answer is supported by a passage it cites"
	default:
		res.Answer = join(answerText, keep)
		if leftOut > 0 {
			res.Notice = fmt.Sprintf("%d of %d sentences left out as unsupported", leftOut, len(res.Sentences))
		}
	}
	return res
}

// keptSentence is a sentence of the answer that stays in Result.Answer,
// with its place in the answer and its rewritten text.
type keptSentence struct {
	at   span
	text string
}

// join rebuilds an answer from its kept sentences, keeping the line breaks
// and list markers of the original: sentences that were on one line are
// joined by a space.
func join(original string, keep []keptSentence) string {
	var b strings.Builder
	prevEnd := 0
	for i, k := range keep {
		if i > 0 {
			if breaks := strings.Count(original[prevEnd:k.at.start], "\n"); breaks > 0 {
				b.WriteString(strings.Repeat("\n", min(breaks, 2)))
			} else {
				b.WriteByte(' ')
			}
		}
		lineStart := strings.LastIndexByte(original[:k.at.start], '\n') + 1
		if skipLineStart(original, lineStart) == k.at.start {
			b.WriteString(strings.TrimLeft(original[lineStart:k.at.start], " \t\r"))
		}
		b.WriteString(k.text)
		prevEnd = k.at.end
	}
	return b.String()
}

// rewriteMarkers returns sentence with each marker replaced by the markers
// of its verified passages, "[1][3]", or removed with the spaces before it.
func rewriteMarkers(sentence string, ms []marker, verified map[int]bool) string {
	var b strings.Builder
	prev := 0
	for _, m := range ms {
		var kept strings.Builder
		for _, n := range m.ns {
			if verified[n] {
				kept.WriteString("[" + strconv.Itoa(n) + "]")
			}
		}
		before := sentence[prev:m.start]
		if kept.Len() == 0 {
			before = strings.TrimRight(before, " \t")
		}
		b.WriteString(before)
		b.WriteString(kept.String())
		prev = m.end
	}
	b.WriteString(sentence[prev:])
	return strings.TrimSpace(b.String())
}

// term is a content term of a claim.
type term struct {
	stem   string
	alts   []string // stems that stand for it: French translations, an abbreviation's words
	weight float64
	number bool
}

// claim is an analysed sentence of an answer.
type claim struct {
	terms    []term
	total    float64
	hasFact  bool // a number or a name
	negation bool // "pas", "aucun", "not"…: the sentence may say what the passages lack
	scope    bool // mentions the passages or the archive
}

// newClaim analyses text, a sentence without its markers. When english is
// set, English words that the glossary of [analysis.Expand] translates also
// match their French translations, since the archive is in French. In any
// language, an abbreviation also matches the words it stands for and a
// spelt-out form its abbreviation ([analysis.Abbreviations]): "le PIB" is
// the passage's "produit intérieur brut", "l'Union européenne" its "UE".
func newClaim(text string, english bool) claim {
	toks := analysis.Tokens(text)
	var c claim
	index := map[string]int{}
	alts := map[int][]string{}
	if english {
		addAlternatives(alts, toks, analysis.Expand(toks))
	}
	addAlternatives(alts, toks, analysis.Abbreviations(text, toks))
	for i, t := range toks {
		if negations[t.Term] {
			c.negation = true
		}
		if scopeWords[t.Term] {
			c.scope = true
		}
		if t.Is(analysis.Stop) {
			continue
		}
		w := 1.0
		switch {
		case t.Kind == analysis.Number:
			w = numberWeight
			c.hasFact = true
		case t.Is(analysis.Capitalized) && !t.Is(analysis.SentenceStart):
			w = nameWeight
			c.hasFact = true
		}
		if j, ok := index[t.Stem]; ok {
			if w > c.terms[j].weight {
				c.total += w - c.terms[j].weight
				c.terms[j].weight = w
			}
			continue
		}
		index[t.Stem] = len(c.terms)
		c.terms = append(c.terms, term{stem: t.Stem, alts: alts[i], weight: w, number: t.Kind == analysis.Number})
		c.total += w
	}
	return c
}

// connective reports whether an uncited sentence carries no claim worth a
// source: no number or name, and either few content words or a statement
// that the passages are silent.
func (c claim) connective() bool {
	return !c.hasFact && (len(c.terms) <= maxConnectiveTerms || c.negation && c.scope)
}

var (
	negations  = wordSet("pas aucun aucune rien ni jamais sans not no none nothing neither nor never without")
	scopeWords = wordSet("passage passages extrait extraits source sources archive archives document documents texte textes newsletter newsletters")
)

// addAlternatives adds to alts, for the index of each token of toks that
// one of xs expands, the stems of its expansion's words. xs are expansions
// of toks, in order, as [analysis.Expand] and [analysis.Abbreviations] give
// them.
func addAlternatives(alts map[int][]string, toks []analysis.Token, xs []analysis.Expansion) {
	i := 0
	for _, e := range xs {
		words := strings.Fields(e.Source)
		for ; i+len(words) <= len(toks); i++ {
			if matchesTerms(toks[i:i+len(words)], words) {
				break
			}
		}
		if i+len(words) > len(toks) {
			break
		}
		for j := i; j < i+len(words); j++ {
			for _, w := range e.Words {
				alts[j] = append(alts[j], w.Stem)
			}
		}
		i += len(words)
	}
}

func matchesTerms(toks []analysis.Token, words []string) bool {
	for k, t := range toks {
		if t.Term != words[k] {
			return false
		}
	}
	return true
}

// support is how well one passage backs a claim.
type support struct {
	score     float64
	numbersOK bool
}

func (s support) ok() bool { return s.numbersOK && s.score >= SupportThreshold }

// termSet is a set of stems.
type termSet map[string]bool

// share returns the weighted share of c's terms found in set and whether
// all of c's numbers are in it.
func (set termSet) share(c claim) support {
	if c.total == 0 {
		return support{numbersOK: true}
	}
	var found float64
	numbersOK := true
	for _, t := range c.terms {
		in := set[t.stem]
		for _, a := range t.alts {
			in = in || set[a]
		}
		if in {
			found += t.weight
		} else if t.number {
			numbersOK = false
		}
	}
	return support{score: found / c.total, numbersOK: numbersOK}
}

// passageView is an analysed passage.
type passageView struct {
	all       termSet   // stems of the headline, the text and the date
	sentences []span    // of the text
	sentTerms []termSet // stems of each sentence
}

func newPassageView(p Passage) *passageView {
	v := &passageView{all: termSet{}}
	for _, t := range analysis.Tokens(p.Headline + "\n" + p.Date + "\n" + p.Text) {
		v.all[t.Stem] = true
	}
	for _, s := range dateTerms(p.Date) {
		v.all[s] = true
	}
	v.sentences = splitSentences(p.Text)
	if len(v.sentences) == 0 {
		v.sentences = []span{{0, len(p.Text)}}
	}
	for _, s := range v.sentences {
		v.sentTerms = append(v.sentTerms, analysis.StemSet(p.Text[s.start:s.end]))
	}
	return v
}

// newJointView returns a view whose terms are those of all the passages
// numbered ns.
func newJointView(ns []int, view func(int) *passageView) *passageView {
	v := &passageView{all: termSet{}}
	for _, n := range ns {
		for s := range view(n).all {
			v.all[s] = true
		}
	}
	return v
}

func (v *passageView) support(c claim) support { return v.all.share(c) }

// span returns the byte range of the passage's text that best matches c:
// its best sentence, or its best two consecutive sentences when together
// they match clearly better (by at least spanGain, 0.3).
func (v *passageView) span(c claim) (start, end int) {
	const spanGain = 0.3
	bi, bs := 0, -1.0
	for i, set := range v.sentTerms {
		if s := set.share(c).score; s > bs {
			bi, bs = i, s
		}
	}
	start, end = v.sentences[bi].start, v.sentences[bi].end
	for i := 0; i+1 < len(v.sentTerms); i++ {
		pair := termSet{}
		for s := range v.sentTerms[i] {
			pair[s] = true
		}
		for s := range v.sentTerms[i+1] {
			pair[s] = true
		}
		if s := pair.share(c).score; s >= bs+spanGain {
			bs, start, end = s, v.sentences[i].start, v.sentences[i+1].end
		}
	}
	return start, end
}

// dateTerms returns the stems of the month names, French and English, of a
// date written "2025-01" or "2025-01-15", so that "en janvier 2025" matches
// a passage dated 2025-01.
func dateTerms(date string) []string {
	if len(date) < 7 || date[4] != '-' {
		return nil
	}
	m, err := strconv.Atoi(date[5:7])
	if err != nil || m < 1 || m > 12 {
		return nil
	}
	var out []string
	for _, t := range analysis.Tokens(monthsFR[m-1] + " " + monthsEN[m-1]) {
		out = append(out, t.Stem)
	}
	return out
}

var (
	monthsFR = strings.Fields("janvier février mars avril mai juin juillet août septembre octobre novembre décembre")
	monthsEN = strings.Fields("January February March April May June July August September October November December")
)

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
