package main

import (
	"bytes"
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
	"github.com/veille/veille/store"
)

// listFiles expands paths (files and folders, recursively) into the issue
// files they hold, sorted, each once however it was named, skipping hidden
// files and folders. Folders give the files with the extensions a watched
// folder takes ([sources.WatchExts]); files named explicitly are taken
// whatever their extension. A path that is a symbolic link to a folder is
// followed; links to folders inside folders are not, so that a link cannot
// make a loop.
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
		root := p
		switch l, err := os.Lstat(p); {
		case slices.Contains(strings.Split(filepath.ToSlash(p), "/"), ".."):
			// WalkDir joins names lexically, which would take ".."
			// back before the links were followed.
			root = sources.CanonicalDir(p)
		case err == nil && l.Mode()&fs.ModeSymlink != 0:
			// WalkDir does not follow a root that is a link; a
			// trailing separator makes the system resolve it.
			root = p + string(filepath.Separator)
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			hidden := path != root && strings.HasPrefix(d.Name(), ".")
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
	seen := map[string]bool{}
	var names sources.Canonicals
	out = slices.DeleteFunc(out, func(path string) bool {
		abs := names.Of(path)
		dup := seen[abs]
		seen[abs] = true
		return dup
	})
	slices.Sort(out)
	return out, nil
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
	// Errors names the files that failed and why, in order.
	Errors []fileError `json:"errors,omitempty"`
}

// fileError is a file that failed to load.
type fileError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

func (s summary) String() string {
	return fmt.Sprintf("%d files, %d issues: %d added, %d changed, %d unchanged, %d removed, %d failed",
		s.Files, s.Issues, s.Added, s.Changed, s.Unchanged, s.Removed, s.Failed)
}

// loadFiles parses and ingests files in order. A file that fails is logged
// and counted, and the others go on, unless the embedder cannot be reached
// or keeps refusing (errEmbedderDown); the returned error is that, ctx's,
// or an indexing error (the store has the items, and the next start
// indexes them).
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
//
// A file that no longer gives an issue it gave before (its date or
// headline line was edited, so the issue's id changed) has that issue
// deleted, as a watched folder does; and two files of one load that give
// the same issue id with different content are not allowed to replace each
// other in turn: the second fails (see [loader.claim]).
func loadFiles(ctx context.Context, arch *archive.Archive, files []string, format ingest.Format, dataDir string, log *slog.Logger, progress func(bytes int64)) (summary, error) {
	l := &loader{arch: arch, format: format, sum: summary{Files: len(files)}, given: map[string]givenIssue{}}
	if dataDir != "" {
		l.seen = loadSeen(dataDir)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parsed := make(chan parsedFile, parseAhead)
	go parseFiles(ctx, files, format, l.seen, &l.names, parsed)
	stop := arch.StartBulk()
	err := func() error {
		for f := range parsed {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := l.file(ctx, f)
			if progress != nil {
				// A bar's rate and time left follow the bytes done,
				// whether a file is embedded, found unchanged or fails.
				progress(f.size)
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				l.sum.Failed++
				l.sum.Errors = append(l.sum.Errors, fileError{File: f.path, Error: err.Error()})
				log.Error("ingest file", "file", f.path, "err", err)
				if l.seen != nil {
					l.seen.forget(f.abs)
				}
				if errors.Is(err, embed.ErrUnavailable) || errors.Is(err, embed.ErrRateLimited) {
					// Every file after it would wait out the same retries.
					return fmt.Errorf("%w after all its retries, at %s: %w", errEmbedderDown, f.path, err)
				}
				continue
			}
			if l.seen != nil && f.known == nil {
				l.seen.record(f.abs, f.hash, format, f.docs)
			}
		}
		return ctx.Err()
	}()
	if ierr := stop(); ierr != nil {
		err = errors.Join(err, fmt.Errorf("index: %w", ierr))
	}
	if l.seen != nil && ctx.Err() == nil {
		if serr := l.seen.save(dataDir); serr != nil {
			log.Warn("record ingested files", "err", serr)
		}
	}
	return l.sum, err
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
	var names sources.Canonicals
	var buf bytes.Buffer // seen.known keeps none of a file's bytes
	for _, path := range files {
		if err := ctx.Err(); err != nil {
			return sum, false, err
		}
		data, err := ingest.ReadInto(&buf, path)
		if err != nil {
			return sum, false, nil // the ingest reports it
		}
		f, _ := seen.known(names.Of(path), data, format)
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

// errEmbedderDown stops a load when the embedder cannot be reached.
var errEmbedderDown = errors.New("stopped: the embedder did not answer")

// loader is one run of loadFiles.
type loader struct {
	arch   *archive.Archive
	format ingest.Format
	seen   *seenFiles // nil without a data directory
	names  sources.Canonicals
	sum    summary
	// given holds the issues this run's files gave so far, by id.
	given map[string]givenIssue
	// sources lists the stored issues by the absolute path of their
	// source, and owners gives each one's source (as stored) and content
	// hash, as the store held them when the run began; nil until a file
	// needs them.
	sources map[string][]string
	owners  map[string]givenIssue
}

// givenIssue is an issue as a file of the run gave it.
type givenIssue struct {
	path string
	hash string // the issue's content hash
}

func (l *loader) add(res archive.Result) {
	l.sum.Issues++
	l.sum.Added += res.Added
	l.sum.Changed += res.Changed
	l.sum.Unchanged += res.Unchanged
	l.sum.Removed += res.Removed
	l.sum.Embedded += res.Embedded
}

// file ingests one file read by parseFiles. A known file whose issues are
// all stored as they were is done at once; otherwise it is parsed in the
// load's format, if it was not, its documents ingested, and the issues it
// gave before and gives no more deleted. Only what was stored is counted.
func (l *loader) file(ctx context.Context, f parsedFile) error {
	if f.known != nil {
		issues := make([]ingest.Issue, len(f.known.Issues))
		items := make([]int, len(f.known.Issues))
		for i, si := range f.known.Issues {
			issues[i], items[i] = si.Issue, si.Items
		}
		res, ok, err := l.arch.Unchanged(ctx, issues, items)
		if err != nil {
			return err
		}
		if ok {
			for i, r := range res {
				l.given[issues[i].ID] = givenIssue{path: f.path, hash: issues[i].Hash}
				l.add(r)
			}
			return nil
		}
		f.docs, f.err = parseFile(f.path, f.abs, f.data, l.format)
	}
	if f.err != nil {
		return f.err
	}
	if err := l.claim(ctx, f.path, f.docs); err != nil {
		return err
	}
	for _, doc := range f.docs {
		res, err := l.arch.Ingest(ctx, doc)
		if err != nil {
			return err
		}
		l.add(res)
	}
	return l.dropStale(ctx, f.abs)
}

// claim records the issues of a file's documents as given by path, unless
// another file gives one of the same ids with other content: an earlier
// file of the run, or the file the archive holds the issue from, while it
// still exists. Each ingest would otherwise store one version over the
// other, and the archive keep whichever file came last; the file fails
// instead, naming the other.
func (l *loader) claim(ctx context.Context, path string, docs []ingest.Document) error {
	if err := l.loadStored(ctx); err != nil {
		return err
	}
	for _, d := range docs {
		other := ""
		if g, ok := l.given[d.Issue.ID]; ok && g.path != path && g.hash != d.Issue.Hash {
			other = g.path
		} else if o, ok := l.owners[d.Issue.ID]; ok && o.hash != d.Issue.Hash && otherFile(o.path, path) {
			other = o.path
		}
		if other != "" {
			return fmt.Errorf("issue %s is also given, with other content, by %s, which was kept: "+
				"an issue's id comes from its date and headline line, a corpus's from its file name and dates; "+
				"rename one of the corpora or correct one of the issues", d.Issue.ID, other)
		}
	}
	for _, d := range docs {
		l.given[d.Issue.ID] = givenIssue{path: path, hash: d.Issue.Hash}
	}
	return nil
}

// loadStored reads, once a run, which issues the archive holds from which
// source, as it holds them when the run begins.
func (l *loader) loadStored(ctx context.Context) error {
	if l.sources != nil {
		return nil
	}
	issues, err := l.arch.Issues(ctx)
	if err != nil {
		return err
	}
	l.sources, l.owners = map[string][]string{}, map[string]givenIssue{}
	for _, iss := range issues {
		if iss.Source != "" {
			src := l.names.Of(iss.Source)
			l.sources[src] = append(l.sources[src], iss.ID)
			l.owners[iss.ID] = givenIssue{path: iss.Source, hash: iss.Hash}
		}
	}
	return nil
}

// parseFile parses the file at path and names it by its canonical path abs
// ([sources.Canonical]) in the issues it gives, so that a watcher started
// from any folder knows the file they came from.
func parseFile(path, abs string, data []byte, format ingest.Format) ([]ingest.Document, error) {
	docs, err := ingest.Parse(path, data, format)
	for i := range docs {
		docs[i].Issue.Source = abs
	}
	return docs, err
}

// otherFile reports whether source, an issue's stored source, names a file
// that exists and is not the file at path: a source that is no file (an
// upload's name, a feed entry's link as older versions stored it) or that
// is gone, moved or deleted, gives way.
func otherFile(source, path string) bool {
	si, err := os.Stat(source)
	if err != nil || !si.Mode().IsRegular() {
		return false
	}
	pi, err := os.Stat(path)
	return err != nil || !os.SameFile(si, pi)
}

// dropStale deletes the issues that the file of canonical path abs gave
// before this run, by the record of ingested files or by their stored
// source, and that no file of this run gave: the file's date or headline
// line was edited, and the issue it gives now has another id.
func (l *loader) dropStale(ctx context.Context, abs string) error {
	var before []string
	if l.seen != nil {
		if rec := l.seen.Files[abs]; rec != nil {
			for _, si := range rec.Issues {
				before = append(before, si.Issue.ID)
			}
		}
	}
	if err := l.loadStored(ctx); err != nil {
		return err
	}
	done := map[string]bool{}
	for _, id := range append(before, l.sources[abs]...) {
		if _, ok := l.given[id]; ok || done[id] {
			continue
		}
		done[id] = true
		res, err := l.arch.DeleteIssue(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("delete issue %s, which the file no longer gives: %w", id, err)
		}
		l.sum.Removed += res.Removed
	}
	return nil
}

// parseAhead is how many parsed files may wait for the ingest.
const parseAhead = 2

// parsedFile is a file read and parsed, or the error that stopped it. A
// file that seen knows is not parsed: known is its record, data its bytes.
type parsedFile struct {
	path  string
	abs   string // canonical path ([sources.Canonical])
	size  int64
	hash  string // hex SHA-256 of the bytes
	docs  []ingest.Document
	known *seenFile
	data  []byte
	err   error
}

// parseFiles reads and parses files in format, in order, into out, which it
// closes at the end or when ctx is done; names gives their canonical
// paths. seen may be nil.
func parseFiles(ctx context.Context, files []string, format ingest.Format, seen *seenFiles, names *sources.Canonicals, out chan<- parsedFile) {
	defer close(out)
	var buf bytes.Buffer
	for _, path := range files {
		f := parsedFile{path: path, abs: names.Of(path)}
		var data []byte
		if data, f.err = ingest.ReadInto(&buf, path); f.err == nil {
			f.size = int64(len(data))
			if seen != nil {
				f.known, f.hash = seen.known(f.abs, data, format)
			}
			if f.known != nil {
				f.data = bytes.Clone(data)
			} else {
				f.docs, f.err = parseFile(path, f.abs, data, format)
			}
		}
		select {
		case out <- f:
		case <-ctx.Done():
			return
		}
	}
}

// minBar is the size of the files from which ingest shows a progress bar:
// about 500 paragraphs.
const minBar = 256 << 10

// newBar returns a progress bar of the bytes of files, drawn on w when w is
// a terminal and the files are large enough to need one; logs and scripts
// get the summary only.
func newBar(files []string, w io.Writer) *progressbar.ProgressBar {
	var total int64
	for _, path := range files {
		if info, err := os.Stat(path); err == nil {
			total += info.Size()
		}
	}
	return bar(w, total, "ingesting", total >= minBar, progressbar.OptionShowBytes(true))
}

// isTerminal reports whether w is a terminal, where a progress bar belongs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// bar is a progress bar of total units, drawn on w when it is a terminal
// and show is set, its units and rate shown as units says.
func bar(w io.Writer, total int64, what string, show bool, units ...progressbar.Option) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total, append([]progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(isTerminal(w) && show),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
	}, units...)...)
}
