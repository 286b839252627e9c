package qa

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/veille/veille/analysis"
	"github.com/veille/veille/archive"
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

// digest answers with the news items of a period, each cited by its first
// paragraph, the span its first sentence.
func digest(resp *Response, r archive.Range, hits []archive.Hit) {
	resp.Generator, resp.Found = "extractive", true
	resp.Citations, resp.Sentences = []Citation{}, []Sentence{}
	parts := make([]string, len(hits))
	for i, h := range hits {
		n := i + 1
		end := firstSentence(h.Text)
		resp.Citations = append(resp.Citations, Citation{
			N: n, ID: h.ID, IssueID: h.IssueID, Date: h.Date, Headline: h.Headline, Link: h.Link, Text: h.Text, Score: h.Score,
			Verified: true, Span: h.Text[:end], SpanEnd: end,
		})
		title := h.Headline
		if title == "" {
			title = h.Text[:end]
		}
		parts[i] = fmt.Sprintf("%s [%d]", strings.TrimRight(title, " .:;"), n)
		resp.Sentences = append(resp.Sentences, Sentence{Text: parts[i], Citations: []int{n}, Supported: true})
	}
	if resp.Language == "en" {
		resp.Answer = fmt.Sprintf("The archive's news %s: %s.", period(r, "en"), strings.Join(parts, "; "))
		return
	}
	resp.Answer = fmt.Sprintf("Les nouvelles de l’archive %s : %s.", period(r, "fr"), strings.Join(parts, " ; "))
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
