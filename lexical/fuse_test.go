package lexical

import (
	"math"
	"slices"
	"testing"
)

func TestFuse(t *testing.T) {
	tests := []struct {
		name  string
		k     float64
		lists []Ranked
		want  []Fused
	}{
		{
			name:  "empty",
			lists: nil,
			want:  nil,
		},
		{
			// k 60: 7 = 1/61 + 1/62 = 0.0325225, 5 = 1/62 + 1/63 =
			// 0.0320020, 9 = 1/63 = 0.0158730, 3 = 1/61 = 0.0163934.
			name: "default k, equal weights",
			lists: []Ranked{
				{IDs: []uint32{7, 5, 9}},
				{IDs: []uint32{3, 7, 5}},
			},
			want: []Fused{
				{ID: 7, Score: 1.0/61 + 1.0/62, Ranks: []int{1, 2}},
				{ID: 5, Score: 1.0/62 + 1.0/63, Ranks: []int{2, 3}},
				{ID: 3, Score: 1.0 / 61, Ranks: []int{0, 1}},
				{ID: 9, Score: 1.0 / 63, Ranks: []int{3, 0}},
			},
		},
		{
			// k 10, weights 2 and 0.5: 1 = 2/11 = 0.1818, 2 = 2/12 +
			// 0.5/11 = 0.2121, 3 = 0.5/12 = 0.0417.
			name: "weights",
			k:    10,
			lists: []Ranked{
				{Weight: 2, IDs: []uint32{1, 2}},
				{Weight: 0.5, IDs: []uint32{2, 3}},
			},
			want: []Fused{
				{ID: 2, Score: 2.0/12 + 0.5/11, Ranks: []int{2, 1}},
				{ID: 1, Score: 2.0 / 11, Ranks: []int{1, 0}},
				{ID: 3, Score: 0.5 / 12, Ranks: []int{0, 2}},
			},
		},
		{
			// 4 and 8 both score 1/61 + 1/62; 8 is better in the first
			// list. 6 and 5 both score 1/61; 6 is ranked in the third
			// list, where 5 is absent.
			name: "ties by earliest list",
			lists: []Ranked{
				{IDs: []uint32{8, 4}},
				{IDs: []uint32{4, 8}},
				{IDs: []uint32{6}},
				{IDs: []uint32{5}},
			},
			want: []Fused{
				{ID: 8, Score: 1.0/61 + 1.0/62, Ranks: []int{1, 2, 0, 0}},
				{ID: 4, Score: 1.0/61 + 1.0/62, Ranks: []int{2, 1, 0, 0}},
				{ID: 6, Score: 1.0 / 61, Ranks: []int{0, 0, 1, 0}},
				{ID: 5, Score: 1.0 / 61, Ranks: []int{0, 0, 0, 1}},
			},
		},
		{
			name: "same ranks tie by id",
			lists: []Ranked{
				{IDs: []uint32{9}},
				{IDs: []uint32{9}},
			},
			want: []Fused{{ID: 9, Score: 2.0 / 61, Ranks: []int{1, 1}}},
		},
		{
			name:  "duplicates count once",
			k:     1,
			lists: []Ranked{{IDs: []uint32{3, 3, 4}}},
			want: []Fused{
				{ID: 3, Score: 1.0 / 2, Ranks: []int{1}},
				{ID: 4, Score: 1.0 / 4, Ranks: []int{3}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fuse(tt.k, tt.lists...)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.ID != w.ID || math.Abs(g.Score-w.Score) > 1e-12 || !equalInts(g.Ranks, w.Ranks) {
					t.Fatalf("item %d: got %+v, want %+v\nall: %+v", i, g, w, got)
				}
			}
		})
	}
}

// TestFuseTieAbsent checks that being absent from an earlier list loses a
// tie: 2 scores 2/61 and wins outright; 5 and 7 both score 1/61 + 1/62, and
// 5 is ranked in the first list, where 7 is absent.
func TestFuseTieAbsent(t *testing.T) {
	got := Fuse(0, Ranked{IDs: []uint32{5}}, Ranked{IDs: []uint32{2, 7}}, Ranked{IDs: []uint32{2, 5}}, Ranked{IDs: []uint32{7}})
	var order []uint32
	for _, f := range got {
		order = append(order, f.ID)
	}
	if want := []uint32{2, 5, 7}; !slices.Equal(order, want) {
		t.Fatalf("got %v, want %v", order, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
