package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// SchemaVersion is the version of the key layout described in the package
// documentation. Version 2 stores vectors sparse or dense (vectors.go);
// version 1 stored them dense only, which version 2 reads as they are.
// Version 3 may store a mark instead of a vector its deriver gives
// ([DB.DeriveVectors]). Open and Restore take an older store or backup and
// record version 3, so that an older build refuses the store rather than
// misread a vector.
const SchemaVersion = 3

// oldestSchema is the oldest schema version Open and Restore take.
const oldestSchema = 1

// Embedder identifies the model that produced the stored vectors.
type Embedder struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
	Dims     int    `json:"dims"`
}

func (e Embedder) String() string {
	return fmt.Sprintf("%s/%s (%d dims)", e.Provider, e.Model, e.Dims)
}

type schema struct {
	Version  int       `json:"version"`
	Embedder *Embedder `json:"embedder,omitempty"`
	// Gen is the active generation (generations.go), Next the one a
	// reindex is building, Drop those whose vectors remain to delete.
	Gen  uint32      `json:"gen,omitempty"`
	Next *Generation `json:"next,omitempty"`
	Drop []uint32    `json:"drop,omitempty"`
}

// Options configures [Open].
type Options struct {
	Logger     *slog.Logger  // nil discards
	GCInterval time.Duration // value-log GC period; 0 means 10 minutes, negative disables
	// ItemCacheBytes bounds the memory of decoded items kept for searches;
	// 0 means [DefaultItemCacheBytes], negative disables the cache.
	ItemCacheBytes int
	// Unsynced makes writes return before they reach the disk: Close syncs
	// them, once. A bulk load (veille ingest) takes a sixth less time so:
	// each sync of Badger's memory-mapped logs writes their dirty pages
	// back and flushes the TLBs of every core the process runs on. A killed
	// process loses nothing; should the machine stop before Close, the next
	// Open removes the issues whose data the disk did not get (see
	// unsynced.go), to be ingested again. Value-log GC does not run
	// meanwhile: it deletes log files once their values are rewritten,
	// which must be synced first.
	Unsynced bool
}

// DB is an open archive store. It is safe for concurrent use; writes that
// change items (Apply, DeleteIssue) are serialised.
type DB struct {
	bdb *badger.DB
	log *slog.Logger

	writeMu sync.Mutex // serialises Apply and DeleteIssue, which read-modify-write m/seq, and generation changes

	gen, next atomic.Uint32 // the active generation, the one being built (0: none); changed under writeMu

	items *itemCache

	derive atomic.Pointer[deriver] // set by DeriveVectors

	unsynced bool // Options.Unsynced

	// partial is set when a write that spanned several transactions failed
	// after committing some: it may have left orphans, so Close leaves no
	// clean-close marker and the next Open looks for them.
	partial atomic.Bool

	// afterFlush, if set, runs after each transaction a write commits
	// before its last: tests set it to act between them.
	afterFlush func()

	stopGC context.CancelFunc
	gcDone chan struct{}
	gcRuns atomic.Int64
}

// Open opens or creates the store in dir, checks the schema version, removes
// items left behind by an interrupted ingest (unless the store was closed
// cleanly since its last write, see [DB.Close]) and starts the value-log GC.
func Open(dir string, opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bdb, err := badger.Open(badgerOptions(dir, log, !opts.Unsynced))
	if err != nil {
		return nil, fmt.Errorf("open badger in %s: %w", dir, err)
	}
	cache := opts.ItemCacheBytes
	if cache == 0 {
		cache = DefaultItemCacheBytes
	}
	db := &DB{bdb: bdb, log: log, items: newItemCache(cache), unsynced: opts.Unsynced}
	clean, err := db.initSchema()
	if err == nil {
		err = db.settleUnsynced(opts.Unsynced)
	}
	if err != nil {
		bdb.Close()
		return nil, err
	}
	if !clean {
		if err := db.removeOrphans(); err != nil {
			bdb.Close()
			return nil, err
		}
	}
	if err := db.DropOld(); err != nil {
		bdb.Close()
		return nil, err
	}
	if opts.Unsynced {
		opts.GCInterval = -1
	}
	db.startGC(opts.GCInterval)
	return db, nil
}

// Close stops the GC loop and closes Badger, flushing everything to disk.
// Unless a write failed halfway meanwhile, it first records a clean-close
// marker, so that the next Open can skip the search for orphaned items
// (which reads every issue record and item key). An unsynced store syncs
// its writes before that, and only then ends its session.
func (db *DB) Close() error {
	db.stopGC()
	<-db.gcDone
	var err error
	switch {
	case db.unsynced:
		err = db.closeUnsynced(!db.partial.Load())
	case !db.partial.Load():
		if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(keyClean, nil) }); err != nil {
			db.log.Warn("cannot record the clean close", "err", err)
		}
	}
	if cerr := db.bdb.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close badger: %w", cerr))
	}
	return err
}

// Unsynced reports whether the store was opened with [Options.Unsynced].
func (db *DB) Unsynced() bool { return db.unsynced }

// Sync writes what the store has written so far to the disk: for an
// unsynced store, what its Close would otherwise wait for first (it still
// syncs, and ends the session, then). It may run beside other calls.
func (db *DB) Sync() error { return db.bdb.Sync() }

// Size returns the bytes on disk of Badger's LSM tree and value log.
func (db *DB) Size() (lsm, vlog int64) { return db.bdb.Size() }

// GCRuns returns how many value-log files GC has rewritten since Open.
func (db *DB) GCRuns() int64 { return db.gcRuns.Load() }

var (
	keySchema = []byte("m/schema")
	// keyClean is the clean-close marker: [DB.Close] writes it last, Open
	// deletes it. It vouches for the store only if it is the last write
	// (its version is the store's highest), so that a store written by a
	// build that ignores it and then stopped uncleanly is checked anyway.
	keyClean = []byte("m/clean")
)

// initSchema checks or records the schema and reports whether the store
// was closed cleanly after its last write; it deletes the clean-close
// marker, durably, before any other write can follow.
func (db *DB) initSchema() (clean bool, err error) {
	err = db.bdb.Update(func(txn *badger.Txn) error {
		switch m, err := txn.Get(keyClean); {
		case err == nil:
			clean = m.Version() == db.bdb.MaxVersion()
			if err := txn.Delete(keyClean); err != nil {
				return err
			}
		case !errors.Is(err, badger.ErrKeyNotFound):
			return fmt.Errorf("get clean-close marker: %w", err)
		}
		var s schema
		err := getJSON(txn, keySchema, &s)
		switch {
		case errors.Is(err, ErrNotFound):
			return putJSON(txn, keySchema, schema{Version: SchemaVersion})
		case err != nil:
			return err
		case s.Version < oldestSchema || s.Version > SchemaVersion:
			return fmt.Errorf("%w: data has version %d, this build reads %d to %d", ErrSchema, s.Version, oldestSchema, SchemaVersion)
		case s.Version < SchemaVersion:
			s.Version = SchemaVersion
			if err := putJSON(txn, keySchema, s); err != nil {
				return err
			}
		}
		db.gen.Store(s.Gen)
		if s.Next != nil {
			db.next.Store(s.Next.Gen)
		}
		return nil
	})
	return clean, err
}

// Embedder returns the identity recorded for the stored vectors; ok is false
// when none has been recorded yet (an empty store).
func (db *DB) Embedder() (e Embedder, ok bool, err error) {
	s, err := db.readSchema()
	if err != nil || s.Embedder == nil {
		return Embedder{}, false, err
	}
	return *s.Embedder, true, nil
}

// UseEmbedder records e as the producer of the store's vectors when none is
// recorded yet, or when another is but the store holds no item (and no
// reindex runs), and returns an error wrapping [ErrEmbedderMismatch] when
// another one's vectors are stored.
func (db *DB) UseEmbedder(e Embedder) error {
	return db.bdb.Update(func(txn *badger.Txn) error {
		var s schema
		if err := getJSON(txn, keySchema, &s); err != nil {
			return err
		}
		if s.Embedder != nil && *s.Embedder != e && s.Next == nil {
			// A store that holds no item, after an ingest that failed
			// whole, holds no vector either: any embedder may take it.
			empty := true
			err := iterateKeys(txn, prefixSeq, func([]byte) error {
				empty = false
				return errStop
			})
			if err != nil && !errors.Is(err, errStop) {
				return err
			}
			if empty {
				s.Embedder = nil
			}
		}
		if s.Embedder != nil {
			if *s.Embedder != e {
				return fmt.Errorf("%w: the data directory holds vectors from %s, the configured embedder is %s; "+
					"configure that embedder (VEILLE_EMBED_*; after a reindex, the one the archive moved to), "+
					"move the archive to the configured one (set it as the next embedder, VEILLE_NEXT_EMBED_*, and reindex), "+
					"or start over with an empty data directory and re-ingest the archive",
					ErrEmbedderMismatch, s.Embedder, e)
			}
			return nil
		}
		s.Embedder = &e
		return putJSON(txn, keySchema, s)
	})
}

func getJSON(txn *badger.Txn, key []byte, v any) error {
	it, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", key, err)
	}
	return it.Value(func(b []byte) error {
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		return nil
	})
}

func putJSON(txn *badger.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return txn.Set(key, b)
}

// badgerOptions are the Badger options of a store in dir. Level-0 tables are
// left to Badger's background compactions (Badger's default): compacting
// them at every close made a 100,000-paragraph veille ingest 0.7 s longer,
// on one core, at its end.
func badgerOptions(dir string, log *slog.Logger, synced bool) badger.Options {
	return badger.DefaultOptions(dir).
		WithSyncWrites(synced).
		// Values over 256 bytes, items' records (their text) and vectors
		// (4 KiB at 1,024 dims), go to the value log; the LSM tree keeps
		// keys, small records and value pointers, so that memtable
		// flushes and compactions neither copy nor compress the text. At
		// 1 KiB, which kept the text in the tree, a 100,000-paragraph
		// ingest spent 2.6-3.4 s of CPU in Badger against 1.9-2.0 s.
		WithValueThreshold(256).
		WithLogger(badgerLogger{log.With("component", "badger")})
}

// badgerLogger forwards Badger's warnings and errors to slog and drops the
// rest, which is routine chatter about compactions.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any)   { l.log.Error(fmt.Sprintf(f, a...)) }
func (l badgerLogger) Warningf(f string, a ...any) { l.log.Warn(fmt.Sprintf(f, a...)) }
func (badgerLogger) Infof(string, ...any)          {}
func (badgerLogger) Debugf(string, ...any)         {}
