package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/veille/veille/ingest"
)

// crash closes db as a killed process would leave it: Badger's files are
// consistent (writes are synced), but Close never ran.
func crash(t *testing.T, db *DB) {
	t.Helper()
	db.stopGC()
	<-db.gcDone
	if err := db.bdb.Close(); err != nil {
		t.Fatal(err)
	}
}

// plantOrphan stores an item that no issue lists, as an interrupted ingest
// leaves one, and returns its seq.
func plantOrphan(t *testing.T, db *DB, id string) uint32 {
	t.Helper()
	w, err := db.newWriter()
	if err != nil {
		t.Fatal(err)
	}
	defer w.discard()
	seq, _ := w.nextSeq()
	if err := w.putItem(Item{Item: ingest.Item{ID: id, IssueID: "nowhere"}, Seq: seq}, []float32{1}); err != nil {
		t.Fatal(err)
	}
	if err := w.commit(); err != nil {
		t.Fatal(err)
	}
	return seq
}

func itemExists(t *testing.T, db *DB, id string) bool {
	t.Helper()
	_, err := db.Item(context.Background(), id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestCleanCloseSkipsOrphanScan checks that Open trusts a store closed
// cleanly after its last write: it does not look for orphans, which is
// what the marker saves. The planted orphan is only there to show it; a
// real one cannot outlive a successful write.
func TestCleanCloseSkipsOrphanScan(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	plantOrphan(t, db, "planted")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, dir)
	if !itemExists(t, db, "planted") {
		t.Fatal("Open scanned a cleanly closed store")
	}
	// The marker is gone once opened: a crash now means a scan.
	crash(t, db)
	db = mustOpen(t, dir)
	defer db.Close()
	if itemExists(t, db, "planted") {
		t.Fatal("orphan survived an Open after an unclean stop")
	}
}

// TestMarkerBeforeLaterWrite checks that a marker followed by other writes,
// as a build that does not know it would leave, does not vouch for the
// store.
func TestMarkerBeforeLaterWrite(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	bdb, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := json.Marshal(Item{Item: ingest.Item{ID: "late", IssueID: "nowhere"}, Seq: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(txn *badger.Txn) error { return txn.Set(itemKey("late"), rec) }); err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, dir)
	defer db.Close()
	if itemExists(t, db, "late") {
		t.Fatal("an orphan written after the marker survived Open")
	}
}
