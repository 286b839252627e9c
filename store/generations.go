package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// A generation is one embedder's vectors of every item. The store serves one
// generation, the active one, whose vectors are under v/ (generation 0) or
// v<n>/ (generation n). A reindex builds the next generation beside it,
// under its own prefix, while the active one keeps serving; [DB.Switch]
// makes it active in one transaction, and the old generation's vectors are
// deleted afterwards ([DB.DropOld]). Vectors of two generations are never
// read as one: every read names its generation.

// Generation is a generation being built by a reindex.
type Generation struct {
	Gen      uint32    `json:"gen"`
	Embedder Embedder  `json:"embedder"`
	Job      string    `json:"job"` // the reindex job's id, kept across restarts
	Started  time.Time `json:"started"`
}

// ErrNoGeneration is returned when a reindex names a generation that is not
// the one being built (it was switched to, or replaced by another).
var ErrNoGeneration = errors.New("no such generation being built")

// vecPrefix is the key prefix of generation gen's vectors.
func vecPrefix(gen uint32) []byte {
	if gen == 0 {
		return prefixVec
	}
	return []byte("v" + strconv.FormatUint(uint64(gen), 10) + "/")
}

func (db *DB) readSchema() (schema, error) {
	var s schema
	err := db.bdb.View(func(txn *badger.Txn) error { return getJSON(txn, keySchema, &s) })
	return s, err
}

// Next returns the generation a reindex is building, if any.
func (db *DB) Next() (Generation, bool, error) {
	s, err := db.readSchema()
	if err != nil || s.Next == nil {
		return Generation{}, false, err
	}
	return *s.Next, true, nil
}

// Begin starts building a generation for the embedder e, recorded with the
// job id, or returns the one being built for e already (a reindex resumed
// after a restart keeps its job id and its vectors). A generation being
// built for another embedder is abandoned: its vectors are deleted. Begin
// returns an error wrapping [ErrEmbedderMismatch] when e is the active
// embedder already, or when the store has no active embedder (nothing to
// reindex).
func (db *DB) Begin(e Embedder, job string, now time.Time) (Generation, error) {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	s, err := db.readSchema()
	if err != nil {
		return Generation{}, err
	}
	switch {
	case s.Embedder == nil:
		return Generation{}, fmt.Errorf("%w: the store has no vectors yet; ingest with %s directly", ErrEmbedderMismatch, e)
	case *s.Embedder == e:
		return Generation{}, fmt.Errorf("%w: the store's vectors already come from %s", ErrEmbedderMismatch, e)
	case s.Next != nil && s.Next.Embedder == e:
		return *s.Next, nil
	case s.Next != nil:
		db.log.Warn("abandoning the reindex to another embedder", "was", s.Next.Embedder, "now", e)
		s.Drop = append(s.Drop, s.Next.Gen)
	}
	// A number no generation had: an abandoned one is in s.Drop by now.
	gen := s.Gen
	for _, g := range s.Drop {
		gen = max(gen, g)
	}
	gen++
	// A crash may have left keys of a generation numbered so: start clean.
	if err := db.dropGeneration(gen); err != nil {
		return Generation{}, err
	}
	next := Generation{Gen: gen, Embedder: e, Job: job, Started: now.UTC()}
	s.Next = &next
	if err := db.bdb.Update(func(txn *badger.Txn) error { return putJSON(txn, keySchema, s) }); err != nil {
		return Generation{}, err
	}
	db.next.Store(gen)
	return next, nil
}

// Missing returns the seqs of the items that have no vector in generation
// gen, ascending.
func (db *DB) Missing(ctx context.Context, gen uint32) ([]uint32, error) {
	var out []uint32
	err := db.bdb.View(func(txn *badger.Txn) error {
		have := map[uint32]bool{}
		if err := iterateKeys(txn, vecPrefix(gen), func(k []byte) error {
			have[binary.BigEndian.Uint32(k[len(k)-4:])] = true
			return ctx.Err()
		}); err != nil {
			return err
		}
		return iterateKeys(txn, prefixSeq, func(k []byte) error {
			if seq := binary.BigEndian.Uint32(k[len(prefixSeq):]); !have[seq] {
				out = append(out, seq)
			}
			return ctx.Err()
		})
	})
	return out, err
}

// PutVectors stores vectors of generation gen, which must be the one being
// built, for the items with the given seqs. Items deleted meanwhile are left
// out: the transaction reads each item's seq key, so a delete that commits
// first is seen, and one that commits during it makes it fail and retry. It
// returns how many vectors were written.
func (db *DB) PutVectors(ctx context.Context, gen uint32, seqs []uint32, vecs [][]float32) (int, error) {
	if len(seqs) != len(vecs) {
		return 0, fmt.Errorf("%d seqs, %d vectors", len(seqs), len(vecs))
	}
	for attempt := 0; ; attempt++ {
		written := 0
		err := db.bdb.Update(func(txn *badger.Txn) error {
			var s schema
			if err := getJSON(txn, keySchema, &s); err != nil {
				return err
			}
			if s.Next == nil || s.Next.Gen != gen {
				return fmt.Errorf("%w: generation %d", ErrNoGeneration, gen)
			}
			for i, seq := range seqs {
				if err := ctx.Err(); err != nil {
					return err
				}
				_, err := txn.Get(seqKey(prefixSeq, seq))
				if errors.Is(err, badger.ErrKeyNotFound) {
					continue
				}
				if err != nil {
					return fmt.Errorf("get seq %d: %w", seq, err)
				}
				if err := txn.Set(seqKey(vecPrefix(gen), seq), encodeVector(vecs[i])); err != nil {
					return fmt.Errorf("put vector %d: %w", seq, err)
				}
				written++
			}
			return nil
		})
		if errors.Is(err, badger.ErrConflict) && attempt < 10 {
			continue
		}
		return written, err
	}
}

// WalkGeneration calls fn for every vector of generation gen, in seq order.
func (db *DB) WalkGeneration(ctx context.Context, gen uint32, fn func(seq uint32, vec []float32) error) error {
	p := vecPrefix(gen)
	return db.bdb.View(func(txn *badger.Txn) error {
		return iterate(txn, p, func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			seq := binary.BigEndian.Uint32(k[len(p):])
			if isDerived(v) {
				vec, err := db.deriveVector(txn, gen, seq)
				if err != nil {
					return err
				}
				return fn(seq, vec)
			}
			vec, err := decodeVector(v)
			if err != nil {
				return fmt.Errorf("vector %d of generation %d: %w", seq, gen, err)
			}
			return fn(seq, vec)
		})
	})
}

// Switch makes generation gen, which must be the one being built, the
// active one, and its embedder the store's, in one transaction. The caller
// must have checked, with ingests held back, that every item has its vector
// in gen. The old generation's vectors stay until [DB.DropOld].
func (db *DB) Switch(gen uint32) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	var s schema
	err := db.bdb.Update(func(txn *badger.Txn) error {
		if err := getJSON(txn, keySchema, &s); err != nil {
			return err
		}
		if s.Next == nil || s.Next.Gen != gen {
			return fmt.Errorf("%w: generation %d", ErrNoGeneration, gen)
		}
		e := s.Next.Embedder
		s.Drop = append(s.Drop, s.Gen)
		s.Gen, s.Embedder, s.Next = gen, &e, nil
		return putJSON(txn, keySchema, s)
	})
	if err != nil {
		return err
	}
	db.gen.Store(gen)
	db.next.Store(noGeneration)
	return nil
}

// DropOld deletes the vectors of the generations no longer served: the one
// a switch replaced, one abandoned by a reindex to another embedder.
func (db *DB) DropOld() error {
	s, err := db.readSchema()
	if err != nil || len(s.Drop) == 0 {
		return err
	}
	for _, g := range s.Drop {
		if err := db.dropGeneration(g); err != nil {
			return err
		}
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	return db.bdb.Update(func(txn *badger.Txn) error {
		var now schema
		if err := getJSON(txn, keySchema, &now); err != nil {
			return err
		}
		now.Drop = slices.DeleteFunc(now.Drop, func(g uint32) bool { return slices.Contains(s.Drop, g) })
		return putJSON(txn, keySchema, now)
	})
}

// dropGeneration deletes generation gen's vectors, if it has any: Badger's
// DropPrefix stalls writes while it runs, which an empty prefix need not.
func (db *DB) dropGeneration(gen uint32) error {
	empty := true
	if err := db.bdb.View(func(txn *badger.Txn) error {
		return iterateKeys(txn, vecPrefix(gen), func([]byte) error {
			empty = false
			return errStop
		})
	}); err != nil && !errors.Is(err, errStop) {
		return err
	}
	if empty {
		return nil
	}
	if err := db.bdb.DropPrefix(vecPrefix(gen)); err != nil {
		return fmt.Errorf("drop generation %d: %w", gen, err)
	}
	return nil
}

var errStop = errors.New("stop")

// Generation returns the active generation's number.
func (db *DB) Generation() uint32 { return db.gen.Load() }

// noGeneration in db.next means no reindex is building one.
const noGeneration = 0

// iterateKeys calls fn with each key under prefix, without reading values.
func iterateKeys(txn *badger.Txn, prefix []byte, fn func(k []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if err := fn(it.Item().Key()); err != nil {
			return err
		}
	}
	return nil
}
