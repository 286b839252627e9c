// Package vectorindex is an in-memory approximate nearest-neighbour index:
// a Hierarchical Navigable Small World graph (Malkov & Yashunin, 2016) over
// float32 vectors, scored by inner product. Vectors are expected to be
// L2-normalised, so scores are cosine similarities.
//
// # Design
//
// Nodes get dense internal ids (uint32, insertion order) that index flat
// arrays; a map translates the caller's sparse ids. Each node owns one block
// of a flat []uint32, a whole number of cache lines long: its layer-0 link
// count and 2*M links, padding to a cache line, then the vector the search
// scores, so that scoring a node and later expanding it touch neighbouring
// lines, as in hnswlib's level-0 memory. Upper layers use fixed-size slabs in
// a second flat array, M+1 slots per node and layer. On Linux a large block
// array lives in its own anonymous mapping with transparent huge pages
// advised, which removes most TLB misses of the random walk and most page
// faults of a build or Load. Nothing in the hot path chases pointers or
// allocates except the returned hits.
//
// A search descends the upper layers greedily, then runs the beam search on
// layer 0 with two hand-written heaps of (similarity, id) pairs and a visited
// set of one bit a node, which stays in the processor's first-level cache
// (12.5 KB at 100,000 nodes) and is cleared at each search. A
// generation-stamped []uint16, which needed no clearing, took 16 times the
// room: 200 KB, which the rest of an ingest running beside the inserts
// pushed out of the second-level cache, so that the same inserts took 2 to 15
// % more CPU in an ingest than alone (BENCHMARKS.md, eighteenth pass).
// The scratch state lives in a sync.Pool. The unvisited neighbours of an
// expanded node are prefetched (one line each) and then scored in one call to
// an assembly kernel (AVX-512 on amd64, AVX2 with FMA as the fallback, and
// pure Go elsewhere or with the purego build tag) that fetches each next row
// while it scores the current one.
//
// With Config.Quantization "int8" the block holds one unsigned byte per
// dimension instead of the float32 vector (a 4x smaller working set: 384
// bytes rather than 1,536 at 384 dimensions), encoded with a per-dimension
// range; quant.go explains why the ranking needs only the integer dot product
// of the codes with a per-query signed-byte query, which AVX-512 VNNI
// (VPDPBUSD) computes 64 dimensions per instruction. The float32 vectors stay
// in a separate array that only inserts and the final rescoring touch: the
// beam's ef results are rescored exactly before the top k are returned.
//
// Inserts look for candidate neighbours with a beam search over int8 codes
// in both modes (in float32 mode the codes sit in an array of their own,
// about a quarter of the vectors' size, made at the first insert), rescore
// the candidates exactly and pick links among them on the float32 vectors
// with the paper's heuristic (algorithm 4). A neighbour whose link list is
// full re-runs that heuristic over its links and the new node in float32
// mode, as hnswlib does; in int8 mode it applies it to the new node alone,
// as Lucene does, which compares far fewer pairs, with each link's
// similarity to its node kept beside the link (4 bytes a link) and its
// similarity to the new node estimated from the codes (build.go, admit, has
// the measurements). Levels come from a seeded
// splitmix64, so a build with [Index.Add] is deterministic;
// [Index.AddBatch] inserts on all cores, with striped locks on link lists
// (a single inserter takes none).
//
// Deletes are tombstones. Deleted nodes stay in the graph as waypoints, so
// recall holds, but never enter results; the beam keeps going until it holds
// ef live results. They still cost memory, snapshot size, load time and
// search work: [Index.Compact] rebuilds the graph from the live vectors
// beside the old one (which keeps serving, and whose changes meanwhile are
// carried over), and [Index.NeedsCompaction] reports when the tombstones
// outnumber the live nodes and are at least 1,000.
//
// Filtered searches work the same way for ids outside the [Filter], except
// that small filters (at most max(1000, Len/20) ids) are served by an exact
// scan of the allowed ids, which is cheaper there than a walk that would
// reject most nodes it visits.
//
// Concurrency: one sync.RWMutex. Searches share it; Add, AddBatch and Delete
// take it exclusively.
//
// Snapshots ([Index.Save], [Load]) hold the arrays behind a header and a
// CRC-32C trailer; snapshot.go documents the format. int8 codes are not
// stored but recomputed from the vectors and the saved ranges.
package vectorindex
