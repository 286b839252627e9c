package sources

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
)

// fakeSink records the issue ids it is given.
type fakeSink struct {
	ingested, deleted []string
}

func (s *fakeSink) Ingest(_ context.Context, doc ingest.Document) (archive.Result, error) {
	s.ingested = append(s.ingested, doc.Issue.ID)
	return archive.Result{IssueID: doc.Issue.ID, Added: len(doc.Items)}, nil
}

func (s *fakeSink) DeleteIssue(_ context.Context, id string) (archive.Result, error) {
	s.deleted = append(s.deleted, id)
	return archive.Result{IssueID: id}, nil
}

// TestRescan checks the safety net alone, without notifications: it finds
// new, changed and deleted files by itself.
func TestRescan(t *testing.T) {
	dir := t.TempDir()
	sink := &fakeSink{}
	w := NewWatcher(dir, sink, WatchOptions{})
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer fsw.Close()
	w.fsw = fsw
	ctx := t.Context()
	path := filepath.Join(dir, "sub", "issue.txt")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(text string, mod time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	mod := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

	put("date 2025-03 Un titre\n\nUn paragraphe.\n", mod)
	w.rescan(ctx)
	if len(sink.ingested) != 1 {
		t.Fatalf("new file: ingested %v", sink.ingested)
	}
	first := sink.ingested[0]

	w.rescan(ctx)
	if len(sink.ingested) != 1 {
		t.Fatalf("unchanged file ingested again: %v", sink.ingested)
	}

	put("date 2025-03 Un autre titre\n\nUn paragraphe.\n", mod.Add(time.Second))
	w.rescan(ctx)
	if len(sink.ingested) != 2 || !slices.Equal(sink.deleted, []string{first}) {
		t.Fatalf("changed file: ingested %v, deleted %v", sink.ingested, sink.deleted)
	}

	if err := os.RemoveAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	w.rescan(ctx)
	if !slices.Equal(sink.deleted, []string{first, sink.ingested[1]}) || len(w.files) != 0 {
		t.Fatalf("deleted folder: deleted %v, still tracking %d files", sink.deleted, len(w.files))
	}
}

// TestVanishedFolderKeepsIssues checks that a watched folder that
// disappears (an unmounted disk) does not delete the archive.
func TestVanishedFolderKeepsIssues(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "archive")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("date 2025-03 Titre\n\nTexte.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	w := NewWatcher(dir, sink, WatchOptions{})
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer fsw.Close()
	w.fsw = fsw
	w.rescan(t.Context())
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	w.rescan(t.Context())
	w.sync(t.Context(), filepath.Join(dir, "a.txt"))
	if len(sink.deleted) != 0 || len(w.files) != 1 {
		t.Fatalf("deleted %v, tracking %d files", sink.deleted, len(w.files))
	}
}

func TestHiddenAndWanted(t *testing.T) {
	w := NewWatcher("/data/archive", nil, WatchOptions{})
	tests := []struct {
		path           string
		hidden, wanted bool
	}{
		{"/data/archive/a.txt", false, true},
		{"/data/archive/2025/a.MD", false, true},
		{"/data/archive/a.eml", false, true},
		{"/data/archive/a.pdf", false, false},
		{"/data/archive/.a.txt", true, true},
		{"/data/archive/.git/a.txt", true, true},
		{"/data/archive/a.txt.swp", false, false},
		{"/data/archive/a.txt~", false, false},
		{"/data/archive", false, false},
	}
	for _, tt := range tests {
		if got := w.hidden(tt.path); got != tt.hidden {
			t.Errorf("hidden(%q) = %v", tt.path, got)
		}
		if got := wanted(tt.path); got != tt.wanted {
			t.Errorf("wanted(%q) = %v", tt.path, got)
		}
	}
}
