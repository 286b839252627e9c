package store

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/veille/veille/ingest"
)

// vlogDoc returns an issue of n items and their vectors, large enough
// (2 KiB) to go to Badger's value log, item i's filled with base+i.
func vlogDoc(issueID string, base float32, n int) (ingest.Document, map[string][]float32) {
	texts := make([]string, n)
	for i := range texts {
		texts[i] = fmt.Sprintf("paragraphe %d", i)
	}
	d := doc(issueID, "2025-02-01", texts...)
	vecs := map[string][]float32{}
	for i, it := range d.Items {
		v := make([]float32, 512)
		for j := range v {
			v[j] = base + float32(i)
		}
		vecs[it.ID] = v
	}
	return d, vecs
}

func applyDoc(t *testing.T, db *DB, d ingest.Document, vecs map[string][]float32) {
	t.Helper()
	if _, err := db.Apply(t.Context(), d, vecs); err != nil {
		t.Fatalf("Apply %s: %v", d.Issue.ID, err)
	}
}

func openUnsynced(t *testing.T, dir string, log *slog.Logger) *DB {
	t.Helper()
	db, err := Open(dir, Options{Unsynced: true, Logger: log})
	if err != nil {
		t.Fatalf("Open unsynced: %v", err)
	}
	return db
}

func hasSessionRecord(t *testing.T, db *DB) bool {
	t.Helper()
	err := db.bdb.View(func(txn *badger.Txn) error {
		_, err := txn.Get(keyUnsynced)
		return err
	})
	if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// checkIssue fails unless the store holds d with the vectors vecs.
func checkIssue(t *testing.T, db *DB, d ingest.Document, vecs map[string][]float32) {
	t.Helper()
	_, items, err := db.Issue(t.Context(), d.Issue.ID)
	if err != nil {
		t.Fatalf("issue %s: %v", d.Issue.ID, err)
	}
	if len(items) != len(d.Items) {
		t.Fatalf("issue %s has %d items, want %d", d.Issue.ID, len(items), len(d.Items))
	}
	for _, it := range items {
		v, err := db.Vector(t.Context(), 0, it.Seq)
		if err != nil {
			t.Fatalf("vector of %s: %v", it.ID, err)
		}
		if !slices.Equal(v, vecs[it.ID]) {
			t.Fatalf("vector of %s changed", it.ID)
		}
	}
}

// TestUnsyncedSessionEnds ends an unsynced session with Close, and without
// it as a killed process does (the machine kept the writes): either way the
// next Open finds every write and no session record.
func TestUnsyncedSessionEnds(t *testing.T) {
	for _, c := range []struct {
		name string
		end  func(*testing.T, *DB)
	}{
		{"close", func(t *testing.T, db *DB) {
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"killed", crash},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openUnsynced(t, dir, nil)
			if !hasSessionRecord(t, db) {
				t.Fatal("an unsynced store runs without its session record")
			}
			d, vecs := vlogDoc("a", 1, 3)
			applyDoc(t, db, d, vecs)
			c.end(t, db)
			db = mustOpen(t, dir)
			defer db.Close()
			if hasSessionRecord(t, db) {
				t.Fatal("the session record outlived the session")
			}
			checkIssue(t, db, d, vecs)
		})
	}
}

// TestUnsyncedSystemCrash stops an unsynced session without Close,
// destroys a vector and an issue record in the value log, as a power loss
// could, and starts the machine again: the next Open removes that issue,
// and only it, so that ingesting it again restores it.
func TestUnsyncedSystemCrash(t *testing.T) {
	dir := t.TempDir()
	before, beforeVecs := vlogDoc("before", 100, 3)
	db := mustOpen(t, dir)
	applyDoc(t, db, before, beforeVecs)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openUnsynced(t, dir, nil)
	kept, keptVecs := vlogDoc("kept", 200, 3)
	// Sixty items: the issue's record outgrows Badger's value threshold
	// too, and goes to the value log with the vectors; it is damaged as
	// well (its hash is in no other value).
	lost, lostVecs := vlogDoc("lost", 300, 60)
	applyDoc(t, db, kept, keptVecs)
	applyDoc(t, db, lost, lostVecs)
	crash(t, db)
	zeroInValueLog(t, dir, encodeVector(lostVecs[lost.Items[2].ID]))
	zeroInValueLog(t, dir, []byte(`"h-lost"`))

	was := bootID
	bootID = func() string { return "another boot" }
	t.Cleanup(func() { bootID = was })
	var logged bytes.Buffer
	db, err := Open(dir, Options{GCInterval: -1, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatalf("Open after a system crash: %v", err)
	}
	if hasSessionRecord(t, db) {
		t.Fatal("Open left the record of an ended session")
	}
	checkIssue(t, db, before, beforeVecs)
	checkIssue(t, db, kept, keptVecs)
	if _, _, err := db.Issue(t.Context(), "lost"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("issue with a lost vector: %v, want ErrNotFound", err)
	}
	for _, it := range lost.Items {
		if itemExists(t, db, it.ID) {
			t.Fatalf("item %s of the removed issue survived", it.ID)
		}
	}
	if !strings.Contains(logged.String(), "ingest these issues again") || !strings.Contains(logged.String(), "issues=[lost]") {
		t.Fatalf("the removal was not logged:\n%s", logged.String())
	}
	applyDoc(t, db, lost, lostVecs)
	checkIssue(t, db, lost, lostVecs)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// zeroInValueLog overwrites with zeros the one occurrence of b in the value
// log files of the store in dir.
func zeroInValueLog(t *testing.T, dir string, b []byte) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.vlog"))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := bytes.Index(data, b); i >= 0; i = bytes.Index(data, b) {
			clear(data[i : i+len(b)])
			found++
		}
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if found != 1 {
		t.Fatalf("the bytes occur %d times in the value log, want 1", found)
	}
}
