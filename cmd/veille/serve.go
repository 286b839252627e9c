package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/veille/veille/api"
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
	log := newLogger(cfg, e.stderr)
	log.Info("starting", "data", cfg.DataDir, "archive", cfg.Archive, "embed_provider", cfg.EmbedProvider,
		"embed_base_url", cfg.EmbedBaseURL, "embed_model", cfg.EmbedModel, "embed_api_key_set", cfg.EmbedAPIKey != "")

	o, err := open(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err := o.close(); err != nil {
			log.Error("close", "err", err)
		}
	}()
	if cfg.Archive != "" {
		files, err := listFiles([]string{cfg.Archive})
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		sum, err := loadFiles(ctx, o.arch, files, log)
		if err != nil {
			return err
		}
		log.Info("archive ingested", "folder", cfg.Archive, "summary", sum.String())
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: api.NewHandler(o.arch, api.Config{
			MaxIssueBytes:  cfg.MaxUpload,
			RequestTimeout: cfg.RequestTimeout,
		}, log.With("component", "api")),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	if e.listening != nil {
		e.listening(ln.Addr())
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
