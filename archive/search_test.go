package archive

import (
	"slices"
	"testing"
)

func TestFuseWeights(t *testing.T) {
	vs := []scored{{seq: 1}, {seq: 2}, {seq: 3}}
	ls := []scored{{seq: 3}, {seq: 2}, {seq: 1}}
	order := func(ss []scored) []uint32 {
		var out []uint32
		for _, s := range ss {
			out = append(out, s.seq)
		}
		return out
	}
	f := DefaultFusion
	if got := order(fuse(f, false, vs, ls, 3)); !slices.Equal(got, []uint32{3, 2, 1}) {
		t.Errorf("French query: %v, want the lexical order", got)
	}
	if got := order(fuse(f, true, vs, ls, 3)); !slices.Equal(got, []uint32{1, 2, 3}) {
		t.Errorf("English query: %v, want the vector order", got)
	}
	if got := order(fuse(f, true, vs, ls, 2)); len(got) != 2 {
		t.Errorf("k 2: %d hits", len(got))
	}
}

func TestFusionReranks(t *testing.T) {
	f := DefaultFusion
	for _, c := range []struct {
		english bool
		k       int
		want    bool
	}{
		{false, 1, true}, {false, 10, true}, {false, 54, true}, {false, 55, false}, {false, 100, false},
		{true, 1, false}, {true, 10, false},
	} {
		if got := f.reranks(c.english, c.k); got != c.want {
			t.Errorf("english %v, k %d: reranks %v, want %v", c.english, c.k, got, c.want)
		}
	}
}

func TestRangeContainsAndCovers(t *testing.T) {
	for _, tt := range []struct {
		r               Range
		date            string
		contains, cover bool
	}{
		{Range{From: "2025-03-24", To: "2025-03-24"}, "2025-03-24", true, true},
		{Range{From: "2025-03-24", To: "2025-03-24"}, "2025-03", true, false}, // a month's issue overlaps a day
		{Range{From: "2025-03-20", To: "2025-03-26"}, "2025-03-27", false, false},
		{Range{From: "2025-03", To: "2025-03"}, "2025-03", true, true},
		{Range{From: "2025-03", To: "2025-03"}, "2025-03-31", true, true},
		{Range{From: "2025-03-15"}, "2025-03", true, false},
		{Range{From: "2025-03-15"}, "2025-04", true, true},
		{Range{To: "2025-02"}, "2025-03-01", false, false},
		{Range{}, "2025-03", true, true},
		{Range{From: "2025-03"}, "", false, false},
	} {
		if got := tt.r.Contains(tt.date); got != tt.contains {
			t.Errorf("%+v.Contains(%q) = %v", tt.r, tt.date, got)
		}
		if got := tt.r.Covers(tt.date); got != tt.cover {
			t.Errorf("%+v.Covers(%q) = %v", tt.r, tt.date, got)
		}
	}
}
