package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/sources"
)

// listFiles expands paths (files and folders, recursively) into the issue
// files they hold, sorted, skipping hidden files and folders. Folders give
// the files with the extensions a watched folder takes
// ([sources.WatchExts]); files named explicitly are taken whatever their
// extension.
func listFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			hidden := path != p && strings.HasPrefix(d.Name(), ".")
			switch {
			case d.IsDir() && hidden:
				return filepath.SkipDir
			case d.IsDir(), hidden:
				return nil
			case slices.Contains(sources.WatchExts, strings.ToLower(filepath.Ext(path))):
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// summary counts what a load did.
type summary struct {
	Files     int `json:"files"`
	Issues    int `json:"issues"`
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
	Failed    int `json:"failed"` // files that could not be read, parsed or stored
	Embedded  int `json:"embedded"`
}

func (s summary) String() string {
	return fmt.Sprintf("%d files, %d issues: %d added, %d changed, %d unchanged, %d removed, %d failed",
		s.Files, s.Issues, s.Added, s.Changed, s.Unchanged, s.Removed, s.Failed)
}

// loadFiles parses and ingests files in order. A file that fails is logged
// and counted, and the others go on; the returned error is ctx's, or an
// indexing error (the store has the items, and the next start indexes them).
//
// It is a pipeline that keeps both cores of a small machine busy while
// holding only a few files at a time, so an archive of any size loads in
// bounded memory: one goroutine reads and parses the files ahead, this one
// embeds and stores each issue, and the archive indexes the stored issues in
// the background ([archive.Archive.StartBulk]).
func loadFiles(ctx context.Context, arch *archive.Archive, files []string, log *slog.Logger) (summary, error) {
	sum := summary{Files: len(files)}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parsed := make(chan parsedFile, parseAhead)
	go parseFiles(ctx, files, parsed)
	stop := arch.StartBulk()
	err := func() error {
		for f := range parsed {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := f.err
			for _, doc := range f.docs {
				if err != nil {
					break
				}
				var res archive.Result
				res, err = arch.Ingest(ctx, doc)
				sum.Issues++
				sum.Added += res.Added
				sum.Changed += res.Changed
				sum.Unchanged += res.Unchanged
				sum.Removed += res.Removed
				sum.Embedded += res.Embedded
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				sum.Failed++
				log.Error("ingest file", "file", f.path, "err", err)
			}
		}
		return ctx.Err()
	}()
	if ierr := stop(); ierr != nil {
		err = errors.Join(err, fmt.Errorf("index: %w", ierr))
	}
	return sum, err
}

// parseAhead is how many parsed files may wait for the ingest.
const parseAhead = 2

// parsedFile is a file read and parsed, or the error that stopped it.
type parsedFile struct {
	path string
	docs []ingest.Document
	err  error
}

// parseFiles reads and parses files in order into out, which it closes at
// the end or when ctx is done.
func parseFiles(ctx context.Context, files []string, out chan<- parsedFile) {
	defer close(out)
	for _, path := range files {
		f := parsedFile{path: path}
		var data []byte
		if data, f.err = os.ReadFile(path); f.err == nil {
			f.docs, f.err = ingest.Parse(path, data, ingest.FormatDetect)
		}
		select {
		case out <- f:
		case <-ctx.Done():
			return
		}
	}
}

// countParagraphs is a quick upper bound of the paragraphs in files, for the
// progress bar: blank-line separated blocks, or lines of a corpus.
func countParagraphs(files []string) int64 {
	var n int64
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if ingest.DetectFormat(path, data) == ingest.FormatJSONL {
			n += int64(strings.Count(string(data), "\n") + 1)
			continue
		}
		n += int64(strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n") + 1)
	}
	return n
}

// progressEmbedder advances a progress bar by the passages it embeds.
type progressEmbedder struct {
	archive.Embedder
	bar *progressbar.ProgressBar
}

func (p *progressEmbedder) Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error) {
	vecs, err := p.Embedder.Embed(ctx, texts, mode)
	if err == nil && mode == embed.Passage {
		_ = p.bar.Add(len(texts))
	}
	return vecs, err
}

// minBar is the number of paragraphs from which ingest shows a progress bar.
const minBar = 500

// newBar returns a progress bar drawn on w when w is a terminal and the run
// is long enough to need one; logs and scripts get the summary only.
func newBar(total int64, w io.Writer) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	tty := ok && term.IsTerminal(int(f.Fd()))
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(tty && total >= minBar),
		progressbar.OptionSetDescription("embedding"),
		progressbar.OptionSetItsString("paragraphs"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
