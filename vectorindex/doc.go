// Package vectorindex is an in-memory approximate nearest-neighbour index:
// a Hierarchical Navigable Small World graph (Malkov & Yashunin, 2016) over
// float32 vectors, scored by inner product. Vectors are expected to be
// L2-normalised, so scores are cosine similarities.
//
// # Design
//
// Nodes get dense internal ids (uint32, insertion order) that index flat
// arrays; a map translates the caller's sparse ids. Vectors sit in one
// contiguous []float32, Dims per node. Links use fixed-size slabs in flat
// []uint32 arrays: 2*M slots per node on layer 0 and M per node and layer
// above it, each slab led by its count. Nothing in the hot path chases
// pointers or allocates except the returned hits.
//
// A search descends the upper layers greedily, then runs the beam search on
// layer 0 with two hand-written heaps of (similarity, id) pairs and a visited
// set kept as a generation-stamped []uint16, so clearing it is one increment.
// The scratch state lives in a sync.Pool. Neighbours of an expanded node are
// scored in one call to an assembly kernel (AVX-512 FMA on amd64, with a
// pure-Go eight-way unrolled fallback and the purego build tag) that
// prefetches each next row while scoring the current one.
//
// Inserts pick links with the paper's heuristic (algorithm 4) and levels from
// a seeded splitmix64, so a build with [Index.Add] is deterministic;
// [Index.AddBatch] inserts on all cores, with striped locks on link lists.
//
// Deletes are tombstones. Deleted nodes stay in the graph as waypoints, so
// recall holds, but never enter results; the beam keeps going until it holds
// ef live results. Filtered searches work the same way for ids outside the
// [Filter], except that small filters (at most max(1000, Len/20) ids) are
// served by an exact scan of the allowed ids, which is cheaper there than a
// walk that would reject most nodes it visits.
//
// Concurrency: one sync.RWMutex. Searches share it; Add, AddBatch and Delete
// take it exclusively.
//
// Snapshots ([Index.Save], [Load]) hold the arrays verbatim behind a header
// and a CRC-32C trailer; snapshot.go documents the format.
package vectorindex
