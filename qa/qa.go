// Package qa answers questions from the archive: it rewrites a follow-up
// into a standalone question, reads a date range out of the question,
// retrieves passages, and answers with cited passages — by extraction, or
// with a chat model whose citations are verified, falling back to
// extraction whenever the model fails or nothing it says is supported.
//
// A question that asks what happened in a period rather than about a
// subject ("Que s'est-il passé en janvier 2025 ?") is answered with the
// headlines of the period's issues (see [Digester]).
//
// When retrieval finds nothing relevant (the extractive answerer finds no
// passage that covers enough of the question, see [answer.MinCoverage]),
// the service says that the archive does not cover the question and never
// calls the model.
package qa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/veille/veille/analysis"
	"github.com/veille/veille/answer"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/chat"
	"github.com/veille/veille/dates"
)

// Retriever finds passages.
type Retriever interface {
	Search(ctx context.Context, q archive.Query) ([]archive.Hit, error)
	// Newest returns the date of the newest issue, "" for an empty archive:
	// the reference for relative dates in questions ("le mois dernier").
	Newest(ctx context.Context) (string, error)
}

// Model is a chat model that answers from numbered passages.
type Model interface {
	Answer(ctx context.Context, question string, history []chat.Turn, passages []chat.Passage) (chat.Result, error)
	Stream(ctx context.Context, question string, history []chat.Turn, passages []chat.Passage, onDelta func(string) error) (chat.Result, error)
	Rewrite(ctx context.Context, question string, history []chat.Turn) (string, error)
}

// Service answers questions. It is safe for concurrent use.
type Service struct {
	ret   Retriever
	model Model // nil: extractive answers only
	log   *slog.Logger
	now   func() time.Time
	// observe, when set, sees every model call's duration and error.
	observe func(time.Duration, error)
}

// Options configures [New].
type Options struct {
	Model   Model // nil for extractive answers only
	Logger  *slog.Logger
	Observe func(d time.Duration, err error)
}

// New returns a service over ret.
func New(ret Retriever, opts Options) *Service {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{ret: ret, model: opts.Model, log: log, now: time.Now, observe: opts.Observe}
}

// Request is a question.
type Request struct {
	Question string
	History  []chat.Turn   // earlier turns, oldest first
	K        int           // passages to retrieve
	Range    archive.Range // explicit date range; zero reads it from the question
	Mode     archive.Mode
	Collapse bool // fold the passages of one story into the best one
}

// Filter is the date range a question was answered within, and where it
// came from.
type Filter struct {
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	Phrase string `json:"phrase,omitempty"` // the words of the question that set it
	Source string `json:"source"`           // "request" or "question"
}

// Citation is a passage that the answer cites as [N].
type Citation struct {
	N        int     `json:"n"`
	ID       string  `json:"id"`
	IssueID  string  `json:"issue_id"`
	Date     string  `json:"date,omitempty"`
	Headline string  `json:"headline,omitempty"`
	Link     string  `json:"link,omitempty"` // the issue's own address, if it has one (a feed entry's)
	Text     string  `json:"text"`
	Score    float32 `json:"score"`
	// Verified is true when the passage supports the sentences that cite
	// it; Span is the supporting sentence, Text[SpanStart:SpanEnd].
	Verified  bool   `json:"verified"`
	Span      string `json:"span,omitempty"`
	SpanStart int    `json:"span_start"`
	SpanEnd   int    `json:"span_end"`
}

// Sentence is a sentence of the answer with the passages it cites.
type Sentence struct {
	Text      string `json:"text"`
	Citations []int  `json:"citations"`
	Supported bool   `json:"supported"`
}

// Response is the answer to a question.
type Response struct {
	Question   string       `json:"question"`
	Standalone string       `json:"standalone_question,omitempty"` // the follow-up rewritten, when it was
	Answer     string       `json:"answer"`
	Found      bool         `json:"found"`
	Language   string       `json:"language"`
	Generator  string       `json:"generator"` // "extractive" or "model"
	Mode       archive.Mode `json:"mode"`
	Filter     *Filter      `json:"filter,omitempty"`
	Citations  []Citation   `json:"citations"`
	Sentences  []Sentence   `json:"sentences"`
	// Notice says why a model's answer was replaced by the extractive one.
	Notice string `json:"notice,omitempty"`
}

// Passage is a retrieved passage as announced before a streamed answer.
type Passage struct {
	N        int     `json:"n"`
	ID       string  `json:"id"`
	IssueID  string  `json:"issue_id"`
	Date     string  `json:"date,omitempty"`
	Headline string  `json:"headline,omitempty"`
	Link     string  `json:"link,omitempty"`
	Text     string  `json:"text"`
	Score    float32 `json:"score"`
}

// namedDepth is how many times K passages a question's search returns, of
// which the K that name what the question names come first
// ([answer.PreferNamed]): "Anthropic a-t-il levé des fonds ?" found five
// other companies' rounds before Anthropic's, and the answerer, which
// quotes only passages naming Anthropic, had nothing to say. Over PIAF
// (bench/answers -depth 10), the answer searched end to end holds the
// expected one 62.3 % of the time instead of 62.2 %, and the answerer
// abstains without the question's article 50.5 % of the time instead of
// 51.0 %.
const namedDepth = 2

// latestDepth is how many search results the latest news about a subject
// are chosen from, by date.
const latestDepth = 50

// Ask answers a question.
func (s *Service) Ask(ctx context.Context, req Request) (Response, error) {
	return s.ask(ctx, req, nil, nil)
}

// Stream answers a question, calling onPassages with the retrieved passages
// (as numbered for the model) before anything else, then onDelta with the
// answer's text as it is produced. The returned response is final: a
// model's verified answer, or the extractive answer that replaced it.
func (s *Service) Stream(ctx context.Context, req Request, onPassages func([]Passage) error, onDelta func(string) error) (Response, error) {
	return s.ask(ctx, req, onPassages, onDelta)
}

func (s *Service) ask(ctx context.Context, req Request, onPassages func([]Passage) error, onDelta func(string) error) (Response, error) {
	resp := Response{Question: req.Question, Mode: req.Mode, Citations: []Citation{}, Sentences: []Sentence{}}
	question := req.Question
	if len(req.History) > 0 {
		question = s.standalone(ctx, req.Question, req.History)
		if question != req.Question {
			resp.Standalone = question
		}
	}
	search, r, filter, err := s.dateRange(ctx, question, req.Range)
	if err != nil {
		return resp, err
	}
	resp.Filter = filter
	// A day or a week holds no issue dated by month ([archive.Archive.Digest]):
	// "Quoi de neuf le 27 janvier ?" over a month's issue finds none, and is
	// searched.
	if d, ok := s.ret.(Digester); ok && asksForNews(search) {
		period := r
		if period.IsZero() && mentionsNews(search) {
			// "Quoi de neuf ?": the newest issue's news, which the answer
			// dates; no filter was asked for.
			newest, err := s.ret.Newest(ctx)
			if err != nil {
				return resp, err
			}
			period = archive.Range{From: newest, To: newest}
		}
		hits, err := d.Digest(ctx, period, req.K)
		if err != nil {
			return resp, err
		}
		if len(hits) > 0 {
			if onPassages != nil {
				if err := onPassages(announce(archive.Passages(hits))); err != nil {
					return resp, err
				}
			}
			resp.Language = analysis.Language(question)
			digest(&resp, period, "", nil, hits)
			return resp, emit(onDelta, resp.Answer)
		}
	}
	if subject, names, ok := newsSubject(search); ok {
		// "Quoi de neuf chez Mistral ?": the latest stories naming it.
		hits, err := s.ret.Search(ctx, archive.Query{Text: subject, K: max(latestDepth, namedDepth*req.K), Range: r, Mode: req.Mode})
		if err != nil {
			return resp, err
		}
		if hits = latestAbout(names, hits, req.K); len(hits) > 0 {
			if onPassages != nil {
				if err := onPassages(announce(archive.Passages(hits))); err != nil {
					return resp, err
				}
			}
			resp.Language = analysis.Language(question)
			digest(&resp, r, subject, names, hits)
			return resp, emit(onDelta, resp.Answer)
		}
	}
	hits, err := s.ret.Search(ctx, archive.Query{Text: search, K: namedDepth * req.K, Range: r, Mode: req.Mode, Collapse: req.Collapse})
	if err != nil {
		return resp, err
	}
	passages := answer.PreferNamed(search, archive.Passages(hits), req.K)
	if onPassages != nil {
		if err := onPassages(announce(passages)); err != nil {
			return resp, err
		}
	}
	ext := answer.Extract(search, passages)
	resp.Language = ext.Language
	if !ext.Found || s.model == nil {
		fillExtractive(&resp, ext)
		return resp, emit(onDelta, resp.Answer)
	}

	start := time.Now()
	var res chat.Result
	if onDelta != nil {
		res, err = s.model.Stream(ctx, question, req.History, passages, onDelta)
	} else {
		res, err = s.model.Answer(ctx, question, req.History, passages)
	}
	if s.observe != nil {
		s.observe(time.Since(start), err)
	}
	if ctx.Err() != nil {
		return resp, ctx.Err()
	}
	if err != nil || res.FailedClosed {
		fillExtractive(&resp, ext)
		resp.Notice = fallbackNotice(resp.Language, err, res.Notice)
		if err != nil {
			s.log.WarnContext(ctx, "chat model failed, answering by extraction", "err", err)
		}
		return resp, nil
	}
	fillModel(&resp, res, passages)
	return resp, nil
}

// standalone rewrites a follow-up with the model, or by the heuristic when
// there is no model or it fails.
func (s *Service) standalone(ctx context.Context, question string, history []chat.Turn) string {
	if s.model != nil {
		q, err := s.model.Rewrite(ctx, question, history)
		if err == nil && strings.TrimSpace(q) != "" {
			return strings.TrimSpace(q)
		}
		s.log.WarnContext(ctx, "chat model could not rewrite the follow-up, using the heuristic", "err", err)
	}
	return chat.RewriteHeuristic(question, history)
}

// dateRange returns the text to search and the range to search within: the
// request's range when it has one, else the range a date phrase of the
// question names, resolved against the newest issue's date (today's for an
// empty archive), with the phrase removed from the text unless the range
// leaves out no issue.
func (s *Service) dateRange(ctx context.Context, question string, given archive.Range) (string, archive.Range, *Filter, error) {
	if !given.IsZero() {
		return question, given, &Filter{From: given.From, To: given.To, Source: "request"}, nil
	}
	newest, err := s.ret.Newest(ctx)
	if err != nil {
		return "", given, nil, err
	}
	ref := s.now()
	if t, ok := parseDay(newest); ok {
		ref = t
	}
	m, ok := dates.Parse(question, ref)
	if !ok {
		return question, given, nil, nil
	}
	text := m.Text
	r := archive.Range{From: m.Range.From, To: m.Range.To}
	// A deadline or target past the newest issue ("d'ici la fin de
	// l'année", "pour 2026") leaves out no issue; its words then say what
	// the news are about ("la fin de 2025"), and stay in the search.
	if strings.TrimSpace(strings.Trim(text, "?!. ")) == "" || r.From == "" && r.Contains(newest) {
		text = question
	}
	return text, r, &Filter{From: r.From, To: r.To, Phrase: m.Phrase, Source: "question"}, nil
}

// parseDay reads an issue date, YYYY-MM (taken as its last day, so that "ce
// mois-ci" is the newest issue's month) or YYYY-MM-DD.
func parseDay(d string) (time.Time, bool) {
	if t, err := time.Parse("2006-01-02", d); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01", d); err == nil {
		return t.AddDate(0, 1, -1), true
	}
	return time.Time{}, false
}

func announce(ps []answer.Passage) []Passage {
	out := make([]Passage, len(ps))
	for i, p := range ps {
		out[i] = Passage{N: i + 1, ID: p.ID, IssueID: p.IssueID, Date: p.Date, Headline: p.Headline, Link: p.Link, Text: p.Text, Score: p.Score}
	}
	return out
}

func emit(onDelta func(string) error, text string) error {
	if onDelta == nil {
		return nil
	}
	return onDelta(text)
}

func fillExtractive(resp *Response, ext answer.Answer) {
	resp.Generator = "extractive"
	resp.Answer, resp.Found = ext.Text, ext.Found
	resp.Citations, resp.Sentences = []Citation{}, []Sentence{}
	for _, c := range ext.Citations {
		resp.Citations = append(resp.Citations, Citation{
			N: c.N, ID: c.ID, IssueID: c.IssueID, Date: c.Date, Headline: c.Headline, Link: c.Link, Text: c.Text, Score: c.Score,
			Verified: true, Span: c.Span, SpanStart: c.SpanStart, SpanEnd: c.SpanEnd,
		})
	}
	for _, st := range ext.Sentences {
		resp.Sentences = append(resp.Sentences, Sentence{Text: st.Text, Citations: st.Citations, Supported: true})
	}
}

// fillModel reports a model's verified answer; citation numbers are the
// passages' positions as sent to the model.
func fillModel(resp *Response, res chat.Result, passages []answer.Passage) {
	resp.Generator = "model"
	resp.Answer, resp.Found = res.Answer, true
	for _, c := range res.Citations {
		p := passages[c.N-1]
		resp.Citations = append(resp.Citations, Citation{
			N: c.N, ID: p.ID, IssueID: p.IssueID, Date: p.Date, Headline: p.Headline, Link: p.Link, Text: p.Text, Score: p.Score,
			Verified: c.Verified, Span: c.Span, SpanStart: c.SpanStart, SpanEnd: c.SpanEnd,
		})
	}
	for _, st := range res.Sentences {
		cites := st.Citations
		if cites == nil {
			cites = []int{}
		}
		resp.Sentences = append(resp.Sentences, Sentence{Text: st.Text, Citations: cites, Supported: st.Supported})
	}
}

// fallbackNotice explains, in the question's language, why the extractive
// answer replaced the model's.
func fallbackNotice(lang string, err error, why string) string {
	var reason string
	switch {
	case errors.Is(err, chat.ErrTimeout):
		reason = map[string]string{"fr": "le modèle n’a pas répondu à temps", "en": "the model did not answer in time"}[lang]
	case errors.Is(err, chat.ErrRateLimited):
		reason = map[string]string{"fr": "le modèle est saturé", "en": "the model is rate-limited"}[lang]
	case err != nil:
		reason = map[string]string{"fr": "le modèle est indisponible", "en": "the model is unavailable"}[lang]
	default:
		reason = map[string]string{"fr": "aucune phrase de la réponse du modèle n’était étayée par ses sources", "en": "no sentence of the model's answer was supported by its sources"}[lang]
		if why != "" {
			reason += " (" + why + ")"
		}
	}
	return fmt.Sprintf(map[string]string{"fr": "Réponse extraite des articles : %s.", "en": "Answer extracted from the articles: %s."}[lang], reason)
}
