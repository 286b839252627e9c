package vectorindex

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	maxDims   = 1 << 16 // bounds snapshot sizes; real embeddings stay far below
	maxM      = 256
	maxLevel  = 32      // the level draw is capped; reaching it is astronomically unlikely
	lockCount = 1 << 12 // link-list lock stripes used while building
)

// Config holds the index parameters. Zero fields take their defaults.
type Config struct {
	Dims           int    // vector length; required
	M              int    // links per node on the upper layers, 2*M on layer 0; default 16
	EfConstruction int    // beam width while inserting; default 200
	EfSearch       int    // beam width of Search, which uses max(EfSearch, k); default 64
	Seed           uint64 // seed of the level generator; default 1, so that builds with Add are deterministic

	// Quantization selects the vectors the graph search scores: "" or
	// "float32" (the default) searches the float32 vectors; "int8" searches
	// one byte per dimension (scalar quantization with a per-dimension range)
	// with integer dot products and rescores the beam's results with the
	// float32 vectors, which are kept outside the search's working set.
	// Inserts, in either mode, search for candidates on int8 codes and
	// choose links on the float32 vectors (build.go). It is saved in
	// snapshots.
	Quantization string
}

// Quantization values.
const (
	quantFloat32 = "float32"
	quantInt8    = "int8"
)

// withDefaults fills zero fields and validates the rest.
func (c Config) withDefaults() (Config, error) {
	if c.M == 0 {
		c.M = 16
	}
	if c.EfConstruction == 0 {
		c.EfConstruction = 200
	}
	if c.EfSearch == 0 {
		c.EfSearch = 64
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Quantization == "" {
		c.Quantization = quantFloat32
	}
	switch {
	case c.Dims < 1 || c.Dims > maxDims:
		return c, fmt.Errorf("%w: Dims %d not in [1, %d]", ErrConfig, c.Dims, maxDims)
	case c.M < 2 || c.M > maxM:
		return c, fmt.Errorf("%w: M %d not in [2, %d]", ErrConfig, c.M, maxM)
	case c.EfConstruction < 1 || c.EfConstruction > math.MaxInt32:
		return c, fmt.Errorf("%w: EfConstruction %d not positive", ErrConfig, c.EfConstruction)
	case c.EfSearch < 1 || c.EfSearch > math.MaxInt32:
		return c, fmt.Errorf("%w: EfSearch %d not positive", ErrConfig, c.EfSearch)
	case c.Quantization != quantFloat32 && c.Quantization != quantInt8:
		return c, fmt.Errorf("%w: Quantization %q is neither %q nor %q", ErrConfig, c.Quantization, quantFloat32, quantInt8)
	}
	return c, nil
}

// Hit is one search result.
type Hit struct {
	ID    uint32  // the caller's id
	Score float32 // inner product with the query; cosine similarity for unit vectors
}

// Index is an HNSW graph over float32 vectors scored by inner product. See the
// package documentation for the design. It is safe for concurrent use.
type Index struct {
	cfg  Config
	d    int     // cfg.Dims
	m0   int     // layer-0 degree, 2*cfg.M
	mult float64 // level multiplier 1/ln(M)

	mu    sync.RWMutex // writers: Add, AddBatch, Delete; readers: everything else
	rng   uint64       // splitmix64 state of the level generator
	byExt map[uint32]uint32

	// Per-node storage indexed by internal id (insertion order). A node's
	// layer-0 links and searched vector share one block of nodes, so that
	// expanding a node and scoring it touch neighbouring cache lines.
	nodes    []uint32  // stride words per node: link count, m0 links, padding, vector
	arena    *arena    // owns the memory of nodes when it is not on the Go heap
	stride   int       // words per block, a whole number of cache lines
	vecOff   int       // word offset of the searched vector in a block, cache-line aligned
	fv       []float32 // float vectors: a view of nodes (float32) or an array of their own (int8)
	fvOff    int       // node in's float vector is fv[in*fvStride+fvOff:][:d]
	fvStride int
	// Every node also has int8 codes, which inserts search with (build.go).
	// In int8 mode they are the searched vector of the block; in float32
	// mode they live in an array of their own, filled on the first insert
	// after New or Load, so that an index only searched never holds them.
	codes []byte // int8: nodes as bytes, node in's codes at codes[4*(in*stride+vecOff):]; float32: at codes[in*codeLen:]
	// side owns the memory of the per-node array outside the blocks, fv
	// in int8 mode and codes in float32 mode, as arena does for nodes.
	side    *arena
	codeLen int        // code bytes per node, d rounded up to 64
	quant   *quantizer // the code ranges
	int8    bool       // searches score the codes: Config.Quantization "int8"

	ext      []uint32 // caller's id
	level    []uint8  // top layer of the node
	deleted  []bool   // tombstones: still routed through, never returned
	upperOff []uint32 // start in upper of the node's layer-1 slab
	upper    []uint32 // M+1 slots per node and layer above 0: count, then neighbours

	// In int8 mode, the similarity of every link to its node, in slots
	// mirroring the link slabs (linkSims), so that admitting a link to a
	// full list need not compute them again: m0+1 per node for layer 0, and
	// beside upper for the layers above. Slot 0 is 1 once the others are
	// known; snapshots do not keep them, so after Load a list's are computed
	// when it first fills. sims0 lives in an arena of its own (sims), as fv
	// does.
	sims0     []float32
	simsUpper []float32
	sims      *arena

	live  int
	entry uint32 // entry node, on layer top
	top   int    // highest layer, -1 when empty

	edits atomic.Uint64 // successful Add, AddBatch and Delete calls
	saved atomic.Uint64 // edits when the index was last loaded or saved

	// epMu guards entry and top, and locks the link lists, while AddBatch
	// inserts from several goroutines (parallel is then true). Readers hold
	// mu, which excludes them.
	epMu     sync.Mutex
	locks    []sync.Mutex
	parallel bool

	pool sync.Pool // *searcher

	compactMu sync.Mutex // one Compact at a time
}

// New returns an empty index. It returns an error wrapping [ErrConfig] if cfg
// is invalid.
func New(cfg Config) (*Index, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newIndex(cfg), nil
}

func newIndex(cfg Config) *Index {
	ix := &Index{
		cfg:   cfg,
		d:     cfg.Dims,
		m0:    2 * cfg.M,
		mult:  1 / math.Log(float64(cfg.M)),
		rng:   cfg.Seed,
		byExt: make(map[uint32]uint32),
		top:   -1,
		locks: make([]sync.Mutex, lockCount),
		arena: &arena{},
		side:  &arena{},
		sims:  &arena{},
	}
	runtime.AddCleanup(ix, (*arena).free, ix.arena)
	runtime.AddCleanup(ix, (*arena).free, ix.side)
	runtime.AddCleanup(ix, (*arena).free, ix.sims)
	const line = 16 // words in a 64-byte cache line
	ix.vecOff = roundUp(ix.m0+1, line)
	ix.codeLen = roundUp(ix.d, 64)
	ix.quant = &quantizer{}
	if cfg.Quantization == quantInt8 {
		ix.int8 = true
		ix.stride = ix.vecOff + ix.codeLen/4
		ix.fvStride = ix.d
	} else {
		ix.stride = ix.vecOff + roundUp(ix.d, line)
		ix.fvOff, ix.fvStride = ix.vecOff, ix.stride
	}
	return ix
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// hasRoom reports whether n more nodes fit in the node blocks and, in int8
// mode, the float vectors and the layer-0 link similarities, which grow
// apart: each arena rounds its size up to whole huge pages, so each has room
// for a different number of extra nodes.
func (ix *Index) hasRoom(n int) bool {
	return cap(ix.nodes)-len(ix.nodes) >= n*ix.stride &&
		(!ix.int8 || cap(ix.fv)-len(ix.fv) >= n*ix.d && cap(ix.sims0)-len(ix.sims0) >= n*(ix.m0+1))
}

// grow makes room for n more nodes, so that appending them does not
// reallocate, and refreshes the views of nodes.
func (ix *Index) grow(n int) {
	if need := len(ix.nodes) + n*ix.stride; need > cap(ix.nodes) {
		ix.nodes = ix.arena.grow(ix.nodes, need)
	}
	if need := len(ix.fv) + n*ix.d; ix.int8 && need > cap(ix.fv) {
		// The float vectors are only read to rescore a search's beam and
		// to choose links: a mapping of their own keeps them off the Go
		// heap, whose growth would copy them all and double the heap
		// until the next collection.
		ix.fv = growFloats(ix.side, ix.fv, need)
	}
	if need := len(ix.sims0) + n*(ix.m0+1); ix.int8 && need > cap(ix.sims0) {
		// Likewise the link similarities, 132 bytes a node at M 16: grown
		// by append on the Go heap, a quarter at each step, they took
		// five times their size in new pages, 16,000 page faults in a
		// 100,000-paragraph ingest (5,500 fewer in all once here: other
		// allocations took some of the pages they left).
		ix.sims0 = growFloats(ix.sims, ix.sims0, need)
	}
	ix.views()
}

// growFloats returns fs, whose memory a owns, with room for at least need
// floats.
func growFloats(a *arena, fs []float32, need int) []float32 {
	words := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(fs))), len(fs))
	words = a.grow(words, need)
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(words))), cap(words))[:len(words)]
}

// views points fv (float32 mode) or codes (int8 mode) at the memory of nodes.
func (ix *Index) views() {
	if len(ix.nodes) == 0 && cap(ix.nodes) == 0 {
		return
	}
	all := ix.nodes[:cap(ix.nodes)]
	p := unsafe.Pointer(unsafe.SliceData(all))
	if !ix.int8 {
		ix.fv = unsafe.Slice((*float32)(p), len(ix.nodes))
	} else {
		ix.codes = unsafe.Slice((*byte)(p), 4*len(ix.nodes))
	}
}

// Config returns the index's configuration with defaults filled in.
func (ix *Index) Config() Config { return ix.cfg }

// Dims returns the vector length the index accepts.
func (ix *Index) Dims() int { return ix.d }

// Len returns the number of live (added and not deleted) vectors.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Contains reports whether id was added and not deleted.
func (ix *Index) Contains(id uint32) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	in, ok := ix.byExt[id]
	return ok && !ix.deleted[in]
}

// IDs returns the live ids in ascending order.
func (ix *Index) IDs() []uint32 {
	ix.mu.RLock()
	ids := make([]uint32, 0, ix.live)
	for in, id := range ix.ext {
		if !ix.deleted[in] {
			ids = append(ids, id)
		}
	}
	ix.mu.RUnlock()
	slices.Sort(ids)
	return ids
}

// Add inserts vec under the caller's id. vec is copied; it should be
// L2-normalised, since scores are raw inner products. Add returns an error
// wrapping [ErrDims] if len(vec) != Dims, or [ErrExists] if id was added
// before, even if it was deleted since. Add excludes searches while it runs
// (a fraction of a millisecond at the default settings).
func (ix *Index) Add(id uint32, vec []float32) error {
	if len(vec) != ix.d {
		return fmt.Errorf("add %d: %w: got %d, want %d", id, ErrDims, len(vec), ix.d)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if _, ok := ix.byExt[id]; ok {
		return fmt.Errorf("add %d: %w", id, ErrExists)
	}
	if len(ix.ext) == math.MaxUint32 {
		return fmt.Errorf("add %d: index full", id)
	}
	if !ix.hasRoom(1) {
		// Room for half as many again: reserved but untouched memory of a
		// mapped arena costs no RAM, and fewer moves cost less copying.
		ix.grow(1 + len(ix.ext)/2)
	}
	in := ix.appendNode(id, vec)
	ix.encodeFrom(int(in))
	s := ix.getSearcher()
	ix.insert(s, in)
	ix.pool.Put(s)
	ix.edits.Add(1)
	return nil
}

// AddBatch inserts vecs[i] under ids[i] for every i, like Add but using all
// GOMAXPROCS cores. It validates the whole batch first and inserts nothing if
// any vector has the wrong length ([ErrDims]) or any id exists already or
// repeats within the batch ([ErrExists]). With more than one core the graph
// depends on thread timing, so builds are not bit-for-bit reproducible.
func (ix *Index) AddBatch(ids []uint32, vecs [][]float32) error {
	if len(ids) != len(vecs) {
		return fmt.Errorf("add batch: %d ids but %d vectors", len(ids), len(vecs))
	}
	for i, v := range vecs {
		if len(v) != ix.d {
			return fmt.Errorf("add %d: %w: got %d, want %d", ids[i], ErrDims, len(v), ix.d)
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	seen := make(map[uint32]struct{}, len(ids))
	for _, id := range ids {
		if _, ok := ix.byExt[id]; ok {
			return fmt.Errorf("add %d: %w", id, ErrExists)
		}
		if _, ok := seen[id]; ok {
			return fmt.Errorf("add %d: %w: repeated in batch", id, ErrExists)
		}
		seen[id] = struct{}{}
	}
	if len(ix.ext)+len(ids) > math.MaxUint32 {
		return fmt.Errorf("add batch: index full")
	}
	first := uint32(len(ix.ext))
	if !ix.hasRoom(len(ids)) {
		// As in Add: an index fed batch after batch must not move all its
		// nodes for every batch.
		ix.grow(max(len(ids), 1+len(ix.ext)/2))
	}
	for i, id := range ids {
		ix.appendNode(id, vecs[i])
	}
	ix.encodeFrom(int(first))
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(ids))
	ix.parallel = workers > 1
	defer func() { ix.parallel = false }()
	for range workers {
		wg.Go(func() {
			s := ix.getSearcher()
			defer ix.pool.Put(s)
			for {
				i := next.Add(1) - 1
				if i >= int64(len(ids)) {
					return
				}
				ix.insert(s, first+uint32(i))
			}
		})
	}
	wg.Wait()
	if len(ids) > 0 {
		ix.edits.Add(1)
	}
	return nil
}

// appendNode stores a node without linking it or, in int8 mode, encoding it,
// and returns its internal id. The caller has made room with grow (hasRoom).
func (ix *Index) appendNode(id uint32, vec []float32) uint32 {
	in := uint32(len(ix.ext))
	lvl := ix.randomLevel()
	ix.byExt[id] = in
	ix.ext = append(ix.ext, id)
	o := len(ix.nodes)
	ix.nodes = ix.nodes[:o+ix.stride]
	clear(ix.nodes[o:])
	ix.views()
	if !ix.int8 {
		copy(ix.fv[o+ix.vecOff:], vec)
	} else {
		// Not append: the float vectors must stay in their arena, which
		// grow has made room in. Outgrowing it panics here rather than
		// moving them to the heap, from where the arena's next growth
		// would bring back its stale copy.
		f := len(ix.fv)
		ix.fv = ix.fv[:f+ix.d]
		copy(ix.fv[f:], vec)
	}
	ix.level = append(ix.level, uint8(lvl))
	ix.deleted = append(ix.deleted, false)
	ix.upperOff = append(ix.upperOff, uint32(len(ix.upper)))
	ix.upper = append(ix.upper, make([]uint32, lvl*(ix.cfg.M+1))...)
	if ix.int8 {
		// As fv above: the similarities stay in their arena.
		s := len(ix.sims0)
		ix.sims0 = ix.sims0[:s+ix.m0+1]
		clear(ix.sims0[s:])
		ix.simsUpper = append(ix.simsUpper, make([]float32, lvl*(ix.cfg.M+1))...)
	}
	ix.live++
	return in
}

// randomLevel draws a node's top layer from the exponential distribution of
// the HNSW paper, floor(-ln(U) / ln(M)), using a splitmix64 generator.
func (ix *Index) randomLevel() int {
	ix.rng += 0x9e3779b97f4a7c15
	z := ix.rng
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	u := (float64(z>>11) + 0.5) / (1 << 53) // uniform in (0, 1)
	return min(int(-math.Log(u)*ix.mult), maxLevel)
}

// Delete tombstones id: searches stop returning it at once, while the graph
// keeps routing through it so recall does not suffer. It reports false if id
// is unknown or already deleted. The id cannot be added again.
func (ix *Index) Delete(id uint32) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	in, ok := ix.byExt[id]
	if !ok || ix.deleted[in] {
		return false
	}
	ix.deleted[in] = true
	ix.live--
	ix.edits.Add(1)
	return true
}

// Changed reports whether the index was modified since [New], [Load] or
// the last successful [Index.Save]: whether a snapshot of it would differ
// from the one it was loaded from or last saved to.
func (ix *Index) Changed() bool { return ix.edits.Load() != ix.saved.Load() }

// vec returns the stored float32 vector of internal node in.
func (ix *Index) vec(in uint32) []float32 {
	o := int(in)*ix.fvStride + ix.fvOff
	return ix.fv[o : o+ix.d : o+ix.d]
}

// floatRows returns the float vectors as rows for [dotBatch]: row in starts
// at element in*stride of base.
func (ix *Index) floatRows() (base []float32, stride int) {
	if len(ix.fv) <= ix.fvOff {
		return nil, ix.fvStride // no nodes yet
	}
	return ix.fv[ix.fvOff:], ix.fvStride
}

// codeRows returns the int8 codes as rows for [dotBatchI8].
func (ix *Index) codeRows() (base []byte, stride int) {
	if !ix.int8 {
		return ix.codes, ix.codeLen
	}
	if len(ix.nodes) == 0 {
		return nil, 4 * ix.stride
	}
	return ix.codes[4*ix.vecOff : 4*len(ix.nodes)], 4 * ix.stride
}

// codeOff returns the offset of node in's codes in codes.
func (ix *Index) codeOff(in uint32) int {
	if !ix.int8 {
		return int(in) * ix.codeLen
	}
	return 4 * (int(in)*ix.stride + ix.vecOff)
}

// slab returns node in's link slab on layer lc: a count followed by room for
// the layer's maximum degree.
func (ix *Index) slab(in uint32, lc int) []uint32 {
	if lc == 0 {
		o := int(in) * ix.stride
		return ix.nodes[o : o+ix.m0+1 : o+ix.m0+1]
	}
	o := int(ix.upperOff[in]) + (lc-1)*(ix.cfg.M+1)
	return ix.upper[o : o+ix.cfg.M+1 : o+ix.cfg.M+1]
}

// linkSims returns the similarities of node in's links on layer lc to it, in
// the slots of its link slab.
func (ix *Index) linkSims(in uint32, lc int) []float32 {
	if lc == 0 {
		o := int(in) * (ix.m0 + 1)
		return ix.sims0[o : o+ix.m0+1 : o+ix.m0+1]
	}
	o := int(ix.upperOff[in]) + (lc-1)*(ix.cfg.M+1)
	return ix.simsUpper[o : o+ix.cfg.M+1 : o+ix.cfg.M+1]
}

// neighbours returns node in's links on layer lc.
func (ix *Index) neighbours(in uint32, lc int) []uint32 {
	s := ix.slab(in, lc)
	return s[1 : 1+s[0]]
}
