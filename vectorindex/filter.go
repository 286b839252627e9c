package vectorindex

import "slices"

// Filter is an immutable set of allowed ids for [Index.Search]. It is safe
// for concurrent use and may be reused across searches and indexes.
type Filter struct {
	ids  []uint32            // ascending, without repeats
	bits []uint64            // membership bitmap, when the ids are dense enough
	set  map[uint32]struct{} // membership otherwise
}

// NewFilter returns a filter allowing exactly ids, given in any order and
// possibly with repeats.
func NewFilter(ids []uint32) *Filter {
	s := slices.Clone(ids)
	slices.Sort(s)
	s = slices.Compact(s)
	f := &Filter{ids: s}
	if len(s) == 0 {
		return f
	}
	// A bitmap answers in a nanosecond; use it while it costs at most about
	// a map's 16 bytes per id.
	if words := int(s[len(s)-1])/64 + 1; words <= 2*len(s)+1024 {
		f.bits = make([]uint64, words)
		for _, id := range s {
			f.bits[id/64] |= 1 << (id % 64)
		}
		return f
	}
	f.set = make(map[uint32]struct{}, len(s))
	for _, id := range s {
		f.set[id] = struct{}{}
	}
	return f
}

// Allows reports whether id is in the filter.
func (f *Filter) Allows(id uint32) bool {
	if f.bits != nil {
		w := int(id / 64)
		return w < len(f.bits) && f.bits[w]&(1<<(id%64)) != 0
	}
	_, ok := f.set[id]
	return ok
}

// Len returns the number of distinct allowed ids.
func (f *Filter) Len() int { return len(f.ids) }
