package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/veille/veille/upstream"
)

// complete asks for a whole answer, with retries.
func (c *Client) complete(ctx context.Context, msgs []openai.ChatCompletionMessage) (string, error) {
	var text string
	err := c.retry(ctx, func(ctx context.Context) error {
		res, err := c.api.CreateChatCompletion(ctx, c.request(msgs))
		if err != nil {
			return err
		}
		if len(res.Choices) == 0 || strings.TrimSpace(res.Choices[0].Message.Content) == "" {
			return fmt.Errorf("%w: no choice or empty message", ErrBadResponse)
		}
		text = res.Choices[0].Message.Content
		return nil
	}, nil)
	return text, err
}

// stream asks for a streamed answer and passes each delta to onDelta. It
// retries only until the first delta has been passed on.
func (c *Client) stream(ctx context.Context, msgs []openai.ChatCompletionMessage, onDelta func(string) error) (string, error) {
	var b strings.Builder
	emitted := false
	err := c.retry(ctx, func(ctx context.Context) error {
		st, err := c.api.CreateChatCompletionStream(ctx, c.request(msgs))
		if err != nil {
			return err
		}
		defer st.Close()
		finished := false
		for {
			chunk, err := st.Recv()
			if errors.Is(err, io.EOF) {
				if !finished {
					// go-openai reports a body that ends early but cleanly
					// like "[DONE]"; servers always send a finish reason
					// before the end.
					return streamBroken{errors.New("stream ended without a finish reason")}
				}
				return nil
			}
			if err != nil {
				return streamBroken{err}
			}
			if len(chunk.Choices) == 0 {
				continue // usage or filter chunks
			}
			ch := chunk.Choices[0]
			if ch.FinishReason != "" {
				finished = true
			}
			if ch.Delta.Content == "" {
				continue
			}
			b.WriteString(ch.Delta.Content)
			emitted = true
			if err := onDelta(ch.Delta.Content); err != nil {
				return deltaError{err}
			}
		}
	}, func() bool { return !emitted })
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(b.String()) == "" {
		return "", fmt.Errorf("%w: empty stream", ErrBadResponse)
	}
	return b.String(), nil
}

// request builds a chat completion request for msgs.
func (c *Client) request(msgs []openai.ChatCompletionMessage) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model:       c.cfg.Model,
		Messages:    msgs,
		Temperature: c.cfg.Temperature,
	}
}

// streamBroken marks an error met while reading a stream that had started.
type streamBroken struct{ err error }

func (e streamBroken) Error() string { return "read stream: " + e.err.Error() }
func (e streamBroken) Unwrap() error { return e.err }

// deltaError marks an error returned by the caller's onDelta.
type deltaError struct{ err error }

func (e deltaError) Error() string { return "on delta: " + e.err.Error() }
func (e deltaError) Unwrap() error { return e.err }

// retry runs call with a per-call timeout until it succeeds, fails for
// good, or has been retried Config.MaxRetries times. canRetry, when set,
// vetoes retries (a stream whose deltas were passed on).
func (c *Client) retry(ctx context.Context, call func(context.Context) error, canRetry func() bool) error {
	for attempt := 0; ; attempt++ {
		withWait, retryAfter := upstream.WithRetryAfter(ctx)
		callCtx, cancel := context.WithTimeout(withWait, c.cfg.Timeout)
		err := call(callCtx)
		timedOut := errors.Is(callCtx.Err(), context.DeadlineExceeded)
		cancel()
		if err == nil {
			return nil
		}
		final, again := c.classify(ctx, err, timedOut)
		if !again || attempt >= c.cfg.MaxRetries || canRetry != nil && !canRetry() {
			return final
		}
		wait := upstream.Backoff(c.backoff, attempt, *retryAfter, maxBackoff)
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return final // the caller's deadline would pass while waiting
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return c.ctxError(ctx)
		case <-t.C:
		}
	}
}

// classify translates the error of one call into the error to return if it
// is the last, and whether the call is worth retrying. timedOut is set when
// the call's own timeout expired.
func (c *Client) classify(ctx context.Context, err error, timedOut bool) (final error, again bool) {
	if ctx.Err() != nil {
		return c.ctxError(ctx), false
	}
	var de deltaError
	if errors.As(err, &de) {
		return de, false
	}
	if timedOut {
		return fmt.Errorf("%w after %v: %w", ErrTimeout, c.cfg.Timeout, context.DeadlineExceeded), false
	}
	var sb streamBroken
	if errors.As(err, &sb) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err), false
	}
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
	}
	return err, false
}

// ctxError is the error for a call stopped by ctx, the caller's context:
// ErrTimeout for a deadline, else the context's cause.
func (c *Client) ctxError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, context.Cause(ctx))
	}
	return context.Cause(ctx)
}
