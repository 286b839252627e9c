package archive

import (
	"cmp"
	"context"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
)

// bulkQueue is the number of store changes that may wait for each index
// during a bulk load: few enough that the waiting vectors stay a few
// megabytes and a change is searchable a fraction of a second after it is
// stored. The vector index takes what waits in one AddBatch, so the queue
// also sets the batches' size, and larger batches cost less: in twelve
// alternated pairs of 100,000-paragraph `veille ingest` runs, a queue of 16
// issues took 2.5 % less CPU and 3.7 % less time than one of 4, and was the
// faster in ten pairs (BENCHMARKS.md, seventeenth pass).
const bulkQueue = 16

// follower applies store changes to the indexes in the background, in the
// order they were made: the vector index on one goroutine (whose AddBatch
// inserts on every core), the BM25 index on another, so that neither waits
// for the other.
type follower struct {
	vectors, lexical chan store.Change
	done             sync.WaitGroup
	err              error // the first error of followVectors; read once done
}

// StartBulk makes the archive index the changes of later ingests and
// deletes on background goroutines, in order, while the next document is
// embedded and stored, so that a bulk load keeps every core busy. Meanwhile
// [Archive.Ingest] returns once its change is stored, and the change
// becomes searchable a few documents later; at most bulkQueue changes wait,
// so a slow index holds the ingest back rather than piling up vectors.
//
// While it runs over a store that syncs each write, the process has one
// more P (GOMAXPROCS) than before. Each stored issue then waits for the
// disk (fsync, a millisecond or more, twice an issue), and Go leaves a
// goroutine's P to it during a system call until its monitor thread next
// looks, every 10 ms on a busy process: an execution trace of a bulk load
// showed a core idle a tenth of the time while other goroutines were ready
// to run, and the extra P made loads of 100,000 paragraphs 6 to 8 % faster.
// Over an unsynced store (store.Options.Unsynced) nothing waits, and the
// extra P only makes the goroutines preempt each other: loads were 7 %
// faster without it.
//
// While any bulk load runs, the garbage collector's target is lower than
// Go's default ([bulkGCPercent]), unless the GOGC environment variable
// sets one: the process touches less new memory, which is dear on a
// virtual machine.
//
// The returned stop function waits until every change is indexed, goes back
// to indexing in [Archive.Ingest], takes the extra P back and restores the
// collector's target (once no other bulk load runs), and returns the first
// indexing error, if any (the store has the items; the next [Open] indexes
// them). Call it before [Archive.Close] and before starting another bulk
// load.
func (a *Archive) StartBulk() (stop func() error) {
	waits := !a.db.Unsynced()
	if waits {
		extraP.add()
	}
	bulkGC.add()
	f := &follower{vectors: make(chan store.Change, bulkQueue), lexical: make(chan store.Change, bulkQueue)}
	f.done.Go(func() {
		// The changes queued meanwhile are indexed together: the index
		// is what holds a bulk load back, so the queue is usually full,
		// and one AddBatch of a few issues idles a core less often than
		// one an issue (at its start, which runs on one goroutine, and
		// at its end, while the last inserts finish).
		batch := make([]store.Change, 0, bulkQueue+1)
		for ch := range f.vectors {
			batch = append(batch[:0], ch)
			for more := true; more && len(batch) < cap(batch); {
				select {
				case next, ok := <-f.vectors:
					if more = ok; ok {
						batch = append(batch, next)
					}
				default:
					more = false
				}
			}
			if err := a.followVectors(batch...); err != nil {
				a.log.Error("index changes", "issues", issueIDs(batch), "err", err)
				f.err = cmp.Or(f.err, err)
			}
		}
	})
	f.done.Go(func() {
		for ch := range f.lexical {
			a.followLexical(ch)
		}
	})
	a.writeMu.Lock()
	a.bulk = f
	a.writeMu.Unlock()
	return func() error {
		a.writeMu.Lock()
		defer a.writeMu.Unlock()
		if a.bulk != f {
			return errors.New("bulk load already stopped")
		}
		a.bulk = nil
		close(f.vectors)
		close(f.lexical)
		f.done.Wait()
		if waits {
			extraP.drop()
		}
		bulkGC.drop()
		return f.err
	}
}

// extraP gives the process one more P while bulk loads run (see
// [Archive.StartBulk]).
var extraP = processSetting{set: func() (undo func()) {
	was := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(was + 1)
	return func() { runtime.GOMAXPROCS(was) }
}}

// bulkGCPercent is the garbage collector's target (GOGC) while bulk loads
// run, in place of Go's default 100. A load's live heap, the keyword
// index and the queues, grows steadily while its garbage, an issue's
// parse and analysis, is a few megabytes an issue: with the default, the
// heap grows to twice the live heap between collections, and every page
// it grows into is memory the process touches for the first time, which
// costs about 12 µs a page on the benchmark host (a page fault under the
// hypervisor). At 50, a 100,000-paragraph ingest took 102,000 faults
// instead of 127,000 and a peak RSS 90 MB lower, for twice as many
// collections (26 instead of 14), whose mark phase is short since most of
// the live heap holds no pointers.
const bulkGCPercent = 50

// bulkGC sets the collector's target to bulkGCPercent while bulk loads
// run, unless the GOGC environment variable sets one.
var bulkGC = processSetting{set: func() (undo func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	was := debug.SetGCPercent(bulkGCPercent)
	return func() { debug.SetGCPercent(was) }
}}

// processSetting is a setting of the whole process that bulk loads change
// while they run: the first to start applies it, the last to stop undoes
// it, since loads of several archives may overlap.
type processSetting struct {
	set   func() (undo func())
	mu    sync.Mutex
	loads int // bulk loads running
	undo  func()
}

func (p *processSetting) add() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.loads == 0 {
		p.undo = p.set()
	}
	p.loads++
}

func (p *processSetting) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.loads--; p.loads == 0 {
		p.undo()
	}
}

// issueIDs returns the issues of chs.
func issueIDs(chs []store.Change) []string {
	ids := make([]string, len(chs))
	for i, ch := range chs {
		ids[i] = ch.IssueID
	}
	return ids
}

// apply brings the indexes and the date catalog up to date with ch: at
// once, or through the queues of a running bulk load (the date catalog is
// cheap and follows at once). It marks the catalog as changed since its
// snapshot. The caller holds writeMu.
func (a *Archive) apply(ch store.Change) error {
	a.catalogChanged = true
	if a.bulk == nil {
		return a.follow(ch)
	}
	a.followDates(ch)
	a.bulk.lexical <- ch
	a.bulk.vectors <- ch
	return nil
}

// Unchanged is [Archive.Ingest] for documents known only by their issues
// and item counts, as a caller that keeps the issues a file parsed into
// knows them without parsing it again. If every issue is stored as it is
// (same id, content hash, source and date), ingesting the documents would
// change nothing: Unchanged then reports true and returns the results
// Ingest would have returned, items[i] unchanged items for issues[i].
// Otherwise it reports false, and the caller ingests the documents.
func (a *Archive) Unchanged(ctx context.Context, issues []ingest.Issue, items []int) ([]Result, bool, error) {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	for _, iss := range issues {
		if same, err := a.db.SameIssue(ctx, iss); err != nil || !same {
			return nil, false, err
		}
	}
	res := make([]Result, len(issues))
	for i, iss := range issues {
		res[i] = Result{IssueID: iss.ID, Unchanged: items[i]}
		a.observe(res[i])
	}
	return res, true, nil
}
