package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// dump is everything a store holds, read through its API.
type dump struct {
	Embedder *Embedder
	Issues   []IssueSummary
	Items    map[string][]Item // by issue, in order
	All      []Item
	Vectors  map[uint32][]float32
}

func dumpStore(t *testing.T, db *DB) dump {
	t.Helper()
	ctx := t.Context()
	d := dump{Items: map[string][]Item{}, Vectors: map[uint32][]float32{}}
	if e, ok, err := db.Embedder(); err != nil {
		t.Fatal(err)
	} else if ok {
		d.Embedder = &e
	}
	var err error
	if d.Issues, err = db.Issues(ctx); err != nil {
		t.Fatal(err)
	}
	for _, is := range d.Issues {
		_, items, err := db.Issue(ctx, is.ID)
		if err != nil {
			t.Fatal(err)
		}
		d.Items[is.ID] = items
	}
	if err := db.WalkItems(ctx, func(it Item) error { d.All = append(d.All, it); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.WalkVectors(ctx, func(seq uint32, v []float32) error { d.Vectors[seq] = v; return nil }); err != nil {
		t.Fatal(err)
	}
	return d
}

// sameDump compares two dumps field by field, so that a failure says
// which part differs. (go-cmp is not a dependency of the module.)
func sameDump(t *testing.T, want, got dump) {
	t.Helper()
	for _, f := range []struct {
		name      string
		want, got any
	}{
		{"embedder", want.Embedder, got.Embedder},
		{"issues", want.Issues, got.Issues},
		{"items by issue", want.Items, got.Items},
		{"items", want.All, got.All},
		{"vectors", want.Vectors, got.Vectors},
	} {
		if !reflect.DeepEqual(f.want, f.got) {
			t.Errorf("restored %s differ:\nwant %.500v\ngot  %.500v", f.name, f.want, f.got)
		}
	}
	if len(want.All) == 0 && len(got.All) == 0 && len(want.Issues) == 0 {
		return
	}
	if len(got.All) != len(want.All) || len(got.Vectors) != len(want.Vectors) {
		t.Errorf("restored %d items and %d vectors, want %d and %d", len(got.All), len(got.Vectors), len(want.All), len(want.Vectors))
	}
}

// filled returns a store with a few issues, an edit and a delete (so that
// the backup carries old versions and tombstones), and enough vectors to
// span several chunks.
func filled(t *testing.T) *DB {
	t.Helper()
	db := mustOpen(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	if err := db.UseEmbedder(Embedder{Provider: "builtin", Model: "hash-v1", Dims: 3}); err != nil {
		t.Fatal(err)
	}
	ingestDoc(t, db, doc("2025-01-a", "2025-01", "alpha", "beta", "gamma"))
	ingestDoc(t, db, doc("2025-01-a", "2025-01", "alpha", "BETA", "gamma"))
	ingestDoc(t, db, doc("2025-02-b", "2025-02", "delta"))
	ingestDoc(t, db, doc("2025-03-c", "2025-03", "epsilon", "zeta"))
	if _, err := db.DeleteIssue(t.Context(), "2025-02-b"); err != nil {
		t.Fatal(err)
	}
	big := make([]string, 400)
	for i := range big {
		big[i] = fmt.Sprintf("paragraph %d: %s", i, strings.Repeat("some words to make the record long ", 100))
	}
	ingestDoc(t, db, doc("2025-04-d", "2025-04", big...))
	return db
}

func backupOf(t *testing.T, db *DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := db.Backup(t.Context(), &buf); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	return buf.Bytes()
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	src := filled(t)
	want := dumpStore(t, src)
	b := backupOf(t, src)
	if len(b) <= maxChunkLen {
		t.Fatalf("backup of %d bytes: the test wants several chunks", len(b))
	}

	dir := filepath.Join(t.TempDir(), "restored", "badger") // absent: Restore creates it
	if err := Restore(t.Context(), dir, bytes.NewReader(b), Options{}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	db := mustOpen(t, dir)
	defer db.Close()
	sameDump(t, want, dumpStore(t, db))

	// The restored store takes writes: new versions sort after the
	// restored ones and seqs continue where the source stopped.
	var maxSeq uint32
	for seq := range want.Vectors {
		maxSeq = max(maxSeq, seq)
	}
	_, ch := ingestDoc(t, db, doc("2025-05-e", "2025-05", "eta"))
	if len(ch.Added) != 1 || ch.Added[0].Seq <= maxSeq {
		t.Fatalf("first write after restore: %+v, want one seq above %d", ch.Added, maxSeq)
	}
	ingestDoc(t, db, doc("2025-03-c", "2025-03", "epsilon", "ZETA"))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, dir)
	_, items, err := db.Issue(t.Context(), "2025-03-c")
	if err != nil || len(items) != 2 || items[1].Text != "ZETA" {
		t.Fatalf("edit after restore, reopened: %+v %v", items, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestBackupOfEmptyStore(t *testing.T) {
	src := mustOpen(t, t.TempDir())
	defer src.Close()
	b := backupOf(t, src)
	dir := t.TempDir() // exists and is empty
	if err := Restore(t.Context(), dir, bytes.NewReader(b), Options{}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	db := mustOpen(t, dir)
	defer db.Close()
	sameDump(t, dumpStore(t, src), dumpStore(t, db))
}

func TestRestoreRefusesNonEmptyDir(t *testing.T) {
	src := mustOpen(t, t.TempDir())
	b := backupOf(t, src)
	src.Close()

	dir := t.TempDir()
	keep := filepath.Join(dir, "precious")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Restore(t.Context(), dir, bytes.NewReader(b), Options{})
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("Restore into a non-empty dir: %v, want ErrNotEmpty", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("the refused restore touched the dir: %v", err)
	}
}

func TestRestoreRejectsBadBackups(t *testing.T) {
	good := backupOf(t, filled(t))
	headerEnd := 14 + int(good[10])<<24 + int(good[11])<<16 + int(good[12])<<8 + int(good[13])
	flip := func(at int) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x40
		return b
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrBadBackup},
		{"not a backup", []byte("hello, this is not a backup at all"), ErrBadBackup},
		{"cut in the header", good[:10], ErrBadBackup},
		{"cut after the header", good[:headerEnd], ErrBadBackup},
		{"cut in the first chunk", good[:headerEnd+1000], ErrBadBackup},
		{"cut at half", good[:len(good)/2], ErrBadBackup},
		{"no checksum", good[:len(good)-32], ErrBadBackup},
		{"cut in the checksum", good[:len(good)-1], ErrBadBackup},
		{"data after the checksum", append(bytes.Clone(good), 0), ErrBadBackup},
		{"flipped magic", flip(0), ErrBadBackup},
		{"flipped format", flip(9), ErrBadBackup},
		{"flipped chunk length", flip(headerEnd), ErrBadBackup},
		{"flipped stream byte", flip(headerEnd + 4 + 100), ErrBadBackup},
		{"flipped late stream byte", flip(len(good) * 3 / 4), ErrBadBackup},
		{"flipped checksum", flip(len(good) - 5), ErrBadBackup},
		{"other schema version", bytes.Replace(bytes.Clone(good), fmt.Appendf(nil, `"schema_version":%d`, SchemaVersion), []byte(`"schema_version":7`), 1), ErrSchema},
		{"header names another embedder", bytes.Replace(bytes.Clone(good), []byte(`"dims":3`), []byte(`"dims":4`), 1), ErrBadBackup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			parent := t.TempDir()
			dir := filepath.Join(parent, "badger")
			err := Restore(t.Context(), dir, bytes.NewReader(tt.data), Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Restore: %v, want %v", err, tt.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a failed restore left %s behind (%v)", dir, err)
			}
		})
	}
}

func TestRestoreCleansAnEmptyDirOnFailure(t *testing.T) {
	good := backupOf(t, filled(t))
	dir := t.TempDir()
	if err := Restore(t.Context(), dir, bytes.NewReader(good[:len(good)-40]), Options{}); !errors.Is(err, ErrBadBackup) {
		t.Fatalf("Restore: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("dir after a failed restore: %v %v, want it empty", entries, err)
	}
	// The same dir can then take a good backup.
	if err := Restore(t.Context(), dir, bytes.NewReader(good), Options{}); err != nil {
		t.Fatalf("Restore after a failed one: %v", err)
	}
}

func TestBackupAndRestoreStopWithContext(t *testing.T) {
	src := filled(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := src.Backup(ctx, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Backup with a done ctx: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "badger")
	if err := Restore(ctx, dir, bytes.NewReader(backupOf(t, src)), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Restore with a done ctx: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a cancelled restore left %s behind", dir)
	}
}

// TestBackupDuringWrites takes backups while issues are ingested and checks
// that each restores to a store where every item has its vector: one
// snapshot, never half a transaction.
func TestBackupDuringWrites(t *testing.T) {
	src := filled(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			d := doc(fmt.Sprintf("live-%d", i), "2025-06", "one", "two", "three")
			p, err := src.Plan(context.Background(), d)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := src.Apply(context.Background(), d, vectorsFor(p.Embed)); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for i := range 2 {
		b := backupOf(t, src)
		dir := filepath.Join(t.TempDir(), fmt.Sprint(i))
		if err := Restore(t.Context(), dir, bytes.NewReader(b), Options{}); err != nil {
			t.Fatalf("Restore: %v", err)
		}
		db := mustOpen(t, dir)
		d := dumpStore(t, db)
		db.Close()
		if len(d.All) != len(d.Vectors) {
			t.Fatalf("backup %d: %d items, %d vectors", i, len(d.All), len(d.Vectors))
		}
		for _, it := range d.All {
			if _, ok := d.Vectors[it.Seq]; !ok {
				t.Fatalf("backup %d: item %s has no vector", i, it.ID)
			}
		}
	}
	close(stop)
	wg.Wait()
}
