// Package embed turns texts into L2-normalised float32 vectors, either with
// the built-in model-free [Builtin] embedder or through any server that
// speaks the OpenAI embeddings API ([Client]): OpenAI, Ollama's /v1, vLLM,
// llama.cpp server or Hugging Face TEI.
//
// Consumers declare their own interface; both embedders provide
//
//	Embed(ctx context.Context, texts []string, mode Mode) ([][]float32, error)
//	Identity() Identity
package embed

import "fmt"

// Mode says what a text is for. Asymmetric models embed a question and the
// passage that answers it differently; the built-in embedder drops question
// words in Query mode, and [Config] can add a prefix per mode.
type Mode int

const (
	// Passage is a text to be stored and found.
	Passage Mode = iota
	// Query is a search query or question.
	Query
)

// String returns "passage" or "query".
func (m Mode) String() string {
	switch m {
	case Passage:
		return "passage"
	case Query:
		return "query"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Identity says which vectors an embedder produces. Vectors from different
// identities must not be compared, so stores record it with their vectors.
type Identity struct {
	Provider string `json:"provider"` // "builtin" or "openai"
	Model    string `json:"model"`
	Dims     int    `json:"dims"` // 0 when not known yet, see [Client.Probe]
}

// String returns "provider/model@dims", e.g. "builtin/hash-v1@512".
func (id Identity) String() string {
	return fmt.Sprintf("%s/%s@%d", id.Provider, id.Model, id.Dims)
}
