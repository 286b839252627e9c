package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/dgraph-io/badger/v4"

	"github.com/veille/veille/ingest"
)

// Item is a stored paragraph: the parsed item, the sequence number that the
// vector index knows it by, and its issue's date.
type Item struct {
	ingest.Item
	Seq  uint32 `json:"seq"`
	Date string `json:"date,omitempty"`
	// Link is its issue's own address (a feed entry's link), kept with each
	// item as the date is, so that a search hit or a citation gives it.
	Link string `json:"link,omitempty"`
}

// Vector is a stored item's vector with what the indexes and their filters
// need.
type Vector struct {
	Seq            uint32
	ItemID         string
	Date           string
	Headline, Text string
	Vec            []float32
}

// Change reports what an ingest or a delete did, and which sequence numbers
// the vector index must add and drop to follow.
type Change struct {
	IssueID   string
	Created   bool     // the issue did not exist before
	Added     []Vector // new or changed items
	Removed   []uint32 // seqs of items that were changed or removed
	Unchanged int      // items kept as they were (metadata may have been updated)
	Changed   int      // items whose text, headline or date changed: each is in Added and in Removed
}

// Plan says which items of a document need a vector before [DB.Apply]: new
// items and items whose text or headline changed.
type Plan struct {
	Embed     []ingest.Item
	Unchanged int
}

var (
	prefixIssue = []byte("i/")
	prefixItem  = []byte("p/")
	prefixVec   = []byte("v/")
	prefixSeq   = []byte("n/")
	keyNextSeq  = []byte("m/seq")
)

type issueRecord struct {
	Issue ingest.Issue `json:"issue"`
	Items []string     `json:"items"`
}

func issueKey(id string) []byte { return append(append([]byte{}, prefixIssue...), id...) }
func itemKey(id string) []byte  { return append(append([]byte{}, prefixItem...), id...) }
func seqKey(p []byte, seq uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte{}, p...), seq)
}

// Plan compares doc with what is stored and lists the items that need
// embedding. It returns an error wrapping [ErrConflict] when an item id is
// already used by another issue.
func (db *DB) Plan(ctx context.Context, doc ingest.Document) (Plan, error) {
	var p Plan
	err := db.bdb.View(func(txn *badger.Txn) error {
		for _, it := range doc.Items {
			if err := ctx.Err(); err != nil {
				return err
			}
			old, err := getItem(txn, it.ID)
			switch {
			case errors.Is(err, ErrNotFound):
				p.Embed = append(p.Embed, it)
			case err != nil:
				return err
			case old.IssueID != doc.Issue.ID:
				return fmt.Errorf("%w: item %q is in issue %q", ErrConflict, it.ID, old.IssueID)
			case sameVector(old.Item, it):
				p.Unchanged++
			default:
				p.Embed = append(p.Embed, it)
			}
		}
		return nil
	})
	return p, err
}

// Apply stores doc: its new and changed items with their vectors (vecs, by
// item id), metadata updates of unchanged items, and the removal of items the
// issue no longer has. Every item is written in the same transaction as its
// vector; the issue record is written last. Apply returns once the change is
// synced to disk.
//
// An issue too large for one transaction is written in several. If Apply
// fails or ctx is done after it committed some of them, it takes them back
// before returning, whatever ctx says: the store holds the issue as it was
// before (nothing, for a new issue), the old items with their seqs and
// vectors. Should that fail too, the items left are removed by the next
// [Open]. To that end Apply keeps a copy of the items it deletes or rewrites
// (the vectors of changed and removed items included) until it returns.
func (db *DB) Apply(ctx context.Context, doc ingest.Document, vecs map[string][]float32) (Change, error) {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()

	w, err := db.newWriter()
	if err != nil {
		return Change{IssueID: doc.Issue.ID}, err
	}
	// The store as it was, to copy what Apply deletes or rewrites from. It
	// is read without conflict checks, unlike w's transaction: a vector
	// PutVectors writes meanwhile must not make Apply fail.
	before := db.bdb.NewTransaction(false)
	defer before.Discard()
	var u undo
	ch, err := db.apply(ctx, w, before, &u, doc, vecs)
	if err == nil {
		return ch, nil
	}
	if w.drop() {
		if rerr := db.removeItems(addedItems(ch.Added), u); rerr != nil {
			db.partial.Store(true)
			err = errors.Join(err, fmt.Errorf("take back the part written: %w", rerr))
		}
	}
	return Change{IssueID: doc.Issue.ID}, err
}

// undo is what a failed [DB.Apply] puts back: the keys of the items it
// deleted or rewrote, with their values before, and those items' seqs, to
// drop from the item cache.
type undo struct {
	kvs  [][2][]byte
	seqs []uint32
}

// save copies keys that exist in txn, and notes seq.
func (u *undo) save(txn *badger.Txn, seq uint32, keys ...[]byte) error {
	for _, k := range keys {
		kv, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("get %s: %w", k, err)
		}
		v, err := kv.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("read %s: %w", k, err)
		}
		u.kvs = append(u.kvs, [2][]byte{k, v})
	}
	u.seqs = append(u.seqs, seq)
	return nil
}

// addedItems returns the items of added with the fields that deleting them
// needs.
func addedItems(added []Vector) []Item {
	items := make([]Item, len(added))
	for i, v := range added {
		items[i] = Item{Item: ingest.Item{ID: v.ItemID}, Seq: v.Seq}
	}
	return items
}

// apply writes doc with w and commits. It saves in u what it deletes or
// rewrites, as read in before.
func (db *DB) apply(ctx context.Context, w *writer, before *badger.Txn, u *undo, doc ingest.Document, vecs map[string][]float32) (Change, error) {
	ch := Change{IssueID: doc.Issue.ID}
	var old issueRecord
	switch err := getJSON(w.txn, issueKey(doc.Issue.ID), &old); {
	case errors.Is(err, ErrNotFound):
		ch.Created = true
	case err != nil:
		return ch, err
	}
	// remove deletes an old item, a changed one or one the issue no longer
	// has.
	remove := func(prev Item) error {
		if err := u.save(before, prev.Seq, w.itemKeys(prev)...); err != nil {
			return err
		}
		if err := w.deleteItem(prev); err != nil {
			return err
		}
		ch.Removed = append(ch.Removed, prev.Seq)
		return nil
	}
	// add writes an item under a new seq with its vector.
	add := func(it ingest.Item, vec []float32) error {
		seq, err := w.nextSeq()
		if err != nil {
			return err
		}
		if err := w.putItem(Item{Item: it, Seq: seq, Date: doc.Issue.Date, Link: doc.Issue.Link}, vec); err != nil {
			return err
		}
		ch.Added = append(ch.Added, Vector{Seq: seq, ItemID: it.ID, Date: doc.Issue.Date, Headline: it.Headline, Text: it.Text, Vec: vec})
		return nil
	}
	keep := make(map[string]bool, len(doc.Items))
	rec := issueRecord{Issue: doc.Issue, Items: make([]string, 0, len(doc.Items))}
	for _, it := range doc.Items {
		if err := ctx.Err(); err != nil {
			return ch, err
		}
		keep[it.ID] = true
		rec.Items = append(rec.Items, it.ID)
		prev, err := getItem(w.txn, it.ID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return ch, err
		case prev.IssueID != doc.Issue.ID:
			return ch, fmt.Errorf("%w: item %q is in issue %q", ErrConflict, it.ID, prev.IssueID)
		case sameVector(prev.Item, it) && prev.Date != doc.Issue.Date:
			// Re-dated (a feed entry's date corrected): the item goes
			// under a new seq with its vector, so that the date
			// catalog and its snapshot follow as they follow any
			// change, without embedding it again.
			vec, err := db.itemVector(before, db.gen.Load(), prev.Seq)
			if err != nil {
				return ch, err
			}
			if err := remove(prev); err != nil {
				return ch, err
			}
			if err := add(it, vec); err != nil {
				return ch, err
			}
			ch.Changed++
			continue
		case sameVector(prev.Item, it):
			ch.Unchanged++
			next := Item{Item: it, Seq: prev.Seq, Date: doc.Issue.Date, Link: doc.Issue.Link}
			if next != prev {
				if err := u.save(before, prev.Seq, itemKey(it.ID)); err != nil {
					return ch, err
				}
				if err := w.set(itemKey(it.ID), mustJSON(next)); err != nil {
					return ch, err
				}
				w.touched = append(w.touched, prev.Seq)
			}
			continue
		default:
			if err := remove(prev); err != nil {
				return ch, err
			}
			ch.Changed++
		}
		vec, ok := vecs[it.ID]
		if !ok {
			return ch, fmt.Errorf("%w for item %q", ErrMissingVector, it.ID)
		}
		if err := add(it, vec); err != nil {
			return ch, err
		}
	}
	for _, id := range old.Items {
		if keep[id] {
			continue
		}
		prev, err := getItem(w.txn, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return ch, err
		}
		if err := remove(prev); err != nil {
			return ch, err
		}
	}
	if err := w.set(issueKey(doc.Issue.ID), mustJSON(rec)); err != nil {
		return ch, err
	}
	return ch, w.commit()
}

// DeleteIssue removes an issue and all its items. It returns an error
// wrapping [ErrNotFound] when the issue does not exist.
func (db *DB) DeleteIssue(ctx context.Context, id string) (Change, error) {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()

	ch := Change{IssueID: id}
	w, err := db.newWriter()
	if err != nil {
		return ch, err
	}
	defer w.discard()
	var rec issueRecord
	if err := getJSON(w.txn, issueKey(id), &rec); err != nil {
		return ch, fmt.Errorf("issue %q: %w", id, err)
	}
	// The issue record goes first: if the delete stops halfway, the items
	// left are orphans, which Open removes.
	if err := w.delete(issueKey(id)); err != nil {
		return ch, err
	}
	for _, itemID := range rec.Items {
		if err := ctx.Err(); err != nil {
			return ch, err
		}
		prev, err := getItem(w.txn, itemID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return ch, err
		}
		if err := w.deleteItem(prev); err != nil {
			return ch, err
		}
		ch.Removed = append(ch.Removed, prev.Seq)
	}
	return ch, w.commit()
}

// removeOrphans deletes items that no issue lists: what an interrupted
// ingest or delete left behind.
func (db *DB) removeOrphans() error {
	listed := map[string]bool{}
	var orphans []Item
	err := db.bdb.View(func(txn *badger.Txn) error {
		if err := iterate(txn, prefixIssue, func(_, v []byte) error {
			var rec issueRecord
			if err := unmarshal(v, &rec); err != nil {
				return err
			}
			for _, id := range rec.Items {
				listed[id] = true
			}
			return nil
		}); err != nil {
			return err
		}
		// Keys only: decoding every item would make each start slow.
		return iterateKeys(txn, prefixItem, func(k []byte) error {
			id := string(k[len(prefixItem):])
			if listed[id] {
				return nil
			}
			orphan, err := getItem(txn, id)
			if err != nil {
				return err
			}
			orphans = append(orphans, orphan)
			return nil
		})
	})
	if err != nil || len(orphans) == 0 {
		return err
	}
	if err := db.removeItems(orphans, undo{}); err != nil {
		return err
	}
	db.log.Warn("removed items left by an interrupted ingest", "items", len(orphans))
	return nil
}

// removeItems deletes items with all their keys, then puts back what u
// saved, in as many transactions as that takes: it removes the orphans an
// interrupted ingest left, and takes back a failed [DB.Apply] (whose new
// items, for a new issue, are exactly such orphans).
func (db *DB) removeItems(items []Item, u undo) error {
	w, err := db.newWriter()
	if err != nil {
		return err
	}
	defer w.discard()
	for _, it := range items {
		if err := w.deleteItem(it); err != nil {
			return err
		}
	}
	// After the deletes: a changed item's new version has its old one's key.
	for _, kv := range u.kvs {
		if err := w.set(kv[0], kv[1]); err != nil {
			return err
		}
	}
	w.touched = append(w.touched, u.seqs...)
	return w.commit()
}

// sameVector reports whether an item's stored vector still stands for it:
// what is embedded is the item's headline and text.
func sameVector(old, it ingest.Item) bool {
	return old.Hash == it.Hash && old.Headline == it.Headline
}

func getItem(txn *badger.Txn, id string) (Item, error) {
	var it Item
	err := getJSON(txn, itemKey(id), &it)
	return it, err
}

// itemVector reads the vector of seq in generation gen, or derives it.
func (db *DB) itemVector(txn *badger.Txn, gen, seq uint32) ([]float32, error) {
	kv, err := txn.Get(seqKey(vecPrefix(gen), seq))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("vector %d of generation %d: %w", seq, gen, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get vector %d: %w", seq, err)
	}
	var vec []float32
	derived := false
	err = kv.Value(func(b []byte) error {
		if derived = isDerived(b); derived {
			return nil
		}
		v, err := decodeVector(b)
		if err != nil {
			return fmt.Errorf("vector %d of generation %d: %w", seq, gen, err)
		}
		vec = v
		return nil
	})
	if err == nil && derived {
		return db.deriveVector(txn, gen, seq)
	}
	return vec, err
}

// writer is a write transaction that commits and starts a new one before
// it outgrows Badger's batch limits, so that an issue of any size can be
// stored. Each item's keys go through one apply call, so they always share a
// transaction.
type writer struct {
	db        *DB
	txn       *badger.Txn
	seq       uint32
	pending   int  // bytes written to txn
	entries   int  // keys written to txn
	flushed   bool // a transaction was committed before the last
	committed bool // the last transaction was committed
	// touched lists the seqs of cached items that txn rewrites or deletes,
	// dropped from the item cache when it commits.
	touched []uint32
}

// Per-transaction budget, well below Badger's limits for its default 64 MiB
// memtable (about 9.6 MB and some 90,000 entries).
const (
	maxTxnBytes   = 4 << 20
	maxTxnEntries = 10_000
)

func (db *DB) newWriter() (*writer, error) {
	w := &writer{db: db, txn: db.bdb.NewTransaction(true)}
	it, err := w.txn.Get(keyNextSeq)
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
		w.seq = 1
	case err != nil:
		w.discard()
		return nil, fmt.Errorf("get next seq: %w", err)
	default:
		err = it.Value(func(b []byte) error {
			if len(b) != 4 {
				return fmt.Errorf("next seq: %d bytes, want 4", len(b))
			}
			w.seq = binary.BigEndian.Uint32(b)
			return nil
		})
		if err != nil {
			w.discard()
			return nil, err
		}
	}
	return w, nil
}

func (w *writer) nextSeq() (uint32, error) {
	if w.seq == math.MaxUint32 {
		return 0, errors.New("item sequence numbers exhausted")
	}
	s := w.seq
	w.seq++
	return s, nil
}

// apply runs ops, which write n keys of about size bytes in all, in the
// current transaction, committing it first if ops would not fit.
func (w *writer) apply(n, size int, ops func(txn *badger.Txn) error) error {
	if w.entries > 0 && (w.entries+n > maxTxnEntries || w.pending+size > maxTxnBytes) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	w.entries += n
	w.pending += size
	if err := ops(w.txn); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func (w *writer) flush() error {
	if err := w.commit(); err != nil {
		return err
	}
	w.committed, w.flushed = false, true
	w.txn = w.db.bdb.NewTransaction(true)
	w.pending, w.entries = 0, 0
	if w.db.afterFlush != nil {
		w.db.afterFlush()
	}
	return nil
}

func (w *writer) set(k, v []byte) error {
	return w.apply(1, len(k)+len(v), func(txn *badger.Txn) error { return txn.Set(k, v) })
}

func (w *writer) delete(k []byte) error {
	return w.apply(1, len(k), func(txn *badger.Txn) error { return txn.Delete(k) })
}

func (w *writer) putItem(it Item, vec []float32) error {
	gen := w.db.gen.Load()
	vb := derivedMark
	if !w.db.derives(gen) {
		vb = encodeVector(vec)
	}
	rec := mustJSON(it)
	return w.apply(3, len(rec)+len(vb)+2*len(it.ID)+16, func(txn *badger.Txn) error {
		for _, kv := range [][2][]byte{
			{itemKey(it.ID), rec},
			{seqKey(vecPrefix(gen), it.Seq), vb},
			{seqKey(prefixSeq, it.Seq), []byte(it.ID)},
		} {
			if err := txn.Set(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	})
}

// itemKeys returns the keys of an item: its record, its seq key and its
// vectors, that of the generation a reindex is building included.
func (w *writer) itemKeys(it Item) [][]byte {
	keys := [][]byte{itemKey(it.ID), seqKey(vecPrefix(w.db.gen.Load()), it.Seq), seqKey(prefixSeq, it.Seq)}
	if next := w.db.next.Load(); next != noGeneration {
		keys = append(keys, seqKey(vecPrefix(next), it.Seq))
	}
	return keys
}

// deleteItem deletes an item with all its keys ([writer.itemKeys]).
func (w *writer) deleteItem(it Item) error {
	keys := w.itemKeys(it)
	w.touched = append(w.touched, it.Seq)
	return w.apply(len(keys), len(it.ID)+24, func(txn *badger.Txn) error {
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *writer) commit() error {
	if err := w.txn.Set(keyNextSeq, binary.BigEndian.AppendUint32(nil, w.seq)); err != nil {
		return fmt.Errorf("set next seq: %w", err)
	}
	err := w.txn.Commit()
	if len(w.touched) > 0 {
		w.db.items.invalidate(w.touched)
		w.touched = w.touched[:0]
	}
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	w.committed = true
	return nil
}

// discard drops the uncommitted writes. If earlier transactions of the
// same write were committed, they may hold orphans: the store is marked so
// that it is not closed as clean.
func (w *writer) discard() {
	if w.drop() {
		w.db.partial.Store(true)
	}
}

// drop drops the uncommitted writes and reports whether earlier
// transactions of the same write were committed: a write that failed
// halfway.
func (w *writer) drop() bool {
	w.txn.Discard()
	return w.flushed && !w.committed
}
