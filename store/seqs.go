package store

import (
	"context"
	"encoding/binary"

	"github.com/dgraph-io/badger/v4"
)

// Seqs returns the sequence numbers of every stored item, in ascending
// order. It reads keys only, so it is much cheaper than [DB.WalkItems]:
// enough for an index derived from the items to find what it lacks or
// holds in excess, since a seq always stands for the same headline and
// text (see the package documentation).
func (db *DB) Seqs(ctx context.Context) ([]uint32, error) {
	var seqs []uint32
	err := db.bdb.View(func(txn *badger.Txn) error {
		return iterateKeys(txn, prefixSeq, func(k []byte) error {
			seqs = append(seqs, binary.BigEndian.Uint32(k[len(prefixSeq):]))
			return ctx.Err()
		})
	})
	return seqs, err
}
