// Package chattest provides an in-process server that speaks the OpenAI
// /v1/chat/completions wire format, plain JSON and server-sent events, and
// serves scripted replies in order, for tests of code that calls a chat
// model through [github.com/veille/veille/chat.Client] or any
// OpenAI-compatible client.
package chattest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Reply is one scripted answer of a [Server].
type Reply struct {
	// Content is the assistant's message. A stream sends it in chunks of
	// one word each, with the space that follows the word.
	Content string
	// Status, when set and not 200, makes the server answer with that HTTP
	// status (429, 503…) and an OpenAI error body instead of Content.
	Status int
	// RetryAfter, when not empty, is sent as the Retry-After header.
	RetryAfter string
	// Delay is waited before answering; a request cancelled meanwhile is
	// counted by [Server.Cancelled].
	Delay time.Duration
	// ChunkDelay is waited before each chunk of a stream.
	ChunkDelay time.Duration
	// BreakAfter, when positive, cuts a stream's connection after that many
	// content chunks, with no finish reason and no "[DONE]".
	BreakAfter int
	// Malformed makes a stream send a chunk that is not JSON after
	// BreakAfter content chunks (or first, when BreakAfter is 0), and then
	// end normally.
	Malformed bool
}

// Message is a chat message as received by the server.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is a request as received by the server.
type Request struct {
	Model         string    `json:"model"`
	Messages      []Message `json:"messages"`
	Stream        bool      `json:"stream"`
	Temperature   *float64  `json:"temperature"`
	Authorization string    `json:"-"` // the Authorization header
}

// Server is a fake chat completions server. Its methods are safe to call
// while requests run.
type Server struct {
	// URL is the base URL to use as chat.Config.BaseURL; it ends in /v1.
	URL string

	t         testing.TB
	mu        sync.Mutex
	script    []Reply
	requests  []Request
	active    int        // requests being served, under mu
	idle      *sync.Cond // signalled when active drops to 0
	cancelled atomic.Int64
}

// NewServer starts a server that answers the i-th request with script[i],
// and closes it when the test ends. A request past the end of the script
// fails the test and gets a 500.
func NewServer(t testing.TB, script ...Reply) *Server {
	t.Helper()
	s := &Server{t: t, script: script}
	s.idle = sync.NewCond(&s.mu)
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	s.URL = hs.URL + "/v1"
	return s
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Cancelled returns how many requests were cancelled by the client (their
// context was done) before the server had finished answering them. Call
// [Server.Wait] first to count requests still being cut short.
func (s *Server) Cancelled() int { return int(s.cancelled.Load()) }

// Wait blocks until no request is being served. Handlers waiting for a
// Delay or ChunkDelay return as soon as the client goes away, so Wait
// returns quickly after the client has cancelled.
func (s *Server) Wait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.active > 0 {
		s.idle.Wait()
	}
}

// begin and end track the requests being served; a sync.WaitGroup would
// not do, since handlers start while tests may already wait.
func (s *Server) begin() {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
}

func (s *Server) end() {
	s.mu.Lock()
	if s.active--; s.active == 0 {
		s.idle.Broadcast()
	}
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.begin()
	defer s.end()
	defer func() {
		if r.Context().Err() != nil {
			s.cancelled.Add(1)
		}
	}()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "", "no route "+r.Method+" "+r.URL.Path)
		return
	}
	var req Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "", "decode request: "+err.Error())
		return
	}
	req.Authorization = r.Header.Get("Authorization")
	s.mu.Lock()
	i := len(s.requests)
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	if i >= len(s.script) {
		s.t.Errorf("chattest: request %d past the end of the script (%d replies)", i+1, len(s.script))
		writeError(w, http.StatusInternalServerError, "", "script exhausted")
		return
	}
	reply := s.script[i]
	if !sleep(r, reply.Delay) {
		return
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeError(w, reply.Status, reply.RetryAfter, http.StatusText(reply.Status))
		return
	}
	id := fmt.Sprintf("chatcmpl-test-%d", i+1)
	if !req.Stream {
		writeJSON(w, http.StatusOK, completion{
			ID: id, Object: "chat.completion", Created: created, Model: req.Model,
			Choices: []choice{{Message: &Message{Role: "assistant", Content: reply.Content}, FinishReason: ptr("stop")}},
			Usage:   &usage{PromptTokens: 1, CompletionTokens: 1, TotalTokens: 2},
		})
		return
	}
	s.stream(w, r, id, req.Model, reply)
}

// created is the fixed "created" timestamp of every response.
const created = 1735689600

// stream answers with server-sent events: a first chunk with the role, one
// chunk per word, a last chunk with the finish reason, and "[DONE]".
func (s *Server) stream(w http.ResponseWriter, r *http.Request, id, model string, reply Reply) {
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(c completion) {
		b, _ := json.Marshal(c)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	chunk := func(delta Message, finish *string) completion {
		return completion{ID: id, Object: "chat.completion.chunk", Created: created, Model: model,
			Choices: []choice{{Delta: &delta, FinishReason: finish}}}
	}
	send(chunk(Message{Role: "assistant"}, nil))
	for n, word := range strings.SplitAfter(reply.Content, " ") {
		if reply.Malformed && n == reply.BreakAfter {
			fmt.Fprint(w, "data: {\"id\": \"broken\", \"choices\": [\n\n")
			break
		}
		if reply.BreakAfter > 0 && n == reply.BreakAfter && !reply.Malformed {
			// Abort without ending the chunked body: the client sees the
			// connection cut mid-stream.
			panic(http.ErrAbortHandler)
		}
		if !sleep(r, reply.ChunkDelay) {
			return
		}
		if word != "" {
			send(chunk(Message{Content: word}, nil))
		}
	}
	send(chunk(Message{}, ptr("stop")))
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

// sleep waits d, or less when the request is cancelled, and reports whether
// the request is still alive.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return r.Context().Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.Context().Done():
		return false
	case <-t.C:
		return true
	}
}

// completion is a chat completion or a stream chunk on the wire.
type completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
}

type choice struct {
	Index        int      `json:"index"`
	Message      *Message `json:"message,omitempty"`
	Delta        *Message `json:"delta,omitempty"`
	FinishReason *string  `json:"finish_reason"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func ptr[T any](v T) *T { return &v }

// writeError writes an OpenAI-style error body.
func writeError(w http.ResponseWriter, status int, retryAfter, message string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	typ := "server_error"
	switch {
	case status == http.StatusTooManyRequests:
		typ = "rate_limit_exceeded"
	case status < 500:
		typ = "invalid_request_error"
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": nil,
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
