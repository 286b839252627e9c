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
	"text/tabwriter"
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
	// bound, when set, is called with the server's address once it
	// accepts connections, answering that it is starting; listening once
	// it serves the API.
	bound, listening func(net.Addr)
}

// errUsage marks command-line mistakes, which exit with status 2.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// synopsis describes a command in the usage: its flags and arguments, and
// what it does.
type synopsis struct{ name, args, about string }

// synopses are the commands, in the order of the general usage.
var synopses = []synopsis{
	{"serve", "[flags]", "serve the HTTP API"},
	{"ingest", "[flags] PATH...", "ingest issue files, folders and JSONL corpora"},
	{"search", "[flags] QUERY", "search the archive"},
	{"ask", "[flags] QUESTION", "answer a question with cited paragraphs"},
	{"stats", "[flags]", "count issues and items"},
	{"eval", "[flags]", "measure retrieval (--corpus, --queries) and similarity (--pairs)"},
	{"backup", "[flags] FILE", "write a backup of the store (- for stdout; a running server: GET /v1/admin/backup)"},
	{"restore", "[flags] FILE", "restore a backup into an empty --data directory"},
	{"reindex", "[flags]", "re-embed the archive with the next embedder (-next-embed-*); resumable"},
	{"config", "", "print the configuration table (Markdown)"},
}

// synopsisOf returns the synopsis of the command name.
func synopsisOf(name string) (synopsis, bool) {
	for _, s := range synopses {
		if s.name == name {
			return s, true
		}
	}
	return synopsis{}, false
}

// writeUsage prints the general usage.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "veille: semantic search and questions over a newsletter archive.\n\nUsage:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range synopses {
		fmt.Fprintf(tw, "  veille %s\t%s\t%s\n", s.name, s.args, s.about)
	}
	tw.Flush()
	fmt.Fprint(w, "\nFlags may come before, between or after the arguments; after a lone --, every\n"+
		"word is an argument, even one that begins with - (veille search -- -5%).\n\n"+
		"Run \"veille help COMMAND\" or \"veille COMMAND -h\" for a command's flags.\n")
}

// writeCommandUsage prints the usage of one command, with the flags of fs.
func writeCommandUsage(w io.Writer, s synopsis, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s\n\n%s%s.\n", strings.TrimSpace("veille "+s.name+" "+s.args), strings.ToUpper(s.about[:1]), s.about[1:])
	if strings.TrimPrefix(s.args, "[flags]") != "" {
		fmt.Fprint(w, "\nFlags may come before, between or after the arguments; after a lone --,\n"+
			"every word is an argument, even one that begins with -.\n")
	}
	if s.args != "" {
		fmt.Fprint(w, "\nFlags:\n")
		printFlags(w, fs)
	}
}

// run runs one veille command. A command's -h prints its usage and is no
// error.
func run(ctx context.Context, args []string, e env) error {
	err := dispatch(ctx, args, e)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// dispatch runs the command args[0] with the rest of args.
func dispatch(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		writeUsage(e.stderr)
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
		rest, err := parseArgs(flag.NewFlagSet("veille config", flag.ContinueOnError), "config", args, e)
		if err != nil {
			return err
		}
		if len(rest) > 0 {
			return fmt.Errorf("%w: config takes no arguments, got %q", errUsage, rest)
		}
		writeConfigTable(e.stdout)
		return nil
	case "help", "-h", "-help", "--help":
		return help(ctx, args, e)
	}
	writeUsage(e.stderr)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// help prints the general usage, or with a command's name its usage.
func help(ctx context.Context, args []string, e env) error {
	switch {
	case len(args) == 0:
		writeUsage(e.stdout)
		return nil
	case len(args) > 1:
		return fmt.Errorf("%w: help takes one command, got %q", errUsage, args)
	}
	if _, ok := synopsisOf(args[0]); !ok {
		writeUsage(e.stderr)
		return fmt.Errorf("%w: help: unknown command %q", errUsage, args[0])
	}
	return dispatch(ctx, []string{args[0], "-h"}, e)
}

// parse parses a command's flags and returns its config and arguments.
func parse(name string, args []string, serve bool, e env, extra func(*flag.FlagSet)) (config, []string, error) {
	fs := flag.NewFlagSet("veille "+name, flag.ContinueOnError)
	build := flags(fs, serve, e.getenv)
	if extra != nil {
		extra(fs)
	}
	rest, err := parseArgs(fs, name, args, e)
	if err != nil {
		return config{}, nil, err
	}
	cfg, err := build()
	if err != nil {
		return cfg, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return cfg, rest, nil
}

// parseArgs parses the flags of the command name, which may come anywhere
// among its arguments, and returns the arguments. The flag package stops at
// the first argument: it is set aside and parsing goes on after it, until a
// lone "--", after which every word is an argument. -h prints the usage to
// stdout and returns [flag.ErrHelp]; a mistake prints it to stderr.
func parseArgs(fs *flag.FlagSet, name string, args []string, e env) ([]string, error) {
	s, ok := synopsisOf(name)
	if !ok {
		panic("no synopsis for the command " + name)
	}
	fs.SetOutput(io.Discard) // the error is returned, the usage is ours
	var rest []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			writeCommandUsage(e.stdout, s, fs)
			return nil, err
		}
		if err != nil {
			writeCommandUsage(e.stderr, s, fs)
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if endedByDashes(fs, args[:len(args)-len(left)]) {
			return append(rest, left...), nil
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

// endedByDashes reports whether fs.Parse, having read the words used,
// stopped at a lone "--" rather than at an argument. A "--" may also be a
// flag's value (-data --), so the words are read as the flag package reads
// them: a flag without "=" that is not boolean takes the next word.
func endedByDashes(fs *flag.FlagSet, used []string) bool {
	for i := 0; i < len(used); i++ {
		if used[i] == "--" {
			return true
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(used[i], "-"), "=")
		if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) {
			i++
		}
	}
	return false
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
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
	stage   func(string)                            // told what a slow open does
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
			return nil, fmt.Errorf("the data directory %s is in use: is a veille server running on it? use its HTTP API instead (/v1/search, /v1/ask, /v1/stats, /v1/issues, /v1/reindex, /v1/admin/backup) or stop it first\n(%w)", cfg.DataDir, err)
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
		Stage:        h.stage,
		Next:         o.next,
	})
	o.arch = arch
	return err
}

// close saves the index snapshot, if the archive was opened, and closes
// the store.
func (o *opened) close() error {
	if o.arch != nil {
		return o.arch.CloseWithStore()
	}
	return o.db.Close()
}

var _ sources.Sink = (*archive.Archive)(nil)
