package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/veille/veille/ingest"
)

// IssueSummary is an issue with the number of items it has.
type IssueSummary struct {
	ingest.Issue
	Items int `json:"items"`
}

// Issue returns an issue and its items in order. It returns an error
// wrapping [ErrNotFound] when the issue does not exist.
func (db *DB) Issue(ctx context.Context, id string) (ingest.Issue, []Item, error) {
	var rec issueRecord
	var items []Item
	err := db.bdb.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, issueKey(id), &rec); err != nil {
			return fmt.Errorf("issue %q: %w", id, err)
		}
		items = make([]Item, 0, len(rec.Items))
		for _, itemID := range rec.Items {
			if err := ctx.Err(); err != nil {
				return err
			}
			it, err := getItem(txn, itemID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			items = append(items, it)
		}
		return nil
	})
	return rec.Issue, items, err
}

// IssueInfo returns an issue without reading its items. It returns an
// error wrapping [ErrNotFound] when the issue does not exist.
func (db *DB) IssueInfo(ctx context.Context, id string) (ingest.Issue, error) {
	var rec issueRecord
	err := db.bdb.View(func(txn *badger.Txn) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := getJSON(txn, issueKey(id), &rec); err != nil {
			return fmt.Errorf("issue %q: %w", id, err)
		}
		return nil
	})
	return rec.Issue, err
}

// SameIssue reports whether an issue with iss's id is stored with the same
// content hash, source, link and date, and so needs no write.
func (db *DB) SameIssue(ctx context.Context, iss ingest.Issue) (bool, error) {
	stored, err := db.IssueInfo(ctx, iss.ID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return stored.Hash == iss.Hash && stored.Source == iss.Source && stored.Link == iss.Link && stored.Date == iss.Date, nil
}

// Issues returns every issue, newest first (by date, then id).
func (db *DB) Issues(ctx context.Context) ([]IssueSummary, error) {
	var out []IssueSummary
	err := db.bdb.View(func(txn *badger.Txn) error {
		return iterate(txn, prefixIssue, func(_, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var rec issueRecord
			if err := unmarshal(v, &rec); err != nil {
				return err
			}
			out = append(out, IssueSummary{Issue: rec.Issue, Items: len(rec.Items)})
			return nil
		})
	})
	slices.SortFunc(out, func(a, b IssueSummary) int {
		return cmp.Or(cmp.Compare(b.Date, a.Date), cmp.Compare(a.ID, b.ID))
	})
	return out, err
}

// IssueCount returns the number of issues, reading keys only.
func (db *DB) IssueCount(ctx context.Context) (int, error) {
	n := 0
	err := db.bdb.View(func(txn *badger.Txn) error {
		return iterateKeys(txn, prefixIssue, func([]byte) error {
			n++
			if n%1024 == 0 {
				return ctx.Err()
			}
			return nil
		})
	})
	return n, err
}

// Item returns one item. It returns an error wrapping [ErrNotFound] when the
// item does not exist.
func (db *DB) Item(ctx context.Context, id string) (Item, error) {
	var it Item
	err := db.bdb.View(func(txn *badger.Txn) error {
		var err error
		it, err = getItem(txn, id)
		if err != nil {
			return fmt.Errorf("item %q: %w", id, err)
		}
		return nil
	})
	return it, err
}

// ItemsBySeq returns the items with the given sequence numbers, in the same
// order, leaving out those that no longer exist (deleted since the caller
// learnt the seq). Items are served from the item cache when it holds them
// (see [Options.ItemCacheBytes]); the others are read and cached.
func (db *DB) ItemsBySeq(ctx context.Context, seqs []uint32) ([]Item, error) {
	items := make([]Item, len(seqs))
	missing, version := db.items.lookup(seqs, items)
	if len(missing) > 0 {
		read := make([]Item, 0, len(missing))
		err := db.bdb.View(func(txn *badger.Txn) error {
			for _, i := range missing {
				if err := ctx.Err(); err != nil {
					return err
				}
				it, ok, err := itemBySeq(txn, seqs[i])
				if err != nil {
					return err
				}
				if ok {
					items[i] = it
					read = append(read, it)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		db.items.store(version, read, true)
	}
	// Seqs start at 1: an item left zero was not found.
	out := items[:0]
	for _, it := range items {
		if it.Seq != 0 {
			out = append(out, it)
		}
	}
	return out, nil
}

// itemBySeq reads the item with sequence number seq; ok is false when there
// is none.
func itemBySeq(txn *badger.Txn, seq uint32) (it Item, ok bool, err error) {
	kv, err := txn.Get(seqKey(prefixSeq, seq))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return it, false, nil
	}
	if err != nil {
		return it, false, fmt.Errorf("get seq %d: %w", seq, err)
	}
	id, err := kv.ValueCopy(nil)
	if err != nil {
		return it, false, fmt.Errorf("read seq %d: %w", seq, err)
	}
	it, err = getItem(txn, string(id))
	if errors.Is(err, ErrNotFound) {
		return it, false, nil
	}
	return it, err == nil, err
}

// Vector returns the vector of the item with sequence number seq in
// generation gen. It returns an error wrapping [ErrNotFound] when there is
// none.
func (db *DB) Vector(ctx context.Context, gen, seq uint32) ([]float32, error) {
	var vec []float32
	err := db.bdb.View(func(txn *badger.Txn) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		vec, err = db.itemVector(txn, gen, seq)
		return err
	})
	return vec, err
}

// WalkItems calls fn for every item, in item id order, and stops at the first
// error fn returns.
func (db *DB) WalkItems(ctx context.Context, fn func(Item) error) error {
	return db.bdb.View(func(txn *badger.Txn) error {
		return iterate(txn, prefixItem, func(_, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var it Item
			if err := unmarshal(v, &it); err != nil {
				return err
			}
			return fn(it)
		})
	})
}

// WarmItems reads items into the item cache (see [Options.ItemCacheBytes])
// until it is full or holds them all, so that the first searches after a
// start do not each read their hits from disk. It stops early, keeping what
// it stored, when a write commits meanwhile or ctx is done, and returns how
// many items the cache took.
func (db *DB) WarmItems(ctx context.Context) (int, error) {
	if db.items.limit == 0 {
		return 0, nil
	}
	errStop := errors.New("stop")
	version := db.items.current()
	batch := make([]Item, 0, 256)
	warmed := 0
	flush := func() error {
		n := db.items.store(version, batch, false)
		warmed += n
		full := n < len(batch)
		batch = batch[:0]
		if full {
			return errStop
		}
		return nil
	}
	err := db.WalkItems(ctx, func(it Item) error {
		batch = append(batch, it)
		if len(batch) < cap(batch) {
			return nil
		}
		return flush()
	})
	if err == nil {
		err = flush()
	}
	if errors.Is(err, errStop) {
		err = nil
	}
	return warmed, err
}

// WalkVectors calls fn for every vector of the active generation, in seq
// order, and stops at the first error fn returns. vec is fn's to keep.
func (db *DB) WalkVectors(ctx context.Context, fn func(seq uint32, vec []float32) error) error {
	return db.WalkGeneration(ctx, db.gen.Load(), fn)
}

// iterate calls fn with each key and value under prefix; both are only valid
// during the call.
func iterate(txn *badger.Txn, prefix []byte, fn func(k, v []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		k := item.Key()
		if err := item.Value(func(v []byte) error { return fn(k, v) }); err != nil {
			return err
		}
	}
	return nil
}

func unmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	return nil
}

// mustJSON encodes records made of strings and numbers only, which cannot
// fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: encode %T: %v", v, err))
	}
	return b
}
