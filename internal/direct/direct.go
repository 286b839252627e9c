// Package direct writes large files past the kernel's page cache, where
// the system allows it (O_DIRECT on Linux), for files that the process
// writes once and does not read back: the snapshots written at the end of
// an ingest.
//
// Written the usual way, each byte is first copied into the page cache,
// into pages the kernel has just taken, and on a virtual machine the first
// touch of a page is dear: at the end of a 100,000-paragraph `veille
// ingest`, copying its 353 MB of snapshots took 0.74 s of kernel time, on
// the command's critical path. Written directly, the disk reads the
// process's own buffer, and the end of the ingest took half as long
// (BENCHMARKS.md, twenty-fifth pass).
package direct

import (
	"os"
	"unsafe"
)

// align is the alignment O_DIRECT asks of buffers, lengths and offsets: a
// page, a multiple of the common disks' logical blocks (512 bytes or 4 KiB);
// a disk with larger ones refuses the writes, and the Writer falls back.
const align = 4096

// bufSize is the size of the writer's buffer and of each direct write.
const bufSize = 4 << 20

// Writer buffers writes to a file and writes whole buffers directly, the
// rest, at Close, through the page cache. Where direct writes are not
// available (another system, a file system that refuses them), it is a
// buffered writer like any other.
type Writer struct {
	f      *os.File
	buf    []byte // bufSize bytes at an aligned address
	n      int    // bytes of buf in use
	direct bool   // whether f was opened for direct writes and takes them
	err    error  // the first write error, returned from then on
}

// NewWriter returns a Writer to f, which must be a regular file opened for
// writing, at offset 0. Its Close closes f.
func NewWriter(f *os.File) *Writer {
	raw := make([]byte, bufSize+align)
	skip := (align - int(uintptr(unsafe.Pointer(unsafe.SliceData(raw))))%align) % align
	w := &Writer{f: f, buf: raw[skip : skip+bufSize : skip+bufSize]}
	w.direct = setDirect(f, true) == nil
	return w
}

// Write buffers p, writing the buffer out whenever it fills.
func (w *Writer) Write(p []byte) (int, error) {
	done := 0
	for w.err == nil && done < len(p) {
		c := copy(w.buf[w.n:], p[done:])
		w.n += c
		done += c
		if w.n == len(w.buf) {
			w.err = w.writeOut(w.buf)
			w.n = 0
		}
	}
	return done, w.err
}

// writeOut writes b, whole aligned blocks at an aligned offset, directly
// if it can. A file system that took the flag but refuses the write gets
// this write and the rest through the page cache.
func (w *Writer) writeOut(b []byte) error {
	if w.direct {
		n, err := w.f.Write(b)
		if err == nil {
			return nil
		}
		if n != 0 || !refused(err) {
			return err
		}
		w.direct = false
		if err := setDirect(w.f, false); err != nil {
			return err
		}
	}
	_, err := w.f.Write(b)
	return err
}

// Close writes what is buffered, through the page cache since its length
// need not be aligned, and closes the file.
func (w *Writer) Close() error {
	err := w.err
	if err == nil && w.n > 0 {
		if w.direct {
			w.direct = false
			err = setDirect(w.f, false)
		}
		if err == nil {
			_, err = w.f.Write(w.buf[:w.n])
		}
		w.n = 0
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
