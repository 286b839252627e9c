package lexical

import "hash/maphash"

// tally sums the weights of one item's terms, its stems or its forms, and
// numbers them in order of first occurrence: an open-addressing table of
// places in items. The Go maps it replaced hashed and compared each key
// through the generic map code, which took about a quarter of Add's time.
type tally struct {
	items []weighted
	slots []uint32 // 1 + a place in items; 0 marks a free slot; a power of two long
}

var tallySeed = maphash.MakeSeed()

// keptSlots bounds the tables that reset keeps: one grown for a very long
// item is dropped rather than cleared for every item after it.
const keptSlots = 1024

func (t *tally) reset() {
	t.items = t.items[:0]
	t.slots = resetSlots(t.slots)
}

// resetSlots clears slots, or drops them when longer than keptSlots.
func resetSlots(slots []uint32) []uint32 {
	if len(slots) > keptSlots {
		return nil
	}
	clear(slots)
	return slots
}

// add adds w to term's weight and returns term's place in items.
func (t *tally) add(term string, w float32) uint32 {
	if 2*(len(t.items)+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for s := maphash.String(tallySeed, term) & mask; ; s = (s + 1) & mask {
		at := t.slots[s]
		if at == 0 {
			t.items = append(t.items, weighted{term: term, tf: w})
			t.slots[s] = uint32(len(t.items))
			return uint32(len(t.items) - 1)
		}
		if it := &t.items[at-1]; it.term == term {
			it.tf += w
			return at - 1
		}
	}
}

// grow doubles the table (to 64 slots at first) and places the items again.
func (t *tally) grow() {
	t.slots = make([]uint32, max(64, 2*len(t.slots)))
	mask := uint64(len(t.slots) - 1)
	for i, it := range t.items {
		s := maphash.String(tallySeed, it.term) & mask
		for t.slots[s] != 0 {
			s = (s + 1) & mask
		}
		t.slots[s] = uint32(i + 1)
	}
}

// pairTally sums the weights of one item's word pairs by pairKey, in order
// of first occurrence, as tally does for terms.
type pairTally struct {
	keys  []uint64
	tfs   []float32
	slots []uint32 // 1 + a place in keys; 0 marks a free slot; a power of two long
}

func (t *pairTally) reset() {
	t.keys, t.tfs = t.keys[:0], t.tfs[:0]
	t.slots = resetSlots(t.slots)
}

// add adds w to the weight of the pair key.
func (t *pairTally) add(key uint64, w float32) {
	if 2*(len(t.keys)+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for s := pairSlot(key) & mask; ; s = (s + 1) & mask {
		at := t.slots[s]
		if at == 0 {
			t.keys = append(t.keys, key)
			t.tfs = append(t.tfs, w)
			t.slots[s] = uint32(len(t.keys))
			return
		}
		if t.keys[at-1] == key {
			t.tfs[at-1] += w
			return
		}
	}
}

func (t *pairTally) grow() {
	t.slots = make([]uint32, max(128, 2*len(t.slots)))
	mask := uint64(len(t.slots) - 1)
	for i, key := range t.keys {
		s := pairSlot(key) & mask
		for t.slots[s] != 0 {
			s = (s + 1) & mask
		}
		t.slots[s] = uint32(i + 1)
	}
}

// pairSlot spreads a pair key over a slot number: both halves of the keys
// of one item are small numbers, and the product's high bits mix them all.
func pairSlot(key uint64) uint64 {
	return (key ^ key>>32) * 0x9e3779b97f4a7c15 >> 32
}
