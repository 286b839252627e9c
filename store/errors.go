package store

import "errors"

// ErrNotFound is returned when an issue or an item does not exist.
var ErrNotFound = errors.New("not found")

// ErrEmbedderMismatch is returned by [DB.UseEmbedder] when the store's vectors
// were produced by another embedder than the one configured.
var ErrEmbedderMismatch = errors.New("embedder mismatch")

// ErrSchema is returned by [Open] when the data directory was written by an
// incompatible version of veille.
var ErrSchema = errors.New("unsupported schema version")

// ErrConflict is returned when an ingest would take over an item id that
// belongs to another issue.
var ErrConflict = errors.New("item id belongs to another issue")

// ErrMissingVector is returned by [DB.Apply] when a new or changed item has no
// vector.
var ErrMissingVector = errors.New("missing vector")
