package embed_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/veille/veille/embed"
	"github.com/veille/veille/embed/embedtest"
)

// embedder is what consumers of this package declare.
type embedder interface {
	Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error)
	Identity() embed.Identity
}

var (
	_ embedder = (*embed.Client)(nil)
	_ embedder = (*embed.Builtin)(nil)
)

func mustNew(t *testing.T, cfg embed.Config) *embed.Client {
	t.Helper()
	c, err := embed.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return c
}

func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Paragraphe numéro %d sur les modèles de langue %d.", i, i*7)
	}
	return out
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  embed.Config
		want string
	}{
		{"no base URL", embed.Config{Model: "m"}, "base URL is required"},
		{"bad scheme", embed.Config{BaseURL: "localhost:11434", Model: "m"}, "want http://"},
		{"no model", embed.Config{BaseURL: "http://x/v1"}, "model is required"},
		{"negative dims", embed.Config{BaseURL: "http://x/v1", Model: "m", Dims: -1}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := embed.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestClientMatchesBuiltin(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.WithDims(64), embedtest.WithAPIKey("sk-test"), embedtest.WithQueryPrefix("query: "))
	c := mustNew(t, embed.Config{BaseURL: srv.URL, Model: "test-model", APIKey: "sk-test", QueryPrefix: "query: "})
	if got := c.Identity(); got.Dims != 0 {
		t.Errorf("Identity before any call = %v, want Dims 0", got)
	}
	id, err := c.Probe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (embed.Identity{Provider: "openai", Model: "test-model", Dims: 64}); id != want {
		t.Errorf("Probe() = %v, want %v", id, want)
	}
	in := []string{"Mistral publie un modèle", "Combien coûte GPT-4 ?"}
	got, err := c.Embed(t.Context(), in, embed.Query)
	if err != nil {
		t.Fatal(err)
	}
	want := embed.NewBuiltin(64)
	for i, text := range in {
		w := want.Vector(text, embed.Query)
		for j := range w {
			if math.Abs(float64(got[i][j]-w[j])) > 1e-6 {
				t.Fatalf("vector %d differs from the built-in one at %d: %v vs %v", i, j, got[i][j], w[j])
			}
		}
	}
}

func TestClientAuth(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.WithAPIKey("sk-right"))
	c := mustNew(t, embed.Config{BaseURL: srv.URL, Model: "m", APIKey: "sk-wrong", MaxRetries: -1})
	_, err := c.Embed(t.Context(), []string{"x"}, embed.Passage)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Embed with a wrong key: error = %v, want a 401", err)
	}
	if errors.Is(err, embed.ErrUnavailable) || errors.Is(err, embed.ErrRateLimited) {
		t.Errorf("401 was translated to %v", err)
	}
	if srv.Requests() != 1 {
		t.Errorf("401 was retried: %d requests", srv.Requests())
	}
}

func TestClientBatchingAndOrder(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.WithDims(32), embedtest.WithShuffle())
	c := mustNew(t, embed.Config{BaseURL: srv.URL + "/", Model: "m", Dims: 32})
	in := texts(150)
	got, err := c.Embed(t.Context(), in, embed.Passage)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Requests() != 3 || srv.Inputs() != 150 {
		t.Errorf("requests, inputs = %d, %d; want 3, 150", srv.Requests(), srv.Inputs())
	}
	b := embed.NewBuiltin(32)
	for i, text := range in {
		if len(got[i]) != 32 || math.Abs(norm(got[i])-1) > 1e-5 {
			t.Fatalf("vector %d: len %d norm %v", i, len(got[i]), norm(got[i]))
		}
		if w := b.Vector(text, embed.Passage); math.Abs(float64(got[i][0]-w[0])) > 1e-6 {
			t.Fatalf("vector %d is not the vector of text %d: order lost", i, i)
		}
	}
}

func TestClientRetries(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		failures int
		retries  int
		wantErr  error
		wantReqs int
	}{
		{"429 then success", 429, 2, 4, nil, 3},
		{"503 then success", 503, 1, 4, nil, 2},
		{"429 exhausts retries", 429, 10, 2, embed.ErrRateLimited, 3},
		{"503 exhausts retries", 503, 10, 2, embed.ErrUnavailable, 3},
		{"400 is not retried", 400, 10, 4, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := embedtest.NewServer(t, embedtest.WithDims(16), embedtest.WithFailures(tt.failures, tt.status, "0"))
			c := mustNew(t, embed.Config{BaseURL: srv.URL, Model: "m", MaxRetries: tt.retries})
			embed.SetBackoff(c, time.Millisecond)
			_, err := c.Embed(t.Context(), texts(3), embed.Passage)
			switch {
			case tt.status == 400:
				if err == nil || errors.Is(err, embed.ErrUnavailable) {
					t.Errorf("error = %v, want a plain 400 error", err)
				}
			case tt.wantErr == nil && err != nil:
				t.Errorf("error = %v, want success", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if srv.Requests() != tt.wantReqs {
				t.Errorf("requests = %d, want %d", srv.Requests(), tt.wantReqs)
			}
		})
	}
}

func TestClientRetryAfter(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.WithDims(16), embedtest.WithFailures(1, 429, "1"))
	c := mustNew(t, embed.Config{BaseURL: srv.URL, Model: "m"})
	embed.SetBackoff(c, time.Millisecond)
	start := time.Now()
	if _, err := c.Embed(t.Context(), texts(1), embed.Passage); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, want at least the 1s of Retry-After", d)
	}
}

func TestClientTimeout(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.WithDims(16), embedtest.WithLatency(2*time.Second))
	c := mustNew(t, embed.Config{BaseURL: srv.URL, Model: "m", Timeout: 50 * time.Millisecond, MaxRetries: 1})
	embed.SetBackoff(c, time.Millisecond)
	_, err := c.Embed(t.Context(), texts(1), embed.Passage)
	if !errors.Is(err, embed.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want ErrUnavailable wrapping context.DeadlineExceeded", err)
	}
	if srv.Requests() != 2 {
		t.Errorf("requests = %d, want 2", srv.Requests())
	}
}

func TestClientCancel(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.WithDims(16), embedtest.WithLatency(2*time.Second))
	c := mustNew(t, embed.Config{BaseURL: srv.URL, Model: "m"})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Embed(ctx, texts(1), embed.Passage)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cancellation took %v", d)
	}
}

func TestClientWrongDims(t *testing.T) {
	srv := embedtest.NewServer(t, embedtest.WithDims(16))
	c := mustNew(t, embed.Config{BaseURL: srv.URL, Model: "m", Dims: 32})
	_, err := c.Embed(t.Context(), texts(2), embed.Passage)
	if !errors.Is(err, embed.ErrBadResponse) {
		t.Errorf("error = %v, want ErrBadResponse", err)
	}
	if srv.Requests() != 1 {
		t.Errorf("bad response was retried: %d requests", srv.Requests())
	}
	if !strings.HasPrefix(err.Error(), "embed batch 0: ") {
		t.Errorf("error %q does not name the batch", err)
	}
}

func TestClientEmptyInput(t *testing.T) {
	srv := embedtest.NewServer(t)
	c := mustNew(t, embed.Config{BaseURL: srv.URL, Model: "m"})
	got, err := c.Embed(t.Context(), nil, embed.Passage)
	if err != nil || len(got) != 0 || srv.Requests() != 0 {
		t.Errorf("Embed(nil) = %v, %v after %d requests", got, err, srv.Requests())
	}
}
