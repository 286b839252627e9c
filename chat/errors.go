package chat

import "errors"

var (
	// ErrRateLimited means the chat server still answered 429 Too Many
	// Requests after all retries. Callers fall back to the extractive
	// answer; the API layer may answer 503 with Retry-After.
	ErrRateLimited = errors.New("chat server rate limited")

	// ErrUnavailable means the chat server answered 5xx or could not be
	// reached after all retries, or a stream broke before its end (the
	// connection was cut, or a chunk was not valid JSON). The returned
	// error also wraps the cause. Callers fall back to the extractive
	// answer.
	ErrUnavailable = errors.New("chat server unavailable")

	// ErrTimeout means a call took longer than [Config.Timeout] or than the
	// deadline of the caller's context. Errors that wrap it also wrap
	// [context.DeadlineExceeded]. Timeouts are not retried: an answer that
	// did not come within the timeout is replaced by the extractive one.
	ErrTimeout = errors.New("chat server timed out")

	// ErrBadResponse means the server answered 2xx with no usable choice:
	// no choices at all, or an empty message. It is not retried.
	ErrBadResponse = errors.New("bad chat response")
)
