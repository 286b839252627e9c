package sources

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
)

// WatchExts are the extensions, in lower case, of the files a [Watcher]
// ingests: those cmd/veille takes from folders, plus HTML, e-mail and feed
// files.
var WatchExts = []string{".txt", ".md", ".markdown", ".jsonl", ".ndjson", ".html", ".htm", ".eml", ".rss", ".atom", ".xml"}

// WatchOptions configures [NewWatcher]. Zero values take the defaults.
type WatchOptions struct {
	// Rescan is the interval of the full rescan that catches what
	// notifications missed (default 30s; negative disables it).
	Rescan time.Duration
	// Debounce is how long a file must stay quiet after an event before it
	// is read (default 200ms). A file written to without pause is read
	// after 4×Debounce at most.
	Debounce time.Duration
	Logger   *slog.Logger
}

// fileState is what a file last gave the archive.
type fileState struct {
	hash   [sha256.Size]byte // of the content last parsed; zero to force a re-read
	size   int64
	mod    time.Time
	issues map[string]string // issue id → content hash, as this file gave them, of the issues the archive holds from it
	others []string          // issue ids this file gives that another file holds
}

// pending is a debounced file event.
type pending struct {
	first, due time.Time
}

// Watcher keeps the archive in step with the issue files under a folder; see
// the package documentation. Its state belongs to the goroutine running
// [Watcher.Run].
type Watcher struct {
	dir  string
	sink Sink
	opts WatchOptions
	log  *slog.Logger

	fsw     *fsnotify.Watcher
	files   map[string]*fileState // by path, as walked from dir
	pending map[string]pending
	ready   chan struct{}
}

// Canonical returns the name a file's issues give as their source: the
// file's name in its folder's [CanonicalDir], so that it is one and the
// same whatever the working directory and the links a path goes through,
// but a link to a file is named as the link, as a watcher walking the
// folder finds it.
func Canonical(path string) string {
	return canonical(path, CanonicalDir)
}

// canonical is [Canonical], its folders resolved by dirOf.
func canonical(path string, dirOf func(string) string) string {
	// Not filepath.Dir, which takes ".." back lexically.
	dir, base := ".", path
	if i := strings.LastIndexByte(path, filepath.Separator); i >= 0 {
		dir, base = path[:i+1], path[i+1:]
	}
	if base == "" || base == "." || base == ".." {
		return dirOf(path)
	}
	return filepath.Join(dirOf(dir), base)
}

// Canonicals names files as [Canonical] does, resolving the links of each
// folder once: a load of the 2,000 files of one folder spent a quarter of
// a second of CPU resolving that folder again for every file, four times
// over. Links changed while it is in use are not seen, so one serves a
// single pass over a set of files. The zero value is ready to use; it is
// safe for concurrent use.
type Canonicals struct {
	mu   sync.Mutex
	dirs map[string]string
}

// Of returns the canonical name of the file at path ([Canonical]).
func (c *Canonicals) Of(path string) string {
	return canonical(path, c.dir)
}

func (c *Canonicals) dir(dir string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.dirs[dir]; ok {
		return d
	}
	if c.dirs == nil {
		c.dirs = map[string]string{}
	}
	d := CanonicalDir(dir)
	c.dirs[dir] = d
	return d
}

// CanonicalDir returns the absolute path of dir with its symbolic links
// resolved, ".." stepping back from where a link led, as the system does.
// Of a path that does not exist, the longest part that does is resolved.
func CanonicalDir(dir string) string {
	// Not filepath.Join, which would take ".." back lexically before the
	// links are followed.
	p := dir
	if !filepath.IsAbs(p) {
		wd, err := os.Getwd()
		if err != nil {
			return filepath.Clean(dir)
		}
		if real, err := filepath.EvalSymlinks(wd); err == nil {
			wd = real
		}
		p = wd + string(filepath.Separator) + p
	}
	rest := ""
	for {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(real, rest)
		}
		i := strings.LastIndexByte(p, filepath.Separator)
		if i <= 0 {
			return filepath.Clean(filepath.Join(p, rest))
		}
		p, rest = p[:i], filepath.Join(p[i+1:], rest)
	}
}

// NewWatcher returns a watcher of dir writing to sink. It does nothing until
// [Watcher.Run].
func NewWatcher(dir string, sink Sink, opts WatchOptions) *Watcher {
	opts.Rescan = cmp.Or(opts.Rescan, 30*time.Second)
	opts.Debounce = cmp.Or(opts.Debounce, 200*time.Millisecond)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Files are named, and so are the sources of their issues, by canonical
	// paths, which seed can tell from upload names whatever the folder the
	// server starts in or the links it goes through.
	dir = CanonicalDir(dir)
	return &Watcher{
		dir:     dir,
		sink:    sink,
		opts:    opts,
		log:     log.With("dir", dir),
		files:   map[string]*fileState{},
		pending: map[string]pending{},
		ready:   make(chan struct{}),
	}
}

// Ready is closed once the initial scan of [Watcher.Run] is over: every file
// present at start has been ingested (or has failed and been logged). It is
// never closed when Run fails to start or ctx ends during the scan.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Run ingests every issue file under the folder, then applies changes until
// ctx is done, when it returns nil. It returns an error only when the watch
// cannot start: the folder is not a readable directory, or notifications
// are unavailable. Errors on single files are logged and do not stop it.
// Call Run once.
func (w *Watcher) Run(ctx context.Context) error {
	info, err := os.Stat(w.dir)
	if err != nil {
		return fmt.Errorf("watch %s: %w", w.dir, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("watch %s: not a directory", w.dir)
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", w.dir, err)
	}
	defer fsw.Close()
	w.fsw = fsw

	// The watches are added as the scan walks, before each folder's files
	// are read, so that no change falls between the scan and the watch.
	start := time.Now()
	if err := w.seed(ctx); err != nil {
		return fmt.Errorf("watch %s: %w", w.dir, err)
	}
	w.rescan(ctx)
	if ctx.Err() != nil {
		return nil
	}
	issues := 0
	for _, st := range w.files {
		issues += len(st.issues)
	}
	w.log.InfoContext(ctx, "watching folder", "files", len(w.files), "issues", issues, "took", time.Since(start).Round(time.Millisecond))
	close(w.ready)

	var tick <-chan time.Time
	if w.opts.Rescan > 0 {
		t := time.NewTicker(w.opts.Rescan)
		defer t.Stop()
		tick = t.C
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if due, ok := w.nextDue(); ok {
			timer.Reset(time.Until(due))
		} else {
			timer.Stop()
		}
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-fsw.Events:
			if !ok {
				return nil
			}
			w.event(ev)
		case err, ok := <-fsw.Errors:
			if !ok {
				return nil
			}
			w.log.WarnContext(ctx, "watch error", "err", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.rescan(ctx)
			}
		case now := <-timer.C:
			w.flush(ctx, now)
		case <-tick:
			w.rescan(ctx)
		}
	}
}

// seed tracks, when the sink is a [Holder], the issues it holds from files
// under the folder, by their sources, as if this watcher had ingested them:
// the first scan then deletes those of files that are gone and those that
// their files no longer give, as it would have while watching. Only an
// absolute source is taken for a file, as a watcher and `veille ingest`
// write them ([Canonical]); a relative one (an upload's name, a source
// stored by an older version) says nothing sure about which file it was.
func (w *Watcher) seed(ctx context.Context) error {
	h, ok := w.sink.(Holder)
	if !ok {
		return nil
	}
	issues, err := h.Issues(ctx)
	if err != nil {
		return err
	}
	for _, iss := range issues {
		if !filepath.IsAbs(iss.Source) {
			continue
		}
		rel, err := filepath.Rel(w.dir, iss.Source)
		if err != nil || rel == "." || !filepath.IsLocal(rel) {
			continue
		}
		path := filepath.Join(w.dir, rel)
		st := w.state(path)
		st.issues[iss.ID] = iss.Hash
	}
	return nil
}

// event schedules what a notification may have changed.
func (w *Watcher) event(ev fsnotify.Event) {
	path := filepath.Clean(ev.Name)
	if w.hidden(path) {
		return
	}
	switch {
	case ev.Has(fsnotify.Create):
		// A new folder is walked at once, so that the files created in it
		// before its watch was added are not missed.
		if info, err := os.Lstat(path); err == nil && info.IsDir() {
			w.walk(path, func(p string) { w.schedule(p) })
			return
		}
		if wanted(path) {
			w.schedule(path)
		}
	case ev.Has(fsnotify.Write):
		if wanted(path) {
			w.schedule(path)
		}
	case ev.Has(fsnotify.Remove), ev.Has(fsnotify.Rename):
		w.unwatch(path)
		// A folder gone has no extension: look for files tracked under it.
		if wanted(path) || w.tracksUnder(path) {
			w.schedule(path)
		}
	}
}

// unwatch removes the watches of the folder path, gone or renamed, and of
// the folders under it. A folder renamed within the watched one keeps its
// watches in the kernel, and fsnotify would go on naming its folders' events
// with their old paths (it drops only the renamed folder's own watch, once
// it sees the move); the new name's Create then adds fresh watches.
func (w *Watcher) unwatch(path string) {
	for _, p := range w.fsw.WatchList() {
		if p == path || strings.HasPrefix(p, path+string(filepath.Separator)) {
			// Already gone when fsnotify dropped it first.
			_ = w.fsw.Remove(p)
		}
	}
}

// schedule debounces a sync of path.
func (w *Watcher) schedule(path string) {
	now := time.Now()
	p, ok := w.pending[path]
	if !ok {
		p.first = now
	}
	p.due = now.Add(w.opts.Debounce)
	if last := p.first.Add(4 * w.opts.Debounce); last.Before(p.due) {
		p.due = last
	}
	w.pending[path] = p
}

// nextDue returns the earliest due time of the pending syncs.
func (w *Watcher) nextDue() (time.Time, bool) {
	var due time.Time
	for _, p := range w.pending {
		if due.IsZero() || p.due.Before(due) {
			due = p.due
		}
	}
	return due, !due.IsZero()
}

// flush syncs the pending paths that are due, in path order. A path that is
// gone waits while paths that exist are pending, up to 4×Debounce after its
// first event, and goes after them: a file or folder renamed within the
// watched folder then has its issues claimed by its new name (see apply),
// rather than deleted and ingested again, although the old name's event
// comes first.
func (w *Watcher) flush(ctx context.Context, now time.Time) {
	isGone := make(map[string]bool, len(w.pending))
	var present time.Time // the latest due time of the existing paths pending
	for path, p := range w.pending {
		isGone[path] = gone(path)
		if p.due.After(present) && !isGone[path] {
			present = p.due
		}
	}
	var due []string
	for path, p := range w.pending {
		if p.due.After(now) {
			continue
		}
		if present.After(now) && isGone[path] {
			if last := p.first.Add(4 * w.opts.Debounce); last.After(now) {
				p.due = present
				if last.Before(present) {
					p.due = last
				}
				w.pending[path] = p
				continue
			}
		}
		due = append(due, path)
	}
	slices.SortFunc(due, func(a, b string) int {
		if ga, gb := isGone[a], isGone[b]; ga != gb {
			if ga {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	for _, path := range due {
		delete(w.pending, path)
		if ctx.Err() != nil {
			return
		}
		w.sync(ctx, path)
	}
}

// rescan walks the folder, adding watches, syncing the files whose size or
// modification time changed, and forgetting the files that are gone.
func (w *Watcher) rescan(ctx context.Context) {
	if _, err := os.Stat(w.dir); err != nil {
		// A folder that vanished (an unmounted disk) is not taken as the
		// deletion of every issue.
		w.log.WarnContext(ctx, "rescan skipped", "err", err)
		return
	}
	seen := map[string]bool{}
	w.walk(w.dir, func(path string) {
		seen[path] = true
		if ctx.Err() != nil {
			return
		}
		if st := w.files[path]; st != nil && st.hash != ([sha256.Size]byte{}) {
			if info, err := os.Stat(path); err == nil && info.Size() == st.size && info.ModTime().Equal(st.mod) {
				return
			}
		}
		w.sync(ctx, path)
	})
	for _, path := range w.tracked() {
		if !seen[path] && ctx.Err() == nil {
			w.sync(ctx, path)
		}
	}
}

// walk adds a watch on every folder under root that is not hidden and calls
// fn with each issue file. Errors are logged; the walk goes on.
func (w *Watcher) walk(root string, fn func(path string)) {
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			w.log.Warn("watch walk", "path", path, "err", err)
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if err := w.fsw.Add(path); err != nil {
				// Past the system's limit of watches, the rescan still
				// catches what happens in this folder.
				w.log.Warn("watch folder", "path", path, "err", err)
			}
			return nil
		}
		if wanted(path) {
			fn(path)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		w.log.Warn("watch walk", "path", root, "err", err)
	}
}

// sync brings the archive in line with path: a file is (re)ingested when
// its content changed, a path that is gone has its files' issues deleted.
func (w *Watcher) sync(ctx context.Context, path string) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.forget(ctx, path)
		return
	case err != nil:
		w.log.WarnContext(ctx, "stat file", "file", path, "err", err)
		return
	case info.IsDir():
		w.walk(path, func(p string) { w.sync(ctx, p) })
		return
	case !info.Mode().IsRegular() || !wanted(path) || w.hidden(path):
		return
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		w.forget(ctx, path)
		return
	}
	if err != nil {
		w.log.WarnContext(ctx, "read file", "file", path, "err", err)
		return
	}
	st := w.state(path)
	hash := sha256.Sum256(data)
	st.size, st.mod = info.Size(), info.ModTime()
	if hash == st.hash {
		return
	}
	st.hash = hash
	docs, err := ingest.Parse(path, data, ingest.FormatDetect)
	if err != nil {
		// The hash is kept so that the error is logged once per version
		// of the file; the issues are kept as they were.
		w.log.ErrorContext(ctx, "parse file", "file", path, "err", err, "kept_issues", len(st.issues))
		return
	}
	w.apply(ctx, path, st, docs)
}

// state returns the state of path, tracking it if it was not.
func (w *Watcher) state(path string) *fileState {
	st := w.files[path]
	if st == nil {
		st = &fileState{issues: map[string]string{}}
		w.files[path] = st
	}
	return st
}

// apply ingests the documents of a file, then deletes the issues the file
// no longer produces. An issue that another existing file holds is left to
// it, with an error when this file gives other content: the holder is the
// file the archive's issue names as its source, so that which one wins
// does not depend on the order of a scan, and a restart does not store
// the two versions in turn.
func (w *Watcher) apply(ctx context.Context, path string, st *fileState, docs []ingest.Document) {
	var (
		now       = map[string]bool{}   // issue ids the file produces now
		held      = map[string]string{} // those the archive holds from it, with their hashes
		others    []string              // those another file holds
		conflicts []ingest.Document
		failed    bool
		sum       struct{ added, changed, removed int }
	)
	for _, doc := range docs {
		now[doc.Issue.ID] = true
	}
	ingestDoc := func(doc ingest.Document) error {
		id := doc.Issue.ID
		if holder := w.holder(id, path); holder != "" {
			if !gone(holder) {
				if w.files[holder].issues[id] != doc.Issue.Hash {
					w.log.ErrorContext(ctx, "issue also given, with other content, by another file, which keeps it",
						"file", path, "issue", id, "kept_from", holder)
				}
				others = append(others, id)
				return nil
			}
			// Renamed or moved: the old name no longer holds the issue.
			w.release(holder, id)
		}
		res, err := w.sink.Ingest(ctx, doc)
		if err != nil {
			return err
		}
		held[id] = doc.Issue.Hash
		sum.added += res.Added
		sum.changed += res.Changed
		sum.removed += res.Removed
		return nil
	}
	fail := func(doc ingest.Document, err error) {
		failed = true
		if ctx.Err() == nil {
			w.log.ErrorContext(ctx, "ingest file", "file", path, "issue", doc.Issue.ID, "err", err)
		}
	}
	for _, doc := range docs {
		err := ingestDoc(doc)
		switch {
		case errors.Is(err, store.ErrConflict):
			// A paragraph moved from an issue the file no longer produces
			// (a corpus line whose date changed): retried once the stale
			// issues are deleted.
			conflicts = append(conflicts, doc)
		case err != nil:
			fail(doc, err)
		}
	}
	for id := range st.issues {
		if !now[id] {
			sum.removed += w.drop(ctx, path, id)
		}
	}
	for _, doc := range conflicts {
		if err := ingestDoc(doc); err != nil {
			fail(doc, err)
		}
	}
	if failed {
		// The archive still holds the old version of an issue that failed
		// to update, and the next rescan retries the whole file.
		for id, hash := range st.issues {
			if _, ok := held[id]; now[id] && !ok {
				held[id] = hash
			}
		}
		st.hash = [sha256.Size]byte{}
	}
	gave := st.others
	st.issues, st.others = held, others
	sum.removed += w.dropOrphans(ctx, path, slices.DeleteFunc(gave, func(id string) bool { return now[id] }))
	level := slog.LevelInfo
	if sum.added+sum.changed+sum.removed == 0 {
		level = slog.LevelDebug // unchanged: the common case of the initial scan
	}
	w.log.Log(ctx, level, "ingested file", "file", path, "issues", len(held),
		"added", sum.added, "changed", sum.changed, "removed", sum.removed)
}

// forget deletes the issues of path, or of the files tracked under it when
// it was a folder, and stops tracking them.
func (w *Watcher) forget(ctx context.Context, path string) {
	if _, err := os.Stat(w.dir); err != nil {
		w.log.WarnContext(ctx, "watched folder unavailable, issues kept", "file", path, "err", err)
		return
	}
	for _, p := range w.tracked() {
		if p != path && !strings.HasPrefix(p, path+string(filepath.Separator)) {
			continue
		}
		st := w.files[p]
		delete(w.files, p)
		removed := 0
		for id := range st.issues {
			removed += w.drop(ctx, p, id)
		}
		removed += w.dropOrphans(ctx, p, st.others)
		w.log.InfoContext(ctx, "file removed", "file", p, "issues", len(st.issues), "removed", removed)
	}
}

// drop deletes issue id, which the archive holds from path, and returns the
// number of items removed. When another file also gives the issue, it is
// kept and that file is scheduled for re-ingestion, so that the archive
// holds its version, from it.
func (w *Watcher) drop(ctx context.Context, path, id string) int {
	if next := w.successor(id, path); next != "" {
		w.files[next].hash = [sha256.Size]byte{}
		w.schedule(next)
		return 0
	}
	res, err := w.sink.DeleteIssue(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		if ctx.Err() == nil {
			w.log.ErrorContext(ctx, "delete issue", "file", path, "issue", id, "err", err)
		}
		return 0
	}
	return res.Removed
}

// dropOrphans drops the issues of ids, which path gave while another file
// held them and gives no more, that no file holds now: their holder went
// while path was to take over (see drop).
func (w *Watcher) dropOrphans(ctx context.Context, path string, ids []string) int {
	removed := 0
	for _, id := range ids {
		if w.holder(id, path) == "" {
			removed += w.drop(ctx, path, id)
		}
	}
	return removed
}

// release takes issue id from the issues the archive holds from path.
func (w *Watcher) release(path, id string) {
	st := w.files[path]
	delete(st.issues, id)
}

// gone reports whether nothing exists at path any more.
func gone(path string) bool {
	_, err := os.Lstat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// holder returns another tracked file from which the archive holds issue
// id, or "".
func (w *Watcher) holder(id, except string) string {
	for _, p := range w.tracked() {
		if _, ok := w.files[p].issues[id]; ok && p != except {
			return p
		}
	}
	return ""
}

// successor returns the first other tracked file, still there, that gives
// issue id while another holds it, or "".
func (w *Watcher) successor(id, except string) string {
	for _, p := range w.tracked() {
		if p != except && slices.Contains(w.files[p].others, id) && !gone(p) {
			return p
		}
	}
	return ""
}

// tracked returns the tracked paths, sorted.
func (w *Watcher) tracked() []string {
	paths := make([]string, 0, len(w.files))
	for p := range w.files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// tracksUnder reports whether a file is tracked under folder dir.
func (w *Watcher) tracksUnder(dir string) bool {
	prefix := dir + string(filepath.Separator)
	for p := range w.files {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// hidden reports whether path, below the watched folder, has a component
// starting with ".".
func (w *Watcher) hidden(path string) bool {
	rel, err := filepath.Rel(w.dir, path)
	if err != nil || rel == "." {
		return false
	}
	for part := range strings.SplitSeq(rel, string(filepath.Separator)) {
		if strings.HasPrefix(part, ".") && part != ".." {
			return true
		}
	}
	return false
}

// wanted reports whether path has one of [WatchExts].
func wanted(path string) bool {
	return slices.Contains(WatchExts, strings.ToLower(filepath.Ext(path)))
}
