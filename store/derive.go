package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/veille/veille/ingest"
)

// deriver gives the vectors of generation gen from their items.
type deriver struct {
	gen    uint32
	vector func(ingest.Item) []float32
}

// ErrNotDerived is wrapped by the errors of reads that find a derived vector
// (one stored as a mark, [DB.DeriveVectors]) of a generation this process
// was given no way to derive.
var ErrNotDerived = errors.New("vector stored without its values, and no deriver for its generation")

// DeriveVectors tells the store that the vectors of embedder e are a
// function of the item alone, the same in every process: vector gives an
// item's. If e is the active generation's embedder, Apply stores, from now
// on, a one-byte mark instead of each new item's vector, and every read of
// a vector of that generation (Vector, WalkGeneration, the vector an item
// keeps when it is re-dated) gives what vector returns for a marked one.
// Otherwise DeriveVectors does nothing: the vectors of a generation a
// reindex builds are stored as given.
//
// A process that opens a store holding marks must call it, with the same
// function, before it reads their vectors; those reads fail, wrapping
// [ErrNotDerived], until it does. Call it before the first Apply.
func (db *DB) DeriveVectors(e Embedder, vector func(ingest.Item) []float32) error {
	s, err := db.readSchema()
	if err != nil {
		return err
	}
	if s.Embedder == nil || *s.Embedder != e {
		return nil
	}
	db.derive.Store(&deriver{gen: s.Gen, vector: vector})
	return nil
}

// derives reports whether Apply stores marks for generation gen.
func (db *DB) derives(gen uint32) bool {
	d := db.derive.Load()
	return d != nil && d.gen == gen
}

// deriveVector gives the derived vector of the item with sequence number
// seq in generation gen, as txn sees the item.
func (db *DB) deriveVector(txn *badger.Txn, gen, seq uint32) ([]float32, error) {
	d := db.derive.Load()
	if d == nil || d.gen != gen {
		return nil, fmt.Errorf("vector %d of generation %d: %w", seq, gen, ErrNotDerived)
	}
	it, ok, err := itemBySeq(txn, seq)
	if err != nil {
		return nil, fmt.Errorf("item of vector %d: %w", seq, err)
	}
	if !ok {
		return nil, fmt.Errorf("item of vector %d: %w", seq, ErrNotFound)
	}
	return d.vector(it.Item), nil
}
