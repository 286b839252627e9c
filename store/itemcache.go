package store

import "sync"

// DefaultItemCacheBytes is the memory [Options.ItemCacheBytes] gives the
// item cache when zero: enough for every item of a 100,000-paragraph
// archive (about 1 KB an item, its text included).
const DefaultItemCacheBytes = 256 << 20

// itemCache keeps decoded items by seq, so that a search reads its hits
// from memory instead of two Badger lookups and a JSON decode each (about
// 0.05 ms a hit at 100,000 items).
//
// Readers fill it and writers invalidate it. A reader notes the version
// before its transaction starts and stores what it read only if no write has
// committed since; a writer removes the seqs it touched after committing and
// then bumps the version. Either the reader stores first and the writer
// removes the stale entry, or the writer bumps first and the reader stores
// nothing: a stale item never stays.
type itemCache struct {
	mu      sync.RWMutex
	items   map[uint32]Item
	bytes   int
	limit   int // 0 disables the cache
	version uint64
}

func newItemCache(limit int) *itemCache {
	return &itemCache{items: make(map[uint32]Item), limit: max(limit, 0)}
}

// itemBytes estimates the memory an item takes in the cache.
func itemBytes(it Item) int {
	const overhead = 160 // the struct, its string headers and the map slot
	return overhead + len(it.ID) + len(it.IssueID) + len(it.Headline) + len(it.Text) + len(it.Hash) + len(it.Date)
}

// lookup fills out[i] for the seqs held, and returns the indexes of the
// others and the version to pass to store after reading them.
func (c *itemCache) lookup(seqs []uint32, out []Item) (missing []int, version uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for i, seq := range seqs {
		if it, ok := c.items[seq]; ok {
			out[i] = it
		} else {
			missing = append(missing, i)
		}
	}
	return missing, c.version
}

// store keeps items read in a transaction that started after version was
// returned by lookup, unless a write has committed since. When the cache is
// full and evict is set, it drops entries at random (Go's map order) until a
// tenth is free; without evict it keeps what it holds and stores no more.
// It returns how many of items it stored or found already there.
func (c *itemCache) store(version uint64, items []Item, evict bool) int {
	if c.limit == 0 || len(items) == 0 {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return 0
	}
	for i, it := range items {
		if _, ok := c.items[it.Seq]; ok {
			continue
		}
		n := itemBytes(it)
		if c.bytes+n > c.limit {
			if !evict {
				return i
			}
			for seq, old := range c.items {
				if c.bytes+n <= c.limit*9/10 {
					break
				}
				delete(c.items, seq)
				c.bytes -= itemBytes(old)
			}
			if c.bytes+n > c.limit {
				continue
			}
		}
		c.items[it.Seq] = it
		c.bytes += n
	}
	return len(items)
}

// current returns the version, for a reader about to start a transaction.
func (c *itemCache) current() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version
}

// invalidate forgets the items of seqs, written by a transaction that has
// committed (or failed), and makes reads begun before it store nothing.
func (c *itemCache) invalidate(seqs []uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, seq := range seqs {
		if it, ok := c.items[seq]; ok {
			delete(c.items, seq)
			c.bytes -= itemBytes(it)
		}
	}
	c.version++
}
