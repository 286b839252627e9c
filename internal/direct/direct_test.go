package direct

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// writeFile writes data to a new file in dir through a Writer, in pieces
// of random sizes, directly where it can unless direct is false, and
// returns the file's path.
func writeFile(t *testing.T, dir string, data []byte, direct bool) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "direct*")
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(f)
	if !direct && w.direct {
		if err := setDirect(f, false); err != nil {
			t.Fatal(err)
		}
		w.direct = false
	}
	r := rand.New(rand.NewPCG(1, 2))
	for rest := data; len(rest) > 0; {
		n := min(len(rest), r.IntN(3*bufSize/2)+1)
		if got, err := w.Write(rest[:n]); err != nil || got != n {
			t.Fatalf("Write of %d bytes: %d, %v", n, got, err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

func TestWriter(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{0, 1, align - 1, align, bufSize - 1, bufSize, bufSize + 1, 3*bufSize + 12345} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		for _, direct := range []bool{true, false} {
			path := writeFile(t, t.TempDir(), data, direct)
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("size %d, direct %v: the file holds %d bytes, not those written", size, direct, len(got))
			}
		}
	}
}

// TestWriterErrors checks that a failed write is returned, then from every
// later call, and that Close still closes the file.
func TestWriterErrors(t *testing.T) {
	f, err := os.Open(filepath.Join(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(f)
	big := make([]byte, bufSize+1)
	if n, err := w.Write(big); err == nil || n != bufSize {
		t.Fatalf("Write to a directory: %d, %v; want an error after %d bytes", n, err, bufSize)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("a Write after a failed one succeeded")
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a failed write succeeded")
	}
	if _, err := f.Stat(); err == nil {
		t.Fatal("Close left the file open")
	}
}
