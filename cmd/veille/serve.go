package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/veille/veille/api"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/jobs"
	"github.com/veille/veille/metrics"
	"github.com/veille/veille/sources"
	"github.com/veille/veille/web"
)

// serve runs the HTTP server until ctx is done, then shuts down in order:
// stop accepting and drain requests, save the index snapshot, close the store.
func serve(ctx context.Context, args []string, e env) error {
	cfg, rest, err := parse("serve", args, true, e, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, rest)
	}
	// A mistyped --archive fails before a store is made for it.
	if cfg.Archive != "" {
		if info, err := os.Stat(cfg.Archive); err != nil {
			return fmt.Errorf("archive: %w", err)
		} else if !info.IsDir() {
			return fmt.Errorf("archive: %s is not a folder", cfg.Archive)
		}
	}
	log := newLogger(cfg, e.stderr)
	log.Info("starting", "data", cfg.DataDir, "archive", cfg.Archive, "embed_provider", cfg.Embed.Provider,
		"embed_base_url", cfg.Embed.BaseURL, "embed_model", cfg.Embed.Model, "embed_api_key_set", cfg.Embed.APIKey != "",
		"next_embed_provider", cfg.Next.Provider, "next_embed_model", cfg.Next.Model,
		"chat_base_url", cfg.ChatBaseURL, "chat_model", cfg.ChatModel, "chat_api_key_set", cfg.ChatAPIKey != "",
		"admin_key_set", cfg.AdminKey != "", "read_keys", len(cfg.ReadKeys))

	// The port is taken at once, and answers while the archive opens (an
	// index to build, a folder to ingest): alive on /healthz, 503
	// /problems/starting elsewhere, so that probes and clients can tell a
	// slow start from a dead server.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var stage atomic.Pointer[string]
	setStage := func(s string) { stage.Store(&s) }
	setStage("opening the archive")
	g := &gate{}
	g.set(api.Starting(func() string { return *stage.Load() }))
	srv := &http.Server{
		Handler:           g,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	var serveErr error
	serveDone := make(chan struct{})
	go func() { serveErr = srv.Serve(ln); close(serveDone) }()
	stopServing := sync.OnceValue(func() error {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("shutdown", "err", err)
		}
		<-serveDone
		if !errors.Is(serveErr, http.ErrServerClosed) {
			return serveErr
		}
		return nil
	})
	defer stopServing() // on the returns before the end, where it is called first
	log.Info("starting to listen", "addr", ln.Addr().String())
	if e.bound != nil {
		e.bound(ln.Addr())
	}

	m := metrics.New()
	o, err := open(ctx, cfg, log, hooks{
		wrap: func(emb archive.Embedder) archive.Embedder { return &metricsEmbedder{Embedder: emb, m: m} },
		observe: func(r archive.Result) {
			m.ObserveIngest(r.Added, r.Changed, r.Unchanged, r.Removed)
		},
		stage: setStage,
	})
	if ctx.Err() != nil && err != nil {
		// Stopped while opening (an index to build, an embedder to
		// reach): nothing was half done, and a stop is no failure.
		log.Info("stopped while opening the archive", "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	watch(m, o)
	defer func() {
		if err := o.close(); err != nil {
			log.Error("close", "err", err)
		}
	}()
	spool, err := spoolDir(cfg.DataDir, log)
	if err != nil {
		return err
	}
	// Background sources stop before the index is saved and the store
	// closed: deferred calls run last in, first out.
	var bg sync.WaitGroup
	bgCtx, stopBg := context.WithCancel(ctx)
	defer func() { stopBg(); bg.Wait() }()
	switch {
	case cfg.Archive != "" && cfg.Watch:
		setStage("ingesting the archive folder " + cfg.Archive)
		w := sources.NewWatcher(cfg.Archive, o.arch, sources.WatchOptions{Logger: log.With("component", "watch")})
		watchErr := make(chan error, 1)
		bg.Go(func() { watchErr <- w.Run(bgCtx) })
		select {
		case <-w.Ready():
			log.Info("archive ingested, following it", "folder", cfg.Archive)
		case err := <-watchErr:
			return err // "watch DIR: …"
		case <-ctx.Done():
			return nil
		}
	case cfg.Archive != "":
		setStage("ingesting the archive folder " + cfg.Archive)
		files, err := listFiles([]string{cfg.Archive})
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		sum, err := loadFiles(ctx, o.arch, files, ingest.FormatDetect, cfg.DataDir, log, nil)
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// Stopped while loading, as after it: what was stored stays.
			log.Info("stopped while ingesting the archive", "folder", cfg.Archive, "summary", sum.String())
			return nil
		}
		if err != nil {
			return err
		}
		log.Info("archive ingested", "folder", cfg.Archive, "summary", sum.String())
		for range sum.Failed {
			m.IngestFailed()
		}
	}
	// With the archive in, the item cache is filled in the background, so
	// that the first searches do not read their hits from disk.
	bg.Go(func() {
		start := time.Now()
		n, err := o.db.WarmItems(bgCtx)
		if err != nil && bgCtx.Err() == nil {
			log.Warn("warm the item cache", "err", err)
			return
		}
		log.Info("item cache warmed", "items", n, "took", time.Since(start).Round(time.Millisecond))
	})
	// Jobs stop at a safe point before the sources, the index snapshot and
	// the store.
	reg := jobs.NewRegistry(0)
	defer func() {
		if err := reg.Shutdown(context.Background()); err != nil {
			log.Warn("stop jobs", "err", err)
		}
	}()
	r := &reindexer{o: o, log: log.With("component", "reindex")}
	if err := r.resume(bgCtx, reg); err != nil {
		return fmt.Errorf("resume the reindex: %w", err)
	}
	var reindex api.ReindexFunc
	if o.next != nil {
		reindex = r.start
	}
	for _, u := range cfg.Feeds {
		p := sources.NewFeedPoller(u, o.arch, sources.FeedOptions{Interval: cfg.FeedInterval, State: o.db, Logger: log.With("component", "feed")})
		bg.Go(func() { _ = p.Run(bgCtx) })
	}

	asker, err := newAsker(cfg, o.arch, log, m.ObserveChat)
	if err != nil {
		return err
	}
	g.set(web.With(api.NewHandler(o.arch, api.Config{
		MaxIssueBytes:    cfg.MaxUpload,
		MaxUploadBytes:   cfg.MaxUploadTotal,
		RequestTimeout:   cfg.RequestTimeout,
		SpoolDir:         spool,
		AdminKey:         cfg.AdminKey,
		ReadKeys:         cfg.ReadKeys,
		AskPerMinute:     cfg.AskPerMinute,
		SearchPerMinute:  cfg.SearchPerMinute,
		MaxConcurrentAsk: cfg.MaxConcurrentAsk,
		CORSOrigins:      cfg.CORSOrigins,
		Asker:            asker,
		Backup:           o.db.Backup,
		Jobs:             reg,
		Reindex:          reindex,
		ModelName:        "veille",
		Observer:         m,
		Metrics:          m.Handler(),
	}, log.With("component", "api"))))
	log.Info("listening", "addr", ln.Addr().String())
	if e.listening != nil {
		e.listening(ln.Addr())
	}

	select {
	case <-serveDone:
		return serveErr
	case <-ctx.Done():
	}
	log.Info("shutting down")
	return stopServing()
}

// spoolDir empties the folder of dataDir where uploads are spooled, in which
// a crash or a kill may have left some, and returns it. The store's lock on
// dataDir, taken before, keeps any other server from spooling there.
func spoolDir(dataDir string, log *slog.Logger) (string, error) {
	dir := filepath.Join(dataDir, "spool")
	left, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("upload spool: %w", err)
	}
	if len(left) > 0 {
		log.Info("removing the uploads a stop left unfinished", "folder", dir, "uploads", len(left))
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("upload spool: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("upload spool: %w", err)
	}
	return dir, nil
}

// gate serves with one handler until it is given another.
type gate struct{ h atomic.Pointer[http.Handler] }

func (g *gate) set(h http.Handler) { g.h.Store(&h) }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*g.h.Load()).ServeHTTP(w, r) }

// watch registers the gauges read from the archive and the store at every
// scrape.
func watch(m *metrics.Metrics, o *opened) {
	stat := func(f func(archive.Stats) int) func() float64 {
		return func() float64 {
			st, err := o.arch.Stats(context.Background())
			if err != nil {
				return 0
			}
			return float64(f(st))
		}
	}
	m.Watch(metrics.Gauges{
		Issues:       stat(func(s archive.Stats) int { return s.Issues }),
		Items:        stat(func(s archive.Stats) int { return s.Items }),
		IndexVectors: stat(func(s archive.Stats) int { return s.Indexed }),
		BadgerLSM:    func() float64 { lsm, _ := o.db.Size(); return float64(lsm) },
		BadgerVLog:   func() float64 { _, vlog := o.db.Size(); return float64(vlog) },
		GCRuns:       func() float64 { return float64(o.db.GCRuns()) },
	})
}

// metricsEmbedder times every embedding call.
type metricsEmbedder struct {
	archive.Embedder
	m *metrics.Metrics
}

func (e *metricsEmbedder) Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error) {
	start := time.Now()
	vecs, err := e.Embedder.Embed(ctx, texts, mode)
	e.m.ObserveEmbed(mode.String(), time.Since(start), err)
	return vecs, err
}
