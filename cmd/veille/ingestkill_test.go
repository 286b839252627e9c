package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

// TestIngestKilledThenRun kills veille ingest (SIGKILL) twice while
// it loads an archive into a store that it syncs only at the end, then runs
// it to completion: every issue must be there once, each item with its
// vector, and the index snapshot must hold exactly the stored items. A
// killed process loses nothing that it wrote, so the runs that follow a
// kill keep what it stored (same boot: the store syncs it at the next open).
func TestIngestKilledThenRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped under -short")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin := crashBuild(t, ctx)
	dir, data := t.TempDir(), t.TempDir()
	gen := newCrashGen(7)
	want := map[string]int{} // issue id → items
	items := 0
	for i := range 2000 {
		is, err := gen.issue()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.txt", i)), []byte(is.raw), 0o600); err != nil {
			t.Fatal(err)
		}
		want[is.doc.Issue.ID] = len(is.doc.Items)
		items += len(is.doc.Items)
	}
	run := func() *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, "ingest", "--data", data, "--json", "--log-level", "warn", dir)
		cmd.Env = append(os.Environ(), "VEILLE_LOG_FORMAT=text")
		return cmd
	}
	// Loading the 9,000 paragraphs takes a few seconds: the kills land in
	// the middle of the first two runs.
	for k, after := range []time.Duration{800 * time.Millisecond, 600 * time.Millisecond} {
		cmd := run()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err == nil {
			t.Logf("run %d finished before the kill: the kills that follow prove less", k+1)
		}
	}
	cmd := run()
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("ingest after the kills: %v\n%s", err, errs.String())
	}
	var sum summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("summary %q: %v", out.String(), err)
	}
	if sum.Failed != 0 || sum.Added+sum.Unchanged != items || sum.Issues != len(want) {
		t.Fatalf("summary %+v, want %d issues and %d items, added or unchanged", sum, len(want), items)
	}
	t.Logf("after two kills: %+v", sum)
	if sum.Unchanged == 0 || sum.Added == 0 {
		t.Logf("the kills did not land mid-load: the test proves less")
	}

	db, err := store.Open(filepath.Join(data, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := archive.DeriveVectors(db); err != nil {
		t.Fatal(err)
	}
	issues, err := db.Issues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != len(want) {
		t.Fatalf("the store holds %d issues, want %d", len(issues), len(want))
	}
	for _, is := range issues {
		if n, ok := want[is.ID]; !ok || is.Items != n {
			t.Fatalf("issue %s with %d items, want %d (known: %v)", is.ID, is.Items, n, ok)
		}
	}
	seqs := map[uint32]bool{}
	if err := db.WalkItems(ctx, func(it store.Item) error {
		if seqs[it.Seq] {
			return fmt.Errorf("seq %d twice", it.Seq)
		}
		seqs[it.Seq] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	vecs := 0
	if err := db.WalkVectors(ctx, func(seq uint32, vec []float32) error {
		vecs++
		if !seqs[seq] || len(vec) == 0 {
			return fmt.Errorf("vector %d (%d dims) without its item", seq, len(vec))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seqs) != items || vecs != items {
		t.Fatalf("%d items and %d vectors stored, want %d of each", len(seqs), vecs, items)
	}
	ix, err := vectorindex.Load(filepath.Join(data, "index.hnsw"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ix.IDs() {
		if !seqs[id] {
			t.Fatalf("the index snapshot holds %d, which no item has", id)
		}
	}
	if ix.Len() != items {
		t.Fatalf("the index snapshot holds %d items, want %d", ix.Len(), items)
	}
}
