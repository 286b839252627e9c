package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veille/veille/store"
)

// TestBackupRestoreSameAnswers ingests the example archive, backs it up,
// restores it into a new data directory and expects the same search and ask
// results from both, before and after the restored index is saved.
func TestBackupRestoreSameAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests the example archive; skipped under -short")
	}
	ctx := t.Context()
	archiveDir, err := filepath.Abs("../../examples/archive")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	a := filepath.Join(root, "a")
	b := filepath.Join(root, "restored", "data") // absent: restore creates it
	file := filepath.Join(root, "veille.backup")
	var out, logs bytes.Buffer
	e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &logs}
	call := func(name string, fn func() error) string {
		t.Helper()
		out.Reset()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, logs.String())
		}
		return out.String()
	}

	call("ingest", func() error { return run(ctx, []string{"ingest", "--data", a, archiveDir}, e) })
	msg := call("backup", func() error { return backupCmd(ctx, []string{"--data", a, file}, e) })
	if !strings.Contains(msg, "written to "+file) {
		t.Fatalf("backup printed %q", msg)
	}
	if matches, _ := filepath.Glob(filepath.Join(root, ".veille.backup.tmp-*")); len(matches) > 0 {
		t.Fatalf("backup left temporary files: %v", matches)
	}
	msg = call("restore", func() error { return restoreCmd(ctx, []string{"--data", b, file}, e) })
	if !strings.Contains(msg, "restored ") || !strings.Contains(msg, "rebuilt") {
		t.Fatalf("restore printed %q", msg)
	}
	if _, err := os.Stat(filepath.Join(b, "index.hnsw")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("restore wrote an index snapshot (%v); the first start is to build it", err)
	}

	queries := [][]string{
		{"search", "--json", "-k", "10", "investissement de Meta dans Scale AI"},
		{"search", "--json", "-k", "5", "--mode", "vector", "levée de fonds Mistral"},
		{"search", "--json", "-k", "5", "--mode", "lexical", "DeepSeek R1"},
		{"ask", "--json", "Combien a coûté l’entraînement de R1 ?"},
		{"ask", "--json", "--from", "2025-03", "Que s’est-il passé en mars ?"},
		{"stats", "--json"},
	}
	for _, q := range queries {
		in := func(dir string) []string { return append([]string{q[0], "--data", dir}, q[1:]...) }
		want := call(q[0], func() error { return run(ctx, in(a), e) })
		if len(want) < 20 {
			t.Fatalf("%q on the source printed %q", q, want)
		}
		// The first run on the restored directory rebuilds the index from
		// the store and saves it; the second loads that snapshot.
		for _, pass := range []string{"rebuilt index", "saved index"} {
			if got := call(q[0], func() error { return run(ctx, in(b), e) }); got != want {
				t.Fatalf("%q differs on the restored directory (%s):\nsource   %s\nrestored %s", q, pass, want, got)
			}
		}
	}

	// To standard output, and back.
	var raw bytes.Buffer
	if err := backupCmd(ctx, []string{"--data", a, "-"}, env{getenv: e.getenv, stdout: &raw, stderr: &logs}); err != nil {
		t.Fatalf("backup to stdout: %v", err)
	}
	piped := filepath.Join(root, "piped.backup")
	if err := os.WriteFile(piped, raw.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c := filepath.Join(root, "c")
	call("restore", func() error { return restoreCmd(ctx, []string{"--data", c, piped}, e) })
	want := call("stats", func() error { return run(ctx, []string{"stats", "--json", "--data", a}, e) })
	if got := call("stats", func() error { return run(ctx, []string{"stats", "--json", "--data", c}, e) }); got != want {
		t.Fatalf("stats after a backup through stdout: %s, want %s", got, want)
	}

	// A live server holds the directory: the command says where to go.
	s := startServer(t, map[string]string{"VEILLE_DATA_DIR": a})
	err = backupCmd(ctx, []string{"--data", a, filepath.Join(root, "locked.backup")}, e)
	if err == nil || !strings.Contains(err.Error(), "/v1/admin/backup") {
		t.Fatalf("backup of a directory a server holds: %v, want a pointer to GET /v1/admin/backup", err)
	}
	if _, err := os.Stat(filepath.Join(root, "locked.backup")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed backup left a file: %v", err)
	}
	s.stop(t)
}

func TestRestoreRefusals(t *testing.T) {
	ctx := t.Context()
	root := t.TempDir()
	e := env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard}

	// A small store to back up.
	src := filepath.Join(root, "src")
	db, err := store.Open(filepath.Join(src, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "x.backup")
	if err := backupCmd(ctx, []string{"--data", src, file}, e); err != nil {
		t.Fatal(err)
	}

	if err := restoreCmd(ctx, []string{"--data", src, file}, e); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("restore into a used data directory: %v, want ErrNotEmpty", err)
	}

	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(root, "cut.backup")
	if err := os.WriteFile(cut, good[:len(good)-10], 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(root, "dst")
	if err := restoreCmd(ctx, []string{"--data", dst, cut}, e); !errors.Is(err, store.ErrBadBackup) {
		t.Fatalf("restore of a truncated backup: %v, want ErrBadBackup", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed restore left the data directory behind: %v", err)
	}

	if err := backupCmd(ctx, []string{"--data", filepath.Join(root, "nothing"), file}, e); err == nil || !strings.Contains(err.Error(), "no archive in") {
		t.Fatalf("backup of a missing data directory: %v", err)
	}
	for _, args := range [][]string{{}, {"a", "b"}} {
		if err := backupCmd(ctx, args, e); !errors.Is(err, errUsage) {
			t.Fatalf("backup %q: %v, want a usage error", args, err)
		}
		if err := restoreCmd(ctx, args, e); !errors.Is(err, errUsage) {
			t.Fatalf("restore %q: %v, want a usage error", args, err)
		}
	}
}

// TestBackupIntoMissingFolder names the file asked for, not the temporary
// file it would have been written through.
func TestBackupIntoMissingFolder(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dir, "2025-03.txt"), issueText)
	if _, _, err := veilleCmd(t, "ingest", "--data", data, dir); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "missing", "b.backup")
	_, _, err := veilleCmd(t, "backup", "--data", data, target)
	if err == nil || !strings.Contains(err.Error(), "create "+target+": ") || strings.Contains(err.Error(), "tmp-") {
		t.Fatalf("backup into a missing folder: %v", err)
	}
}
