package store

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func seqsOf(ch Change) []uint32 {
	var seqs []uint32
	for _, v := range ch.Added {
		seqs = append(seqs, v.Seq)
	}
	return seqs
}

// TestItemsBySeqFollowsWrites reads items through the cache while their
// issue is reordered, redated, edited and deleted: every read after a
// write returns what that write stored.
func TestItemsBySeqFollowsWrites(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	ctx := t.Context()

	_, ch := ingestDoc(t, db, doc("i", "2025-01", "alpha", "beta"))
	seqs := seqsOf(ch)
	for range 2 { // the second read is served by the cache
		items, err := db.ItemsBySeq(ctx, seqs)
		if err != nil || len(items) != 2 || items[0].Text != "alpha" || items[1].Date != "2025-01" {
			t.Fatalf("ItemsBySeq = %+v, %v", items, err)
		}
	}
	if got := len(db.items.items); got != 2 {
		t.Fatalf("cache holds %d items, want 2", got)
	}

	// Reordering the issue rewrites the items' metadata under the same
	// seqs.
	ingestDoc(t, db, doc("i", "2025-01", "beta", "alpha"))
	items, err := db.ItemsBySeq(ctx, seqs)
	if err != nil || len(items) != 2 || items[0].Ordinal != 1 || items[1].Ordinal != 0 {
		t.Fatalf("after reordering: %+v, %v", items, err)
	}
	// Redating it moves the items to new seqs, the old ones gone.
	_, ch = ingestDoc(t, db, doc("i", "2025-02", "alpha", "beta"))
	seqs = seqsOf(ch)
	items, err = db.ItemsBySeq(ctx, seqs)
	if err != nil || len(items) != 2 || items[0].Date != "2025-02" || items[1].Date != "2025-02" {
		t.Fatalf("after redating: %+v, %v", items, err)
	}

	// Editing "beta" deletes its seq; the new text has a new one.
	_, ch = ingestDoc(t, db, doc("i", "2025-02", "alpha", "gamma"))
	items, err = db.ItemsBySeq(ctx, append(seqs, seqsOf(ch)...))
	if err != nil || len(items) != 2 || items[0].Text != "alpha" || items[1].Text != "gamma" {
		t.Fatalf("after the edit: %+v, %v", items, err)
	}

	if _, err := db.DeleteIssue(ctx, "i"); err != nil {
		t.Fatal(err)
	}
	items, err = db.ItemsBySeq(ctx, append(seqs, seqsOf(ch)...))
	if err != nil || len(items) != 0 {
		t.Fatalf("after the delete: %+v, %v", items, err)
	}
}

// TestItemCacheNeverKeepsStaleItems races readers against a writer that
// keeps reordering an issue, which rewrites its items under their seqs;
// once the writer is done, every read returns the last order, which a
// stale cached item would contradict.
func TestItemCacheNeverKeepsStaleItems(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	defer db.Close()
	ctx := t.Context()
	texts := make([]string, 20)
	for i := range texts {
		texts[i] = fmt.Sprintf("text %d", i)
	}
	_, ch := ingestDoc(t, db, doc("i", "2025-01", texts...))
	seqs := seqsOf(ch)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.ItemsBySeq(ctx, seqs); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var order []string
	for m := range 40 {
		order = append(texts[m%len(texts):len(texts):len(texts)], texts[:m%len(texts)]...)
		ingestDoc(t, db, doc("i", "2025-01", order...))
	}
	close(stop)
	wg.Wait()
	items, err := db.ItemsBySeq(ctx, seqs)
	if err != nil || len(items) != len(texts) {
		t.Fatalf("ItemsBySeq = %d items, %v", len(items), err)
	}
	for _, it := range items {
		if order[it.Ordinal] != it.Text {
			t.Fatalf("item %q at %d after the last write put it at %d", it.Text, it.Ordinal, slices.Index(order, it.Text))
		}
	}
}

// TestItemCacheStaysWithinItsBudget fills a small cache past its limit.
func TestItemCacheStaysWithinItsBudget(t *testing.T) {
	c := newItemCache(10 * itemBytes(Item{Seq: 1}))
	for seq := range uint32(100) {
		_, v := c.lookup(nil, nil)
		c.store(v, []Item{{Seq: seq}}, true)
		if c.bytes > c.limit {
			t.Fatalf("after %d items the cache holds %d bytes, over its %d", seq+1, c.bytes, c.limit)
		}
	}
	if len(c.items) < 5 {
		t.Fatalf("cache holds %d items, want at least half its room", len(c.items))
	}

	off := newItemCache(-1)
	off.store(0, []Item{{Seq: 1}}, true)
	if len(off.items) != 0 {
		t.Fatal("a disabled cache stored an item")
	}
}

// TestWarmItems fills the cache of a reopened store, all of it when the
// budget allows and up to the budget when not.
func TestWarmItems(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	for i := range 5 {
		ingestDoc(t, db, doc(fmt.Sprintf("i%d", i), "2025-01", "alpha", "beta", "gamma", "delta"))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = mustOpen(t, dir)
	n, err := db.WarmItems(t.Context())
	if err != nil || n != 20 || len(db.items.items) != 20 {
		t.Fatalf("WarmItems = %d, %v; cache holds %d, want 20", n, err, len(db.items.items))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	var one Item // the size of the largest item
	one.ID, one.IssueID, one.Text, one.Hash, one.Date = "i0-alpha", "i0", "alpha", "hash:alpha", "2025-01"
	db, err = Open(dir, Options{GCInterval: -1, ItemCacheBytes: 7 * itemBytes(one)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err = db.WarmItems(t.Context())
	if err != nil || n < 5 || n > 7 || len(db.items.items) != n {
		t.Fatalf("WarmItems with room for about 7 = %d, %v; cache holds %d", n, err, len(db.items.items))
	}
}
