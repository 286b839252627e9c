package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/veille/veille/ingest"
)

// sparseVector returns a vector of d coordinates of which about one in
// every den is nonzero, like the built-in embedder's.
func sparseVector(r *rand.Rand, d, den int) []float32 {
	v := make([]float32, d)
	for i := range v {
		if r.IntN(den) == 0 {
			v[i] = float32(r.NormFloat64())
		}
	}
	return v
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func TestVectorEncodingRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	dense := make([]float32, 384)
	for i := range dense {
		dense[i] = float32(r.NormFloat64())
	}
	odd := sparseVector(r, 70, 3)
	odd[69] = 1 // the last coordinate, in the bitmap's partial word
	for _, tc := range []struct {
		name   string
		v      []float32
		sparse bool
	}{
		{"built-in-like 1024", sparseVector(r, 1024, 2), true},
		{"no zeros", dense, false},
		{"70 dims", odd, true},
		{"signed zero and NaN", append(make([]float32, 60), float32(math.Copysign(0, -1)), float32(math.NaN())), true},
		{"all zeros", make([]float32, 64), true},
		{"three dims, one zero", []float32{0, 2, 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := encodeVector(tc.v)
			if got := len(b)%4 == 1; got != tc.sparse {
				t.Fatalf("%d bytes for %d dims: sparse %v, want %v", len(b), len(tc.v), got, tc.sparse)
			}
			if tc.sparse && len(b) >= 4*len(tc.v) {
				t.Fatalf("sparse form of %d bytes, dense is %d", len(b), 4*len(tc.v))
			}
			got, err := decodeVector(b)
			if err != nil {
				t.Fatal(err)
			}
			if !sameBits(got, tc.v) {
				t.Fatalf("decoded %v, want %v", got, tc.v)
			}
		})
	}
}

func TestVectorEncodingRejectsDamage(t *testing.T) {
	good := encodeVector(sparseVector(rand.New(rand.NewPCG(5, 6)), 100, 3))
	bitPastEnd := slices.Clone(good)
	bitPastEnd[5+4*3+3] |= 0x80 // bit 31 of the fourth word: coordinate 127
	for name, b := range map[string][]byte{
		"two bytes":         {1, 2},
		"wrong tag":         append([]byte{2}, good[1:]...),
		"cut value":         good[:len(good)-4],
		"cut bitmap":        good[:9],
		"no dims":           {sparseTag, 0, 0, 0, 0},
		"huge dims":         {sparseTag, 0xff, 0xff, 0xff, 0x7f},
		"bit past the dims": bitPastEnd,
	} {
		if v, err := decodeVector(b); !errors.Is(err, errVectorEncoding) {
			t.Errorf("%s: got %v, %v; want errVectorEncoding", name, v, err)
		}
	}
}

func nonzero(v []float32) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

// TestStoredVectorsAreSparse stores built-in-like vectors through Apply and
// reads them back, after a reopen, bit for bit, from values in the sparse
// form.
func TestStoredVectorsAreSparse(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	d := doc("a", "2025-01", "one", "two", "three")
	r := rand.New(rand.NewPCG(7, 8))
	vecs := map[string][]float32{}
	for _, it := range d.Items {
		vecs[it.ID] = sparseVector(r, 1024, 2)
	}
	if _, err := db.Apply(t.Context(), d, vecs); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, dir)
	defer db.Close()
	byID := map[string]ingest.Item{}
	for _, it := range d.Items {
		byID[it.ID] = it
	}
	walked := 0
	err := db.WalkVectors(t.Context(), func(seq uint32, v []float32) error {
		walked++
		one, err := db.Vector(t.Context(), db.gen.Load(), seq)
		if err != nil {
			return err
		}
		if !sameBits(one, v) {
			t.Errorf("seq %d: Vector and WalkVectors differ", seq)
		}
		return db.bdb.View(func(txn *badger.Txn) error {
			kv, err := txn.Get(seqKey(vecPrefix(db.gen.Load()), seq))
			if err != nil {
				return err
			}
			if size, want := int(kv.ValueSize()), 5+4*32+4*nonzero(v); size != want {
				t.Errorf("seq %d: stored in %d bytes, want the sparse form's %d", seq, size, want)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if walked != len(d.Items) {
		t.Fatalf("walked %d vectors, want %d", walked, len(d.Items))
	}
	for id := range byID {
		it, err := db.Item(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.Vector(t.Context(), db.gen.Load(), it.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(v, vecs[id]) {
			t.Errorf("%s: stored vector differs from the one applied", id)
		}
	}
}

// BenchmarkEncodeVector encodes built-in-like vectors, 41 % nonzero, each
// out of cache as in an ingest.
func BenchmarkEncodeVector(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	vecs := make([][]float32, 4096)
	for i := range vecs {
		v := sparseVector(r, 1024, 2)
		for j := range v {
			if r.IntN(100) >= 82 {
				v[j] = 0
			}
		}
		vecs[i] = v
	}
	i := 0
	for b.Loop() {
		sinkBytes = encodeVector(vecs[i%len(vecs)])
		i++
	}
}

var sinkBytes []byte

// setSchemaVersion records version v in db's m/schema, as an older build
// would have.
func setSchemaVersion(t *testing.T, db *DB, v int) {
	t.Helper()
	err := db.bdb.Update(func(txn *badger.Txn) error {
		var s schema
		if err := getJSON(txn, keySchema, &s); err != nil {
			return err
		}
		s.Version = v
		return putJSON(txn, keySchema, s)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func schemaVersion(t *testing.T, db *DB) int {
	t.Helper()
	s, err := db.readSchema()
	if err != nil {
		t.Fatal(err)
	}
	return s.Version
}

// TestOpenUpgradesSchema1: a store of version 1, whose vectors are all
// dense, opens, reads its vectors as they were, and is recorded as version
// 2, which a build reading version 1 only refuses. A version this build
// does not know is refused.
func TestOpenUpgradesSchema1(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	ingestDoc(t, db, doc("a", "2025-01", "one", "two"))
	setSchemaVersion(t, db, 1)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, dir)
	if v := schemaVersion(t, db); v != SchemaVersion {
		t.Fatalf("version %d after opening a version-1 store, want %d", v, SchemaVersion)
	}
	var vecs [][]float32
	if err := db.WalkVectors(t.Context(), func(_ uint32, v []float32) error { vecs = append(vecs, v); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(vecs) != 2 || !sameBits(vecs[0], []float32{0, 3, 1}) || !sameBits(vecs[1], []float32{1, 3, 1}) {
		t.Fatalf("vectors after the upgrade: %v", vecs)
	}
	setSchemaVersion(t, db, SchemaVersion+1)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err := Open(dir, Options{GCInterval: -1}); !errors.Is(err, ErrSchema) {
		if err == nil {
			db.Close()
		}
		t.Fatalf("Open of a version-%d store: %v, want ErrSchema", SchemaVersion+1, err)
	}
}

// TestRestoreSchema1Backup restores a backup that a version-1 build wrote:
// its header and data both say version 1. The restored store opens as
// version 2 with its items.
func TestRestoreSchema1Backup(t *testing.T) {
	src := filled(t)
	want := dumpStore(t, src)
	setSchemaVersion(t, src, 1)
	b := backupOf(t, src)
	b = bytes.Replace(b, fmt.Appendf(nil, `"schema_version":%d`, SchemaVersion), []byte(`"schema_version":1`), 1)
	sum := sha256.Sum256(b[:len(b)-sha256.Size])
	copy(b[len(b)-sha256.Size:], sum[:])
	dir := filepath.Join(t.TempDir(), "badger")
	if err := Restore(t.Context(), dir, bytes.NewReader(b), Options{}); err != nil {
		t.Fatalf("Restore of a version-1 backup: %v", err)
	}
	db := mustOpen(t, dir)
	defer db.Close()
	if v := schemaVersion(t, db); v != SchemaVersion {
		t.Fatalf("version %d after restoring a version-1 backup, want %d", v, SchemaVersion)
	}
	sameDump(t, want, dumpStore(t, db))
}

// FuzzDecodeVector feeds stored values of any shape to decodeVector: it
// must fail cleanly or give a vector whose encoding decodes to the same
// bits, never panic or allocate for dims the value cannot hold.
func FuzzDecodeVector(f *testing.F) {
	r := rand.New(rand.NewPCG(11, 12))
	f.Add(encodeVector(sparseVector(r, 1024, 2)))
	f.Add(encodeVector(sparseVector(r, 70, 3)))
	f.Add(encodeVector([]float32{1, 2, 3}))
	f.Add([]byte{sparseTag, 0xff, 0xff, 0xff, 0x7f})
	f.Add([]byte{sparseTag, 1, 0, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeVector(b)
		if err != nil {
			if !errors.Is(err, errVectorEncoding) {
				t.Fatalf("error %v does not wrap errVectorEncoding", err)
			}
			return
		}
		if len(b)%4 == 1 && len(v) > 8*len(b) {
			t.Fatalf("%d dims from %d bytes", len(v), len(b))
		}
		again, err := decodeVector(encodeVector(v))
		if err != nil || !sameBits(again, v) {
			t.Fatalf("re-encoded %v gives %v, %v", v, again, err)
		}
	})
}
