package lexical

import (
	"bytes"
	"cmp"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestPairPostings checks the pairs' postings against a map of lists built
// from the same items' analyses, through sealing and merging runs (a
// one-posting buffer, a small one, the default, one never full), deletes,
// compaction and a snapshot, with runs bounded to a few hundred postings,
// and in blocks of 16 postings to the default.
func TestPairPostings(t *testing.T) {
	s := newSynthetic(5, 300)
	fields := map[uint32][]string{}
	for i := range uint32(600) {
		fields[i] = []string{s.paragraph(5), s.paragraph(30)}
	}
	fields[9999] = []string{"Après compaction", fields[1][1]}
	for _, bufs := range []struct{ bufMax, runMax, blockLen int }{
		{1, defaultPairRun, 16}, {37, defaultPairRun, 64}, {37, 300, 16}, {defaultPairBuffer, defaultPairRun, 256},
		{defaultPairBuffer, defaultPairRun, defaultPairBlock}, {1 << 30, defaultPairRun, 16},
	} {
		ix := New(Config{})
		ix.pairs.bufMax, ix.pairs.runMax, ix.pairs.blockLen = bufs.bufMax, bufs.runMax, bufs.blockLen
		for i := range uint32(600) {
			ix.Add(i, fields[i]...)
			if i%5 == 4 {
				ix.Delete(i - 3)
			}
		}
		checkPairs(t, ix, fields)
		for i := uint32(0); i < 600; i += 2 {
			ix.Delete(i) // compacts
		}
		ix.Add(9999, fields[9999]...)
		checkPairs(t, ix, fields)
		var buf bytes.Buffer
		if _, err := ix.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := ReadIndex(bytes.NewReader(buf.Bytes()), int64(buf.Len()), Config{})
		if err != nil {
			t.Fatal(err)
		}
		checkPairs(t, got, fields)
		for q := range uint32(40) {
			words := strings.Fields(fields[q*13%600][1])
			phrase := strings.Join(words[q%8:q%8+3], " ")
			if a, b := ix.Search(phrase, 10, nil), got.Search(phrase, 10, nil); !slices.Equal(a, b) {
				t.Fatalf("%+v: search %q after the snapshot: %v, want %v", bufs, phrase, b, a)
			}
		}
	}
}

// checkPairs compares every pair's postings in ix with a map of lists
// filled by analysing each slot's item again.
func checkPairs(t *testing.T, ix *Index, fields map[uint32][]string) {
	t.Helper()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	want := map[uint64]*postings{}
	for slot, id := range ix.ids {
		d := ix.analyse(fields[id])
		for i, key := range d.pairs.keys {
			tf := d.pairs.tfs[i]
			a, b := ix.stems[d.stems.items[key>>32].term], ix.stems[d.stems.items[uint32(key)].term]
			l := want[pairKey(a, b)]
			if l == nil {
				l = &postings{}
				want[pairKey(a, b)] = l
			}
			l.slots = append(l.slots, uint32(slot))
			l.tfs = append(l.tfs, fixedTF(tf))
		}
		docPool.Put(d)
	}
	total := 0
	for _, key := range slices.Sorted(maps.Keys(want)) {
		var got postings
		ix.pairs.postings(key, &got)
		if w := want[key]; !slices.Equal(got.slots, w.slots) || !slices.Equal(got.tfs, w.tfs) {
			t.Fatalf("pair %x: slots %v tfs %v, want %v %v", key, got.slots, got.tfs, w.slots, w.tfs)
		}
		total += len(got.slots)
	}
	if total != ix.pairs.len() || total == 0 {
		t.Fatalf("%d postings expected, the log has %d", total, ix.pairs.len())
	}
}

// TestSortedRun checks the radix sort against a stable sort by key, for
// keys that differ in no byte, in one, and in several, and for buffers of
// one posting and of none.
func TestSortedRun(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name string
		n    int
		key  func() uint64
	}{
		{"empty", 0, func() uint64 { return 1 }},
		{"one", 1, func() uint64 { return pairKey(7, 9) }},
		{"same key", 300, func() uint64 { return pairKey(7, 9) }},
		{"one byte", 300, func() uint64 { return pairKey(7, uint32(r.IntN(256))) }},
		{"several bytes", 5000, func() uint64 { return pairKey(uint32(r.IntN(1<<20)), uint32(r.IntN(300))) }},
		{"all bytes", 5000, func() uint64 { return r.Uint64() }},
	} {
		ps := make([]pairPosting, tc.n)
		for i := range ps {
			ps[i] = pairPosting{key: tc.key(), slot: uint32(i / 3), tf: uint16(i)}
		}
		want := slices.Clone(ps)
		slices.SortStableFunc(want, func(a, b pairPosting) int { return cmp.Compare(a.key, b.key) })
		pl := &pairLog{blockLen: 64}
		run := pl.sortedRun(ps, nil)
		if run.len() != len(want) {
			t.Fatalf("%s: %d postings, want %d", tc.name, run.len(), len(want))
		}
		for i, w := range want {
			if got := run.at(i); got != w {
				t.Fatalf("%s: posting %d is %+v, want %+v", tc.name, i, got, w)
			}
		}
	}
}
