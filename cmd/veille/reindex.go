package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/jobs"
	"github.com/veille/veille/store"
)

// reindexer starts the reindex job of an open data directory, at most one
// at a time.
type reindexer struct {
	o   *opened
	log *slog.Logger
	mu  sync.Mutex
}

var errNoNext = errors.New("no next embedder is configured: set -next-embed-provider (VEILLE_NEXT_EMBED_PROVIDER) and its settings")

// start starts the reindex to the next embedder in reg, or returns the id
// of the one running. A reindex interrupted earlier resumes under its job
// id.
func (r *reindexer) start(ctx context.Context, reg *jobs.Registry) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.o.next == nil {
		return "", errNoNext
	}
	if st, ok := reg.Running("reindex"); ok {
		return st.ID, nil
	}
	to := archive.StoreID(r.o.next)
	if archive.StoreID(r.o.arch) == to {
		return "", alreadyServing(to.String())
	}
	job := jobs.NewID()
	g, ok, err := r.o.arch.Reindexing()
	if err != nil {
		return "", err
	}
	if ok && g.Embedder == to {
		job = g.Job
	}
	return reg.Start(ctx, "reindex", job, func(ctx context.Context, p *jobs.Progress) (any, error) {
		res, err := r.o.arch.Reindex(ctx, r.o.next, job, p)
		if err != nil {
			return nil, err // no result to show beside the error
		}
		return res, nil
	}), nil
}

// resume restarts a reindex that a stop or a crash interrupted, when the
// next embedder it was building for is still the configured one.
func (r *reindexer) resume(ctx context.Context, reg *jobs.Registry) error {
	g, ok, err := r.o.arch.Reindexing()
	if err != nil || !ok {
		return err
	}
	if r.o.next == nil || g.Embedder != archive.StoreID(r.o.next) {
		r.log.Warn("a reindex was interrupted; configure its embedder as the next one (VEILLE_NEXT_EMBED_*) to resume it",
			"job", g.Job, "embedder", g.Embedder)
		return nil
	}
	id, err := r.start(ctx, reg)
	if err == nil {
		r.log.Info("resuming the interrupted reindex", "job", id, "embedder", g.Embedder)
	}
	return err
}

// alreadyServing is the error of a reindex to the embedder whose vectors
// the archive holds: it conflicts with the archive as it is (the API
// answers 409), without the embedders differing.
type alreadyServing string

func (e alreadyServing) Error() string {
	return "the archive's vectors already come from " + string(e) + "; nothing to reindex"
}

func (alreadyServing) Unwrap() error { return store.ErrEmbedderMismatch }

// reindexCmd re-embeds the archive with the next embedder, in the
// foreground, with a progress bar. Interrupted, it resumes where it stopped
// when run again (or when a server starts on the directory with the same
// next embedder).
func reindexCmd(ctx context.Context, args []string, e env) error {
	var asJSON bool
	cfg, rest, err := parse("reindex", args, false, e, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: reindex takes no arguments, got %q", errUsage, rest)
	}
	if cfg.Next.Provider == "" {
		return fmt.Errorf("%w: %v", errUsage, errNoNext)
	}
	if _, err := existingStore(cfg); err != nil {
		return err
	}
	log := newLogger(cfg, e.stderr)
	o, err := open(ctx, cfg, log, hooks{})
	if err != nil {
		return err
	}
	reg := jobs.NewRegistry(0)
	r := &reindexer{o: o, log: log}
	id, err := r.start(ctx, reg)
	if err != nil {
		return errors.Join(err, o.close())
	}
	follow(ctx, reg, id, e)
	// An interrupt leaves the job running: stop it at a safe point.
	err = reg.Shutdown(context.Background())
	st, _ := reg.Get(id)
	if cerr := o.close(); cerr != nil || err != nil {
		return errors.Join(err, cerr)
	}
	switch st.State {
	case jobs.Canceled:
		return fmt.Errorf("reindex interrupted after %d of %d items; run it again to resume", st.Done, st.Total)
	case jobs.Failed:
		return fmt.Errorf("reindex failed after %d of %d items (run it again to resume): %s", st.Done, st.Total, st.Error)
	}
	if asJSON {
		return writeJSON(e.stdout, st.Result)
	}
	res := st.Result.(archive.ReindexResult)
	fmt.Fprintf(e.stdout, "reindexed %d items (%d embedded by this run) from %s to %s in %s\n", res.Items, res.Embedded, res.From, res.To, res.Took)
	fmt.Fprintln(e.stdout, "the next embedder now serves: move its settings to the embedder's (VEILLE_NEXT_EMBED_* → VEILLE_EMBED_*)")
	return nil
}

// follow draws the job's progress until it ends or ctx is done.
func follow(ctx context.Context, reg *jobs.Registry, id string, e env) {
	bar := bar(e.stderr, 0, "reindexing", true, progressbar.OptionSetItsString("items"), progressbar.OptionShowIts())
	defer func() { _ = bar.Finish() }()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := reg.Get(id)
		if err != nil {
			return
		}
		if st.Total > 0 {
			bar.ChangeMax64(st.Total)
		}
		_ = bar.Set64(st.Done)
		if st.State != jobs.Running {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
