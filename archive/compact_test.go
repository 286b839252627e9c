package archive

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

// openArchive opens an archive over a store in dir with a 16-dimension
// built-in embedder.
func openArchive(t *testing.T, dir string) (*Archive, *store.DB) {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(t.Context(), db, embed.NewBuiltin(16), Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return a, db
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestOpenCompactsTombstoneHeavySnapshot opens an archive whose index
// snapshot holds far more items than the store, as one saved after heavy
// churn does: the reconcile deletes them, and the index is compacted at once
// into one of the stored items only, whose snapshot is small again.
func TestOpenCompactsTombstoneHeavySnapshot(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "index.hnsw")
	a, db := openArchive(t, dir)
	for _, text := range []string{
		"date 2025-03 Levée\n\nOpenAI lève 40 milliards de dollars.\n\nSoftBank apporte l’essentiel des fonds.\n",
		"date 2025-04 Rachat\n\nAlphabet rachète Wiz pour 32 milliards.\n\nC’est sa plus grosse acquisition.\n",
	} {
		docs, err := ingest.Parse("issue.txt", []byte(text), ingest.FormatRaw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Ingest(t.Context(), docs[0]); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	clean := fileSize(t, snap)

	// Items the store no longer has, as deleted issues leave them.
	ix, err := vectorindex.Load(snap)
	if err != nil {
		t.Fatal(err)
	}
	stored := ix.IDs()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range uint32(1500) {
		v := make([]float32, 16)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		if err := ix.Add(1<<30+i, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Save(snap); err != nil {
		t.Fatal(err)
	}
	heavy := fileSize(t, snap)

	a, db = openArchive(t, dir)
	got := a.cur.Load().ix
	if n := got.Tombstones(); n != 0 {
		t.Errorf("%d tombstones after Open", n)
	}
	if ids := got.IDs(); !slices.Equal(ids, stored) {
		t.Errorf("index holds %v, want the stored %v", ids, stored)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	after := fileSize(t, snap)
	t.Logf("snapshot: %d bytes clean, %d with 1,500 stale items, %d after Open", clean, heavy, after)
	if after != clean {
		t.Errorf("snapshot after Open %d bytes, %d before the stale items", after, clean)
	}
}

// TestDeletesCompactInBackground deletes most of the indexed items, which
// starts a compaction, while searches and more changes go on: every change
// made meanwhile is kept, and the compacted index holds exactly the items
// added and not removed.
func TestDeletesCompactInBackground(t *testing.T) {
	a, db := openArchive(t, t.TempDir())
	defer db.Close()
	r := rand.New(rand.NewPCG(3, 4))
	vec := func() []float32 {
		v := make([]float32, 16)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	live := make(map[uint32]bool)
	issue := func(seqs ...uint32) store.Change {
		ch := store.Change{IssueID: "i"}
		for _, seq := range seqs {
			ch.Added = append(ch.Added, store.Vector{Seq: seq, Vec: vec()})
			live[seq] = true
		}
		return ch
	}
	remove := func(seqs ...uint32) store.Change {
		for _, seq := range seqs {
			delete(live, seq)
		}
		return store.Change{IssueID: "i", Removed: seqs}
	}
	seqs := func(lo, hi uint32) []uint32 {
		var s []uint32
		for seq := lo; seq < hi; seq++ {
			s = append(s, seq)
		}
		return s
	}
	ix := a.cur.Load().ix
	if err := a.followVectors(issue(seqs(1, 1501)...)); err != nil {
		t.Fatal(err)
	}

	var searches sync.WaitGroup
	stop := make(chan struct{})
	searches.Go(func() {
		q := make([]float32, 16)
		q[0] = 1
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := ix.Search(q, 10, nil); err != nil {
				t.Error(err)
				return
			}
		}
	})
	// Writes are serialised by writeMu, as Ingest and DeleteIssue do.
	write := func(ch store.Change) {
		a.writeMu.Lock()
		defer a.writeMu.Unlock()
		if err := a.followVectors(ch); err != nil {
			t.Error(err)
		}
	}
	write(remove(seqs(1, 1201)...)) // 1,200 tombstones for 300 items: compaction starts
	for lo := uint32(2000); lo < 2400; lo += 20 {
		write(issue(seqs(lo, lo+20)...))
		write(remove(lo - 700)) // one of the 300 left each time
	}
	a.compactions.Wait()
	close(stop)
	searches.Wait()

	want := make([]uint32, 0, len(live))
	for seq := range live {
		want = append(want, seq)
	}
	slices.Sort(want)
	if got := ix.IDs(); !slices.Equal(got, want) {
		t.Fatalf("index holds %d items, want %d", len(got), len(want))
	}
	if n := ix.Tombstones(); n > 20 {
		t.Errorf("%d tombstones after the compaction; at most the 20 deletes made during it", n)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}
