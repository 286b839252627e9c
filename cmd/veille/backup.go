package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/veille/veille/store"
)

// backupCmd writes a backup of the data directory's store to FILE, or to
// standard output for "-". The file appears complete or not at all: it is
// written beside its final name, synced, then renamed. The store must not
// be held by a running server (Badger locks its directory); a server's
// store is backed up over HTTP, GET /v1/admin/backup.
func backupCmd(ctx context.Context, args []string, e env) error {
	cfg, rest, err := parse("backup", args, false, e, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] == "" {
		return fmt.Errorf("%w: backup takes one FILE (- for standard output)", errUsage)
	}
	dir, err := existingStore(cfg)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	log := newLogger(cfg, e.stderr)
	db, err := store.Open(dir, store.Options{Logger: log.With("component", "store"), GCInterval: -1})
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return fmt.Errorf("the data directory %s is in use: is a veille server running on it? "+
				"back it up through the server instead, with an admin key:\n"+
				"  curl -fo veille.backup -H \"Authorization: Bearer $VEILLE_ADMIN_KEY\" http://HOST:PORT/v1/admin/backup\n(%w)",
				cfg.DataDir, err)
		}
		return err
	}
	if rest[0] == "-" {
		err = db.Backup(ctx, e.stdout)
	} else {
		var n int64
		n, err = writeFileAtomic(rest[0], func(w io.Writer) error { return db.Backup(ctx, w) })
		if err == nil {
			fmt.Fprintf(e.stdout, "backup of %s written to %s (%d bytes)\n", cfg.DataDir, rest[0], n)
		}
	}
	return errors.Join(err, db.Close())
}

// writeFileAtomic writes path through write: into a temporary file in the
// same directory, synced and then renamed over path, so that path never
// holds a partial file. It returns the bytes written. The file is private
// to its owner (0600), as a backup holds the whole archive.
func writeFileAtomic(path string, write func(io.Writer) error) (n int64, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		// The error names the temporary file; the user named path.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return 0, fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	cw := &countingWriter{w: f}
	bw := bufio.NewWriterSize(cw, 256<<10)
	if err := write(bw); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("close %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return 0, err
	}
	// The rename is durable once the directory is synced; some systems
	// cannot sync a directory, and the file itself is already safe.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// restoreCmd restores a backup (FILE, or standard input for "-") into the
// data directory, which must be absent or empty: a restore never mixes with
// an existing store or index snapshot. The vector index is not in the
// backup; the first start on the directory rebuilds it from the store.
func restoreCmd(ctx context.Context, args []string, e env) (err error) {
	cfg, rest, err := parse("restore", args, false, e, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] == "" {
		return fmt.Errorf("%w: restore takes one FILE (- for standard input)", errUsage)
	}
	entries, err := os.ReadDir(cfg.DataDir)
	existed := err == nil
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("restore: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("restore: %w: the data directory %s already holds %s; restore into a new or empty directory (--data)",
			store.ErrNotEmpty, cfg.DataDir, entries[0].Name())
	}
	var in io.Reader = os.Stdin // env has no stdin: "-" is for the real process only
	if rest[0] != "-" {
		f, err := os.Open(rest[0])
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		in = f
	}
	log := newLogger(cfg, e.stderr)
	dir := filepath.Join(cfg.DataDir, "badger")
	if err := store.Restore(ctx, dir, in, store.Options{Logger: log.With("component", "store")}); err != nil {
		if !existed {
			os.Remove(cfg.DataDir) // Restore left it empty; take back what this command made
		}
		return err
	}
	db, err := store.Open(dir, store.Options{Logger: log.With("component", "store"), GCInterval: -1})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	issues, err := db.Issues(ctx)
	if err != nil {
		return err
	}
	var items int
	if err := db.WalkItems(ctx, func(store.Item) error { items++; return nil }); err != nil {
		return err
	}
	emb := "none yet"
	if id, ok, err := db.Embedder(); err != nil {
		return err
	} else if ok {
		emb = id.String()
	}
	fmt.Fprintf(e.stdout, "restored %d issues and %d items into %s\nembedder: %s (serve with this embedder configured)\n"+
		"the vector index is rebuilt from the store at the first start\n", len(issues), items, cfg.DataDir, emb)
	return nil
}
