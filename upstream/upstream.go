// Package upstream holds what the two clients of OpenAI-compatible servers
// share — package embed for embeddings, package chat for chat models: how
// an error of a go-openai call is classified for retrying, the Retry-After
// a server sent (go-openai's errors drop response headers), and the wait
// before the next attempt.
package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sashabaranov/go-openai"
)

// Kind is what a failed call says about retrying it.
type Kind int

const (
	// Refused is a client error (a 4xx other than 408 and 429): retrying
	// would fail the same way.
	Refused Kind = iota
	// RateLimited is a 429 Too Many Requests: worth retrying after a wait.
	RateLimited
	// Unavailable is a 5xx, a 408, or a call that got no HTTP answer (the
	// connection failed or was cut): worth retrying.
	Unavailable
	// BadResponse is a 2xx whose body does not decode: not retried.
	BadResponse
)

// Classify tells what a go-openai call's error says about retrying it.
func Classify(err error) Kind {
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status >= 500 || status == http.StatusRequestTimeout:
		return Unavailable
	case status != 0:
		return Refused
	case errors.As(err, &syntaxErr) || errors.As(err, &typeErr):
		return BadResponse
	}
	return Unavailable
}

type retryAfterKey struct{}

// WithRetryAfter returns a context for one call and where [Transport] puts
// the Retry-After of the call's error response, 0 when there is none.
func WithRetryAfter(ctx context.Context) (context.Context, *time.Duration) {
	p := new(time.Duration)
	return context.WithValue(ctx, retryAfterKey{}, p), p
}

// Transport records the Retry-After header of error responses for the
// calls whose context came from [WithRetryAfter]. A nil Base is
// [http.DefaultTransport].
type Transport struct{ Base http.RoundTripper }

// RoundTrip implements [http.RoundTripper].
func (t Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	res, err := base.RoundTrip(req)
	if err != nil || res.StatusCode < 400 {
		return res, err
	}
	if p, ok := req.Context().Value(retryAfterKey{}).(*time.Duration); ok {
		*p = ParseRetryAfter(res.Header.Get("Retry-After"), time.Now())
	}
	return res, nil
}

// ParseRetryAfter reads a Retry-After value, in seconds or as an HTTP date,
// into a wait; it returns 0 when v is empty or invalid.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(secs)*time.Second, 0)
	}
	if when, err := http.ParseTime(v); err == nil {
		return max(when.Sub(now), 0)
	}
	return 0
}

// Backoff returns the wait before retrying after attempt (0 for the first
// call): first doubled at each attempt with full jitter on its upper half,
// at least what the server asked for (retryAfter), at most ceiling.
func Backoff(first time.Duration, attempt int, retryAfter, ceiling time.Duration) time.Duration {
	wait := first << attempt
	if wait <= 0 || wait > ceiling {
		wait = ceiling
	}
	wait = min(wait/2+rand.N(wait/2+1), ceiling)
	return max(wait, min(retryAfter, ceiling))
}
