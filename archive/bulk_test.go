package archive_test

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/store"
)

// TestBulkIndexesInOrder ingests, edits and deletes issues during a bulk
// load and checks that once it stops, the indexes hold exactly what the
// store holds, in both retrieval modes and across a restart.
func TestBulkIndexesInOrder(t *testing.T) {
	dir := t.TempDir()
	f := open(t, dir)
	ctx := t.Context()
	procs := runtime.GOMAXPROCS(0)
	stop := f.arch.StartBulk()
	if got := runtime.GOMAXPROCS(0); got != procs+1 {
		t.Errorf("GOMAXPROCS %d during the bulk load, want %d", got, procs+1)
	}
	var ids []string
	for i := range 20 {
		text := fmt.Sprintf("date 2024-%02d-01 Numéro %d\n\nNuméro %d\n\nLe projet zorglub%d avance bien cette semaine.\n\nUn autre paragraphe sur le sujet %d.\n", i%12+1, i, i, i, i)
		res, err := f.arch.Ingest(ctx, parse(t, text))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.IssueID)
	}
	edited := strings.Replace(issue, "en plusieurs tranches", "en deux tranches", 1)
	for _, text := range []string{issue, edited} {
		if _, err := f.arch.Ingest(ctx, parse(t, text)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.arch.DeleteIssue(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err == nil {
		t.Error("second stop: no error")
	}
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS %d after the bulk load, want %d as before", got, procs)
	}

	check := func(when string) {
		t.Helper()
		st, err := f.arch.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := 19*2 + 3; st.Items != want || st.Indexed != want {
			t.Fatalf("%s: stats %+v, want %d items indexed", when, st, want)
		}
		for _, m := range []archive.Mode{archive.Vector, archive.Lexical} {
			for _, tt := range []struct {
				query string
				found bool
			}{{"zorglub7", true}, {"zorglub3", false}, {"deux tranches", true}, {"plusieurs tranches", false}} {
				hits, err := f.arch.Search(ctx, archive.Query{Text: tt.query, K: 1, Mode: m})
				if err != nil {
					t.Fatal(err)
				}
				found := len(hits) == 1 && strings.Contains(hits[0].Text, tt.query)
				if found != tt.found {
					t.Errorf("%s, %s search %q: %+v, want found %v", when, m, tt.query, hits, tt.found)
				}
			}
		}
	}
	check("after the bulk load")
	f.close(t)
	f = open(t, dir)
	defer f.close(t)
	check("after a restart")
}

// TestBulkOverUnsyncedStore checks that a bulk load over a store that does
// not sync each write keeps GOMAXPROCS as it is (nothing waits for the
// disk), that it lowers the garbage collector's target while it runs, and
// that its issues are there after the store is closed and opened again.
func TestBulkOverUnsyncedStore(t *testing.T) {
	dir := t.TempDir()
	f := openStore(t, dir, store.Options{Unsynced: true})
	procs := runtime.GOMAXPROCS(0)
	gc := gcPercent()
	stop := f.arch.StartBulk()
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS %d during a bulk load over an unsynced store, want %d", got, procs)
	}
	want := 50
	if os.Getenv("GOGC") != "" {
		want = gc // the environment's target is kept
	}
	if got := gcPercent(); got != want {
		t.Errorf("GC target %d during a bulk load, want %d", got, want)
	}
	if _, err := f.arch.Ingest(t.Context(), parse(t, issue)); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := gcPercent(); got != gc {
		t.Errorf("GC target %d after the bulk load, want %d as before", got, gc)
	}
	stats, err := f.arch.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.close(t)
	f = open(t, dir)
	defer f.close(t)
	got, err := f.arch.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Items == 0 || got.Items != stats.Items || got.Indexed != stats.Items {
		t.Fatalf("after reopening: %+v, want the %d items of the bulk load indexed", got, stats.Items)
	}
}

// gcPercent returns the garbage collector's target (GOGC).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
