package store

import (
	"context"
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

const defaultGCInterval = 10 * time.Minute

// startGC runs Badger's value-log GC on a ticker until Close.
func (db *DB) startGC(every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	db.stopGC = cancel
	db.gcDone = make(chan struct{})
	if every < 0 {
		close(db.gcDone)
		return
	}
	if every == 0 {
		every = defaultGCInterval
	}
	go func() {
		defer close(db.gcDone)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				db.runGC(ctx)
			}
		}
	}()
}

// runGC rewrites value-log files until Badger finds nothing worth rewriting.
func (db *DB) runGC(ctx context.Context) {
	for ctx.Err() == nil {
		err := db.bdb.RunValueLogGC(0.5)
		if errors.Is(err, badger.ErrNoRewrite) || errors.Is(err, badger.ErrRejected) {
			return
		}
		if err != nil {
			db.log.Warn("value log gc", "err", err)
			return
		}
		db.gcRuns.Add(1)
		db.log.Debug("value log gc rewrote a file")
	}
}
