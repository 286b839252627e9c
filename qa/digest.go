package qa

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/veille/veille/analysis"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/lexical"
)

// Digester is a [Retriever] that lists the news items of a period
// (*archive.Archive is one). A question that asks what happened in a period
// ("Que s'est-il passé en janvier 2025 ?", "What's new this month?") has no
// subject to search for: the service answers it with the headlines of the
// period's issues, each cited by its first paragraph.
type Digester interface {
	Digest(ctx context.Context, r archive.Range, k int) ([]archive.Hit, error)
}

// newsWords are the words a question about a period may hold beside its
// date phrase, stopwords and interrogatives: "que s'est-il passé", "quoi de
// neuf", "quelles nouvelles", "what happened", "what's new"…
var newsWords = []string{
	"passer", "passé", "arriver", "arrivé", "produit", "neuf", "nouveau", "nouvelle", "nouvelles",
	"nouveauté", "actualité", "actu", "info", "information", "résumé", "résumer", "retenir",
	"principal", "important", "marquant", "fait", "événement", "sujet", "titre",
	"dernier", "dernière", "récent",
	"happen", "happened", "new", "news", "going", "summary", "summarize", "summarise",
	"highlight", "main", "event", "topic", "story", "headline", "latest", "recent",
}

var newsStems = sync.OnceValue(func() map[string]bool {
	stems := map[string]bool{}
	for _, w := range newsWords {
		stems[analysis.Stem(w)] = true
	}
	return stems
})

// asksForNews reports whether text, a question without its date phrase,
// asks what happened rather than about something: all its content words
// are among newsWords.
func asksForNews(text string) bool {
	for _, t := range analysis.Tokens(text) {
		if t.Flags&(analysis.Stop|analysis.Question) == 0 && !newsStems()[t.Stem] {
			return false
		}
	}
	return true
}

// mentionsNews reports whether text holds one of newsWords: "Quoi de neuf
// ?" asks for the news, "Qui ?" asks nothing.
func mentionsNews(text string) bool {
	for _, t := range analysis.Tokens(text) {
		if newsStems()[t.Stem] {
			return true
		}
	}
	return false
}

// newsSubject returns what a question asks the news of: "Mistral" in
// "Quoi de neuf chez Mistral ?" or "What's new at OpenAI?", whose content
// words are news words (see [asksForNews]) but for capitalised ones, the
// names, of which there is one at least. Names are runs of capitalised
// words ("Thinking Machines Lab"); other words part them ("Google et
// Meta"). subject is the question's text from the first name to the last.
func newsSubject(text string) (subject string, names [][]string, ok bool) {
	toks := analysis.Tokens(text)
	inverted := analysis.NamesSubject(toks)
	news, start, end, run := false, -1, 0, false
	for i, t := range toks {
		switch {
		case newsStems()[t.Stem]:
			news, run = true, false
		case t.Flags&(analysis.Stop|analysis.Question) != 0:
			run = false
		case t.Flags&analysis.Capitalized != 0 && (t.Flags&analysis.SentenceStart == 0 || i == 0 && inverted):
			if !run {
				names = append(names, nil)
			}
			names[len(names)-1] = append(names[len(names)-1], t.Stem)
			if start < 0 {
				start = t.Start
			}
			end, run = t.End, true
		default:
			return "", nil, false
		}
	}
	if !news || len(names) == 0 {
		return "", nil, false
	}
	return text[start:end], names, true
}

// latestAbout returns, of hits, up to k that name one of names, all its
// words, one a story (an issue's headline), newest first.
func latestAbout(names [][]string, hits []archive.Hit, k int) []archive.Hit {
	seen := map[[2]string]bool{}
	var out []archive.Hit
	for _, h := range hits {
		story := [2]string{h.IssueID, h.Headline}
		if seen[story] {
			continue
		}
		if !namesOne(names, analysis.StemSet(h.Headline+"\n"+h.Text)) {
			continue
		}
		seen[story] = true
		out = append(out, h)
	}
	slices.SortStableFunc(out, func(a, b archive.Hit) int { return strings.Compare(b.Date, a.Date) })
	return out[:min(k, len(out))]
}

// naming returns the bounds of the first sentence of text that names one of
// names, or of its first sentence, which ends at end.
func naming(names [][]string, text string, end int) (int, int) {
	for _, sb := range lexical.Sentences(text) {
		if namesOne(names, analysis.StemSet(text[sb[0]:sb[1]])) {
			return sb[0], sb[1]
		}
	}
	return 0, end
}

// namesOne reports whether stems hold all the words of one of names.
func namesOne(names [][]string, stems map[string]bool) bool {
	return slices.ContainsFunc(names, func(name []string) bool { return allIn(name, stems) })
}

func allIn(words []string, set map[string]bool) bool {
	for _, w := range words {
		if !set[w] {
			return false
		}
	}
	return true
}

// digest answers with news items, each cited by its paragraph, the span its
// first sentence: a period's (r), or, when subject is set, the latest about
// names, each dated, its span and, when its headline names none of them,
// its title the first sentence that does.
func digest(resp *Response, r archive.Range, subject string, names [][]string, hits []archive.Hit) {
	resp.Generator, resp.Found = "extractive", true
	resp.Citations, resp.Sentences = []Citation{}, []Sentence{}
	parts := make([]string, len(hits))
	for i, h := range hits {
		n := i + 1
		end := firstSentence(h.Text)
		start, stop := 0, end
		if subject != "" {
			start, stop = naming(names, h.Text, end)
		}
		resp.Citations = append(resp.Citations, Citation{
			N: n, ID: h.ID, IssueID: h.IssueID, Date: h.Date, Headline: h.Headline, Link: h.Link, Text: h.Text, Score: h.Score,
			Verified: true, Span: h.Text[start:stop], SpanStart: start, SpanEnd: stop,
		})
		title := strings.TrimRight(cmp.Or(h.Headline, h.Text[:end]), " .:;")
		if subject != "" {
			if !namesOne(names, analysis.StemSet(h.Headline)) {
				// The story is another's; the sentence says what of it.
				title = strings.TrimRight(h.Text[start:stop], " .:;")
			}
			title += " (" + h.Date + ")"
		}
		parts[i] = fmt.Sprintf("%s [%d]", title, n)
		resp.Sentences = append(resp.Sentences, Sentence{Text: parts[i], Citations: []int{n}, Supported: true})
	}
	switch {
	case resp.Language == "en" && subject != "":
		resp.Answer = fmt.Sprintf("The archive's latest news about %s: %s.", subject, strings.Join(parts, "; "))
	case resp.Language == "en":
		resp.Answer = fmt.Sprintf("The archive's news %s: %s.", period(r, "en"), strings.Join(parts, "; "))
	case subject != "":
		resp.Answer = fmt.Sprintf("Les dernières nouvelles de l’archive sur %s : %s.", subject, strings.Join(parts, " ; "))
	default:
		resp.Answer = fmt.Sprintf("Les nouvelles de l’archive %s : %s.", period(r, "fr"), strings.Join(parts, " ; "))
	}
}

// period names a date range in lang.
func period(r archive.Range, lang string) string {
	words := map[string][4]string{
		"fr": {"en %s", "du %s au %s", "depuis %s", "jusqu’à %s"},
		"en": {"in %s", "from %s to %s", "since %s", "up to %s"},
	}[lang]
	switch {
	case r.From == r.To:
		return fmt.Sprintf(words[0], r.From)
	case r.To == "":
		return fmt.Sprintf(words[2], r.From)
	case r.From == "":
		return fmt.Sprintf(words[3], r.To)
	}
	return fmt.Sprintf(words[1], r.From, r.To)
}

// firstSentence returns the end of text's first sentence.
func firstSentence(text string) int {
	for i := 0; i+1 < len(text); i++ {
		if (text[i] == '.' || text[i] == '!' || text[i] == '?') && text[i+1] == ' ' {
			return i + 1
		}
	}
	return len(text)
}
