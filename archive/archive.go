// Package archive keeps the store, the vector index and the embedder in step.
// The store is the source of truth; the index is derived from it: loaded from
// its snapshot and reconciled with the store at start, rebuilt from the store
// when the snapshot is missing or unreadable, and updated after every write.
//
// Searches go to the index and read the items back from the store, so an item
// deleted while a search runs is simply left out of its results.
package archive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/lexical"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

// Embedder turns texts into L2-normalised vectors.
type Embedder interface {
	Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error)
	Identity() embed.Identity
}

// Config configures [Open].
type Config struct {
	// SnapshotPath is the index snapshot file, beside the Badger directory.
	SnapshotPath string
	// Index sets the HNSW parameters; Dims is taken from the embedder.
	// Quantization defaults to [DefaultQuantization]: searches walk the
	// graph on one byte per dimension and rescore the beam with the float32
	// vectors, which at 1,024 dims and 100,000 items takes about half the
	// time of a float32 walk for the same recall (BENCHMARKS.md). An index
	// loaded from a snapshot keeps the quantization it was built with.
	Index vectorindex.Config
	// Lexical tunes the BM25 index and Fusion the hybrid ranking.
	Lexical lexical.Config
	Fusion  Fusion
	// EmbedBatch is the number of texts per embedding call (default 64) and
	// EmbedWorkers the number of calls in flight (default 2).
	EmbedBatch, EmbedWorkers int
	Logger                   *slog.Logger
	// Observe, when set, is called after every successful ingest or delete.
	Observe func(Result)
	// Stage, when set, is told what Open does when it may take a while
	// (building or compacting the index), so that a starting server can
	// say it.
	Stage func(string)
	// Next, when set, is the embedder a reindex moves the archive to
	// ([Archive.Reindex]). When the store's vectors already come from it
	// (the reindex switched before a restart), Open serves with it.
	Next Embedder
}

// DefaultQuantization is the archive's default [vectorindex.Config]
// Quantization.
const DefaultQuantization = "int8"

// Archive is the searchable archive. It is safe for concurrent use: searches
// run in parallel with each other and with a write; writes are serialised.
type Archive struct {
	db  *store.DB
	cur atomic.Pointer[generation] // the embedder and index serving queries; swapped by a reindex
	lex *lexical.Index             // derived from the store: its snapshot reconciled at Open (catalog.go)
	cfg Config
	log *slog.Logger

	writeMu sync.Mutex // one ingest, delete or generation switch at a time, so the index follows the store in order
	bulk    *follower  // indexes changes in the background while a bulk load runs (bulk.go); guarded by writeMu

	catalogChanged bool // dates and lex differ from the catalog snapshot (catalog.go); guarded by writeMu

	// A compaction of the serving index runs in the background once its
	// tombstones outnumber its live items (compact.go).
	compactCtx  context.Context
	stopCompact context.CancelFunc
	compacting  atomic.Bool
	compactions sync.WaitGroup

	mu     sync.RWMutex
	dates  map[uint32]string // seq → issue date, for date filters
	byDate map[string]int    // issue date → items, for Newest
}

// Open checks that db's vectors come from emb (recording emb's identity in an
// empty store), then loads the index snapshot, or rebuilds the index from db.
func Open(ctx context.Context, db *store.DB, emb Embedder, cfg Config) (*Archive, error) {
	cfg.EmbedBatch = cmp.Or(cfg.EmbedBatch, 64)
	cfg.EmbedWorkers = cmp.Or(cfg.EmbedWorkers, 2)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Next != nil {
		stored, ok, err := db.Embedder()
		if err != nil {
			return nil, err
		}
		if next := StoreID(cfg.Next); ok && stored == next && stored != StoreID(emb) {
			cfg.Logger.Warn("a reindex moved the archive to the next embedder: serving with it; make it the configured embedder",
				"embedder", next)
			emb = cfg.Next
		}
	}
	id := emb.Identity()
	if id.Dims <= 0 {
		return nil, fmt.Errorf("embedder %s: unknown dimensions", id)
	}
	if err := db.UseEmbedder(StoreID(emb)); err != nil {
		return nil, err
	}
	if err := DeriveVectors(db); err != nil {
		return nil, err
	}
	cfg.Fusion = cfg.Fusion.withDefaults()
	if cfg.Index.Quantization == "" {
		cfg.Index.Quantization = DefaultQuantization
	}
	a := &Archive{db: db, cfg: cfg, log: cfg.Logger}
	cfg.Index.Dims = id.Dims
	// The index snapshot is read while the catalog loads: reconciling it
	// needs the catalog, reading it does not.
	gen := db.Generation()
	type loaded struct {
		ix  *vectorindex.Index
		err error
		at  time.Time
	}
	snap := make(chan loaded, 1)
	go func() {
		start := time.Now()
		ix, err := vectorindex.Load(snapshotPath(cfg.SnapshotPath, gen))
		snap <- loaded{ix, err, start}
	}()
	if err := a.loadCatalog(ctx); err != nil {
		<-snap
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	l := <-snap
	ix, err := a.loadIndex(ctx, cfg.Index, gen, l.ix, l.err, l.at)
	if err != nil {
		return nil, err
	}
	a.compactCtx, a.stopCompact = context.WithCancel(context.WithoutCancel(ctx))
	a.cur.Store(&generation{gen: gen, emb: emb, ix: ix})
	return a, nil
}

// DeriveVectors sets db, when its active generation holds the built-in
// embedder's vectors, to store none of them and to give each one, when it
// is read, from its item's text ([store.DB.DeriveVectors]). [Open] calls it;
// a program that reads a store's vectors without an Archive must call it
// first.
func DeriveVectors(db *store.DB) error {
	e, ok, err := db.Embedder()
	if err != nil || !ok {
		return err
	}
	passage, ok := embed.PassageFunc(embed.Identity{Provider: e.Provider, Model: e.Model, Dims: e.Dims})
	if !ok {
		return nil
	}
	return db.DeriveVectors(e, func(it ingest.Item) []float32 { return passage(PassageText(it)) })
}

// StoreID is the identity the store records for emb's vectors.
func StoreID(emb Embedder) store.Embedder {
	id := emb.Identity()
	return store.Embedder{Provider: id.Provider, Model: id.Model, Dims: id.Dims}
}

// loadIndex brings generation gen's snapshot, ix as Load returned it (with
// err) after starting at start, up to date with the store, or rebuilds the
// index when there is no usable snapshot.
func (a *Archive) loadIndex(ctx context.Context, icfg vectorindex.Config, gen uint32, ix *vectorindex.Index, err error, start time.Time) (*vectorindex.Index, error) {
	building := fmt.Sprintf("building the index from the store (%d items)", len(a.dates))
	switch {
	case errors.Is(err, os.ErrNotExist):
		a.log.Info("no index snapshot, building the index from the store", "items", len(a.dates))
		a.stage(building)
		return a.rebuild(ctx, icfg, gen)
	case err != nil:
		a.log.Warn("index snapshot unusable, rebuilding the index from the store", "err", err, "items", len(a.dates))
		a.stage(building)
		return a.rebuild(ctx, icfg, gen)
	case ix.Dims() != icfg.Dims:
		a.log.Warn("index snapshot has other dimensions, rebuilding", "snapshot_dims", ix.Dims(), "dims", icfg.Dims)
		a.stage(building)
		return a.rebuild(ctx, icfg, gen)
	}
	added, removed, err := a.reconcile(ctx, ix, gen)
	if err != nil {
		return nil, err
	}
	a.log.Info("index loaded", "items", ix.Len(), "added", added, "removed", removed, "took", time.Since(start))
	if ix.NeedsCompaction() {
		a.stage("compacting the index")
		if err := a.compact(ctx, ix); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// stage tells the Stage hook, if any, what Open is doing.
func (a *Archive) stage(s string) {
	if a.cfg.Stage != nil {
		a.cfg.Stage(s)
	}
}

func (a *Archive) rebuild(ctx context.Context, icfg vectorindex.Config, gen uint32) (*vectorindex.Index, error) {
	start := time.Now()
	ix, err := vectorindex.New(icfg)
	if err != nil {
		return nil, fmt.Errorf("new index: %w", err)
	}
	if err := a.db.WalkGeneration(ctx, gen, func(seq uint32, vec []float32) error {
		return ix.Add(seq, vec)
	}); err != nil {
		return nil, fmt.Errorf("rebuild index: %w", err)
	}
	a.log.Info("index built", "items", ix.Len(), "took", time.Since(start))
	return ix, nil
}

// reconcile makes ix hold exactly the store's items, with their vectors of
// generation gen: those written after the snapshot are added, those deleted
// after it are removed.
func (a *Archive) reconcile(ctx context.Context, ix *vectorindex.Index, gen uint32) (added, removed int, err error) {
	for _, seq := range ix.IDs() {
		if _, ok := a.dates[seq]; !ok {
			ix.Delete(seq)
			removed++
		}
	}
	for seq := range a.dates {
		if ix.Contains(seq) {
			continue
		}
		vec, err := a.db.Vector(ctx, gen, seq)
		if err != nil {
			return added, removed, fmt.Errorf("reconcile index: %w", err)
		}
		if err := ix.Add(seq, vec); err != nil {
			return added, removed, fmt.Errorf("reconcile index: %w", err)
		}
		added++
	}
	return added, removed, nil
}

// Close writes the index and catalog snapshots, unless they are the ones
// loaded and nothing changed since. The store is the caller's to close.
func (a *Archive) Close() error { return a.close(false) }

// CloseWithStore is [Archive.Close], and closes the store too, beside the
// index snapshot's writing, which needs nothing from it. The store's close
// syncs it and writes its memory table to a table file, 0.24 s on one core
// at the end of a 100,000-paragraph `veille ingest` when it came after the
// snapshots: side by side, the ingest's last stage (from its last file to
// its exit) took 0.48–0.84 s instead of 0.92–1.07 s. It closes after the
// catalog snapshot rather than beside it too: 0.76–0.82 s instead of
// 1.02–1.10 s (three alternated pairs).
func (a *Archive) CloseWithStore() error { return a.close(true) }

func (a *Archive) close(withStore bool) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	// A compaction under way is abandoned: the next Open compacts.
	a.stopCompact()
	a.compactions.Wait()
	g := a.cur.Load()
	path := snapshotPath(a.cfg.SnapshotPath, g.gen)
	// The index snapshot has a core to itself: beside it, one goroutine
	// writes the catalog's snapshot and then closes the store, or syncs an
	// unsynced one, whose writes would otherwise wait for the disk in the
	// store's Close. Three goroutines on two cores slowed the index
	// snapshot by half, and it ended last; since it counts nonzero
	// coordinates sixteen at a time it takes a third of that, and three
	// goroutines ended the ingest no sooner (BENCHMARKS.md, twenty-ninth
	// pass).
	var saved sync.WaitGroup
	var ixErr, catErr, dbErr error
	if _, err := os.Stat(path); g.ix.Changed() || err != nil {
		saved.Go(func() {
			if err := g.ix.Save(path); err != nil {
				ixErr = fmt.Errorf("save index snapshot: %w", err)
			}
		})
	}
	if err := a.saveCatalog(); err != nil {
		catErr = fmt.Errorf("save catalog snapshot: %w", err)
	}
	switch {
	case withStore:
		if err := a.db.Close(); err != nil {
			dbErr = fmt.Errorf("close store: %w", err)
		}
	case a.db.Unsynced():
		if err := a.db.Sync(); err != nil {
			dbErr = fmt.Errorf("sync store: %w", err)
		}
	}
	saved.Wait()
	return errors.Join(ixErr, catErr, dbErr)
}

// Embed embeds texts with the archive's embedder.
func (a *Archive) Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error) {
	g := a.acquire()
	defer g.release()
	return g.emb.Embed(ctx, texts, mode)
}

// Identity returns the identity of the archive's embedder.
func (a *Archive) Identity() embed.Identity { return a.cur.Load().emb.Identity() }

// Result counts what an ingest or a delete did to an issue's items.
type Result struct {
	IssueID   string `json:"issue_id"`
	Created   bool   `json:"created"`
	Added     int    `json:"added"`
	Changed   int    `json:"changed"`
	Unchanged int    `json:"unchanged"`
	Removed   int    `json:"removed"`
	Embedded  int    `json:"embedded"` // new or changed items, embedded or found in the cache
}

// Ingest stores doc, embedding only its new and changed items, and updates
// the index. It returns once the change is durable (in a store opened
// unsynced, once it is written: see store.Options.Unsynced) and searchable.
func (a *Archive) Ingest(ctx context.Context, doc ingest.Document) (Result, error) {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()

	// An issue stored with the same content hash is unchanged: nothing to
	// read item by item, nothing to write.
	same, err := a.db.SameIssue(ctx, doc.Issue)
	if err != nil {
		return Result{IssueID: doc.Issue.ID}, err
	}
	if same {
		res := Result{IssueID: doc.Issue.ID, Unchanged: len(doc.Items)}
		a.observe(res)
		return res, nil
	}
	plan, err := a.db.Plan(ctx, doc)
	if err != nil {
		return Result{IssueID: doc.Issue.ID}, err
	}
	vecs, err := a.embedItems(ctx, a.cur.Load().emb, plan.Embed)
	if err != nil {
		return Result{IssueID: doc.Issue.ID}, err
	}
	ch, err := a.db.Apply(ctx, doc, vecs)
	if err != nil {
		return Result{IssueID: doc.Issue.ID}, err
	}
	if err := a.apply(ch); err != nil {
		return Result{IssueID: doc.Issue.ID}, err
	}
	res := Result{
		IssueID:   ch.IssueID,
		Created:   ch.Created,
		Added:     len(ch.Added) - ch.Changed,
		Changed:   ch.Changed,
		Unchanged: ch.Unchanged,
		Removed:   len(ch.Removed) - ch.Changed,
		Embedded:  len(plan.Embed),
	}
	a.observe(res)
	return res, nil
}

func (a *Archive) observe(res Result) {
	if a.cfg.Observe != nil {
		a.cfg.Observe(res)
	}
}

// DeleteIssue removes an issue and its items from the store and the index.
func (a *Archive) DeleteIssue(ctx context.Context, id string) (Result, error) {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	ch, err := a.db.DeleteIssue(ctx, id)
	if err != nil {
		return Result{IssueID: id}, err
	}
	if err := a.apply(ch); err != nil {
		return Result{IssueID: id}, err
	}
	res := Result{IssueID: id, Removed: len(ch.Removed)}
	a.observe(res)
	return res, nil
}

// follow applies a store change to the date catalog, the serving index and
// the BM25 index. a.writeMu is held, so the generation does not change
// meanwhile.
func (a *Archive) follow(ch store.Change) error {
	a.followDates(ch)
	a.followLexical(ch)
	return a.followVectors(ch)
}

// followDates applies a store change to the date catalog.
func (a *Archive) followDates(ch store.Change) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, seq := range ch.Removed {
		d := a.dates[seq]
		if a.byDate[d]--; a.byDate[d] <= 0 {
			delete(a.byDate, d)
		}
		delete(a.dates, seq)
	}
	for _, v := range ch.Added {
		a.dates[v.Seq] = v.Date
		a.byDate[v.Date]++
	}
}

// followLexical applies a store change to the BM25 index.
func (a *Archive) followLexical(ch store.Change) {
	for _, seq := range ch.Removed {
		a.lex.Delete(seq)
	}
	for _, v := range ch.Added {
		a.lex.Add(v.Seq, v.Headline, v.Text)
	}
}

// followVectors applies store changes, in order, to the serving vector
// index: the items the changes add in one AddBatch, unless a change also
// removes items, which splits the batch there. The generation does not
// change meanwhile: a switch holds writeMu and waits for no bulk load to run.
func (a *Archive) followVectors(chs ...store.Change) error {
	ix := a.cur.Load().ix
	var errs []error
	defer a.compactLater(ix)
	for len(chs) > 0 {
		n := 1 // the changes that go into one batch
		for n < len(chs) && len(chs[n].Removed) == 0 {
			n++
		}
		for _, seq := range chs[0].Removed {
			ix.Delete(seq)
		}
		var seqs []uint32
		var vecs [][]float32
		for _, ch := range chs[:n] {
			for _, v := range ch.Added {
				seqs = append(seqs, v.Seq)
				vecs = append(vecs, v.Vec)
			}
		}
		switch err := ix.AddBatch(seqs, vecs); {
		case err == nil:
		case n == 1:
			// The store has the items; the next start's reconcile adds them.
			errs = append(errs, fmt.Errorf("index issue %s: %w", chs[0].IssueID, err))
		default:
			// AddBatch adds nothing when it fails: index the changes one
			// by one, so that only the faulty one is left out.
			for _, ch := range chs[:n] {
				ch.Removed = nil // done above
				errs = append(errs, a.followVectors(ch))
			}
		}
		chs = chs[n:]
	}
	return errors.Join(errs...)
}

// embedItems returns emb's vectors of items' headlines and texts, by item
// id.
func (a *Archive) embedItems(ctx context.Context, emb Embedder, items []ingest.Item) (map[string][]float32, error) {
	texts := make([]string, len(items))
	for i, it := range items {
		texts[i] = PassageText(it)
	}
	vecs, err := a.embedPassages(ctx, emb, texts)
	if err != nil {
		return nil, err
	}
	m := make(map[string][]float32, len(items))
	for i, it := range items {
		m[it.ID] = vecs[i]
	}
	return m, nil
}

// embedPassages returns emb's vectors of texts: from the embedding cache,
// or embedded in batches, several in flight, each batch cached as soon as
// it is embedded, so that a canceled call never pays twice for what it got.
// The vectors of an embedder that recomputes them cheaper than the cache
// returns them are neither looked up nor cached (see [worthCaching]).
func (a *Archive) embedPassages(ctx context.Context, emb Embedder, texts []string) ([][]float32, error) {
	sid := StoreID(emb)
	useCache := worthCaching(sid)
	vecs := make([][]float32, len(texts))
	var cached map[int][]float32
	if useCache {
		var err error
		if cached, err = a.db.CachedVectors(ctx, sid, texts); err != nil {
			return nil, err
		}
	}
	var missing []string
	var at []int
	for i, t := range texts {
		if v, ok := cached[i]; ok {
			vecs[i] = v
			continue
		}
		missing = append(missing, t)
		at = append(at, i)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(a.cfg.EmbedWorkers)
	for lo := 0; lo < len(missing); lo += a.cfg.EmbedBatch {
		hi := min(lo+a.cfg.EmbedBatch, len(missing))
		g.Go(func() error {
			out, err := emb.Embed(gctx, missing[lo:hi], embed.Passage)
			if err != nil {
				return fmt.Errorf("embed items %d-%d: %w", lo, hi, err)
			}
			if len(out) != hi-lo {
				return fmt.Errorf("embed items %d-%d: %d vectors for %d texts", lo, hi, len(out), hi-lo)
			}
			// Kept even when another batch failed or the call was
			// canceled meanwhile: these vectors are paid for.
			if useCache {
				if err := a.db.CacheVectors(context.WithoutCancel(gctx), sid, missing[lo:hi], out); err != nil {
					return err
				}
			}
			for j, v := range out {
				vecs[at[lo+j]] = v
			}
			return nil
		})
	}
	return vecs, g.Wait()
}

// worthCaching reports whether the embedding cache pays for the vectors of
// the embedder id. The built-in embedder computes a passage's vector in
// about 60 µs of CPU, less than writing its 4 KiB to the store (synced, in
// the value log beside the item's own copy) and reading it back cost; an
// ingest of 20,000 paragraphs spent more CPU in its cache writes than in
// embedding. Models, local or behind an API, are cached.
func worthCaching(id store.Embedder) bool { return id.Provider != "builtin" }

// PassageText is what is embedded for an item: its headline, then its text.
func PassageText(it ingest.Item) string {
	if it.Headline == "" {
		return it.Text
	}
	return it.Headline + "\n\n" + it.Text
}

// Stats describes the archive's size.
type Stats struct {
	Issues   int            `json:"issues"`
	Items    int            `json:"items"`
	Indexed  int            `json:"indexed"`
	Embedder embed.Identity `json:"embedder"`
}

// Stats counts issues and items.
func (a *Archive) Stats(ctx context.Context) (Stats, error) {
	issues, err := a.db.IssueCount(ctx)
	if err != nil {
		return Stats{}, err
	}
	a.mu.RLock()
	items := len(a.dates)
	a.mu.RUnlock()
	g := a.cur.Load()
	return Stats{Issues: issues, Items: items, Indexed: g.ix.Len(), Embedder: g.emb.Identity()}, nil
}

// Newest returns the date of the newest item's issue, "" when the archive is
// empty or undated.
func (a *Archive) Newest(context.Context) (string, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	newest := ""
	for d := range a.byDate {
		newest = max(newest, d)
	}
	return newest, nil
}

// Issues lists the issues, newest first.
func (a *Archive) Issues(ctx context.Context) ([]store.IssueSummary, error) { return a.db.Issues(ctx) }

// Issue returns an issue and its items.
func (a *Archive) Issue(ctx context.Context, id string) (ingest.Issue, []store.Item, error) {
	return a.db.Issue(ctx, id)
}

// IssueInfo returns an issue without its items.
func (a *Archive) IssueInfo(ctx context.Context, id string) (ingest.Issue, error) {
	return a.db.IssueInfo(ctx, id)
}

// Item returns one item.
func (a *Archive) Item(ctx context.Context, id string) (store.Item, error) { return a.db.Item(ctx, id) }

// sortedSeqs returns the catalog's seqs matching keep, ascending.
func (a *Archive) sortedSeqs(keep func(date string) bool) []uint32 {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []uint32
	for seq, d := range a.dates {
		if keep(d) {
			out = append(out, seq)
		}
	}
	slices.Sort(out)
	return out
}
