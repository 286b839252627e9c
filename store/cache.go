package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// The embedding cache keeps every vector an embedder produced, keyed by the
// embedder's identity and the text, so that a text is never embedded twice
// by the same model: a paragraph moved to another issue, an issue deleted
// and ingested again, or a re-embedding with a model already used.
//
//	e/<8 bytes: SHA-256 of the embedder identity><16 bytes: SHA-256 of the text> → float32 LE vector
//
// Entries are not removed with their items; they cost the vectors' size.
var prefixCache = []byte("e/")

func cacheKey(embedder Embedder, text string) []byte {
	id := sha256.Sum256([]byte(embedder.String()))
	tx := sha256.Sum256([]byte(text))
	k := append(append([]byte{}, prefixCache...), id[:8]...)
	return append(k, tx[:16]...)
}

// CachedVectors returns the cached vectors of texts for the embedder, by
// index in texts; texts without an entry are absent from the map.
func (db *DB) CachedVectors(ctx context.Context, embedder Embedder, texts []string) (map[int][]float32, error) {
	out := map[int][]float32{}
	err := db.bdb.View(func(txn *badger.Txn) error {
		for i, t := range texts {
			if err := ctx.Err(); err != nil {
				return err
			}
			it, err := txn.Get(cacheKey(embedder, t))
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("get cached vector: %w", err)
			}
			if err := it.Value(func(b []byte) error {
				// An entry that does not decode to the embedder's dims is
				// a miss: the text is embedded again and the entry
				// replaced.
				if v, err := decodeVector(b); err == nil && len(v) == embedder.Dims {
					out[i] = v
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// CacheVectors stores vectors of texts for the embedder.
func (db *DB) CacheVectors(ctx context.Context, embedder Embedder, texts []string, vecs [][]float32) error {
	wb := db.bdb.NewWriteBatch()
	defer wb.Cancel()
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := wb.Set(cacheKey(embedder, t), encodeVector(vecs[i])); err != nil {
			return fmt.Errorf("cache vector: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("cache vectors: %w", err)
	}
	return nil
}
