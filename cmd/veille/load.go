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
//
// Files are parsed in format, or in the format each one's name and content
// give when it is ingest.FormatDetect. With dataDir set, the files loaded
// whole are recorded there (seenFiles), and a file whose bytes were recorded
// is not parsed again as long as the store holds its issues as they were.
func loadFiles(ctx context.Context, arch *archive.Archive, files []string, format ingest.Format, dataDir string, log *slog.Logger) (summary, error) {
	sum := summary{Files: len(files)}
	var seen *seenFiles
	if dataDir != "" {
		seen = loadSeen(dataDir)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parsed := make(chan parsedFile, parseAhead)
	go parseFiles(ctx, files, format, seen, parsed)
	stop := arch.StartBulk()
	add := func(res archive.Result) {
		sum.Issues++
		sum.Added += res.Added
		sum.Changed += res.Changed
		sum.Unchanged += res.Unchanged
		sum.Removed += res.Removed
		sum.Embedded += res.Embedded
	}
	err := func() error {
		for f := range parsed {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := loadFile(ctx, arch, f, format, add); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				sum.Failed++
				log.Error("ingest file", "file", f.path, "err", err)
				if seen != nil {
					seen.forget(f.path)
				}
				continue
			}
			if seen != nil && f.known == nil {
				seen.record(f.path, f.hash, format, f.docs)
			}
		}
		return ctx.Err()
	}()
	if ierr := stop(); ierr != nil {
		err = errors.Join(err, fmt.Errorf("index: %w", ierr))
	}
	if seen != nil && ctx.Err() == nil {
		if serr := seen.save(dataDir); serr != nil {
			log.Warn("record ingested files", "err", serr)
		}
	}
	return sum, err
}

// unchanged reports whether ingesting files in format would change
// nothing: the store holds the vectors of o's embedder, no reindex is
// configured, and each file is recorded in dataDir with the same bytes and
// format (seenFiles) and gave issues the store holds as they were. It then
// returns the summary the ingest would have returned. It reads the files
// and the store only, and stops at the first file that may change
// something.
func (o *opened) unchanged(ctx context.Context, files []string, format ingest.Format, dataDir string) (summary, bool, error) {
	sum := summary{Files: len(files)}
	if dataDir == "" || o.next != nil {
		return sum, false, nil
	}
	stored, ok, err := o.db.Embedder()
	if err != nil || !ok || stored != archive.StoreID(o.emb) {
		return sum, false, err
	}
	seen := loadSeen(dataDir)
	for _, path := range files {
		if err := ctx.Err(); err != nil {
			return sum, false, err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return sum, false, nil // the ingest reports it
		}
		f, _ := seen.known(path, data, format)
		if f == nil {
			return sum, false, nil
		}
		for _, si := range f.Issues {
			if same, err := o.db.SameIssue(ctx, si.Issue); err != nil || !same {
				return sum, false, err
			}
			sum.Issues++
			sum.Unchanged += si.Items
		}
	}
	return sum, true, nil
}

// loadFile ingests one file read by parseFiles, passing each result to add.
// A known file whose issues are all stored as they were is done at once;
// otherwise it is parsed in format, if it was not, and its documents
// ingested.
func loadFile(ctx context.Context, arch *archive.Archive, f parsedFile, format ingest.Format, add func(archive.Result)) error {
	if f.known != nil {
		issues := make([]ingest.Issue, len(f.known.Issues))
		items := make([]int, len(f.known.Issues))
		for i, si := range f.known.Issues {
			issues[i], items[i] = si.Issue, si.Items
		}
		res, ok, err := arch.Unchanged(ctx, issues, items)
		if err != nil {
			return err
		}
		if ok {
			for _, r := range res {
				add(r)
			}
			return nil
		}
		f.docs, f.err = ingest.Parse(f.path, f.data, format)
	}
	if f.err != nil {
		return f.err
	}
	for _, doc := range f.docs {
		res, err := arch.Ingest(ctx, doc)
		add(res)
		if err != nil {
			return err
		}
	}
	return nil
}

// parseAhead is how many parsed files may wait for the ingest.
const parseAhead = 2

// parsedFile is a file read and parsed, or the error that stopped it. A
// file that seen knows is not parsed: known is its record, data its bytes.
type parsedFile struct {
	path  string
	hash  string // hex SHA-256 of the bytes
	docs  []ingest.Document
	known *seenFile
	data  []byte
	err   error
}

// parseFiles reads and parses files in format, in order, into out, which it
// closes at the end or when ctx is done. seen may be nil.
func parseFiles(ctx context.Context, files []string, format ingest.Format, seen *seenFiles, out chan<- parsedFile) {
	defer close(out)
	for _, path := range files {
		f := parsedFile{path: path}
		var data []byte
		if data, f.err = os.ReadFile(path); f.err == nil {
			if seen != nil {
				f.known, f.hash = seen.known(path, data, format)
			}
			if f.known != nil {
				f.data = data
			} else {
				f.docs, f.err = ingest.Parse(path, data, format)
			}
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

// newBar returns a progress bar for ingesting files, drawn on w when w is a
// terminal and the run is long enough to need one; logs and scripts get the
// summary only, and the files are then not read to count their paragraphs.
func newBar(files []string, w io.Writer) *progressbar.ProgressBar {
	var total int64
	if isTerminal(w) {
		total = countParagraphs(files)
	}
	return bar(w, total, "embedding", "paragraphs", total >= minBar)
}

// isTerminal reports whether w is a terminal, where a progress bar belongs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// bar is a progress bar of total units, drawn on w when it is a terminal
// and show is set.
func bar(w io.Writer, total int64, what, units string, show bool) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(isTerminal(w) && show),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetItsString(units),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
