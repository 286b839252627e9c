package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// A feed poller's memory (its validators and the entries it has ingested)
// is kept beside the issues it wrote, so that a backup holds both and a
// restart neither ingests again an entry deleted since nor loses the
// conditional GET:
//
//	f/<feed URL> → the poller's state, opaque to the store (sources.FeedPoller)
var prefixFeed = []byte("f/")

// MaxFeedURL is the longest feed URL whose state the store keeps; Badger's
// keys are bounded, and no real feed's address comes near.
const MaxFeedURL = 8 << 10

func feedKey(url string) ([]byte, error) {
	if url == "" || len(url) > MaxFeedURL {
		return nil, fmt.Errorf("feed state: URL of %d bytes, want 1 to %d", len(url), MaxFeedURL)
	}
	return append(append([]byte{}, prefixFeed...), url...), nil
}

// FeedState returns the state saved for the feed at url by
// [DB.SaveFeedState]; ok is false when there is none.
func (db *DB) FeedState(url string) (state []byte, ok bool, err error) {
	k, err := feedKey(url)
	if err != nil {
		return nil, false, err
	}
	err = db.bdb.View(func(txn *badger.Txn) error {
		it, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		state, err = it.ValueCopy(nil)
		ok = err == nil
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("read feed state: %w", err)
	}
	return state, ok, nil
}

// SaveFeedState records state for the feed at url, replacing what was saved.
func (db *DB) SaveFeedState(url string, state []byte) error {
	k, err := feedKey(url)
	if err != nil {
		return err
	}
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(k, state) }); err != nil {
		return fmt.Errorf("save feed state: %w", err)
	}
	return nil
}
