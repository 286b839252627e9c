package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/veille/veille/jobs"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

// ReindexResult is what a finished reindex did.
type ReindexResult struct {
	From     store.Embedder `json:"from"`
	To       store.Embedder `json:"to"`
	Items    int            `json:"items"`    // items served by the new generation
	Embedded int            `json:"embedded"` // vectors written by this run (not by an earlier, interrupted one)
	Took     string         `json:"took"`
}

// ReindexBatch is the number of items embedded and written together.
const ReindexBatch = 256

// finalCatchUp is the most items left to embed at which a reindex stops
// catching up with ingests and holds them back to switch.
const finalCatchUp = ReindexBatch

// Reindex re-embeds every item with next into a new store generation,
// while the current generation keeps serving queries and ingests, then
// switches to it atomically and deletes the old generation's vectors.
//
// It is resumable: the store records the generation being built, with the
// job id, and the vectors written so far; calling Reindex again with the
// same embedder (after a cancel, a crash or a restart) builds the index from
// those and embeds only the rest. Items ingested meanwhile are picked up by
// catching up until few remain; those last few are embedded with ingests
// held back, and the switch follows before ingests resume. Vectors come
// from the embedding cache when next has embedded the same text before.
func (a *Archive) Reindex(ctx context.Context, next Embedder, job string, p *jobs.Progress) (ReindexResult, error) {
	start := time.Now()
	to := StoreID(next)
	if to.Dims <= 0 {
		return ReindexResult{}, fmt.Errorf("embedder %s: unknown dimensions", to)
	}
	from := StoreID(a.cur.Load().emb)
	gen, err := a.db.Begin(to, job, start)
	if err != nil {
		return ReindexResult{}, err
	}
	log := a.log.With("job", gen.Job, "generation", gen.Gen, "to", to)
	icfg := a.cfg.Index
	icfg.Dims = to.Dims
	ix, err := vectorindex.New(icfg)
	if err != nil {
		return ReindexResult{}, fmt.Errorf("new index: %w", err)
	}
	resumed := 0
	if err := a.db.WalkGeneration(ctx, gen.Gen, func(seq uint32, vec []float32) error {
		resumed++
		return ix.Add(seq, vec)
	}); err != nil {
		return ReindexResult{}, fmt.Errorf("load the vectors embedded so far: %w", err)
	}
	p.Resume(int64(resumed))
	if resumed == 0 {
		// Whatever a crash left under this generation's name is stale.
		if err := os.Remove(snapshotPath(a.cfg.SnapshotPath, gen.Gen)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return ReindexResult{}, err
		}
	}
	log.Info("reindex started", "from", from, "resumed", resumed)

	r := &reindexer{a: a, next: next, gen: gen.Gen, ix: ix, p: p}
	for {
		missing, err := a.db.Missing(ctx, gen.Gen)
		if err != nil {
			return ReindexResult{}, err
		}
		p.SetTotal(int64(resumed + r.embedded + len(missing)))
		if len(missing) <= finalCatchUp {
			break
		}
		if err := r.embed(ctx, missing); err != nil {
			return ReindexResult{}, err
		}
	}
	if err := a.switchTo(ctx, r); err != nil {
		return ReindexResult{}, err
	}
	res := ReindexResult{From: from, To: to, Items: ix.Len(), Embedded: r.embedded, Took: time.Since(start).Round(time.Millisecond).String()}
	log.Info("reindex done: the new generation serves", "items", res.Items, "embedded", res.Embedded, "took", res.Took)
	return res, nil
}

// reindexer embeds items into the generation being built and its index.
type reindexer struct {
	a        *Archive
	next     Embedder
	gen      uint32
	ix       *vectorindex.Index
	p        *jobs.Progress
	embedded int
}

// embed embeds the items with the given seqs, in batches; each batch's
// vectors are durable before they are counted. Canceling ctx stops it
// between batches, the safe points: a batch under way is finished, so that
// no vector the embedder returned is lost and paid for again on resume.
func (r *reindexer) embed(ctx context.Context, seqs []uint32) error {
	work := context.WithoutCancel(ctx)
	for lo := 0; lo < len(seqs); lo += ReindexBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		items, err := r.a.db.ItemsBySeq(work, seqs[lo:min(lo+ReindexBatch, len(seqs))])
		if err != nil {
			return err
		}
		texts := make([]string, len(items))
		batch := make([]uint32, len(items))
		for i, it := range items {
			texts[i], batch[i] = PassageText(it.Item), it.Seq
		}
		vecs, err := r.a.embedPassages(work, r.next, texts)
		if err != nil {
			return err
		}
		n, err := r.a.db.PutVectors(work, r.gen, batch, vecs)
		if err != nil {
			return err
		}
		// An item deleted since ItemsBySeq gets no vector; its index
		// entry is removed before the switch.
		if err := r.ix.AddBatch(batch, vecs); err != nil {
			return fmt.Errorf("index the new generation: %w", err)
		}
		r.embedded += n
		r.p.Add(int64(n))
	}
	return nil
}

// switchTo embeds the last items with ingests held back, makes the new
// index hold exactly the stored items, saves its snapshot, switches the
// store and the serving generation, and deletes the old generation.
func (a *Archive) switchTo(ctx context.Context, r *reindexer) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	if a.bulk != nil {
		// The catalog lags the store during a bulk load: no switch then.
		return errors.New("reindex: a bulk load is running; start the reindex again once it is done")
	}
	missing, err := a.db.Missing(ctx, r.gen)
	if err != nil {
		return err
	}
	if err := r.embed(ctx, missing); err != nil {
		return err
	}
	a.mu.RLock()
	for _, seq := range r.ix.IDs() {
		if _, ok := a.dates[seq]; !ok {
			r.ix.Delete(seq)
		}
	}
	n := len(a.dates)
	a.mu.RUnlock()
	if r.ix.Len() != n {
		return fmt.Errorf("reindex: the new index holds %d items, the store %d", r.ix.Len(), n)
	}
	// The snapshot first: a crash after the switch must find it, or
	// rebuild it from the new generation, never load the old one's.
	if err := r.ix.Save(snapshotPath(a.cfg.SnapshotPath, r.gen)); err != nil {
		return fmt.Errorf("save the new index snapshot: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := a.db.Switch(r.gen); err != nil {
		return err
	}
	old := a.cur.Swap(&generation{gen: r.gen, emb: r.next, ix: r.ix})
	old.retire()
	if err := os.Remove(snapshotPath(a.cfg.SnapshotPath, old.gen)); err != nil && !errors.Is(err, os.ErrNotExist) {
		a.log.Warn("cannot remove the old index snapshot", "err", err)
	}
	if err := a.db.DropOld(); err != nil {
		// The switch stands; the next start deletes the old vectors.
		a.log.Warn("cannot delete the old generation's vectors yet", "err", err)
	}
	return nil
}

// Reindexing returns the generation a reindex is building, if any.
func (a *Archive) Reindexing() (store.Generation, bool, error) { return a.db.Next() }
