package embed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/veille/veille/upstream"
)

// Config configures a [Client] for an OpenAI-compatible embeddings server.
type Config struct {
	// BaseURL is the API root, ending in /v1 for most servers, e.g.
	// "https://api.openai.com/v1" or "http://localhost:11434/v1". Required.
	BaseURL string
	// Model is the model name sent with every request. Required.
	Model string
	// APIKey is sent as a bearer token when set.
	APIKey string
	// Dims, when set, is sent as "dimensions" (for models that can shorten
	// their vectors) and every vector must have that length. When 0 the
	// first response fixes the length; see [Client.Probe].
	Dims int
	// BatchSize is the number of texts per request; default 64.
	BatchSize int
	// Timeout bounds each HTTP request, retries excluded; default 30s.
	Timeout time.Duration
	// MaxRetries is the number of retries after a 429, a 5xx, a timeout or
	// a network error; default 4. A negative value disables retries.
	MaxRetries int
	// QueryPrefix and PassagePrefix are prepended to texts in [Query] and
	// [Passage] mode, for models trained with instructions such as
	// "query: " and "passage: " (E5) or "search_query: " (Nomic).
	QueryPrefix, PassagePrefix string
}

const (
	defaultBatchSize  = 64
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 4
	defaultBackoff    = 500 * time.Millisecond
	maxBackoff        = 30 * time.Second
)

// Client embeds texts through an OpenAI-compatible /embeddings endpoint.
// It is safe for concurrent use.
type Client struct {
	cfg     Config
	api     *openai.Client
	dims    atomic.Int64 // 0 until known
	backoff time.Duration
}

// New returns a client for cfg, filling in defaults. It does not contact the
// server; it fails when BaseURL or Model is missing or a number is
// negative.
func New(cfg Config) (*Client, error) {
	var errs []error
	if cfg.BaseURL == "" {
		errs = append(errs, errors.New("base URL is required"))
	} else if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		errs = append(errs, fmt.Errorf("base URL %q: want http:// or https://", cfg.BaseURL))
	}
	if cfg.Model == "" {
		errs = append(errs, errors.New("model is required"))
	}
	if cfg.Dims < 0 || cfg.BatchSize < 0 || cfg.Timeout < 0 {
		errs = append(errs, errors.New("dims, batch size and timeout must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("embed config: %w", err)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.BatchSize = cmp.Or(cfg.BatchSize, defaultBatchSize)
	cfg.Timeout = cmp.Or(cfg.Timeout, defaultTimeout)
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = defaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = &http.Client{Transport: upstream.Transport{}}
	c := &Client{cfg: cfg, api: openai.NewClientWithConfig(oc), backoff: defaultBackoff}
	c.dims.Store(int64(cfg.Dims))
	return c, nil
}

// Identity returns provider "openai", the configured model and the vector
// length, which is 0 until configured or learnt from a first response.
func (c *Client) Identity() Identity {
	return Identity{Provider: "openai", Model: c.cfg.Model, Dims: int(c.dims.Load())}
}

// Probe embeds a short text to learn the vector length, and returns the
// identity with Dims known. Call it at startup to check the server and the
// stored schema before ingesting anything.
func (c *Client) Probe(ctx context.Context) (Identity, error) {
	if _, err := c.Embed(ctx, []string{"veille"}, Query); err != nil {
		return Identity{}, fmt.Errorf("probe: %w", err)
	}
	return c.Identity(), nil
}

// Embed returns one L2-normalised vector per text, in input order, sending
// Config.BatchSize texts per request, one request at a time. Each request is
// retried on 429, 5xx, timeouts and network errors with exponential backoff
// and jitter, waiting at least the server's Retry-After. Errors wrap
// [ErrRateLimited], [ErrUnavailable] or [ErrBadResponse], the error of ctx
// when it ends, or the server's error for other statuses (400, 401, 404).
func (c *Client) Embed(ctx context.Context, texts []string, mode Mode) ([][]float32, error) {
	prefix := c.cfg.PassagePrefix
	if mode == Query {
		prefix = c.cfg.QueryPrefix
	}
	out := make([][]float32, 0, len(texts))
	for i := 0; i*c.cfg.BatchSize < len(texts); i++ {
		batch := texts[i*c.cfg.BatchSize : min((i+1)*c.cfg.BatchSize, len(texts))]
		if prefix != "" {
			prefixed := make([]string, len(batch))
			for j, t := range batch {
				prefixed[j] = prefix + t
			}
			batch = prefixed
		}
		vecs, err := c.embedBatch(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("embed batch %d: %w", i, err)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// embedBatch sends one request, with retries.
func (c *Client) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	for attempt := 0; ; attempt++ {
		vecs, retryAfter, err := c.request(ctx, batch)
		if err == nil {
			return vecs, nil
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		final, retry := classify(err)
		if !retry || attempt >= c.cfg.MaxRetries {
			return nil, final
		}
		t := time.NewTimer(upstream.Backoff(c.backoff, attempt, retryAfter, maxBackoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, context.Cause(ctx)
		case <-t.C:
		}
	}
}

// request performs one HTTP request and checks the response.
func (c *Client) request(ctx context.Context, batch []string) ([][]float32, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	ctx, retryAfter := upstream.WithRetryAfter(ctx)
	res, err := c.api.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{
		Input:      batch,
		Model:      openai.EmbeddingModel(c.cfg.Model),
		Dimensions: c.cfg.Dims,
	})
	if err != nil {
		return nil, *retryAfter, err
	}
	vecs, err := c.check(res, len(batch))
	return vecs, 0, err
}

// check orders the vectors of res by index, checks count and length, and
// normalises them.
func (c *Client) check(res openai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(res.Data) != n {
		return nil, fmt.Errorf("%w: %d vectors for %d texts", ErrBadResponse, len(res.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range res.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("%w: index %d out of range or repeated", ErrBadResponse, d.Index)
		}
		dims := int64(len(d.Embedding))
		if dims == 0 {
			return nil, fmt.Errorf("%w: empty vector at index %d", ErrBadResponse, d.Index)
		}
		if !c.dims.CompareAndSwap(0, dims) && c.dims.Load() != dims {
			return nil, fmt.Errorf("%w: vector of %d dims at index %d, want %d", ErrBadResponse, dims, d.Index, c.dims.Load())
		}
		normalise(d.Embedding)
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// classify translates an error of one attempt into the error to return if it
// is the last, and whether it is worth retrying.
func classify(err error) (final error, retry bool) {
	if errors.Is(err, ErrBadResponse) {
		return err, false
	}
	switch upstream.Classify(err) {
	case upstream.RateLimited:
		return fmt.Errorf("%w: %w", ErrRateLimited, err), true
	case upstream.Unavailable:
		return fmt.Errorf("%w: %w", ErrUnavailable, err), true
	case upstream.BadResponse:
		return fmt.Errorf("%w: %w", ErrBadResponse, err), false
	case upstream.Refused:
		return fmt.Errorf("%w: %w", ErrRefused, err), false
	}
	return err, false
}
