// Package eval measures retrieval quality the same way for every embedder
// and configuration: it reads evaluation sets in JSON Lines (questions with
// the ids of the passages that answer them, and text pairs with a human
// similarity score), runs a search function over the questions, and reports
// recall, MRR, nDCG, latency percentiles and Spearman correlation.
//
// The package knows only strings, ids and vectors: callers adapt their
// search and embedding to [Searcher] and [Embedder], so the same figures can
// be compared across the built-in embedder, an OpenAI-compatible model, an
// exact scan or the HNSW index.
package eval
