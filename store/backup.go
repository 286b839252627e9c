package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// The sentinels live here rather than in errors.go only because this file
// was written separately; they belong with the others.

// ErrNotEmpty is returned by [Restore] when the target directory already
// holds files: a restore never merges into or overwrites a store.
var ErrNotEmpty = errors.New("directory is not empty")

// ErrBadBackup is returned by [Restore] when the backup is not one that
// [DB.Backup] wrote, or was truncated or corrupted since: wrong magic, an
// unknown format, a checksum that does not match, or a header that disagrees
// with the data.
var ErrBadBackup = errors.New("invalid backup")

// A backup is a small container around Badger's own backup stream, so that
// it names what it holds and a truncated or damaged copy is detected. All
// integers are big-endian unless said otherwise.
//
//	offset  size  field
//	0       8     magic "VEILLEBK"
//	8       2     format version, uint16: 1
//	10      4     header length h, uint32, at most 64 KiB
//	14      h     header, JSON: {"schema_version": 1, "embedder": {"provider",
//	              "model", "dims"} (absent for a store with no vectors yet),
//	              "stream": "badger-v4", "created": RFC 3339 time}
//	14+h    ...   chunks, each a uint32 length n (1 ≤ n ≤ 1 MiB) then n bytes
//	              of the Badger stream; a zero length ends them
//	end-32  32    SHA-256 of every byte before it, magic to the zero length
//
// The Badger stream is what badger.Stream.Backup writes and DB.Load reads:
// records of a uint64 little-endian length and a protobuf pb.KVList, holding
// every key of the store with its versions. The header's schema_version is
// [SchemaVersion] and its embedder the one recorded in m/schema; [Restore]
// checks both against the m/schema it restores.
//
// The vector index is not in a backup: it is derived from the store, and
// the first start on a restored directory finds no index snapshot and
// rebuilds the index from the stored vectors (archive.Open).
const (
	backupMagic   = "VEILLEBK"
	backupFormat  = 1
	backupStream  = "badger-v4"
	maxHeaderLen  = 64 << 10
	maxChunkLen   = 1 << 20
	maxRecordLen  = 1 << 30 // Badger sends batches of about 100 MiB
	restoreWrites = 256     // DB.Load's pending batches, as badger's own restore command uses
)

type backupHeader struct {
	SchemaVersion int       `json:"schema_version"`
	Embedder      *Embedder `json:"embedder,omitempty"`
	Stream        string    `json:"stream"`
	Created       time.Time `json:"created"`
}

// Backup writes a backup of the whole store to w, in the format described
// above. The data is a consistent snapshot: one read transaction, at one
// read timestamp, sees every key, so writes that commit while the backup
// runs are either wholly in it or not at all. That snapshot is taken
// between the writes that change items ([DB.Apply], [DB.DeleteIssue]), which
// may span several transactions: Backup waits for one under way to end (or
// be taken back), ignoring ctx meanwhile, so a backup never holds part of
// an issue. Backup is safe to call on a store in use; it stops at the first
// error writing to w, or when ctx is done, and w then holds an incomplete
// backup that [Restore] refuses.
func (db *DB) Backup(ctx context.Context, w io.Writer) error {
	emb, ok, err := db.Embedder()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	h := backupHeader{SchemaVersion: SchemaVersion, Stream: backupStream, Created: time.Now().UTC().Truncate(time.Second)}
	if ok {
		h.Embedder = &emb
	}
	sum := sha256.New()
	hw := io.MultiWriter(w, sum)
	if err := writeHeader(hw, h); err != nil {
		return fmt.Errorf("backup: write header: %w", err)
	}
	cw := &chunkWriter{ctx: ctx, w: hw, buf: make([]byte, 0, maxChunkLen)}
	stream := db.bdb.NewStream()
	stream.LogPrefix = "veille backup"
	// Each of a stream's goroutines opens its own read transaction, so with
	// several a write could land between them and the key ranges would be
	// read at different timestamps. One goroutine means one snapshot.
	stream.NumGo = 1
	// writeMu is held until the stream's read transaction exists, which it
	// does once the stream sees its first key (m/schema at least), so that
	// no write is halfway through at its read timestamp.
	var once sync.Once
	unlock := func() { once.Do(db.writeMu.Unlock) }
	db.writeMu.Lock()
	stream.ChooseKey = func(*badger.Item) bool {
		unlock()
		return true
	}
	_, err = stream.Backup(cw, 0)
	unlock()
	if err != nil {
		return fmt.Errorf("backup: stream: %w", err)
	}
	if err := cw.close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// The embedder is recorded once, when the first embedder opens an empty
	// store. Should that happen during the backup, the snapshot may hold it
	// while the header does not: refuse to finish such a backup.
	after, okAfter, err := db.Embedder()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if okAfter != ok || after != emb {
		return errors.New("backup: the embedder was recorded while the backup ran; take it again")
	}
	if _, err := w.Write(sum.Sum(nil)); err != nil {
		return fmt.Errorf("backup: write checksum: %w", err)
	}
	return nil
}

func writeHeader(w io.Writer, h backupHeader) error {
	js, err := json.Marshal(h)
	if err != nil {
		return err
	}
	b := make([]byte, 0, 14+len(js))
	b = append(b, backupMagic...)
	b = binary.BigEndian.AppendUint16(b, backupFormat)
	b = binary.BigEndian.AppendUint32(b, uint32(len(js)))
	b = append(b, js...)
	_, err = w.Write(b)
	return err
}

// chunkWriter cuts what is written to it into length-prefixed chunks.
type chunkWriter struct {
	ctx context.Context
	w   io.Writer
	buf []byte
}

func (cw *chunkWriter) Write(p []byte) (int, error) {
	if err := cw.ctx.Err(); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), maxChunkLen-len(cw.buf))
		cw.buf = append(cw.buf, p[:k]...)
		p = p[k:]
		if len(cw.buf) == maxChunkLen {
			if err := cw.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (cw *chunkWriter) flush() error {
	if len(cw.buf) == 0 {
		return nil
	}
	if _, err := cw.w.Write(binary.BigEndian.AppendUint32(nil, uint32(len(cw.buf)))); err != nil {
		return err
	}
	if _, err := cw.w.Write(cw.buf); err != nil {
		return err
	}
	cw.buf = cw.buf[:0]
	return nil
}

// close writes what is buffered and the zero length that ends the chunks.
func (cw *chunkWriter) close() error {
	if err := cw.flush(); err != nil {
		return err
	}
	_, err := cw.w.Write([]byte{0, 0, 0, 0})
	return err
}

// Restore creates a store in dir from a backup that [DB.Backup] wrote. dir
// must be absent or empty, else Restore returns an error wrapping
// [ErrNotEmpty] before reading r. It loads the backup, verifies the checksum
// and that the restored m/schema matches the backup's header, and closes the
// store; open it with [Open]. On any error it removes what it wrote, leaving
// dir as it found it (absent or empty). A damaged, truncated or foreign
// backup gives an error wrapping [ErrBadBackup]; a backup from another
// schema version one wrapping [ErrSchema].
//
// The vector index is not restored: the first start on dir rebuilds it from
// the stored vectors.
func Restore(ctx context.Context, dir string, r io.Reader, opts Options) (err error) {
	created, err := claimEmpty(dir)
	if err != nil {
		return fmt.Errorf("restore into %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			if cerr := release(dir, created); cerr != nil {
				err = errors.Join(err, fmt.Errorf("restore: clean up %s: %w", dir, cerr))
			}
		}
	}()
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	sum := sha256.New()
	hr := &hashReader{r: br, h: sum}
	h, err := readHeader(hr)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	bdb, err := badger.Open(badgerOptions(dir, log, true))
	if err != nil {
		return fmt.Errorf("restore: open badger in %s: %w", dir, err)
	}
	err = load(ctx, bdb, br, hr, sum, h)
	if cerr := bdb.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("restore: close badger: %w", cerr)
	}
	return err
}

// load streams the backup's chunks into bdb, then checks the checksum and
// the restored schema.
func load(ctx context.Context, bdb *badger.DB, br *bufio.Reader, hr *hashReader, sum hash.Hash, h backupHeader) error {
	cr := &chunkReader{ctx: ctx, r: hr}
	loadErr := bdb.Load(&recordReader{src: cr}, restoreWrites)
	if loadErr != nil && cr.err != nil {
		// The backup itself is short or unreadable, or ctx is done.
		return fmt.Errorf("restore: %w", cr.err)
	}
	// Either the load went through, or Badger refused a record while the
	// chunks were intact: the checksum tells a corrupted backup from a
	// local failure.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := checkTrailer(br, sum); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if loadErr != nil {
		return fmt.Errorf("restore: load: %w", loadErr)
	}
	var s schema
	err := bdb.View(func(txn *badger.Txn) error { return getJSON(txn, keySchema, &s) })
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("restore: %w: the data has no schema record", ErrBadBackup)
	case err != nil:
		return fmt.Errorf("restore: %w", err)
	case s.Version != h.SchemaVersion:
		return fmt.Errorf("restore: %w: the header says schema version %d, the data has %d", ErrBadBackup, h.SchemaVersion, s.Version)
	case !sameEmbedder(s.Embedder, h.Embedder):
		return fmt.Errorf("restore: %w: the header names embedder %s, the data records %s", ErrBadBackup, describe(h.Embedder), describe(s.Embedder))
	}
	return nil
}

func sameEmbedder(a, b *Embedder) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func describe(e *Embedder) string {
	if e == nil {
		return "none"
	}
	return e.String()
}

func readHeader(r io.Reader) (backupHeader, error) {
	var h backupHeader
	var fixed [14]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return h, badRead(err, "header")
	}
	if string(fixed[:8]) != backupMagic {
		return h, fmt.Errorf("%w: not a veille backup (no %q magic)", ErrBadBackup, backupMagic)
	}
	if v := binary.BigEndian.Uint16(fixed[8:]); v != backupFormat {
		return h, fmt.Errorf("%w: format version %d, this build reads %d", ErrBadBackup, v, backupFormat)
	}
	n := binary.BigEndian.Uint32(fixed[10:])
	if n > maxHeaderLen {
		return h, fmt.Errorf("%w: header of %d bytes, at most %d", ErrBadBackup, n, maxHeaderLen)
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(r, js); err != nil {
		return h, badRead(err, "header")
	}
	if err := json.Unmarshal(js, &h); err != nil {
		return h, fmt.Errorf("%w: header: %v", ErrBadBackup, err)
	}
	if h.Stream != backupStream {
		return h, fmt.Errorf("%w: stream %q, this build reads %q", ErrBadBackup, h.Stream, backupStream)
	}
	if h.SchemaVersion < oldestSchema || h.SchemaVersion > SchemaVersion {
		return h, fmt.Errorf("%w: the backup has version %d, this build reads %d to %d", ErrSchema, h.SchemaVersion, oldestSchema, SchemaVersion)
	}
	return h, nil
}

// checkTrailer reads the checksum that follows the chunks and compares it
// with sum, the hash of everything before it; nothing may follow it.
func checkTrailer(br *bufio.Reader, sum hash.Hash) error {
	var got [sha256.Size]byte
	if _, err := io.ReadFull(br, got[:]); err != nil {
		return badRead(err, "checksum")
	}
	if !bytes.Equal(got[:], sum.Sum(nil)) {
		return fmt.Errorf("%w: checksum mismatch", ErrBadBackup)
	}
	switch _, err := br.ReadByte(); {
	case err == nil:
		return fmt.Errorf("%w: data after the checksum", ErrBadBackup)
	case !errors.Is(err, io.EOF):
		return err
	}
	return nil
}

// badRead turns running out of input into ErrBadBackup and keeps other
// read errors as they are.
func badRead(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated in the %s", ErrBadBackup, what)
	}
	return fmt.Errorf("read %s: %w", what, err)
}

// hashReader hashes what is read through it.
type hashReader struct {
	r io.Reader
	h hash.Hash
}

func (hr *hashReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	return n, err
}

// chunkReader reads the Badger stream out of the chunks, returning io.EOF
// at the zero length that ends them. Its first error sticks, in err.
type chunkReader struct {
	ctx  context.Context
	r    io.Reader
	left int // bytes left in the current chunk
	end  bool
	err  error
}

func (cr *chunkReader) Read(p []byte) (int, error) {
	if cr.err != nil {
		return 0, cr.err
	}
	if err := cr.ctx.Err(); err != nil {
		cr.err = err
		return 0, err
	}
	if cr.left == 0 {
		if cr.end {
			return 0, io.EOF
		}
		var b [4]byte
		if _, err := io.ReadFull(cr.r, b[:]); err != nil {
			cr.err = badRead(err, "chunks")
			return 0, cr.err
		}
		n := binary.BigEndian.Uint32(b[:])
		if n > maxChunkLen {
			cr.err = fmt.Errorf("%w: chunk of %d bytes, at most %d", ErrBadBackup, n, maxChunkLen)
			return 0, cr.err
		}
		if n == 0 {
			cr.end = true
			return 0, io.EOF
		}
		cr.left = int(n)
	}
	if len(p) > cr.left {
		p = p[:cr.left]
	}
	n, err := cr.r.Read(p)
	cr.left -= n
	switch {
	case err == nil, errors.Is(err, io.EOF) && n > 0:
		return n, nil
	default:
		cr.err = badRead(err, "chunks")
		return n, cr.err
	}
}

// recordReader hands DB.Load one whole Badger record at a time, read
// before it is passed on. DB.Load allocates a record's announced length
// before reading it, so a damaged length must not reach it: here the buffer
// only grows as the bytes actually arrive.
type recordReader struct {
	src io.Reader
	buf bytes.Buffer
	err error
}

func (rr *recordReader) Read(p []byte) (int, error) {
	if rr.buf.Len() == 0 {
		if rr.err != nil {
			return 0, rr.err
		}
		if rr.err = rr.next(); rr.err != nil {
			return 0, rr.err
		}
	}
	return rr.buf.Read(p)
}

func (rr *recordReader) next() error {
	rr.buf.Reset()
	var size [8]byte
	switch _, err := io.ReadFull(rr.src, size[:]); {
	case errors.Is(err, io.EOF):
		return io.EOF // between records: the stream's end
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: the stream ends inside a record", ErrBadBackup)
	case err != nil:
		return err
	}
	n := binary.LittleEndian.Uint64(size[:])
	if n > maxRecordLen {
		return fmt.Errorf("%w: record of %d bytes, at most %d", ErrBadBackup, n, maxRecordLen)
	}
	rr.buf.Write(size[:])
	got, err := io.CopyN(&rr.buf, rr.src, int64(n))
	if err != nil {
		rr.buf.Reset()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: the stream ends inside a record (%d of %d bytes)", ErrBadBackup, got, n)
		}
		return err
	}
	return nil
}

// claimEmpty checks that dir is absent or empty, creating it when absent.
func claimEmpty(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return false, err
		}
		return true, nil
	case err != nil:
		return false, err
	case len(entries) > 0:
		return false, fmt.Errorf("%w: it holds %s and %d other entries", ErrNotEmpty, entries[0].Name(), len(entries)-1)
	}
	return false, nil
}

// release undoes claimEmpty after a failed restore: everything in dir was
// written by the restore, since dir was empty.
func release(dir string, created bool) error {
	if created {
		return os.RemoveAll(dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}
