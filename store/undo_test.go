package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/veille/veille/ingest"
)

// bigDims makes vectors of 16 KiB: a few hundred items fill a transaction.
const bigDims = 4096

// bigVector returns a vector of bigDims that differs for each n. It has no
// zero coordinate, so that it is stored dense, in 16 KiB.
func bigVector(n int) []float32 {
	v := make([]float32, bigDims)
	for i := range v {
		v[i] = 1
	}
	v[0] = float32(n + 1)
	return v
}

// keyValues returns every key of db but m/seq (which a failed write may
// advance: seqs are never reused) with its value.
func keyValues(t *testing.T, db *DB) map[string]string {
	t.Helper()
	kvs := map[string]string{}
	err := db.bdb.View(func(txn *badger.Txn) error {
		return iterate(txn, nil, func(k, v []byte) error {
			if !bytes.Equal(k, keyNextSeq) {
				kvs[string(k)] = string(v)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return kvs
}

// sameKeys reports the keys that differ between want and got.
func sameKeys(t *testing.T, want, got map[string]string) {
	t.Helper()
	var diff []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			diff = append(diff, "lost "+k)
		} else if g != v {
			diff = append(diff, "changed "+k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, "added "+k)
		}
	}
	if len(diff) > 0 {
		slices.Sort(diff)
		t.Errorf("%d keys differ, e.g. %q", len(diff), diff[:min(len(diff), 5)])
	}
}

// allSeqs returns db.Seqs or fails.
func allSeqs(t *testing.T, db *DB) []uint32 {
	t.Helper()
	seqs, err := db.Seqs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

// bigIssue returns an issue of n items with texts prefixed by text, and
// vectors for each.
func bigIssue(id, date, text string, from, n int) (ingest.Document, map[string][]float32) {
	texts := make([]string, n)
	for i := range texts {
		texts[i] = fmt.Sprintf("%s %d", text, from+i)
	}
	d := doc(id, date, texts...)
	vecs := map[string][]float32{}
	for i, it := range d.Items {
		vecs[it.ID] = bigVector(from + i)
	}
	return d, vecs
}

// TestFailedApplyTakesItBack makes Apply fail, or cancels it, after it
// committed the first of the several transactions an issue needs, and
// checks that it leaves the store as it was: nothing of a new issue, the
// old version of a replaced one (its items, seqs, vectors in both
// generations of a reindex under way), read back from the open store.
func TestFailedApplyTakesItBack(t *testing.T) {
	perTxn := maxTxnBytes / (4 * bigDims)
	for _, tc := range []struct {
		name    string
		replace bool // a new version of an issue already stored
		cancel  bool // cancel after the first transaction, rather than a missing vector
	}{
		{name: "new issue canceled", cancel: true},
		{name: "new issue failing"},
		{name: "replacement canceled", replace: true, cancel: true},
		{name: "replacement failing", replace: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpen(t, t.TempDir())
			defer db.Close()
			ingestDoc(t, db, doc("small", "2025-01", "one", "two"))

			// The old version: perTxn*2 items. The new one changes the first
			// half, keeps the next quarter (with a new date: their records
			// are rewritten), drops the last quarter and adds perTxn items.
			n := 2 * perTxn
			d, vecs := bigIssue("big", "2025-02", "paragraph", 0, n)
			if tc.replace {
				if _, err := db.Apply(t.Context(), d, vecs); err != nil {
					t.Fatal(err)
				}
				if err := db.UseEmbedder(Embedder{Provider: "test", Model: "a", Dims: bigDims}); err != nil {
					t.Fatal(err)
				}
				gen, err := db.Begin(Embedder{Provider: "test", Model: "b", Dims: 2}, "job", time.Now())
				if err != nil {
					t.Fatal(err)
				}
				seqs := allSeqs(t, db)
				next := make([][]float32, len(seqs))
				for i, s := range seqs {
					next[i] = []float32{float32(s), 2}
				}
				if _, err := db.PutVectors(t.Context(), gen.Gen, seqs, next); err != nil {
					t.Fatal(err)
				}
				old := d
				d = ingest.Document{Issue: ingest.Issue{ID: "big", Date: "2025-03", Hash: "h-big-2"}}
				vecs = map[string][]float32{}
				for i, it := range old.Items[:3*n/4] {
					if i < n/2 {
						it.Text, it.Hash = "changed "+it.Text, "changed "+it.Hash
						vecs[it.ID] = bigVector(n + i)
					}
					d.Items = append(d.Items, it)
				}
				added, addedVecs := bigIssue("big", "2025-03", "added", 2*n, perTxn)
				d.Items = append(d.Items, added.Items...)
				maps.Copy(vecs, addedVecs)
			}
			if !tc.cancel {
				delete(vecs, d.Items[len(d.Items)-1].ID)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			flushes := 0
			db.afterFlush = func() {
				flushes++
				if tc.cancel {
					cancel()
				}
			}

			wantKeys, wantDump, wantSeqs := keyValues(t, db), dumpStore(t, db), allSeqs(t, db)
			_, err := db.Apply(ctx, d, vecs)
			switch {
			case tc.cancel && !errors.Is(err, context.Canceled):
				t.Fatalf("Apply: %v, want context.Canceled", err)
			case !tc.cancel && !errors.Is(err, ErrMissingVector):
				t.Fatalf("Apply: %v, want ErrMissingVector", err)
			case flushes == 0:
				t.Fatal("Apply committed no transaction before failing: the test proves nothing")
			}
			sameKeys(t, wantKeys, keyValues(t, db))
			sameDump(t, wantDump, dumpStore(t, db))
			if got := allSeqs(t, db); !slices.Equal(got, wantSeqs) {
				t.Errorf("seqs: %d, want %d", len(got), len(wantSeqs))
			}
			if tc.replace {
				var next int
				err := db.WalkGeneration(t.Context(), db.next.Load(), func(seq uint32, v []float32) error {
					if v[0] != float32(seq) {
						return fmt.Errorf("vector %d of the reindex is %v", seq, v)
					}
					next++
					return nil
				})
				if err != nil || next != len(wantSeqs) {
					t.Errorf("reindex vectors: %d of %d, %v", next, len(wantSeqs), err)
				}
			}
			if db.partial.Load() {
				t.Error("the store is marked as holding orphans")
			}
		})
	}
}

// TestBackupWaitsForAPartialApply starts a backup while an Apply is between
// two of its transactions, then cancels the Apply: the backup must hold
// none of it. The backup is read with Badger itself, since Open would
// remove orphans.
func TestBackupWaitsForAPartialApply(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	ingestDoc(t, db, doc("small", "2025-01", "one", "two"))
	d, vecs := bigIssue("big", "2025-02", "paragraph", 0, 3*maxTxnBytes/(4*bigDims))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var buf bytes.Buffer
	done := make(chan error, 1)
	db.afterFlush = func() {
		if ctx.Err() != nil {
			return
		}
		go func() { done <- db.Backup(t.Context(), &buf) }()
		// Long enough for a backup that did not wait to finish.
		select {
		case err := <-done:
			done <- err
		case <-time.After(time.Second):
		}
		cancel()
	}
	if _, err := db.Apply(ctx, d, vecs); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply: %v, want context.Canceled", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Backup: %v", err)
	}

	dir := filepath.Join(t.TempDir(), "restored")
	if err := Restore(t.Context(), dir, &buf, Options{}); err != nil {
		t.Fatal(err)
	}
	bdb, err := badger.Open(badgerOptions(dir, slog.New(slog.DiscardHandler), true))
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	restored := &DB{bdb: bdb}
	sameKeys(t, keyValues(t, db), keyValues(t, restored))
}

// TestFailedPartialDeleteScansForOrphans cancels a DeleteIssue after it
// committed the first of its transactions, which deletes the issue record:
// the items it had not deleted yet are orphans, so Close must not vouch
// for the store, and the next Open removes them.
func TestFailedPartialDeleteScansForOrphans(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	// Deleting an item takes three keys: a transaction deletes some 3,300.
	texts := make([]string, maxTxnEntries/3+100)
	for i := range texts {
		texts[i] = fmt.Sprint(i)
	}
	d := doc("long", "2025-01", texts...)
	ingestDoc(t, db, d)
	last := d.Items[len(d.Items)-1].ID

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	db.afterFlush = cancel
	if _, err := db.DeleteIssue(ctx, "long"); !errors.Is(err, context.Canceled) {
		t.Fatalf("DeleteIssue: %v, want context.Canceled", err)
	}
	if !itemExists(t, db, last) {
		t.Fatal("the delete went through: the test proves nothing")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, dir)
	defer db.Close()
	if itemExists(t, db, last) {
		t.Fatal("orphan of a failed delete survived a clean close and reopen")
	}
}
