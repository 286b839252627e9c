package vectorindex

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
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
}

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
	switch {
	case c.Dims < 1 || c.Dims > maxDims:
		return c, fmt.Errorf("%w: Dims %d not in [1, %d]", ErrConfig, c.Dims, maxDims)
	case c.M < 2 || c.M > maxM:
		return c, fmt.Errorf("%w: M %d not in [2, %d]", ErrConfig, c.M, maxM)
	case c.EfConstruction < 1 || c.EfConstruction > math.MaxInt32:
		return c, fmt.Errorf("%w: EfConstruction %d not positive", ErrConfig, c.EfConstruction)
	case c.EfSearch < 1 || c.EfSearch > math.MaxInt32:
		return c, fmt.Errorf("%w: EfSearch %d not positive", ErrConfig, c.EfSearch)
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

	// Per-node storage indexed by internal id (insertion order).
	vecs     []float32 // d floats per node
	ext      []uint32  // caller's id
	level    []uint8   // top layer of the node
	deleted  []bool    // tombstones: still routed through, never returned
	links0   []uint32  // m0+1 slots per node: count, then neighbours
	upperOff []uint32  // start in upper of the node's layer-1 slab
	upper    []uint32  // M+1 slots per node and layer above 0: count, then neighbours

	live  int
	entry uint32 // entry node, on layer top
	top   int    // highest layer, -1 when empty

	// epMu guards entry and top, and locks the link lists, while AddBatch
	// inserts from several goroutines. Readers hold mu, which excludes them.
	epMu  sync.Mutex
	locks []sync.Mutex

	pool sync.Pool // *searcher
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
	return &Index{
		cfg:   cfg,
		d:     cfg.Dims,
		m0:    2 * cfg.M,
		mult:  1 / math.Log(float64(cfg.M)),
		rng:   cfg.Seed,
		byExt: make(map[uint32]uint32),
		top:   -1,
		locks: make([]sync.Mutex, lockCount),
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
	in := ix.appendNode(id, vec)
	s := ix.getSearcher()
	ix.insert(s, in)
	ix.pool.Put(s)
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
	ix.vecs = slices.Grow(ix.vecs, len(vecs)*ix.d)
	for i, id := range ids {
		ix.appendNode(id, vecs[i])
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ids)) {
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
	return nil
}

// appendNode stores a node without linking it and returns its internal id.
func (ix *Index) appendNode(id uint32, vec []float32) uint32 {
	in := uint32(len(ix.ext))
	lvl := ix.randomLevel()
	ix.byExt[id] = in
	ix.ext = append(ix.ext, id)
	ix.vecs = append(ix.vecs, vec...)
	ix.level = append(ix.level, uint8(lvl))
	ix.deleted = append(ix.deleted, false)
	ix.links0 = append(ix.links0, make([]uint32, ix.m0+1)...)
	ix.upperOff = append(ix.upperOff, uint32(len(ix.upper)))
	ix.upper = append(ix.upper, make([]uint32, lvl*(ix.cfg.M+1))...)
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
	return true
}

// vec returns the stored vector of internal node in.
func (ix *Index) vec(in uint32) []float32 {
	o := int(in) * ix.d
	return ix.vecs[o : o+ix.d : o+ix.d]
}

// slab returns node in's link slab on layer lc: a count followed by room for
// the layer's maximum degree.
func (ix *Index) slab(in uint32, lc int) []uint32 {
	if lc == 0 {
		o := int(in) * (ix.m0 + 1)
		return ix.links0[o : o+ix.m0+1 : o+ix.m0+1]
	}
	o := int(ix.upperOff[in]) + (lc-1)*(ix.cfg.M+1)
	return ix.upper[o : o+ix.cfg.M+1 : o+ix.cfg.M+1]
}

// neighbours returns node in's links on layer lc.
func (ix *Index) neighbours(in uint32, lc int) []uint32 {
	s := ix.slab(in, lc)
	return s[1 : 1+s[0]]
}
