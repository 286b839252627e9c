package vectorindex

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	ix, queries := sharedIndex(t)
	path := filepath.Join(t.TempDir(), "index.hnsw")
	start := time.Now()
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	saved := time.Since(start)
	start = time.Now()
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("save %v, load %v", saved, time.Since(start))
	if got.Len() != ix.Len() || got.Config() != ix.Config() || !slices.Equal(got.IDs(), ix.IDs()) {
		t.Fatalf("loaded index differs: Len %d vs %d, Config %+v vs %+v",
			got.Len(), ix.Len(), got.Config(), ix.Config())
	}
	for _, q := range queries {
		want, _ := ix.SearchEf(q, 10, 16, nil)
		have, _ := got.SearchEf(q, 10, 16, nil)
		if !slices.Equal(want, have) {
			t.Fatalf("results differ after Load:\n%v\n%v", want, have)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil || len(entries) != 1 {
		t.Errorf("Save left temporary files: %v %v", entries, err)
	}
}

func TestLoadKeepsTombstonesAndGrows(t *testing.T) {
	// Above exactBelow, so that the searches below walk the graphs.
	ix, vecs := smallIndex(t, 1200, 16)
	ix.Delete(7)
	path := filepath.Join(t.TempDir(), "i")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Contains(7) || got.Len() != 1199 {
		t.Errorf("tombstone lost: Contains(7) = %v, Len = %d", got.Contains(7), got.Len())
	}
	if err := got.Add(7, vecs[0]); !errors.Is(err, ErrExists) {
		t.Errorf("Add of a deleted id after Load: %v, want ErrExists", err)
	}
	// Adding to the original and the loaded copy must continue identically,
	// since the level generator's state is saved too.
	extra := newMixture(99, 16, 5).draw(50)
	for i, v := range extra {
		if err := ix.Add(uint32(10000+i), v); err != nil {
			t.Fatal(err)
		}
		if err := got.Add(uint32(10000+i), v); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range extra {
		a, _ := ix.Search(q, 5, nil)
		b, _ := got.Search(q, 5, nil)
		if !slices.Equal(a, b) {
			t.Fatalf("diverged after Load + Add: %v vs %v", a, b)
		}
	}
}

// snapshotBytes returns a small valid snapshot.
func snapshotBytes(t testing.TB) []byte {
	t.Helper()
	ix, err := New(Config{Dims: 8, M: 4, EfConstruction: 20})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(5, 8, 4).draw(60)
	for i, v := range vecs {
		if err := ix.Add(uint32(i*5), v); err != nil {
			t.Fatal(err)
		}
	}
	ix.Delete(10)
	_, b := saved(t, ix)
	return b
}

// saved saves ix to a new file and returns its path and bytes.
func saved(t testing.TB, ix *Index) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snapshot")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// withCRC returns b with its trailing checksum recomputed, so that damage
// reaches the structural checks.
func withCRC(b []byte) []byte {
	b = slices.Clone(b)
	if len(b) >= 4 {
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
	}
	return b
}

func TestLoadCorrupt(t *testing.T) {
	good := snapshotBytes(t)
	flip := func(off int) []byte {
		b := slices.Clone(good)
		b[off] ^= 0x40
		return b
	}
	n := 60
	links0 := headerSize + n*(4+1+1+4*8)
	setU32 := func(off int, v uint32) []byte {
		b := slices.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return withCRC(b)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{name: "empty file", data: nil},
		{name: "wrong magic", data: flip(0)},
		{name: "wrong version", data: setU32(8, 5)},
		{name: "unknown vector layout", data: setU32(80, 2)},
		{name: "nonzero reserved word", data: setU32(84, 1)},
		{name: "dense with nonzero count", data: setU32(72, 3)},
		{name: "unknown quantization", data: setU32(28, 2)},
		{name: "flipped header byte", data: flip(20)},
		{name: "flipped vector byte", data: flip(headerSize + n*6 + 100)},
		{name: "flipped checksum", data: flip(len(good) - 1)},
		{name: "truncated header", data: good[:40]},
		{name: "truncated body", data: good[:len(good)/2]},
		{name: "missing checksum", data: good[:len(good)-4]},
		{name: "trailing garbage", data: append(slices.Clone(good), 0)},
		{name: "huge node count", data: setU32(48, 0xffffffff)},
		{name: "zero dims", data: setU32(12, 0)},
		{name: "link count too big", data: setU32(links0, 9)},
		{name: "link out of range", data: setU32(links0+4, 60)},
		{name: "entry out of range", data: setU32(56, 1000)},
		{name: "bad tombstone", data: withCRC(func() []byte {
			b := slices.Clone(good)
			b[headerSize+n*5] = 7
			return b
		}())},
		{name: "duplicate id", data: setU32(headerSize+4, 0)},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "snap")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			ix, err := Load(path)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Load = %v, %v; want ErrCorrupt", ix, err)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("missing file: %v, want a plain I/O error", err)
	}
}

func FuzzLoad(f *testing.F) {
	good := snapshotBytes(f)
	f.Add(good, false)
	f.Add(good[:100], true)
	_, sparse := saved(f, sparseIndex(f, quantInt8, 30))
	f.Add(sparse, false)
	f.Fuzz(func(t *testing.T, data []byte, fixCRC bool) {
		if fixCRC {
			data = withCRC(data)
		}
		// decode is Load minus the file, which keeps fuzzing off the disk.
		ix, err := decode(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Load error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		q := make([]float32, ix.Dims())
		q[0] = 1
		if _, err := ix.Search(q, 5, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Search(q, 5, NewFilter(ix.IDs()[:ix.Len()/2])); err != nil {
			t.Fatal(err)
		}
	})
}

// asVersion returns the snapshot b, whose vectors must be dense, in the
// layout of an older format version: without the header's vector fields.
func asVersion(t *testing.T, b []byte, version uint32) []byte {
	t.Helper()
	if binary.LittleEndian.Uint32(b[80:]) != layoutDense {
		t.Fatal("asVersion of a snapshot with sparse vectors")
	}
	old := slices.Concat(b[:headerSizeV3], b[headerSize:])
	binary.LittleEndian.PutUint32(old[8:], version)
	return withCRC(old)
}

// TestLoadVersion1 loads a float32 snapshot relabelled as format version 1,
// whose layout versions 2 and 3 keep.
func TestLoadVersion1(t *testing.T) {
	b := asVersion(t, snapshotBytes(t), 1)
	path := filepath.Join(t.TempDir(), "v1")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ix, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 59 || ix.Config().Quantization != "float32" {
		t.Errorf("Len %d, Quantization %q; want 59, float32", ix.Len(), ix.Config().Quantization)
	}
}

// TestLoadThenAddFloat32 grows a loaded float32 index, whose snapshot holds
// no int8 codes for the insert search, well past efConstruction, so that the
// codes fitted at the first insert decide which candidates are considered.
func TestLoadThenAddFloat32(t *testing.T) {
	m := newMixture(3, 32, 40)
	first, second, queries := m.draw(1000), m.draw(2000), m.draw(100)
	ix, err := New(Config{Dims: 32, EfConstruction: 40})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.AddBatch(seqIDs(len(first)), first); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "f32")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.codes != nil {
		t.Errorf("Load made %d bytes of codes; they wait for the first insert", len(got.codes))
	}
	for i, v := range second {
		if err := got.Add(uint32(1_000_000+i), v); err != nil {
			t.Fatal(err)
		}
	}
	if want := (len(first) + len(second)) * got.codeLen; len(got.codes) != want {
		t.Errorf("%d bytes of codes, want %d", len(got.codes), want)
	}
	r := recall(t, got, queries, 10, nil, func(q []float32) ([]Hit, error) { return got.Search(q, 10, nil) })
	t.Logf("recall@10 after Load and 2,000 inserts: %.4f", r)
	if r < 0.95 {
		t.Errorf("recall@10 = %.4f, want >= 0.95", r)
	}
}

func TestChanged(t *testing.T) {
	ix, err := New(Config{Dims: 8})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(4, 8, 2).draw(3)
	path := filepath.Join(t.TempDir(), "i")
	steps := []struct {
		name string
		do   func() error
		want bool
	}{
		{"new", func() error { return nil }, false},
		{"add", func() error { return ix.Add(1, vecs[0]) }, true},
		{"save", func() error { return ix.Save(path) }, false},
		{"add batch", func() error { return ix.AddBatch([]uint32{2, 3}, vecs[1:]) }, true},
		{"save again", func() error { return ix.Save(path) }, false},
		{"failed add", func() error { _ = ix.Add(1, vecs[0]); return nil }, false},
		{"empty batch", func() error { return ix.AddBatch(nil, nil) }, false},
		{"delete of an unknown id", func() error { ix.Delete(99); return nil }, false},
		{"load", func() (err error) { ix, err = Load(path); return err }, false},
		{"delete", func() error { ix.Delete(2); return nil }, true},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := ix.Changed(); got != s.want {
			t.Fatalf("after %s: Changed() = %v, want %v", s.name, got, s.want)
		}
	}
}

// TestLoadRejectsInt8Version2 refuses int8 snapshots of format version 2,
// whose float vectors the build that wrote them may have damaged, and still
// reads float32 ones.
func TestLoadRejectsInt8Version2(t *testing.T) {
	ix, err := New(Config{Dims: 8, Quantization: "int8"})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range newMixture(5, 8, 4).draw(40) {
		if err := ix.Add(uint32(i+1), v); err != nil {
			t.Fatal(err)
		}
	}
	path, b := saved(t, ix)
	if err := os.WriteFile(path, asVersion(t, b, 2), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Load of an int8 version 2 snapshot: %v, want ErrCorrupt", err)
	}

	path = filepath.Join(t.TempDir(), "float32")
	if err := os.WriteFile(path, asVersion(t, snapshotBytes(t), 2), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Errorf("Load of a float32 version 2 snapshot: %v", err)
	}
}

// TestSaveLoadEmpty checks that an index saved before its first insert,
// as a server started on an empty archive saves it, loads and then takes
// vectors: an int8 index has no ranges until then.
func TestSaveLoadEmpty(t *testing.T) {
	for _, quant := range []string{quantFloat32, quantInt8} {
		t.Run(quant, func(t *testing.T) {
			ix, err := New(Config{Dims: 16, Quantization: quant})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "empty")
			if err := ix.Save(path); err != nil {
				t.Fatal(err)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatalf("load an empty index's snapshot: %v", err)
			}
			if got.Len() != 0 || got.Config() != ix.Config() {
				t.Fatalf("loaded %d items with %+v, want none with %+v", got.Len(), got.Config(), ix.Config())
			}
			vecs := newMixture(5, 16, 4).draw(200)
			if err := got.AddBatch(seqIDs(len(vecs)), vecs); err != nil {
				t.Fatal(err)
			}
			hits, err := got.Search(vecs[7], 1, nil)
			if err != nil || len(hits) != 1 || hits[0].ID != seqIDs(len(vecs))[7] {
				t.Fatalf("search for an added vector after loading an empty snapshot: %v, %v", hits, err)
			}
		})
	}
}

// sparseIndex returns an index of n vectors of 40 dimensions, a bitmap
// word and a part, with about 60 % of their coordinates zero and a few -0.
func sparseIndex(t testing.TB, quant string, n int) *Index {
	t.Helper()
	ix, err := New(Config{Dims: 40, M: 6, EfConstruction: 40, Quantization: quant})
	if err != nil {
		t.Fatal(err)
	}
	vecs := newMixture(11, 40, 8).draw(n)
	for k, v := range vecs {
		for i := range v {
			switch {
			case (i*7+k*3)%5 < 3:
				v[i] = 0
			case (i+k)%97 == 0:
				v[i] = float32(math.Copysign(0, -1))
			}
		}
		if err := ix.Add(uint32(k*3), v); err != nil {
			t.Fatal(err)
		}
	}
	ix.Delete(6)
	return ix
}

func TestSaveLoadSparse(t *testing.T) {
	for _, quant := range []string{quantFloat32, quantInt8} {
		t.Run(quant, func(t *testing.T) {
			ix := sparseIndex(t, quant, 400)
			path, b := saved(t, ix)
			if layout := binary.LittleEndian.Uint32(b[80:]); layout != layoutSparse {
				t.Fatalf("vector layout %d, want sparse", layout)
			}
			if dense := 4 * 400 * 40; len(b) > headerSize+400*(6+4*13)+dense*6/10+100 {
				t.Errorf("snapshot of %d bytes: the sparse vectors take about as much as dense ones (%d bytes)", len(b), dense)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			for in := range uint32(len(ix.ext)) {
				want, have := ix.vec(in), got.vec(in)
				for i := range want {
					if math.Float32bits(want[i]) != math.Float32bits(have[i]) {
						t.Fatalf("vector %d coordinate %d: loaded %v, saved %v", in, i, have[i], want[i])
					}
				}
			}
			for k := range 20 {
				q := ix.vec(uint32(k))
				want, _ := ix.Search(q, 5, nil)
				have, _ := got.Search(q, 5, nil)
				if !slices.Equal(want, have) {
					t.Fatalf("results differ after Load:\n%v\n%v", want, have)
				}
			}
		})
	}
	if layout := binary.LittleEndian.Uint32(snapshotBytes(t)[80:]); layout != layoutDense {
		t.Errorf("dense vectors saved in layout %d", layout)
	}
}

func TestLoadCorruptSparse(t *testing.T) {
	_, good := saved(t, sparseIndex(t, quantInt8, 50))
	// The first vector's bitmap follows the ids, levels and tombstones.
	bitmap := headerSize + 50*6
	edit := func(fn func(b []byte)) []byte {
		b := slices.Clone(good)
		fn(b)
		return withCRC(b)
	}
	le := binary.LittleEndian
	tests := []struct {
		name string
		data []byte
	}{
		{name: "bit past Dims", data: edit(func(b []byte) { b[bitmap+5] |= 0x01 })},
		{name: "more bits than the count", data: edit(func(b []byte) {
			w := le.Uint32(b[bitmap:])
			le.PutUint32(b[bitmap:], w|(w+1)) // sets the lowest clear bit
		})},
		{name: "fewer bits than the count", data: edit(func(b []byte) {
			w := le.Uint32(b[bitmap:])
			le.PutUint32(b[bitmap:], w&(w-1)) // clears the lowest set bit
		})},
		{name: "count beyond the vectors", data: edit(func(b []byte) { le.PutUint64(b[72:], 50*40+1) })},
		{name: "count off by one", data: edit(func(b []byte) { le.PutUint64(b[72:], le.Uint64(b[72:])+1) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decode(bytes.NewReader(tt.data), int64(len(tt.data))); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode = %v; want ErrCorrupt", err)
			}
		})
	}
}
