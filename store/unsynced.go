package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/veille/veille/ingest"
)

// An unsynced session ([Options.Unsynced]) writes without syncing and syncs
// once, at Close. Badger then gives no ordering between its files: a table
// flushed from memory is synced on its own and may point into the value log
// at vectors and records the disk never got. A killed process loses
// nothing (its writes are in the kernel's page cache), but a system crash or
// a power loss can. So the session is recorded, durably, before its first
// write (keyUnsynced, with the boot it ran in and Badger's version then),
// and the record is deleted by Close once everything is synced. An Open that
// finds it either knows the machine kept running since (same boot: the page
// cache held every write, and a sync makes them durable) or checks every
// value written by the session and removes what it lost (repair).
var keyUnsynced = []byte("m/unsynced")

type unsyncedRecord struct {
	Boot    string `json:"boot"`    // the kernel's boot id, "" if unknown
	Version uint64 `json:"version"` // Badger's highest version before the session wrote
}

// bootID returns an id of the running boot of the machine ("" when the
// system has none), so that a store can tell whether the machine restarted.
// Tests replace it to simulate a restart.
var bootID = func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// settleUnsynced finishes an unsynced session that ended without Close, if
// any, and then starts one if unsynced is set.
func (db *DB) settleUnsynced(unsynced bool) error {
	var rec unsyncedRecord
	err := db.bdb.View(func(txn *badger.Txn) error { return getJSON(txn, keyUnsynced, &rec) })
	switch {
	case errors.Is(err, ErrNotFound):
		if !unsynced {
			return nil
		}
	case err != nil:
		return err
	case rec.Boot != "" && rec.Boot == bootID():
		if err := db.bdb.Sync(); err != nil {
			return fmt.Errorf("sync the writes of an interrupted session: %w", err)
		}
	default:
		if err := db.repair(rec.Version); err != nil {
			return fmt.Errorf("check the writes of a session interrupted by a system crash: %w", err)
		}
	}
	err = db.bdb.Update(func(txn *badger.Txn) error {
		if !unsynced {
			return txn.Delete(keyUnsynced)
		}
		return putJSON(txn, keyUnsynced, unsyncedRecord{Boot: bootID(), Version: db.bdb.MaxVersion()})
	})
	if err != nil {
		return fmt.Errorf("record the session: %w", err)
	}
	if !unsynced {
		return nil // synced by Badger
	}
	// Unsynced, Badger did not sync that write: the record must be on
	// disk before anything it vouches for.
	return db.bdb.Sync()
}

// closeUnsynced syncs an unsynced session's writes, then deletes its record
// and, if clean, writes the clean-close marker, and syncs that too.
func (db *DB) closeUnsynced(clean bool) error {
	if err := db.bdb.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	err := db.bdb.Update(func(txn *badger.Txn) error {
		if err := txn.Delete(keyUnsynced); err != nil {
			return err
		}
		if clean {
			return txn.Set(keyClean, nil)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("end the session: %w", err)
	}
	return db.bdb.Sync()
}

// repair reads every value written after version since and removes what
// the disk lost: values Badger cannot read or reads back empty (it cuts
// its value log at the first entry it finds damaged when it opens, and
// reads what lay beyond as empty; no record, vector or cached vector is
// empty). An issue whose record, or the record or a vector
// of one of whose items, was lost is deleted whole (its remaining items are
// left to removeOrphans, which Open runs next), so that ingesting it again
// restores it; a lost cached vector is dropped.
func (db *DB) repair(since uint64) error {
	var lost [][]byte            // unreadable keys
	issues := map[string]bool{}  // issues to delete
	items := map[string]uint32{} // lost items, to their seq (0 until known)
	err := db.bdb.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			kv := it.Item()
			k := kv.Key()
			if kv.Version() <= since || bytes.HasPrefix(k, []byte("m/")) {
				continue
			}
			if err := kv.Value(func(v []byte) error {
				if len(v) == 0 {
					return errLost
				}
				return nil
			}); err == nil {
				continue
			}
			k = kv.KeyCopy(nil)
			lost = append(lost, k)
			switch {
			case bytes.HasPrefix(k, prefixIssue):
				issues[string(k[len(prefixIssue):])] = true
			case bytes.HasPrefix(k, prefixItem):
				items[string(k[len(prefixItem):])] = 0
			case isVectorKey(k):
				id, err := txn.Get(seqKey(prefixSeq, binary.BigEndian.Uint32(k[len(k)-4:])))
				if err != nil {
					continue // the item went with its transaction
				}
				v, err := id.ValueCopy(nil)
				if err != nil {
					return err
				}
				items[string(v)] = 0
			}
		}
		if len(items) == 0 {
			return nil
		}
		// The lost items' seqs and issues, from the keys and records that
		// still read.
		if err := iterate(txn, prefixSeq, func(k, v []byte) error {
			if _, ok := items[string(v)]; ok {
				items[string(v)] = binary.BigEndian.Uint32(k[len(prefixSeq):])
			}
			return nil
		}); err != nil {
			return err
		}
		return iterate(txn, prefixIssue, func(k, v []byte) error {
			if len(v) == 0 {
				return nil // lost itself, listed above
			}
			var rec issueRecord
			if err := unmarshal(v, &rec); err != nil {
				return err
			}
			if slices.ContainsFunc(rec.Items, func(id string) bool { _, ok := items[id]; return ok }) {
				issues[string(k[len(prefixIssue):])] = true
			}
			return nil
		})
	})
	if err != nil || len(lost) == 0 {
		return err
	}
	w, err := db.newWriter()
	if err != nil {
		return err
	}
	defer w.discard()
	for _, k := range lost {
		if err := w.delete(k); err != nil {
			return err
		}
	}
	for id, seq := range items {
		if err := w.deleteItem(Item{Item: ingest.Item{ID: id}, Seq: seq}); err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(issues))
	for id := range issues {
		ids = append(ids, id)
		if err := w.delete(issueKey(id)); err != nil {
			return err
		}
	}
	slices.Sort(ids)
	db.log.Warn("the machine stopped during an unsynced ingest: removed what it lost; ingest these issues again",
		"issues", ids, "values_lost", len(lost))
	return w.commit()
}

// errLost marks a value that reads back empty in repair.
var errLost = errors.New("value lost")

// isVectorKey reports whether k is the key of a vector, of any generation:
// "v", the generation's digits, "/" and a seq.
func isVectorKey(k []byte) bool {
	p := bytes.IndexByte(k, '/')
	if p < 1 || k[0] != 'v' || len(k) != p+5 {
		return false
	}
	for _, c := range k[1:p] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
