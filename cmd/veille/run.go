package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/chat"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/qa"
	"github.com/veille/veille/sources"
	"github.com/veille/veille/store"
)

// env is what run gets from the process, so that tests can run it in-process.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	// listening, when set, is called with the server's address once it
	// accepts connections.
	listening func(net.Addr)
}

// errUsage marks command-line mistakes, which exit with status 2.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `veille: semantic search and questions over a newsletter archive.

Usage:
  veille serve  [flags]                  serve the HTTP API
  veille ingest [flags] PATH...          ingest issue files, folders and JSONL corpora
  veille search [flags] QUERY            search the archive
  veille ask    [flags] QUESTION         answer a question with cited paragraphs
  veille stats  [flags]                  count issues and items
  veille eval   [flags]                  measure retrieval (--corpus, --queries) and similarity (--pairs)
  veille backup [flags] FILE             write a backup of the store (- for stdout; a running server: GET /v1/admin/backup)
  veille restore [flags] FILE            restore a backup into an empty --data directory
  veille reindex [flags]                 re-embed the archive with the next embedder (-next-embed-*); resumable
  veille config                          print the configuration table (Markdown)

Run "veille COMMAND -h" for a command's flags.
`

// run runs one veille command.
func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, args, e)
	case "ingest":
		return ingestCmd(ctx, args, e)
	case "search":
		return searchCmd(ctx, args, e)
	case "ask":
		return askCmd(ctx, args, e)
	case "stats":
		return statsCmd(ctx, args, e)
	case "eval":
		return evalCmd(ctx, args, e)
	case "backup":
		return backupCmd(ctx, args, e)
	case "restore":
		return restoreCmd(ctx, args, e)
	case "reindex":
		return reindexCmd(ctx, args, e)
	case "config":
		writeConfigTable(e.stdout)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	fmt.Fprint(e.stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// parse parses a command's flags and returns its config and arguments.
func parse(name string, args []string, serve bool, e env, extra func(*flag.FlagSet)) (config, []string, error) {
	fs := flag.NewFlagSet("veille "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	build := flags(fs, serve, e.getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, nil, err
		}
		return config{}, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg, err := build()
	if err != nil {
		return cfg, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return cfg, fs.Args(), nil
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newEmbedder builds an embedder. An OpenAI-compatible server is asked for
// one vector when the dimensions are not configured.
func newEmbedder(ctx context.Context, s embedSettings, timeout time.Duration) (archive.Embedder, error) {
	if s.Provider == "builtin" {
		return embed.NewBuiltin(s.Dims), nil
	}
	c, err := embed.New(embed.Config{
		BaseURL: s.BaseURL, Model: s.Model, APIKey: s.APIKey,
		Dims: s.Dims, Timeout: timeout,
		QueryPrefix: s.QueryPrefix, PassagePrefix: s.PassagePrefix,
	})
	if err != nil {
		return nil, err
	}
	if s.Dims == 0 {
		if _, err := c.Probe(ctx); err != nil {
			return nil, fmt.Errorf("ask %s for the model's dimensions: %w", s.BaseURL, err)
		}
	}
	return c, nil
}

// newModel builds the configured chat model, or returns nil when none is.
func newModel(cfg config) (*chat.Client, error) {
	if cfg.ChatModel == "" {
		return nil, nil
	}
	return chat.New(chat.Config{
		BaseURL: cfg.ChatBaseURL, Model: cfg.ChatModel, APIKey: cfg.ChatAPIKey,
		Timeout: cfg.ChatTimeout, MaxContextChars: cfg.ChatContextChars,
	})
}

// newAsker answers questions over arch, with the configured chat model if
// any; observe, when set, sees every model call.
func newAsker(cfg config, arch *archive.Archive, log *slog.Logger, observe func(time.Duration, error)) (*qa.Service, error) {
	opts := qa.Options{Logger: log.With("component", "qa"), Observe: observe}
	model, err := newModel(cfg)
	if err != nil {
		return nil, err
	}
	if model != nil {
		opts.Model = model
	}
	return qa.New(arch, opts), nil
}

// opened is an open data directory.
type opened struct {
	db   *store.DB
	arch *archive.Archive // nil until openArchive
	emb  archive.Embedder
	next archive.Embedder // the embedder a reindex moves to; nil when none is configured
}

// hooks let a command watch what the archive does, and say how to open it.
type hooks struct {
	wrap    func(archive.Embedder) archive.Embedder // decorates the embedder
	observe func(archive.Result)                    // sees every ingest and delete
	// unsynced opens the store for a bulk load, which syncs its writes
	// once, when it closes (store.Options.Unsynced).
	unsynced bool
}

// open opens the store in cfg.DataDir and loads the archive over it.
func open(ctx context.Context, cfg config, log *slog.Logger, h hooks) (*opened, error) {
	o, err := openStore(ctx, cfg, log, h)
	if err != nil {
		return nil, err
	}
	if err := o.openArchive(ctx, cfg, log, h); err != nil {
		o.db.Close()
		return nil, err
	}
	return o, nil
}

// openStore makes the embedders and opens the store in cfg.DataDir, without
// the archive.
func openStore(ctx context.Context, cfg config, log *slog.Logger, h hooks) (*opened, error) {
	emb, err := newEmbedder(ctx, cfg.Embed, cfg.EmbedTimeout)
	if err != nil {
		return nil, err
	}
	var next archive.Embedder
	if cfg.Next.Provider != "" {
		if next, err = newEmbedder(ctx, cfg.Next, cfg.EmbedTimeout); err != nil {
			return nil, fmt.Errorf("next embedder: %w", err)
		}
	}
	if h.wrap != nil {
		emb = h.wrap(emb)
		if next != nil {
			next = h.wrap(next)
		}
	}
	// Commands other than serve do not search: they keep no item cache.
	itemCache := int(cfg.ItemCacheBytes)
	if itemCache == 0 {
		itemCache = -1
	}
	db, err := store.Open(filepath.Join(cfg.DataDir, "badger"), store.Options{Logger: log.With("component", "store"), ItemCacheBytes: itemCache, Unsynced: h.unsynced})
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("%w\nthe data directory %s is in use: is a veille server running on it? use its API instead (POST /v1/issues, POST /v1/reindex) or stop it first", err, cfg.DataDir)
		}
		return nil, err
	}
	return &opened{db: db, emb: emb, next: next}, nil
}

// openArchive loads the archive over the opened store.
func (o *opened) openArchive(ctx context.Context, cfg config, log *slog.Logger, h hooks) error {
	arch, err := archive.Open(ctx, o.db, o.emb, archive.Config{
		SnapshotPath: filepath.Join(cfg.DataDir, "index.hnsw"),
		Logger:       log.With("component", "archive"),
		Observe:      h.observe,
		Next:         o.next,
	})
	o.arch = arch
	return err
}

// close saves the index snapshot, if the archive was opened, and closes
// the store.
func (o *opened) close() error {
	var err error
	if o.arch != nil {
		err = o.arch.Close()
	}
	return errors.Join(err, o.db.Close())
}

var _ sources.Sink = (*archive.Archive)(nil)
