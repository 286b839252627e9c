package archive

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/veille/veille/embed"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

// TestFollowVectorsBatches gives followVectors several changes at once, as
// a bulk load's vector follower does with the changes queued meanwhile:
// removals take effect in order (an item added by one change and replaced
// by the next is gone), and a change the index refuses leaves the others
// indexed.
func TestFollowVectorsBatches(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := Open(t.Context(), db, embed.NewBuiltin(16), Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	vec := func(seq uint32) store.Vector {
		v := make([]float32, 16)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return store.Vector{Seq: seq, Vec: v}
	}
	change := func(issue string, removed []uint32, added ...uint32) store.Change {
		ch := store.Change{IssueID: issue, Removed: removed}
		for _, seq := range added {
			ch.Added = append(ch.Added, vec(seq))
		}
		return ch
	}
	ix := a.cur.Load().ix
	want := func(seqs ...uint32) {
		t.Helper()
		if got := ix.IDs(); !slices.Equal(got, seqs) {
			t.Fatalf("index holds %v, want %v", got, seqs)
		}
	}

	if err := a.followVectors(
		change("a", nil, 1, 2),
		change("b", nil, 3),
		change("a", []uint32{2}, 4), // item 2 of issue a edited into 4
		change("c", nil, 5),
		change("b", []uint32{3}), // issue b deleted
	); err != nil {
		t.Fatal(err)
	}
	want(1, 4, 5)

	err = a.followVectors(
		change("d", nil, 6),
		change("e", nil, 5, 7), // 5 is indexed already: refused
		change("f", nil, 8),
	)
	if !errors.Is(err, vectorindex.ErrExists) {
		t.Fatalf("error %v, want ErrExists", err)
	}
	want(1, 4, 5, 6, 8)
}
