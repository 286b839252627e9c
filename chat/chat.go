// Package chat answers questions over the archive with a chat model
// through any OpenAI-compatible /chat/completions endpoint, and checks the
// model's answer against the passages it was given before anyone sees it.
//
// The model is told to answer only from numbered passages and to cite each
// sentence with [n]. [Verify] then keeps a citation only when its passage
// contains the sentence's content words and every one of its numbers, and
// keeps a sentence only when one of its citations holds. When nothing
// holds, or the model cannot be reached, the [Result] fails closed and the
// caller shows the extractive answer of package answer instead.
//
// [Client.Rewrite] and [RewriteHeuristic] turn a follow-up question ("et en
// février ?") into a standalone search query.
package chat

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/veille/veille/analysis"
	"github.com/veille/veille/answer"
	"github.com/veille/veille/upstream"
)

// Config configures a [Client].
type Config struct {
	// BaseURL is the API root, ending in /v1 for most servers, e.g.
	// "https://api.openai.com/v1" or "http://localhost:11434/v1". Required.
	BaseURL string
	// Model is the chat model's name. Required.
	Model string
	// APIKey is sent as a bearer token when set.
	APIKey string
	// Timeout bounds each HTTP call, a whole stream included, retries
	// excluded; default 60s.
	Timeout time.Duration
	// MaxRetries is the number of retries after a 429, a 5xx or a network
	// error, with exponential backoff and jitter, waiting at least the
	// server's Retry-After; default 3. A negative value disables retries.
	MaxRetries int
	// MaxContextChars bounds the passages sent to the model, in characters
	// (runes) of their formatted lines; default 12000. Passages past the
	// budget are dropped from the end and the last one that fits in part is
	// cut after a sentence.
	MaxContextChars int
	// Temperature is the sampling temperature; 0 means the default 0.1,
	// since the client library leaves a zero out of requests.
	Temperature float32
}

const (
	defaultTimeout         = 60 * time.Second
	defaultMaxRetries      = 3
	defaultMaxContextChars = 12000
	defaultTemperature     = 0.1
	defaultBackoff         = 500 * time.Millisecond
	maxBackoff             = 30 * time.Second
	// maxHistoryTurns is how many earlier turns are sent to the model.
	maxHistoryTurns = 6
)

// Passage is a retrieved paragraph given to the model. Passages are
// numbered by position: passages[i] is cited as [i+1].
type Passage = answer.Passage

// Turn is an earlier message of the conversation.
type Turn struct {
	// Role is "user" or "assistant"; turns with other roles are ignored.
	Role string `json:"role"`
	// Content is the message's text.
	Content string `json:"content"`
}

// Client asks a chat model for cited answers and verifies them. It is safe
// for concurrent use.
type Client struct {
	cfg     Config
	api     *openai.Client
	backoff time.Duration // first retry wait, doubled at each retry
}

// New returns a client for cfg, filling in defaults. It does not contact
// the server; it fails when BaseURL or Model is missing or a number is
// negative.
func New(cfg Config) (*Client, error) {
	var errs []error
	switch {
	case cfg.BaseURL == "":
		errs = append(errs, errors.New("base URL is required"))
	case !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://"):
		errs = append(errs, fmt.Errorf("base URL %q: want http:// or https://", cfg.BaseURL))
	}
	if cfg.Model == "" {
		errs = append(errs, errors.New("model is required"))
	}
	if cfg.Timeout < 0 || cfg.MaxContextChars < 0 || cfg.Temperature < 0 {
		errs = append(errs, errors.New("timeout, max context chars and temperature must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("chat config: %w", err)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.Timeout = cmp.Or(cfg.Timeout, defaultTimeout)
	cfg.MaxContextChars = cmp.Or(cfg.MaxContextChars, defaultMaxContextChars)
	cfg.Temperature = cmp.Or(cfg.Temperature, defaultTemperature)
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = defaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = &http.Client{Transport: upstream.Transport{}}
	return &Client{cfg: cfg, api: openai.NewClientWithConfig(oc), backoff: defaultBackoff}, nil
}

// Answer asks the model to answer question from passages, ranked best
// first, in the light of the earlier turns of history, and returns the
// verified answer (see [Verify]) with Language set to the question's.
//
// Passages are trimmed to Config.MaxContextChars first and the answer is
// verified against what was sent. With no passages the model is not asked
// and the result fails closed. When the model cannot be asked, Answer
// returns a failed-closed result with a Notice and an error that wraps
// [ErrRateLimited], [ErrUnavailable], [ErrTimeout] or [ErrBadResponse], the
// context's error when ctx is cancelled, or the server's error for other
// statuses (400, 401, 404).
func (c *Client) Answer(ctx context.Context, question string, history []Turn, passages []Passage) (Result, error) {
	return c.answer(ctx, question, history, passages, nil)
}

// Stream is [Client.Answer] with the model's answer streamed: onDelta
// receives the model's raw text deltas, in order, as they arrive, before
// verification. The returned Result is verified like Answer's, and may
// differ from the concatenated deltas: callers replace what they showed
// with Result.Answer, or with the extractive answer when it fails closed.
//
// Cancelling ctx cancels the upstream HTTP request. Opening the stream is
// retried like Answer's request; once deltas flow nothing is retried, since
// the caller has shown them. A stream that breaks (connection cut, malformed
// chunk, end without a finish reason) returns an error wrapping
// [ErrUnavailable], and a stream that outlasts Config.Timeout one wrapping
// [ErrTimeout]. An error from onDelta stops the stream, cancels the
// request and is returned wrapped. onDelta is called from Stream's own
// goroutine; nil means no callback.
func (c *Client) Stream(ctx context.Context, question string, history []Turn, passages []Passage, onDelta func(string) error) (Result, error) {
	if onDelta == nil {
		onDelta = func(string) error { return nil }
	}
	return c.answer(ctx, question, history, passages, onDelta)
}

// answer implements Answer and, when onDelta is set, Stream.
func (c *Client) answer(ctx context.Context, question string, history []Turn, passages []Passage, onDelta func(string) error) (Result, error) {
	lang := analysis.Language(question)
	sent := trimPassages(passages, c.cfg.MaxContextChars)
	if len(sent) == 0 {
		return Result{Language: lang, Sentences: []Sentence{}, Citations: []Citation{}, FailedClosed: true,
			Notice: "no passages to answer from"}, nil
	}
	msgs := answerMessages(lang, question, history, sent)
	var text string
	var err error
	if onDelta == nil {
		text, err = c.complete(ctx, msgs)
	} else {
		text, err = c.stream(ctx, msgs, onDelta)
	}
	if err != nil {
		return Result{Language: lang, Sentences: []Sentence{}, Citations: []Citation{}, FailedClosed: true,
			Notice: "chat model failed: " + err.Error()}, fmt.Errorf("chat answer: %w", err)
	}
	res := Verify(text, sent)
	res.Language = lang
	return res, nil
}
