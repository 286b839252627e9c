package embed

import "errors"

var (
	// ErrRateLimited means the embedding server still answered 429 Too Many
	// Requests after all retries. Callers should back off; the API layer
	// answers 503 with Retry-After.
	ErrRateLimited = errors.New("embedding server rate limited")

	// ErrUnavailable means the embedding server answered 5xx, timed out or
	// could not be reached, after all retries. The returned error also wraps
	// the last cause, such as [context.DeadlineExceeded] for a timeout.
	ErrUnavailable = errors.New("embedding server unavailable")

	// ErrRefused means the server answered 4xx (other than 429): the
	// request itself, or the configuration behind it (an unknown model, a
	// bad key, a text too long for the model), is what it refuses. It is
	// not retried.
	ErrRefused = errors.New("embedding server refused the request")

	// ErrBadResponse means the server answered 2xx with a body that does not
	// fit the request: a wrong number of vectors, indexes out of range or
	// repeated, vectors of the wrong length, or undecodable JSON. It is not
	// retried.
	ErrBadResponse = errors.New("bad embedding response")
)
