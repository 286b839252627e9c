//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/lexical"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

// besideBatch is the number of vectors a batch of runBeside inserts: what
// an ingest's index follower takes at once (five issues of 50 paragraphs).
const besideBatch = 250

// besideTurns are the ways runBeside runs a batch of inserts: alone, or
// with the rest of an ingest's work beside them, taking turns of so many
// files, each followed by a pause one and a half times as long as the turn
// took: 40 % of a core, as in an ingest, where the rest takes a fifth of
// the CPU of both cores.
var besideTurns = []struct {
	label string
	files int
}{
	{"alone", 0},
	{"beside-short", 1},
	{"beside-long", 8},
}

// runBeside tells whether the rest of an ingest's work makes the index's
// inserts cost more CPU when it runs beside them, within one run, so that
// the host's changes of speed, which move runs minutes apart by ±10 %,
// reach every way alike. It inserts the archive's vectors in batches of an
// ingest's size into one index, the batches taking the ways of besideTurns
// in turn. Beside a batch, one goroutine does the rest of an ingest to the
// archive's files, in turns: it reads and parses a file, embeds its
// paragraphs with the built-in embedder, stores them in a store (Badger,
// unsynced, in a temporary folder) and adds them to a keyword index. The
// inserts of each batch carry a profiler label naming its way: "go tool
// pprof -tags" on the CPU profile (-cpuprofile) gives each way's CPU.
func runBeside(ctx context.Context, o options) error {
	if o.cpuprofile == "" {
		return errors.New("-beside needs -cpuprofile")
	}
	files, texts, err := archivePassages(o.archive)
	if err != nil {
		return err
	}
	vecs, _ := embedAll(ctx, texts, o.workers)
	work, cleanup, err := workDir(o.work)
	if err != nil {
		return err
	}
	defer cleanup()
	db, err := store.Open(filepath.Join(work, "beside"), store.Options{Unsynced: true})
	if err != nil {
		return err
	}
	defer db.Close()
	// As archive.Open sets up a store: the built-in embedder's vectors are
	// derived from the items, not stored.
	if err := db.UseEmbedder(archive.StoreID(embed.NewBuiltin(0))); err != nil {
		return err
	}
	if err := archive.DeriveVectors(db); err != nil {
		return err
	}
	ix, err := vectorindex.New(vectorindex.Config{Dims: embed.DefaultDims, Quantization: archive.DefaultQuantization})
	if err != nil {
		return err
	}
	var turn atomic.Int32 // files a turn of the current way
	ctx, cancel := context.WithCancel(ctx)
	besideErr := make(chan error, 1)
	go func() { besideErr <- besideWork(ctx, db, files, &turn) }()
	stop, err := startProfile(o.cpuprofile)
	if err != nil {
		cancel()
		return err
	}
	start := time.Now()
	for lo, b := 0, 0; lo < len(vecs) && err == nil; lo, b = lo+besideBatch, b+1 {
		hi := min(lo+besideBatch, len(vecs))
		way := besideTurns[b%len(besideTurns)]
		turn.Store(int32(way.files))
		ids := make([]uint32, hi-lo)
		for i := range ids {
			ids[i] = uint32(lo + i + 1)
		}
		pprof.Do(ctx, pprof.Labels("way", way.label), func(context.Context) {
			err = ix.AddBatch(ids, vecs[lo:hi])
		})
	}
	stop()
	cancel()
	if berr := <-besideErr; err == nil && berr != nil {
		err = fmt.Errorf("beside: %w", berr)
	}
	if err != nil {
		return err
	}
	fmt.Printf("%d vectors in batches of %d in %.1f s; each way's CPU: go tool pprof -tags %s\n", len(vecs), besideBatch, time.Since(start).Seconds(), o.cpuprofile)
	return nil
}

// besideWork ingests files, all but the index, in turns of as many files as
// turn says, each followed by a pause one and a half times as long as the
// turn took, or waits while turn is 0, until ctx is done. Once every file
// is stored, it stores them again under new issue and item ids.
func besideWork(ctx context.Context, db *store.DB, files []string, turn *atomic.Int32) error {
	emb := embed.NewBuiltin(0)
	lex := lexical.New(lexical.Config{})
	var buf bytes.Buffer
	for next := 0; ctx.Err() == nil; {
		n := int(turn.Load())
		if n == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		t0 := time.Now()
		for range n {
			if err := besideFile(ctx, db, emb, lex, &buf, files[next%len(files)], next/len(files)); err != nil {
				if ctx.Err() != nil {
					return nil // stopped mid-file
				}
				return err
			}
			next++
		}
		time.Sleep(3 * time.Since(t0) / 2)
	}
	return nil
}

// besideFile ingests one file, read into buf, all but the index, as round
// round of the archive's files.
func besideFile(ctx context.Context, db *store.DB, emb *embed.Builtin, lex *lexical.Index, buf *bytes.Buffer, path string, round int) error {
	docs, err := parseFile(buf, path)
	if err != nil {
		return err
	}
	for _, doc := range docs {
		if round > 0 {
			doc.Issue.ID += fmt.Sprintf("-%d", round)
			for i := range doc.Items {
				doc.Items[i].ID += fmt.Sprintf("-%d", round)
				doc.Items[i].IssueID = doc.Issue.ID
			}
		}
		plan, err := db.Plan(ctx, doc)
		if err != nil {
			return err
		}
		passages := make([]string, len(plan.Embed))
		for i, it := range plan.Embed {
			passages[i] = archive.PassageText(it)
		}
		out, err := emb.Embed(ctx, passages, embed.Passage)
		if err != nil {
			return err
		}
		vecs := make(map[string][]float32, len(out))
		for i, it := range plan.Embed {
			vecs[it.ID] = out[i]
		}
		ch, err := db.Apply(ctx, doc, vecs)
		if err != nil {
			return err
		}
		for _, v := range ch.Added {
			lex.Add(v.Seq, v.Headline, v.Text)
		}
	}
	return nil
}
