// Package embedtest provides an in-process server that speaks the OpenAI
// embeddings wire format, for tests of code that embeds through
// [embed.Client]. Vectors come from the built-in embedder, so search and
// question answering behave end to end as they do with [embed.Builtin].
package embedtest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veille/veille/embed"
)

// Server is a fake OpenAI-compatible embeddings server. Its counters are
// safe to read while requests run.
type Server struct {
	// URL is the base URL to put in [embed.Config.BaseURL]; it ends in /v1.
	URL string

	opts     options
	builtin  *embed.Builtin
	requests atomic.Int64
	inputs   atomic.Int64

	mu     sync.Mutex
	counts map[string]int // successful embeddings of each input text
}

type options struct {
	dims        int
	apiKey      string
	failFirst   int
	failStatus  int
	retryAfter  string
	latency     time.Duration
	shuffle     bool
	queryPrefix string
}

// Option configures a [Server].
type Option func(*options)

// WithDims sets the vector length; default [embed.DefaultDims]. The server
// ignores the "dimensions" field of requests, as many servers do.
func WithDims(n int) Option { return func(o *options) { o.dims = n } }

// WithAPIKey makes the server answer 401 unless requests carry
// "Authorization: Bearer key".
func WithAPIKey(key string) Option { return func(o *options) { o.apiKey = key } }

// WithFailures makes the first n requests fail with the HTTP status, such as
// 429 or 503, and an OpenAI-style error body. retryAfter, when not empty, is
// sent as the Retry-After header.
func WithFailures(n, status int, retryAfter string) Option {
	return func(o *options) { o.failFirst, o.failStatus, o.retryAfter = n, status, retryAfter }
}

// WithLatency delays every answer by d, or until the request is cancelled.
func WithLatency(d time.Duration) Option { return func(o *options) { o.latency = d } }

// WithShuffle returns the data items in a random order; clients must place
// them by their "index".
func WithShuffle() Option { return func(o *options) { o.shuffle = true } }

// WithQueryPrefix embeds inputs that start with prefix in [embed.Query]
// mode, without the prefix; other inputs are embedded as passages. Pair it
// with the same [embed.Config.QueryPrefix].
func WithQueryPrefix(prefix string) Option { return func(o *options) { o.queryPrefix = prefix } }

// NewServer starts a server and closes it when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{opts: options{dims: embed.DefaultDims}, counts: map[string]int{}}
	for _, o := range opts {
		o(&s.opts)
	}
	s.builtin = embed.NewBuiltin(s.opts.dims)
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/embeddings", s.embeddings)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	s.URL = hs.URL + "/v1"
	return s
}

// Requests returns the number of requests received on /v1/embeddings,
// failed ones included.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Inputs returns the number of texts received in successful requests.
func (s *Server) Inputs() int { return int(s.inputs.Load()) }

// Count returns how many successful requests carried text as an input.
func (s *Server) Count(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[text]
}

// Identity returns the identity of the embedder behind the server, as an
// [embed.Client] with the same model would report it.
func (s *Server) Identity() embed.Identity { return s.builtin.Identity() }

type request struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions"`
}

type item struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"`
}

type response struct {
	Object string `json:"object"`
	Data   []item `json:"data"`
	Model  string `json:"model"`
	Usage  struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	if s.opts.latency > 0 {
		select {
		case <-time.After(s.opts.latency):
		case <-r.Context().Done():
			return
		}
	}
	if r.Method != http.MethodPost {
		fail(w, http.StatusMethodNotAllowed, "method must be POST")
		return
	}
	if s.opts.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.apiKey {
		fail(w, http.StatusUnauthorized, "invalid API key")
		return
	}
	if n <= int64(s.opts.failFirst) {
		if s.opts.retryAfter != "" {
			w.Header().Set("Retry-After", s.opts.retryAfter)
		}
		fail(w, s.opts.failStatus, fmt.Sprintf("injected failure %d", n))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		fail(w, http.StatusUnsupportedMediaType, "content type must be application/json")
		return
	}
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	inputs, err := parseInput(req.Input)
	if err != nil || req.Model == "" {
		fail(w, http.StatusBadRequest, "model and input are required")
		return
	}
	if req.EncodingFormat != "" && req.EncodingFormat != "float" && req.EncodingFormat != "base64" {
		fail(w, http.StatusBadRequest, "unknown encoding_format "+req.EncodingFormat)
		return
	}
	res := response{Object: "list", Model: req.Model, Data: make([]item, len(inputs))}
	for i, text := range inputs {
		mode := embed.Passage
		if p := s.opts.queryPrefix; p != "" && strings.HasPrefix(text, p) {
			text, mode = strings.TrimPrefix(text, p), embed.Query
		}
		v := s.builtin.Vector(text, mode)
		res.Data[i] = item{Object: "embedding", Index: i, Embedding: v}
		if req.EncodingFormat == "base64" {
			res.Data[i].Embedding = encodeBase64(v)
		}
		res.Usage.PromptTokens += len(strings.Fields(text))
	}
	res.Usage.TotalTokens = res.Usage.PromptTokens
	if s.opts.shuffle {
		rand.Shuffle(len(res.Data), func(i, j int) { res.Data[i], res.Data[j] = res.Data[j], res.Data[i] })
	}
	s.inputs.Add(int64(len(inputs)))
	s.mu.Lock()
	for _, text := range inputs {
		s.counts[text]++
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res)
}

// parseInput accepts a string or an array of strings, as OpenAI does.
func parseInput(raw json.RawMessage) ([]string, error) {
	var many []string
	if err := json.Unmarshal(raw, &many); err == nil && len(many) > 0 {
		return many, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []string{one}, nil
}

// encodeBase64 writes v as little-endian float32s in base64, the format
// OpenAI uses for encoding_format "base64".
func encodeBase64(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// fail writes an error in OpenAI's shape.
func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"error": map[string]any{"message": msg, "type": http.StatusText(status), "code": nil}}
	_ = json.NewEncoder(w).Encode(body)
}
