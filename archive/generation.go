package archive

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/veille/veille/embed"
	"github.com/veille/veille/vectorindex"
)

// generation is what answers vector queries: an embedder, the index of its
// vectors, and the number of the store generation that holds them. A
// request takes one generation and uses it throughout, so that a query
// embedded by one model is never compared with another model's vectors,
// even while a reindex switches models.
type generation struct {
	gen uint32
	emb Embedder
	ix  *vectorindex.Index

	mu      sync.RWMutex // read-held by the requests using the generation, write-held to retire it
	retired bool         // replaced by a reindex; its vectors are being deleted
}

// acquire returns the serving generation, held until release: it is not
// retired while a request uses it.
func (a *Archive) acquire() *generation {
	for {
		g := a.cur.Load()
		g.mu.RLock()
		if !g.retired {
			return g
		}
		g.mu.RUnlock()
	}
}

func (g *generation) release() { g.mu.RUnlock() }

// retire waits for the requests using g to end and marks it retired.
func (g *generation) retire() {
	g.mu.Lock()
	g.retired = true
	g.mu.Unlock()
}

func (g *generation) embedQuery(ctx context.Context, text string) ([]float32, error) {
	vecs, err := g.emb.Embed(ctx, []string{text}, embed.Query)
	if err != nil {
		return nil, fmt.Errorf("embed query: %w", err)
	}
	return vecs[0], nil
}

// embedSearch embeds the query text and searches the index with it.
func (g *generation) embedSearch(ctx context.Context, text string, k int, f *vectorindex.Filter) ([]scored, error) {
	vec, err := g.embedQuery(ctx, text)
	if err != nil {
		return nil, err
	}
	return g.vector(vec, k, f, 0)
}

// vector searches the HNSW index, leaving out the item with seq skip (0 is
// no item).
func (g *generation) vector(vec []float32, k int, f *vectorindex.Filter, skip uint32) ([]scored, error) {
	want := k
	if skip != 0 {
		want++
	}
	found, err := g.ix.Search(vec, want, f)
	if err != nil {
		return nil, fmt.Errorf("search index: %w", err)
	}
	out := make([]scored, 0, len(found))
	for _, h := range found {
		if h.ID != skip {
			out = append(out, scored{h.ID, h.Score})
		}
	}
	return out, nil
}

// snapshotPath is the index snapshot of generation gen: base itself for
// generation 0, else base with the generation before its extension
// (index.hnsw, index.g1.hnsw…), so that a snapshot is never loaded for
// another generation's vectors.
func snapshotPath(base string, gen uint32) string {
	if gen == 0 {
		return base
	}
	ext := filepath.Ext(base)
	return fmt.Sprintf("%s.g%d%s", strings.TrimSuffix(base, ext), gen, ext)
}
