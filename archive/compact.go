package archive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/veille/veille/vectorindex"
)

// compact rebuilds ix from its live vectors (see
// [vectorindex.Index.Compact]): it runs at Open when the loaded snapshot is
// mostly tombstones, and in the background while serving once deletes have
// made it so. Rebuilding from the index's own vectors gives the same graph
// as rebuilding from the store, without reading the store.
func (a *Archive) compact(ctx context.Context, ix *vectorindex.Index) error {
	start := time.Now()
	live, dead := ix.Len(), ix.Tombstones()
	if err := ix.Compact(ctx); err != nil {
		return fmt.Errorf("compact index: %w", err)
	}
	a.log.Info("index compacted", "items", live, "tombstones", dead, "took", time.Since(start))
	return nil
}

// compactLater starts a background compaction of ix if its tombstones call
// for one and none runs. Searches, ingests and deletes go on meanwhile: the
// index carries the changes made during the rebuild over to the new graph
// and holds searches back only to swap it in. [Archive.Close] cancels it.
func (a *Archive) compactLater(ix *vectorindex.Index) {
	if a.compactCtx.Err() != nil || !ix.NeedsCompaction() || !a.compacting.CompareAndSwap(false, true) {
		return
	}
	a.compactions.Go(func() {
		defer a.compacting.Store(false)
		if err := a.compact(a.compactCtx, ix); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("compact index", "err", err)
		}
	})
}
