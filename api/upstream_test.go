package api_test

import (
	"net/http"
	"testing"

	"github.com/veille/veille/api"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/embed/embedtest"
)

// TestEmbedderRefusal serves an archive whose embedder answers 400 to
// every request, as one does for an unknown model: uploads and searches
// that need a vector are a 502 naming the embedding service, not a 500.
func TestEmbedderRefusal(t *testing.T) {
	fake := embedtest.NewServer(t, embedtest.WithDims(16), embedtest.WithFailures(1<<20, http.StatusBadRequest, ""))
	emb, err := embed.New(embed.Config{BaseURL: fake.URL, Model: "no-such-model", Dims: 16})
	if err != nil {
		t.Fatal(err)
	}
	_, base := newHandlerOver(t, api.Config{}, emb, nil, nil)
	for _, r := range []struct{ method, path, ctype, body string }{
		{"POST", "/v1/issues", "text/plain", "date 2025-03 Une\n\nUn paragraphe de la lettre.\n"},
		{"GET", "/v1/search?q=lettre&mode=vector", "", ""},
	} {
		res := do(t, r.method, base+r.path, r.ctype, r.body)
		if res.status != http.StatusBadGateway || res.body["type"] != "/problems/upstream" {
			t.Errorf("%s %s: %d %s; want 502 /problems/upstream", r.method, r.path, res.status, res.raw)
		}
	}
}
