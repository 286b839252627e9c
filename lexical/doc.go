// Package lexical is veille's keyword side of search: an in-memory BM25
// index over items keyed by the same uint32 ids as the vector index ([Index]),
// reciprocal rank fusion of ranked lists from several retrievers ([Fuse]),
// and the choice of the sentence of a passage that best shows why it
// matched ([Highlighter]).
//
// Text is analysed by package analysis, as the built-in embedder and the
// answerer do: accents folded, elisions removed, numbers normalised ("5,6"
// is "5.6"), French Snowball stems. Stopwords are neither indexed nor
// searched, and question words never reach a query.
//
// Measured on PIAF (1,518 French Wikipedia paragraphs, 3,779 questions;
// see eval_test.go), the index with its defaults reaches recall@5 0.875 and
// MRR@10 0.788, where bleve's French BM25 (bench/bm25bleve) reaches 0.833
// and 0.740 and the built-in embedder 0.787 and 0.672. Fusing the index
// with the built-in embedder does not beat the index alone there (0.873
// and 0.786 at best): both see the same stems. Fusion is meant for an
// embedding model that captures meaning.
package lexical
