package vectorindex

import (
	"context"
	"fmt"
)

// compactMinTombstones is the number of tombstones below which an index is
// never worth compacting: at 1,024 dimensions a thousand deleted nodes hold
// about 5 MB (float vector, codes and links), less than a rebuild's
// transient memory.
const compactMinTombstones = 1000

// compactBatch is the number of live vectors a compaction inserts between
// checks of its context.
const compactBatch = 4096

// compactCatchUp is the most changes a compaction applies to its new graph
// while holding the write lock, which keeps searches out: larger catch-ups
// run under the read lock first.
const compactCatchUp = 256

// Tombstones returns the number of deleted nodes the graph still holds.
func (ix *Index) Tombstones() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.ext) - ix.live
}

// NeedsCompaction reports whether the deleted nodes outnumber the live ones
// and are at least 1,000: then [Index.Compact] more than halves the memory
// and the snapshot, and its cost, a build of the live nodes, is at most that
// of inserting again as many nodes as were deleted since the last
// compaction, so that deletes cost amortised constant work. Below 1,000
// tombstones the waste is a few megabytes.
func (ix *Index) NeedsCompaction() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	dead := len(ix.ext) - ix.live
	return dead > ix.live && dead >= compactMinTombstones
}

// Compact rebuilds the graph from the live vectors alone, under the same ids
// and configuration, so that memory, snapshot size, load time and the work
// of a search return to those of a freshly built index; in int8 mode the
// code ranges are fitted again on the live vectors. Deleted ids are
// forgotten: they may be added again afterwards.
//
// The new graph is built beside the old one, which keeps serving: searches
// run meanwhile, and so do Add, AddBatch and Delete, whose changes are
// carried over to the new graph before it replaces the old one. Only that
// replacement, with the last few changes, excludes searches. Concurrent
// Compact calls run one after the other. If ctx is canceled first, Compact
// returns its error and the index is unchanged.
func (ix *Index) Compact(ctx context.Context) error {
	ix.compactMu.Lock()
	defer ix.compactMu.Unlock()

	ix.mu.RLock()
	seen := ix.edits.Load()
	ids := make([]uint32, 0, ix.live)
	vecs := make([][]float32, 0, ix.live)
	flat := make([]float32, 0, ix.live*ix.d)
	for in, id := range ix.ext {
		if !ix.deleted[in] {
			flat = append(flat, ix.vec(uint32(in))...)
			ids = append(ids, id)
		}
	}
	ix.mu.RUnlock()
	for i := range ids {
		vecs = append(vecs, flat[i*ix.d:(i+1)*ix.d:(i+1)*ix.d])
	}

	nx := newIndex(ix.cfg)
	for lo := 0; lo < len(ids); lo += compactBatch {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		hi := min(lo+compactBatch, len(ids))
		if err := nx.AddBatch(ids[lo:hi], vecs[lo:hi]); err != nil {
			return fmt.Errorf("compact: %w", err)
		}
	}
	// Catch up with the changes made meanwhile, with searches still
	// running, until few are left.
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		ix.mu.RLock()
		edits := ix.edits.Load()
		if edits == seen {
			ix.mu.RUnlock()
			break
		}
		seen = edits
		added, addedVecs, removed := ix.changesSince(nx, true)
		ix.mu.RUnlock()
		if err := nx.apply(added, addedVecs, removed); err != nil {
			return err
		}
		if len(added)+len(removed) <= compactCatchUp {
			break
		}
	}

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.edits.Load() != seen {
		added, addedVecs, removed := ix.changesSince(nx, false)
		if err := nx.apply(added, addedVecs, removed); err != nil {
			return err
		}
	}
	ix.replaceWith(nx)
	ix.edits.Add(1)
	return nil
}

// changesSince returns the ids live in ix that nx lacks, with their vectors
// (copied if copyVecs, else views of ix's), and the ids live in nx that ix
// has deleted. An id's life in ix only goes from absent to live to deleted,
// so these bring nx up to date with ix. The caller holds ix.mu and is nx's
// only user.
func (ix *Index) changesSince(nx *Index, copyVecs bool) (added []uint32, vecs [][]float32, removed []uint32) {
	for in, id := range ix.ext {
		if ix.deleted[in] {
			continue
		}
		if _, ok := nx.byExt[id]; ok {
			continue
		}
		v := ix.vec(uint32(in))
		if copyVecs {
			v = append([]float32(nil), v...)
		}
		added = append(added, id)
		vecs = append(vecs, v)
	}
	for in, id := range nx.ext {
		if nx.deleted[in] {
			continue
		}
		if old := ix.byExt[id]; ix.deleted[old] {
			removed = append(removed, id)
		}
	}
	return added, vecs, removed
}

// apply deletes removed from ix and adds added with their vectors.
func (ix *Index) apply(added []uint32, vecs [][]float32, removed []uint32) error {
	for _, id := range removed {
		ix.Delete(id)
	}
	if err := ix.AddBatch(added, vecs); err != nil {
		return fmt.Errorf("compact: catch up: %w", err)
	}
	return nil
}

// replaceWith moves nx's graph into ix and frees ix's old memory. The caller
// holds ix.mu for writing, so no search reads the old graph, and nx is not
// used afterwards.
func (ix *Index) replaceWith(nx *Index) {
	ix.rng, ix.byExt = nx.rng, nx.byExt
	ix.nodes, ix.fv, ix.codes, ix.quant = nx.nodes, nx.fv, nx.codes, nx.quant
	ix.ext, ix.level, ix.deleted = nx.ext, nx.level, nx.deleted
	ix.upperOff, ix.upper = nx.upperOff, nx.upper
	ix.sims0, ix.simsUpper = nx.sims0, nx.simsUpper
	ix.live, ix.entry, ix.top = nx.live, nx.entry, nx.top
	// The arenas trade mappings, so that each index's cleanup still frees
	// the memory it owns; the old mappings are freed at once rather than
	// when nx is collected.
	*ix.arena, *nx.arena = *nx.arena, *ix.arena
	*ix.side, *nx.side = *nx.side, *ix.side
	*ix.sims, *nx.sims = *nx.sims, *ix.sims
	nx.arena.free()
	nx.side.free()
	nx.sims.free()
}
