package vectorindex

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/veille/veille/internal/direct"
)

// Snapshot format, version 4. All integers and floats are little-endian; n is
// the number of stored nodes, deleted ones included, in internal-id order.
// Versions 1 to 3 are still read: their header ends at offset 72, without
// the two vector fields, and their vectors are dense. Int8 snapshots of
// version 2 are refused: the build that wrote them could lose float vectors
// of an index grown batch after batch (its arena for them could run out of
// room before the node blocks', and appending then moved them out of it), so
// Load reports them corrupt and the archive rebuilds its index from the store.
//
//	offset  size            field
//	0       8               magic "VEIHNSW\x00"
//	8       4               format version (4)
//	12      4               Dims
//	16      4               M
//	20      4               EfConstruction
//	24      4               EfSearch
//	28      4               quantization: 0 float32, 1 int8
//	32      8               Seed
//	40      8               level generator state
//	48      8               n
//	56      4               entry node (internal id)
//	60      4               top layer as int32, -1 when n == 0
//	64      8               u: number of uint32 slots in the upper-layer links
//	72      8               k: sparse layout only, the number of nonzero
//	                        coordinates of all vectors together; else 0
//	80      4               vector layout: 0 dense, 1 sparse
//	84      4               zero
//	88      4n              external ids (uint32)
//	        n               levels (uint8)
//	        n               tombstones (uint8, 0 or 1)
//	                        vectors, dense: 4n*Dims float32s
//	                        vectors, sparse: for each vector a bitmap of its
//	                        nonzero coordinates, w = ⌈Dims/32⌉ uint32s
//	                        (coordinate i is bit i%32 of word i/32; 4n*w
//	                        bytes), then the k nonzero float32s, vector by
//	                        vector in coordinate order (4k bytes)
//	        4n*(2M+1)       layer-0 link slabs (uint32 count, then 2M ids)
//	        4u              upper link slabs: for each node in order, for each
//	                        layer 1..level, a uint32 count then M ids
//	        8               int8 only: number of vectors the ranges were fitted on
//	        4*Dims          int8 only: per-dimension range minimum (float32)
//	        4*Dims          int8 only: per-dimension code step (float32)
//	        4               CRC-32C (Castagnoli) of all preceding bytes
//
// Vectors are written sparse when that is shorter. The built-in embedder's
// have about 420 nonzero coordinates of 1,024, so the snapshot of the
// 100,000-paragraph benchmark archive takes 224 MB instead of 424: the
// ingest's Close took 0.56 s instead of 1.19, and opening the archive
// 0.97 s instead of 1.28. A neural model's vectors stay dense. -0 counts as
// nonzero, so every vector comes back bit for bit.
//
// Memory keeps each node's layer-0 links next to its vector, so vectors and
// links are gathered on the way out and scattered on the way in. The int8
// codes are not stored: Load recomputes them from the vectors and ranges. A
// float32 snapshot has no ranges: the insert search's codes are made, with
// ranges fitted on every vector, at the first insert after Load.
//
// [Load] checks the size against the header before allocating, then the
// checksum, then the structure (counts, id ranges and layers of every link,
// entry point, unique external ids, bitmaps against k and Dims), so a
// damaged file yields [ErrCorrupt] and never a panic or an oversized
// allocation.
const (
	magic         = "VEIHNSW\x00"
	formatVersion = 4
	headerSize    = 88
	// headerSizeV3 is the header's size up to version 3.
	headerSizeV3 = 72
)

// Vector layouts of a snapshot.
const (
	layoutDense  = 0
	layoutSparse = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// chunk is the unit of buffered I/O and of array encoding.
const chunk = 1 << 20

// littleEndian reports whether the host's byte order is the file's. Then
// arrays move between memory and file through byte views, without a copy or
// per-element encoding, which keeps a 100k x 384 snapshot well under a second;
// other hosts encode in chunks.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// bytesOf returns the memory of a uint32 or float32 slice as bytes.
func bytesOf[T uint32 | float32](v []T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
}

// Save writes a snapshot of the index to path atomically: it writes a
// temporary file in the same directory and renames it over path. Searches
// may run meanwhile; writers wait.
//
// Save does not sync the file: a snapshot is a copy of what its owner keeps
// elsewhere, and one that a power cut leaves torn or empty fails its
// checksum in [Load], so the owner rebuilds it. Syncing the snapshot of a
// 100,000-paragraph archive (400 MB then) kept `veille ingest` waiting for
// the disk at its end, with both cores idle.
func (ix *Index) Save(path string) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := direct.NewWriter(tmp)
	ix.mu.RLock()
	edits := ix.edits.Load()
	err = ix.encode(w)
	ix.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	ix.saved.Store(edits)
	return nil
}

// crcWriter checksums writes to a buffered writer.
type crcWriter struct {
	w   io.Writer
	crc uint32
	buf []byte
}

// write checksums and writes p a chunk at a time, so that each chunk is
// still in cache when the write copies it.
func (cw *crcWriter) write(p []byte) error {
	for len(p) > 0 {
		n := min(len(p), chunk)
		cw.crc = crc32.Update(cw.crc, castagnoli, p[:n])
		if _, err := cw.w.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

func (cw *crcWriter) u32s(v []uint32) error {
	if littleEndian {
		return cw.write(bytesOf(v))
	}
	for len(v) > 0 {
		n := min(len(v), chunk/4)
		b := cw.buf[:0]
		for _, x := range v[:n] {
			b = binary.LittleEndian.AppendUint32(b, x)
		}
		if err := cw.write(b); err != nil {
			return err
		}
		v = v[n:]
	}
	return nil
}

func (cw *crcWriter) f32s(v []float32) error {
	if littleEndian {
		return cw.write(bytesOf(v))
	}
	for len(v) > 0 {
		n := min(len(v), chunk/4)
		b := cw.buf[:0]
		for _, x := range v[:n] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		if err := cw.write(b); err != nil {
			return err
		}
		v = v[n:]
	}
	return nil
}

// encode writes the snapshot to w, which buffers: some writes are a few
// bytes. The caller holds mu.
func (ix *Index) encode(w io.Writer) error {
	cw := &crcWriter{w: w, buf: make([]byte, 0, chunk)}
	n := len(ix.ext)
	h := make([]byte, 0, headerSize)
	h = append(h, magic...)
	h = binary.LittleEndian.AppendUint32(h, formatVersion)
	h = binary.LittleEndian.AppendUint32(h, uint32(ix.cfg.Dims))
	h = binary.LittleEndian.AppendUint32(h, uint32(ix.cfg.M))
	h = binary.LittleEndian.AppendUint32(h, uint32(ix.cfg.EfConstruction))
	h = binary.LittleEndian.AppendUint32(h, uint32(ix.cfg.EfSearch))
	h = binary.LittleEndian.AppendUint32(h, quantCode(ix.cfg.Quantization))
	h = binary.LittleEndian.AppendUint64(h, ix.cfg.Seed)
	h = binary.LittleEndian.AppendUint64(h, ix.rng)
	h = binary.LittleEndian.AppendUint64(h, uint64(n))
	h = binary.LittleEndian.AppendUint32(h, ix.entry)
	h = binary.LittleEndian.AppendUint32(h, uint32(int32(ix.top)))
	h = binary.LittleEndian.AppendUint64(h, uint64(len(ix.upper)))
	k, layout := ix.vectorLayout()
	h = binary.LittleEndian.AppendUint64(h, k)
	h = binary.LittleEndian.AppendUint32(h, layout)
	h = binary.LittleEndian.AppendUint32(h, 0)
	if err := cw.write(h); err != nil {
		return err
	}
	if err := cw.u32s(ix.ext); err != nil {
		return err
	}
	if err := cw.write(ix.level); err != nil {
		return err
	}
	tomb := make([]byte, n)
	for i, d := range ix.deleted {
		if d {
			tomb[i] = 1
		}
	}
	if err := cw.write(tomb); err != nil {
		return err
	}
	switch {
	case layout == layoutSparse:
		if err := ix.writeSparse(cw); err != nil {
			return err
		}
	case ix.int8:
		if err := cw.f32s(ix.fv[:n*ix.d]); err != nil {
			return err
		}
	default:
		for in := range uint32(n) {
			if err := cw.f32s(ix.vec(in)); err != nil {
				return err
			}
		}
	}
	for in := range uint32(n) {
		if err := cw.u32s(ix.slab(in, 0)); err != nil {
			return err
		}
	}
	if err := cw.u32s(ix.upper); err != nil {
		return err
	}
	if qz := ix.quant; ix.int8 {
		if err := cw.write(binary.LittleEndian.AppendUint64(nil, uint64(qz.fitted))); err != nil {
			return err
		}
		lo, step := qz.lo, qz.step
		if qz.fitted == 0 {
			// Never fitted (no vector was ever added): zero ranges, which
			// Load takes as fitted on no vector, like New's.
			lo = make([]float32, ix.d)
			step = lo
		}
		if err := cw.f32s(lo); err != nil {
			return err
		}
		if err := cw.f32s(step); err != nil {
			return err
		}
	}
	_, err := cw.w.Write(binary.LittleEndian.AppendUint32(nil, cw.crc))
	return err
}

// vectorLayout returns the number of nonzero coordinates of all vectors and
// the layout that stores them in fewer bytes. The caller holds mu. Counted a
// coordinate at a time, the benchmark archive's 100,000 vectors took 0.26 s
// of the 0.38 s its snapshot took at the end of its ingest; sixteen at a
// time (countNonzero), the snapshot takes 0.14 s (BenchmarkEncodeSparse:
// 1,030-1,090 against 500-530 ns a vector).
func (ix *Index) vectorLayout() (k uint64, layout uint32) {
	n := uint64(len(ix.ext))
	for in := range uint32(n) {
		// -0 counts as nonzero, to come back bit for bit.
		k += uint64(countNonzero(ix.vec(in)))
	}
	if bitmapWords(ix.d)*n+k < uint64(ix.d)*n {
		return k, layoutSparse
	}
	return 0, layoutDense
}

// bitmapWords is the number of uint32 words of a sparse vector's bitmap.
func bitmapWords(dims int) uint64 { return uint64(dims+31) / 32 }

// writeSparse writes each vector as its bitmap, then its nonzero
// coordinates. The caller holds mu. On amd64 with AVX-512 the coordinates
// are packed sixteen at a time ([compressNonzero]): the snapshot of the
// benchmark archive's 100,000 vectors, written at the end of its ingest,
// took 0.37 s of CPU in the plain loop, and the ingest's close went from
// 0.85–0.87 s to 0.52–0.60 s (BENCHMARKS.md, twenty-fourth pass).
func (ix *Index) writeSparse(cw *crcWriter) error {
	words := int(bitmapWords(ix.d))
	rec := make([]uint32, words+ix.d+16)
	for in := range uint32(len(ix.ext)) {
		n := compressNonzero(ix.vec(in), rec[:words], rec[words:])
		if err := cw.u32s(rec[:words+n]); err != nil {
			return err
		}
	}
	return nil
}

// readSparse reads the sparse vectors of version 4, k nonzero coordinates
// in all, into the index's zeroed vectors.
func (ix *Index) readSparse(cr *crcReader, k uint64) error {
	words := int(bitmapWords(ix.d))
	rec := make([]uint32, words+ix.d)
	// Bits past Dims in a bitmap's last word must be clear.
	spare := ^uint32(0) << (ix.d % 32)
	if ix.d%32 == 0 {
		spare = 0
	}
	for in := range uint32(len(ix.ext)) {
		bitmap := rec[:words]
		if err := cr.u32s(bitmap); err != nil {
			return err
		}
		if bitmap[words-1]&spare != 0 {
			return corrupt("vector %d: bitmap marks coordinates past Dims", in)
		}
		c := 0
		for _, w := range bitmap {
			c += bits.OnesCount32(w)
		}
		if uint64(c) > k {
			return corrupt("vector %d: bitmaps mark more than the header's %d nonzero coordinates", in, k)
		}
		k -= uint64(c)
		vals := rec[words : words+c]
		if err := cr.u32s(vals); err != nil {
			return err
		}
		v := ix.vec(in)
		for w, word := range bitmap {
			for ; word != 0; word &= word - 1 {
				v[32*w+bits.TrailingZeros32(word)] = math.Float32frombits(vals[0])
				vals = vals[1:]
			}
		}
	}
	if k != 0 {
		return corrupt("bitmaps mark %d fewer nonzero coordinates than the header", k)
	}
	return nil
}

// Load reads a snapshot written by [Index.Save]. It returns an error wrapping
// [ErrCorrupt] with the detail if the file is truncated, has the wrong magic,
// version or checksum, or is structurally invalid.
func Load(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load index: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load index: %w", err)
	}
	ix, err := decode(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("load index %s: %w", path, err)
	}
	return ix, nil
}

// corrupt wraps a detail in ErrCorrupt.
func corrupt(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, a...))
}

// crcReader reads exact-length sections and checksums them. buf is scratch
// for decoding arrays.
type crcReader struct {
	r   io.Reader
	crc uint32
	buf []byte
}

// read fills p and checksums it a chunk at a time, while each chunk is
// still in cache.
func (cr *crcReader) read(p []byte) error {
	for len(p) > 0 {
		n := min(len(p), chunk)
		if _, err := io.ReadFull(cr.r, p[:n]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return corrupt("truncated")
			}
			return err
		}
		cr.crc = crc32.Update(cr.crc, castagnoli, p[:n])
		p = p[n:]
	}
	return nil
}

func (cr *crcReader) u32s(v []uint32) error {
	if littleEndian {
		return cr.read(bytesOf(v))
	}
	for len(v) > 0 {
		n := min(len(v), chunk/4)
		b := cr.buf[:4*n]
		if err := cr.read(b); err != nil {
			return err
		}
		for i := range v[:n] {
			v[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		v = v[n:]
	}
	return nil
}

func (cr *crcReader) f32s(v []float32) error {
	if littleEndian {
		return cr.read(bytesOf(v))
	}
	for len(v) > 0 {
		n := min(len(v), chunk/4)
		b := cr.buf[:4*n]
		if err := cr.read(b); err != nil {
			return err
		}
		for i := range v[:n] {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		v = v[n:]
	}
	return nil
}

// decode reads a snapshot of size bytes from r.
func decode(r io.Reader, size int64) (*Index, error) {
	if size < headerSizeV3+4 {
		return nil, corrupt("%d bytes is shorter than a header", size)
	}
	// Vectors and links are read a node at a time, so r needs buffering.
	cr := &crcReader{r: bufio.NewReaderSize(r, chunk), buf: make([]byte, min(chunk, size))}
	h := make([]byte, headerSize)
	if err := cr.read(h[:headerSizeV3]); err != nil {
		return nil, err
	}
	if string(h[:8]) != magic {
		return nil, corrupt("bad magic %q", h[:8])
	}
	le := binary.LittleEndian
	version := le.Uint32(h[8:])
	if version < 1 || version > formatVersion {
		return nil, corrupt("unsupported version %d", version)
	}
	// Up to version 3 the header ends before the vector fields, which are
	// then zero: dense vectors.
	header := uint64(headerSizeV3)
	if version == formatVersion {
		if err := cr.read(h[headerSizeV3:]); err != nil {
			return nil, err
		}
		header = headerSize
	}
	k, layout := le.Uint64(h[72:]), le.Uint32(h[80:])
	if layout > layoutSparse || le.Uint32(h[84:]) != 0 || (layout == layoutDense && k != 0) {
		return nil, corrupt("vector layout %d, %d nonzero coordinates, %#x", layout, k, le.Uint32(h[84:]))
	}
	qc := le.Uint32(h[28:])
	if qc > 1 || (version == 1 && qc != 0) {
		return nil, corrupt("unknown quantization %d", qc)
	}
	if version == 2 && qc == 1 {
		return nil, corrupt("int8 snapshot of version 2, whose float vectors may be damaged")
	}
	cfg := Config{
		Dims:           int(le.Uint32(h[12:])),
		M:              int(le.Uint32(h[16:])),
		EfConstruction: int(le.Uint32(h[20:])),
		EfSearch:       int(le.Uint32(h[24:])),
		Seed:           le.Uint64(h[32:]),
		Quantization:   []string{quantFloat32, quantInt8}[qc],
	}
	if cfg.Dims == 0 || cfg.M == 0 || cfg.EfConstruction == 0 || cfg.EfSearch == 0 || cfg.Seed == 0 {
		return nil, corrupt("zero config field in %+v", cfg)
	}
	if _, err := cfg.withDefaults(); err != nil {
		return nil, corrupt("%v", err)
	}
	n64, u64 := le.Uint64(h[48:]), le.Uint64(h[64:])
	entry, top := le.Uint32(h[56:]), int(int32(le.Uint32(h[60:])))
	if n64 > math.MaxUint32 || u64 > n64*maxLevel*uint64(cfg.M+1) {
		return nil, corrupt("implausible counts n=%d u=%d", n64, u64)
	}
	vectors := 4 * n64 * uint64(cfg.Dims)
	if layout == layoutSparse {
		if k > n64*uint64(cfg.Dims) {
			return nil, corrupt("%d nonzero coordinates in %d vectors of %d", k, n64, cfg.Dims)
		}
		vectors = 4 * (n64*bitmapWords(cfg.Dims) + k)
	}
	want := header + n64*(4+1+1+4*uint64(2*cfg.M+1)) + vectors + 4*u64 + 4
	if qc == 1 {
		want += 8 + 8*uint64(cfg.Dims)
	}
	if uint64(size) != want {
		return nil, corrupt("size %d, header implies %d", size, want)
	}

	ix := newIndex(cfg)
	ix.rng = le.Uint64(h[40:])
	n := int(n64)
	ix.ext = make([]uint32, n)
	ix.level = make([]uint8, n)
	tomb := make([]byte, n)
	ix.grow(n)
	ix.nodes = ix.nodes[:n*ix.stride]
	ix.views()
	if ix.int8 {
		ix.fv = ix.fv[:n*cfg.Dims]
	}
	ix.upper = make([]uint32, u64)
	if ix.int8 {
		ix.sims0 = ix.sims0[:n*(ix.m0+1)] // grown above, zero
		ix.simsUpper = make([]float32, u64)
	}
	if err := cr.u32s(ix.ext); err != nil {
		return nil, err
	}
	if err := cr.read(ix.level); err != nil {
		return nil, err
	}
	if err := cr.read(tomb); err != nil {
		return nil, err
	}
	switch {
	case layout == layoutSparse:
		if err := ix.readSparse(cr, k); err != nil {
			return nil, err
		}
	case ix.int8:
		if err := cr.f32s(ix.fv); err != nil {
			return nil, err
		}
	default:
		for in := range uint32(n) {
			if err := cr.f32s(ix.vec(in)); err != nil {
				return nil, err
			}
		}
	}
	for in := range uint32(n) {
		if err := cr.u32s(ix.slab(in, 0)); err != nil {
			return nil, err
		}
	}
	if err := cr.u32s(ix.upper); err != nil {
		return nil, err
	}
	if qz := ix.quant; ix.int8 {
		b := make([]byte, 8)
		if err := cr.read(b); err != nil {
			return nil, err
		}
		qz.fitted = int(min(le.Uint64(b), n64))
		qz.lo, qz.step = make([]float32, cfg.Dims), make([]float32, cfg.Dims)
		if err := cr.f32s(qz.lo); err != nil {
			return nil, err
		}
		if err := cr.f32s(qz.step); err != nil {
			return nil, err
		}
	}
	sum := make([]byte, 4)
	if _, err := io.ReadFull(cr.r, sum); err != nil {
		return nil, corrupt("truncated checksum")
	}
	if got := le.Uint32(sum); got != cr.crc {
		return nil, corrupt("checksum %08x, computed %08x", got, cr.crc)
	}
	ix.entry, ix.top = entry, top
	if err := ix.rebuild(tomb); err != nil {
		return nil, err
	}
	if qz := ix.quant; ix.int8 && n > 0 {
		for i := range qz.step {
			if !(qz.step[i] >= 0) || math.IsInf(float64(qz.step[i]), 0) || math.IsNaN(float64(qz.lo[i])) {
				return nil, corrupt("int8 range %d: lo %v step %v", i, qz.lo[i], qz.step[i])
			}
		}
		qz.setInverse()
		for in := range uint32(n) {
			ix.encodeNode(in)
		}
	}
	return ix, nil
}

// quantCode is the snapshot's number for a Config.Quantization.
func quantCode(q string) uint32 {
	if q == quantInt8 {
		return 1
	}
	return 0
}

// rebuild derives the in-memory indexes from freshly decoded arrays and
// checks every structural invariant that searching relies on.
func (ix *Index) rebuild(tomb []byte) error {
	n := len(ix.ext)
	m := ix.cfg.M
	ix.deleted = make([]bool, n)
	ix.upperOff = make([]uint32, n)
	ix.byExt = make(map[uint32]uint32, n)
	off, top := 0, -1
	for in := range n {
		switch tomb[in] {
		case 0:
			ix.live++
		case 1:
			ix.deleted[in] = true
		default:
			return corrupt("node %d: tombstone byte %d", in, tomb[in])
		}
		lvl := int(ix.level[in])
		if lvl > maxLevel {
			return corrupt("node %d: level %d", in, lvl)
		}
		top = max(top, lvl)
		if _, ok := ix.byExt[ix.ext[in]]; ok {
			return corrupt("id %d stored twice", ix.ext[in])
		}
		ix.byExt[ix.ext[in]] = uint32(in)
		ix.upperOff[in] = uint32(off)
		off += lvl * (m + 1)
	}
	if off != len(ix.upper) {
		return corrupt("upper links hold %d slots, levels need %d", len(ix.upper), off)
	}
	if ix.top != top || (n > 0 && (int(ix.entry) >= n || int(ix.level[ix.entry]) != top)) {
		return corrupt("entry %d on layer %d does not match the levels", ix.entry, ix.top)
	}
	for in := range uint32(n) {
		for lc := 0; lc <= int(ix.level[in]); lc++ {
			sl := ix.slab(in, lc)
			if int(sl[0]) >= len(sl) {
				return corrupt("node %d layer %d: %d links", in, lc, sl[0])
			}
			for _, nb := range sl[1 : 1+sl[0]] {
				if int(nb) >= n || int(ix.level[nb]) < lc {
					return corrupt("node %d layer %d: bad link %d", in, lc, nb)
				}
			}
		}
	}
	return nil
}
