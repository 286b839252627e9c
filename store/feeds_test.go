package store

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestFeedState(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	const url = "https://example.test/feed.xml"
	if _, ok, err := db.FeedState(url); ok || err != nil {
		t.Fatalf("state of a feed never saved: ok %v, err %v", ok, err)
	}
	if err := db.SaveFeedState(url, []byte(`{"etag":"a"}`)); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveFeedState(url, []byte(`{"etag":"b"}`)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "https://example.test/" + strings.Repeat("x", MaxFeedURL)} {
		if err := db.SaveFeedState(bad, []byte("{}")); err == nil {
			t.Errorf("saved the state of a feed URL of %d bytes", len(bad))
		}
		if _, _, err := db.FeedState(bad); err == nil {
			t.Errorf("read the state of a feed URL of %d bytes", len(bad))
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// It outlives a reopen and travels in backups.
	db = mustOpen(t, dir)
	defer db.Close()
	got, ok, err := db.FeedState(url)
	if err != nil || !ok || string(got) != `{"etag":"b"}` {
		t.Fatalf("after reopening: %q, ok %v, err %v; want the last state saved", got, ok, err)
	}
	restored := filepath.Join(t.TempDir(), "badger")
	if err := Restore(t.Context(), restored, bytes.NewReader(backupOf(t, db)), Options{}); err != nil {
		t.Fatal(err)
	}
	rdb := mustOpen(t, restored)
	defer rdb.Close()
	if got, ok, err := rdb.FeedState(url); err != nil || !ok || string(got) != `{"etag":"b"}` {
		t.Fatalf("after a restore: %q, ok %v, err %v", got, ok, err)
	}
}
