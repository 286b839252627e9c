package archive

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/veille/veille/internal/direct"
	"github.com/veille/veille/lexical"
	"github.com/veille/veille/store"
)

// The catalog snapshot keeps what Open would otherwise derive from every
// stored item, decoding each: the date of each seq and the lexical index.
// It sits beside the index snapshot, at SnapshotPath + ".catalog":
//
//	size    field
//	8       magic "VEICAT\x00\x01"
//	4       number of items n
//	        n times: 4 seq, 2 date length d, d bytes of date
//	4       CRC-32C (Castagnoli) of the preceding bytes
//	        the lexical index (lexical.Index.WriteTo), with its own checksum
//
// Like the vector index, the catalog is derived data, reconciled with the
// store at every Open: a seq always stands for the same item (store never
// reuses one, and an item whose headline or text changes gets a new one),
// so the seqs the store lists but the snapshot lacks are read and added,
// and those the snapshot has but the store no longer lists are dropped.
// A snapshot saved before a crash, or not saved at all, is thus brought up
// to date; a damaged or stale one (other lexical settings or analysis) is
// rebuilt from every item.
const catalogMagic = "VEICAT\x00\x01"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func (a *Archive) catalogPath() string { return a.cfg.SnapshotPath + ".catalog" }

// loadCatalog fills the date catalog and the lexical index: from the
// catalog snapshot brought up to date with the store, or from every item.
func (a *Archive) loadCatalog(ctx context.Context) error {
	start := time.Now()
	err := a.readCatalog()
	if err == nil {
		var added, removed int
		if added, removed, err = a.reconcileCatalog(ctx); err == nil {
			a.catalogChanged = added+removed > 0
			a.log.Info("catalog loaded", "items", len(a.dates), "added", added, "removed", removed, "took", time.Since(start))
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		a.log.Info("no catalog snapshot, reading every item")
	} else {
		a.log.Warn("catalog snapshot unusable, reading every item", "err", err)
	}
	a.dates, a.byDate, a.lex = map[uint32]string{}, map[string]int{}, lexical.New(a.cfg.Lexical)
	a.catalogChanged = true
	return a.db.WalkItems(ctx, func(it store.Item) error {
		a.dates[it.Seq] = it.Date
		a.byDate[it.Date]++
		a.lex.Add(it.Seq, it.Headline, it.Text)
		return nil
	})
}

// readCatalog reads the catalog snapshot into a.dates, a.byDate and a.lex.
func (a *Archive) readCatalog() error {
	f, err := os.Open(a.catalogPath())
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 64<<10)
	crc, left := uint32(0), st.Size()
	read := func(n int) ([]byte, error) {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("catalog snapshot: truncated: %w", err)
		}
		crc = crc32.Update(crc, castagnoli, b)
		left -= int64(n)
		return b, nil
	}
	head, err := read(len(catalogMagic) + 4)
	if err != nil {
		return err
	}
	if string(head[:len(catalogMagic)]) != catalogMagic {
		return errors.New("catalog snapshot: bad magic")
	}
	n := binary.LittleEndian.Uint32(head[len(catalogMagic):])
	dates := make(map[uint32]string, min(n, 1<<20))
	byDate := map[string]int{}
	for range n {
		b, err := read(6)
		if err != nil {
			return err
		}
		d, err := read(int(binary.LittleEndian.Uint16(b[4:])))
		if err != nil {
			return err
		}
		seq, date := binary.LittleEndian.Uint32(b), string(d)
		if _, dup := dates[seq]; dup {
			return fmt.Errorf("catalog snapshot: seq %d twice", seq)
		}
		dates[seq] = date
		byDate[date]++
	}
	want := crc
	sum, err := read(4)
	if err != nil {
		return err
	}
	if got := binary.LittleEndian.Uint32(sum); got != want {
		return fmt.Errorf("catalog snapshot: checksum %08x, computed %08x", got, want)
	}
	lex, err := lexical.ReadIndex(r, left, a.cfg.Lexical)
	if err != nil {
		return err
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return errors.New("catalog snapshot: data after the end")
	}
	if lex.Len() != len(dates) {
		return fmt.Errorf("catalog snapshot: %d dates but %d indexed items", len(dates), lex.Len())
	}
	a.dates, a.byDate, a.lex = dates, byDate, lex
	return nil
}

// reconcileCatalog makes the catalog hold exactly the store's items.
func (a *Archive) reconcileCatalog(ctx context.Context) (added, removed int, err error) {
	seqs, err := a.db.Seqs(ctx)
	if err != nil {
		return 0, 0, err
	}
	stored := make(map[uint32]bool, len(seqs))
	var missing []uint32
	for _, seq := range seqs {
		stored[seq] = true
		if _, ok := a.dates[seq]; !ok {
			missing = append(missing, seq)
		}
	}
	for seq, d := range a.dates {
		if stored[seq] {
			continue
		}
		delete(a.dates, seq)
		if a.byDate[d]--; a.byDate[d] <= 0 {
			delete(a.byDate, d)
		}
		a.lex.Delete(seq)
		removed++
	}
	items, err := a.db.ItemsBySeq(ctx, missing)
	if err != nil {
		return 0, removed, err
	}
	for _, it := range items {
		a.dates[it.Seq] = it.Date
		a.byDate[it.Date]++
		a.lex.Add(it.Seq, it.Headline, it.Text)
	}
	return len(items), removed, nil
}

// saveCatalog writes the catalog snapshot atomically (a temporary file
// renamed over the old one) unless it is the one loaded and nothing changed
// since. The caller holds writeMu. Like the index snapshot, it is not
// synced: a snapshot a power cut leaves torn fails its checksums at the next
// Open, which then rebuilds the catalog from the store.
func (a *Archive) saveCatalog() (err error) {
	path := a.catalogPath()
	if !a.catalogChanged {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := direct.NewWriter(tmp)
	a.mu.RLock()
	b := append([]byte(catalogMagic), binary.LittleEndian.AppendUint32(nil, uint32(len(a.dates)))...)
	// In seq order, so that the same archive always gives the same bytes.
	for _, seq := range slices.Sorted(maps.Keys(a.dates)) {
		d := a.dates[seq]
		d = d[:min(len(d), math.MaxUint16)] // dates are a few bytes; the cut only bounds the field
		b = binary.LittleEndian.AppendUint32(b, seq)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(d)))
		b = append(b, d...)
	}
	a.mu.RUnlock()
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	if _, err := w.Write(b); err != nil {
		return err
	}
	if _, err := a.lex.WriteTo(w); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	a.catalogChanged = false
	return nil
}
