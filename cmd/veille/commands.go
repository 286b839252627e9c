package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/qa"
	"github.com/veille/veille/sources"
)

// ingestCmd ingests files and folders into the data directory.
func ingestCmd(ctx context.Context, args []string, e env) error {
	var asJSON bool
	var formatName string
	cfg, paths, err := parse("ingest", args, false, e, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the summary as JSON")
		fs.StringVar(&formatName, "format", "auto", "format of every file: auto (from each file's extension and content), raw, markdown, jsonl, html, email or feed")
	})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: ingest needs at least one file or folder", errUsage)
	}
	format, err := ingest.ParseFormat(formatName)
	if err != nil {
		return fmt.Errorf("%w: -format: %w", errUsage, err)
	}
	files, err := listFiles(paths)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no issue files in %s: folders give their %s files", strings.Join(paths, ", "), strings.Join(sources.WatchExts, " "))
	}
	log := newLogger(cfg, e.stderr)
	bar := newBar(files, e.stderr)
	// The summary is printed once the store is closed, and so synced: the
	// issues need not be synced one by one.
	h := hooks{unsynced: true}
	o, err := openStore(ctx, cfg, log, h)
	if err != nil {
		return err
	}
	// An unchanged archive needs neither the indexes nor their snapshots,
	// whose load is most of a re-ingest's time; they are reconciled with
	// the store at the next start as ever.
	sum, ok, err := o.unchanged(ctx, files, format, cfg.DataDir)
	if err == nil && !ok {
		if err = o.openArchive(ctx, cfg, log, h); err == nil {
			sum, err = loadFiles(ctx, o.arch, files, format, cfg.DataDir, log, func(n int64) { _ = bar.Add64(n) })
		}
	}
	_ = bar.Finish()
	if cerr := o.close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	// Interrupted (Ctrl-C, SIGTERM) or stopped by the embedder, the summary
	// says what was done: the issues stored stay, and the same command goes
	// on from there.
	interrupted := ctx.Err() != nil && errors.Is(err, ctx.Err())
	stopped := errors.Is(err, errEmbedderDown)
	if err != nil && !interrupted && !stopped {
		return err
	}
	if asJSON {
		if err := writeJSON(e.stdout, sum); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(e.stdout, sum)
	}
	if interrupted {
		return fmt.Errorf("interrupted; what the summary counts is stored, and the same command goes on from there: %w", err)
	}
	if stopped {
		return fmt.Errorf("%w; what the summary counts is stored, and the same command goes on from there once the embedder answers", err)
	}
	if sum.Failed > 0 {
		return fmt.Errorf("%d of %d files failed (see the log above)", sum.Failed, sum.Files)
	}
	return nil
}

// queryFlags are the flags of search and ask.
type queryFlags struct {
	k        int
	from, to string
	mode     string
	asJSON   bool
}

func (q *queryFlags) register(def int) func(*flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		fs.IntVar(&q.k, "k", def, "number of results, `n` from 1 to 100")
		fs.StringVar(&q.from, "from", "", "only issues dated from YYYY-MM[-DD]")
		fs.StringVar(&q.to, "to", "", "only issues dated up to YYYY-MM[-DD]")
		fs.StringVar(&q.mode, "mode", "hybrid", "retrieval: hybrid, vector or lexical")
		fs.BoolVar(&q.asJSON, "json", false, "print JSON")
	}
}

// maxQueryLen is the longest search or question, in characters, as the
// API takes by default.
const maxQueryLen = 2000

// query checks the flags and the words of a search or question.
func (q *queryFlags) query(args []string, what string) (archive.Query, error) {
	text := strings.TrimSpace(strings.Join(args, " "))
	if text == "" {
		return archive.Query{}, fmt.Errorf("%w: %s is required", errUsage, what)
	}
	if n := utf8.RuneCountInString(text); n > maxQueryLen {
		return archive.Query{}, fmt.Errorf("%w: the %s has %d characters, at most %d are taken", errUsage, what, n, maxQueryLen)
	}
	if q.k < 1 || q.k > 100 {
		return archive.Query{}, fmt.Errorf("%w: -k must be between 1 and 100", errUsage)
	}
	m, ok := archive.ParseMode(q.mode)
	if !ok {
		return archive.Query{}, fmt.Errorf("%w: -mode must be hybrid, vector or lexical", errUsage)
	}
	aq := archive.Query{Text: text, K: q.k, Mode: m}
	var err error
	if q.from != "" {
		if aq.Range.From, err = ingest.ParseDate(q.from); err != nil {
			return aq, fmt.Errorf("%w: -from: %v", errUsage, err)
		}
	}
	if q.to != "" {
		if aq.Range.To, err = ingest.ParseDate(q.to); err != nil {
			return aq, fmt.Errorf("%w: -to: %v", errUsage, err)
		}
	}
	if aq.Range.Backwards() {
		return aq, fmt.Errorf("%w: -from %s is after -to %s", errUsage, q.from, q.to)
	}
	return aq, nil
}

// withArchive opens the data directory, which must hold a store, runs fn
// and closes it.
func withArchive(ctx context.Context, cfg config, e env, fn func(*archive.Archive) error) error {
	if _, err := existingStore(cfg); err != nil {
		return err
	}
	o, err := open(ctx, cfg, newLogger(cfg, e.stderr), hooks{})
	if err != nil {
		return err
	}
	return errors.Join(fn(o.arch), o.close())
}

// existingStore returns the store's directory in cfg's data directory, or
// an error saying there is none: a command that only reads the archive
// must not make an empty one where a mistyped --data points.
func existingStore(cfg config) (string, error) {
	dir := filepath.Join(cfg.DataDir, "badger")
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("no archive in %s: set --data or VEILLE_DATA_DIR, or ingest issues there first", cfg.DataDir)
		}
		return "", err
	}
	return dir, nil
}

func searchCmd(ctx context.Context, args []string, e env) error {
	var q queryFlags
	cfg, rest, err := parse("search", args, false, e, q.register(10))
	if err != nil {
		return err
	}
	aq, err := q.query(rest, "a query")
	if err != nil {
		return err
	}
	return withArchive(ctx, cfg, e, func(a *archive.Archive) error {
		hits, err := a.Search(ctx, aq)
		if err != nil {
			return err
		}
		if q.asJSON {
			return writeJSON(e.stdout, hits)
		}
		if len(hits) == 0 {
			fmt.Fprintln(e.stdout, "no results")
		}
		for i, h := range hits {
			fmt.Fprintf(e.stdout, "%d. [%s] %s  (score %.3f, id %s)\n", i+1, h.Date, orDash(h.Headline), h.Score, h.ID)
			if h.Link != "" {
				fmt.Fprintf(e.stdout, "   %s\n", h.Link)
			}
			fmt.Fprintf(e.stdout, "   %s\n\n", clip(h.Text, 300))
		}
		return nil
	})
}

func askCmd(ctx context.Context, args []string, e env) error {
	var q queryFlags
	cfg, rest, err := parse("ask", args, false, e, q.register(5))
	if err != nil {
		return err
	}
	aq, err := q.query(rest, "a question")
	if err != nil {
		return err
	}
	return withArchive(ctx, cfg, e, func(a *archive.Archive) error {
		asker, err := newAsker(cfg, a, newLogger(cfg, e.stderr), nil)
		if err != nil {
			return err
		}
		resp, err := asker.Ask(ctx, qa.Request{Question: aq.Text, K: aq.K, Range: aq.Range, Mode: aq.Mode})
		if err != nil {
			return err
		}
		if q.asJSON {
			return writeJSON(e.stdout, resp)
		}
		fmt.Fprintf(e.stdout, "%s\n\n", resp.Answer)
		if f := resp.Filter; f != nil && f.Source == "question" {
			fmt.Fprintf(e.stdout, "(dates: %s → %s, from %q)\n", orDash(f.From), orDash(f.To), f.Phrase)
		}
		if resp.Notice != "" {
			fmt.Fprintf(e.stdout, "(%s)\n", resp.Notice)
		}
		for _, c := range resp.Citations {
			fmt.Fprintf(e.stdout, "[%d] %s · %s (id %s)\n", c.N, c.Date, orDash(c.Headline), c.ID)
			if c.Link != "" {
				fmt.Fprintf(e.stdout, "    %s\n", c.Link)
			}
			fmt.Fprintf(e.stdout, "    %s\n", clip(c.Text, 300))
		}
		return nil
	})
}

func statsCmd(ctx context.Context, args []string, e env) error {
	var asJSON bool
	cfg, _, err := parse("stats", args, false, e, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	return withArchive(ctx, cfg, e, func(a *archive.Archive) error {
		st, err := a.Stats(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(e.stdout, st)
		}
		fmt.Fprintf(e.stdout, "issues:   %d\nitems:    %d\nindexed:  %d\nembedder: %s\n", st.Issues, st.Items, st.Indexed, st.Embedder)
		return nil
	})
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// clip shortens s to about n bytes at a word boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
	}
	return s[:cut] + "…"
}
