package sources_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/sources"
	"github.com/veille/veille/store"
)

// startWatcher runs a watcher of dir over arch until the end of the test
// and waits for its initial scan. The rescan is an hour away, so that what
// the tests see comes from notifications.
func startWatcher(t *testing.T, dir string, arch *archive.Archive) *recorder {
	t.Helper()
	rec := &recorder{Sink: arch}
	stop := runWatcher(t, dir, rec, sources.WatchOptions{
		Rescan:   time.Hour,
		Debounce: 50 * time.Millisecond,
		Logger:   testLogger(t),
	})
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return rec
}

// runWatcher runs a watcher of dir over sink, waits for its initial scan,
// and returns the function that stops it and returns what Run returned.
func runWatcher(t *testing.T, dir string, sink sources.Sink, opts sources.WatchOptions) (stop func() error) {
	t.Helper()
	w := sources.NewWatcher(dir, sink, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	select {
	case <-w.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("Run returned before its initial scan: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("no initial scan within 10s")
	}
	return func() error {
		cancel()
		return <-done
	}
}

// write writes a file, creating its folder.
func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// editorSave replaces a file the way editors do: a hidden temporary file
// renamed over it.
func editorSave(t *testing.T, path, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".swp")
	write(t, tmp, text)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func rawIssue(headline string, paragraphs ...string) string {
	return "date 2025-03 " + headline + "\n\n" + strings.Join(paragraphs, "\n\n") + "\n"
}

const (
	zeppelin = "Le zeppelin de Friedrichshafen reprend ses vols commerciaux au-dessus du lac de Constance."
	second   = "Les billets se vendent en quelques minutes, selon l'exploitant."
	edited   = "Le dirigeable de Friedrichshafen reprend ses vols commerciaux au-dessus du lac de Constance."
)

func TestWatchFollowsFiles(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	startWatcher(t, dir, arch)
	path := filepath.Join(dir, "2025", "mars.txt") // in a folder created after the start

	write(t, path, rawIssue("Les dirigeables reviennent", zeppelin, second))
	eventually(t, "new file searchable", func() bool { return len(find(t, arch, "zeppelin")) == 1 })

	editorSave(t, path, rawIssue("Les dirigeables reviennent", edited, second))
	eventually(t, "edit searchable", func() bool {
		return len(find(t, arch, "dirigeable")) == 1 && len(find(t, arch, "zeppelin")) == 0
	})
	if got := find(t, arch, "billets"); len(got) != 1 {
		t.Fatalf("the unchanged paragraph: found %d times, want once", len(got))
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deleted file gone", func() bool {
		return len(find(t, arch, "dirigeable")) == 0 && len(find(t, arch, "billets")) == 0
	})
}

func TestWatchInitialScanAndIgnoredFiles(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "old.md"), "---\ndate: 2024-11-02\n---\n# Archives\n\nLe phonographe de Edison enregistre sa voix.\n")
	write(t, filepath.Join(dir, ".hidden.txt"), rawIssue("Caché", "Le scaphandre reste caché."))
	write(t, filepath.Join(dir, ".git", "x.txt"), rawIssue("Caché", "Le scaphandre reste caché."))
	write(t, filepath.Join(dir, "notes.pdf"), rawIssue("Autre", "Le scaphandre est ailleurs."))
	rec := startWatcher(t, dir, arch)

	if got := find(t, arch, "phonographe"); len(got) != 1 {
		t.Fatalf("after the initial scan, the existing file is found %d times, want once", len(got))
	}
	write(t, filepath.Join(dir, "notes2.pdf"), rawIssue("Autre", "Le scaphandre est ailleurs."))
	write(t, filepath.Join(dir, ".draft.txt"), rawIssue("Autre", "Le scaphandre est ailleurs."))
	write(t, filepath.Join(dir, "marker.txt"), rawIssue("Marqueur", "Le sextant marque la fin."))
	eventually(t, "marker searchable", func() bool { return len(find(t, arch, "sextant")) == 1 })
	if got := find(t, arch, "scaphandre"); len(got) != 0 {
		t.Fatalf("hidden or unknown files were ingested: %q", got)
	}
	for _, doc := range rec.ingested() {
		if base := filepath.Base(doc.Issue.Source); base != "old.md" && base != "marker.txt" {
			t.Errorf("ingested %s", doc.Issue.Source)
		}
	}
}

func TestWatchParseErrorKeepsIssues(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "issue.txt")
	write(t, path, rawIssue("Les dirigeables reviennent", zeppelin, second))
	startWatcher(t, dir, arch)
	if len(find(t, arch, "zeppelin")) != 1 {
		t.Fatal("the issue is not found after the initial scan")
	}

	// No date line: a parse error. The marker, written after it, tells
	// when the broken file has been seen.
	editorSave(t, path, "Le dirigeable sans date.\n")
	write(t, filepath.Join(dir, "marker.txt"), rawIssue("Marqueur", "Le sextant marque la fin."))
	eventually(t, "marker searchable", func() bool { return len(find(t, arch, "sextant")) == 1 })
	if len(find(t, arch, "zeppelin")) != 1 {
		t.Fatal("a parse error deleted the file's previous issue")
	}

	editorSave(t, path, rawIssue("Les dirigeables reviennent", edited, second))
	eventually(t, "fixed file searchable", func() bool {
		return len(find(t, arch, "dirigeable")) == 1 && len(find(t, arch, "zeppelin")) == 0
	})
}

func TestWatchFileNoLongerProducingAnIssue(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	startWatcher(t, dir, arch)
	path := filepath.Join(dir, "issue.txt")

	write(t, path, rawIssue("Les dirigeables reviennent", zeppelin))
	eventually(t, "first version", func() bool { return len(find(t, arch, "zeppelin")) == 1 })
	// Another headline line gives another issue id: the old issue must go.
	editorSave(t, path, rawIssue("Le retour des ballons", edited))
	eventually(t, "new issue replaces the old", func() bool {
		return len(find(t, arch, "dirigeable")) == 1 && len(find(t, arch, "zeppelin")) == 0
	})
	issues, err := arch.Issues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 1 {
		t.Fatalf("%d issues stored, want 1", len(issues))
	}
}

func TestWatchSameIssueInTwoFiles(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	text := rawIssue("Les dirigeables reviennent", zeppelin, second)
	write(t, filepath.Join(dir, "a.txt"), text)
	write(t, filepath.Join(dir, "copy", "a.txt"), text)
	startWatcher(t, dir, arch)

	if err := os.Remove(filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "marker.txt"), rawIssue("Marqueur", "Le sextant marque la fin."))
	eventually(t, "marker searchable", func() bool { return len(find(t, arch, "sextant")) == 1 })
	// Deleting one of two files of an issue leaves it, given again by the
	// copy once the watcher has read it.
	eventually(t, "issue kept from the copy", func() bool { return len(find(t, arch, "zeppelin")) == 1 })

	// Moving the folder out of the watched one is deleting its files.
	if err := os.Rename(filepath.Join(dir, "copy"), filepath.Join(t.TempDir(), "copy")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "moved-away folder gone", func() bool { return len(find(t, arch, "zeppelin")) == 0 })
}

func TestWatchHolderAndOtherDeletedTogether(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	held, other := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	write(t, held, rawIssue("Les dirigeables reviennent", zeppelin))
	write(t, other, rawIssue("Les dirigeables reviennent", edited))
	startWatcher(t, dir, arch)
	if len(find(t, arch, "zeppelin")) != 1 {
		t.Fatal("the first file's issue is not searchable")
	}
	for _, p := range []string{held, other} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "issue gone with both files", func() bool {
		return len(find(t, arch, "zeppelin")) == 0 && len(find(t, arch, "dirigeable")) == 0
	})
}

// TestWatchKeepsUploads starts a watcher of the current folder over an
// archive holding an upload whose name is a bare file name: no file of the
// folder gave it, and the watcher leaves it alone.
func TestWatchKeepsUploads(t *testing.T) {
	arch := openArchive(t)
	dir := t.TempDir()
	t.Chdir(dir)
	for _, up := range []struct{ name, text string }{
		{"upload-octobre.txt", "Le sextant a été envoyé par l'API."},
		{"notes/novembre.txt", "Le télégraphe a été envoyé par l'API."},
	} {
		docs, err := ingest.Parse(up.name, []byte(rawIssue("Envoyé par l'API "+up.name, up.text)), ingest.FormatRaw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := arch.Ingest(t.Context(), docs[0]); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "mars.txt"), rawIssue("Les dirigeables reviennent", zeppelin))
	startWatcher(t, ".", arch)
	if len(find(t, arch, "zeppelin")) != 1 || len(find(t, arch, "sextant")) != 1 || len(find(t, arch, "télégraphe")) != 1 {
		t.Fatal("the watcher of the current folder lost an upload, or missed its file")
	}
}

// TestWatchFolderThroughLink watches a folder named through a symbolic
// link: its files are followed, and their issues name them by their real
// path.
func TestWatchFolderThroughLink(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "lettres")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(real, "mars.txt"), rawIssue("Les dirigeables reviennent", zeppelin))
	startWatcher(t, link, arch)
	if len(find(t, arch, "zeppelin")) != 1 {
		t.Fatal("the file of a folder named through a link was not ingested")
	}
	write(t, filepath.Join(link, "avril.txt"), rawIssue("Le phonographe", "Le phonographe de Edison enregistre sa voix."))
	eventually(t, "new file searchable", func() bool { return len(find(t, arch, "phonographe")) == 1 })
	issues, err := arch.Issues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	realDir, err := filepath.EvalSymlinks(real)
	if err != nil {
		t.Fatal(err)
	}
	for _, iss := range issues {
		if filepath.Dir(iss.Source) != realDir {
			t.Errorf("issue %s has source %s, want a file of %s", iss.ID, iss.Source, realDir)
		}
	}
}

func TestWatchTwoFilesGiveOneIssue(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	held, other := filepath.Join(dir, "z.txt"), filepath.Join(dir, "a.txt")
	write(t, held, rawIssue("Les dirigeables reviennent", zeppelin))
	stop := runWatcher(t, dir, arch, sources.WatchOptions{Rescan: time.Hour, Debounce: 50 * time.Millisecond, Logger: testLogger(t)})
	// Another file gives the same issue (same date and headline line) with
	// other content: the file the archive holds it from keeps it.
	write(t, other, rawIssue("Les dirigeables reviennent", edited))
	write(t, filepath.Join(dir, "marker.txt"), rawIssue("Marqueur", "Le sextant marque la fin."))
	eventually(t, "marker searchable", func() bool { return len(find(t, arch, "sextant")) == 1 })
	if len(find(t, arch, "zeppelin")) != 1 || len(find(t, arch, "dirigeable")) != 0 {
		t.Fatal("a second file giving an issue replaced it")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// A restart scans a.txt before z.txt, and still keeps the issue from
	// z.txt, without storing a.txt's version on the way.
	rec := startWatcher(t, dir, arch)
	for _, d := range rec.ingested() {
		if d.Issue.Source == other {
			t.Fatalf("the restart ingested the issue from %s", other)
		}
	}
	if len(find(t, arch, "zeppelin")) != 1 || len(find(t, arch, "dirigeable")) != 0 {
		t.Fatal("after a restart the archive holds the other file's version")
	}

	// Once the holder is gone, the other file gives the issue.
	if err := os.Remove(held); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the other file's version", func() bool {
		return len(find(t, arch, "dirigeable")) == 1 && len(find(t, arch, "zeppelin")) == 0
	})
	issues, err := arch.Issues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 2 || !slices.ContainsFunc(issues, func(s store.IssueSummary) bool { return s.Source == other }) {
		t.Fatalf("issues %+v, want the marker and the issue from %s", issues, other)
	}
}

// TestWatchRenamedFolder renames a folder, with a folder inside it, and
// then a file, within the watched one: the files keep their issues, which
// are not deleted and ingested again, and later edits and deletes under the
// new names are followed like any other.
func TestWatchRenamedFolder(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	rec := startWatcher(t, dir, arch)
	write(t, filepath.Join(dir, "2025", "mars", "a.txt"), rawIssue("Les dirigeables reviennent", zeppelin, second))
	write(t, filepath.Join(dir, "2025", "b.txt"), rawIssue("Marqueur", "Le sextant marque la fin."))
	eventually(t, "files searchable", func() bool {
		return len(find(t, arch, "zeppelin")) == 1 && len(find(t, arch, "sextant")) == 1
	})

	if err := os.Rename(filepath.Join(dir, "2025"), filepath.Join(dir, "archives")); err != nil {
		t.Fatal(err)
	}
	editorSave(t, filepath.Join(dir, "archives", "mars", "a.txt"), rawIssue("Les dirigeables reviennent", edited, second))
	eventually(t, "edit in the renamed folder's folder searchable", func() bool {
		return len(find(t, arch, "dirigeable")) == 1 && len(find(t, arch, "zeppelin")) == 0
	})
	if got := find(t, arch, "sextant"); len(got) != 1 {
		t.Fatalf("the file of the renamed folder: found %d times, want once", len(got))
	}

	if err := os.Rename(filepath.Join(dir, "archives", "b.txt"), filepath.Join(dir, "archives", "c.txt")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "marker.txt"), rawIssue("Autre marqueur", "Le chronomètre marque la fin."))
	eventually(t, "marker searchable", func() bool { return len(find(t, arch, "chronomètre")) == 1 })
	if got := find(t, arch, "sextant"); len(got) != 1 {
		t.Fatalf("the renamed file: found %d times, want once", len(got))
	}
	if got := rec.deleted(); len(got) > 0 {
		t.Fatalf("renames deleted issues %q, to ingest them again", got)
	}

	if err := os.Remove(filepath.Join(dir, "archives", "c.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "archives", "mars", "a.txt")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "files deleted in the renamed folders gone", func() bool {
		return len(find(t, arch, "sextant")) == 0 && len(find(t, arch, "dirigeable")) == 0
	})
}

// TestWatchNeedsAFolder checks that a missing folder, or a file, stops Run
// at once with an error naming it.
func TestWatchNeedsAFolder(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	missing := filepath.Join(t.TempDir(), "missing")
	file := filepath.Join(t.TempDir(), "issue.txt")
	write(t, file, rawIssue("Marqueur", "Le sextant marque la fin."))
	for _, dir := range []string{missing, file} {
		err := sources.NewWatcher(dir, arch, sources.WatchOptions{Logger: testLogger(t)}).Run(t.Context())
		if err == nil || !strings.HasPrefix(err.Error(), "watch "+dir+": ") {
			t.Errorf("watching %s: %v, want an error naming it", dir, err)
		}
	}
}

// TestWatchCatchesUpAtStart stops watching, deletes one file and edits the
// headline line of another (which gives its issue another id), then
// watches again: the first scan deletes the issues of both, as it would
// have while watching, from the archive's record of their sources.
func TestWatchCatchesUpAtStart(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	kept, gone := filepath.Join(dir, "sub", "kept.txt"), filepath.Join(dir, "gone.txt")
	write(t, kept, rawIssue("Le zeppelin", zeppelin))
	write(t, gone, "date 2025-04 Les billets\n\n"+second+"\n")
	watchOnce(t, dir, arch)
	if st, err := arch.Stats(t.Context()); err != nil || st.Issues != 2 {
		t.Fatalf("after the first watch: %+v, %v", st, err)
	}

	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	write(t, kept, strings.Replace(rawIssue("Le zeppelin", zeppelin), "Le zeppelin", "Le dirigeable", 1))
	watchOnce(t, dir, arch)
	issues, err := arch.Issues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 1 || len(issues[0].Headlines) != 1 || issues[0].Headlines[0] != "Le dirigeable" {
		t.Fatalf("after watching again: %+v; want the edited issue alone", issues)
	}
	if got := find(t, arch, "billets"); len(got) != 0 {
		t.Fatalf("the deleted file's paragraph is still found: %q", got)
	}
}

// TestWatchCatchesUpWithFeedFiles: the entries of a feed file are that
// file's issues, like any other file's, so that a watcher started after the
// file lost an entry, or was deleted, drops what it no longer gives. Each
// entry keeps its own address as its link.
func TestWatchCatchesUpWithFeedFiles(t *testing.T) {
	t.Parallel()
	arch := openArchive(t)
	dir := t.TempDir()
	feed := filepath.Join(dir, "breves.rss")
	item := func(slug, title, text string) string {
		return "<item><guid>https://breves.example.fr/" + slug + "</guid><link>https://breves.example.fr/" + slug +
			"</link><title>" + title + "</title><pubDate>Mon, 03 Feb 2025 08:00:00 +0100</pubDate><description>" + text + "</description></item>"
	}
	rss := func(items ...string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Brèves</title><link>https://breves.example.fr/</link>` +
			strings.Join(items, "") + "</channel></rss>"
	}
	zep := item("zeppelin", "Le zeppelin", zeppelin)
	bil := item("billets", "Les billets", second)
	write(t, feed, rss(zep, bil))
	watchOnce(t, dir, arch)
	issues, err := arch.Issues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 2 {
		t.Fatalf("after the first watch: %+v; want the feed's two entries", issues)
	}
	for _, iss := range issues {
		if iss.Source != sources.Canonical(feed) || !strings.HasPrefix(iss.Link, "https://breves.example.fr/") {
			t.Fatalf("entry %q: source %q, link %q; want the feed file and the entry's address", iss.Headlines, iss.Source, iss.Link)
		}
	}

	write(t, feed, rss(zep))
	watchOnce(t, dir, arch)
	if got := find(t, arch, "billets"); len(got) != 0 {
		t.Fatalf("the entry gone from the feed file is still found: %q", got)
	}
	if got := find(t, arch, "zeppelin"); len(got) == 0 {
		t.Fatal("the entry left in the feed file is gone")
	}

	if err := os.Remove(feed); err != nil {
		t.Fatal(err)
	}
	watchOnce(t, dir, arch)
	if st, err := arch.Stats(t.Context()); err != nil || st.Issues != 0 {
		t.Fatalf("after the feed file was deleted: %+v, %v; want no issue", st, err)
	}
}

// watchOnce runs a watcher of dir over arch, as the server does, until its
// initial scan is over, then stops it.
func watchOnce(t *testing.T, dir string, arch *archive.Archive) {
	t.Helper()
	stop := runWatcher(t, dir, arch, sources.WatchOptions{Rescan: time.Hour, Logger: testLogger(t)})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestCanonical(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "x", "arch", "i.txt"), "i")
	write(t, filepath.Join(root, "x", "s.txt"), "s")
	for _, l := range [][2]string{{"x/arch", "L"}, {"x/s.txt", "x/arch/s-link.txt"}} {
		if err := os.Symlink(filepath.Join(root, l[0]), filepath.Join(root, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(filepath.Join(root, "L"))
	var names sources.Canonicals
	for _, tt := range []struct{ path, want string }{
		{"i.txt", "x/arch/i.txt"},
		{"../s.txt", "x/s.txt"}, // ".." steps back from where the link led, as the system does
		{filepath.Join(root, "L", "i.txt"), "x/arch/i.txt"},
		{"s-link.txt", "x/arch/s-link.txt"}, // a link to a file is named as the link
		{"gone/y.txt", "x/arch/gone/y.txt"},
		{root + "/L/../s.txt", "x/s.txt"}, // not filepath.Join, which would clean the ".." away
		{"..", "x"},
	} {
		if got, want := sources.Canonical(tt.path), filepath.Join(root, tt.want); got != want {
			t.Errorf("Canonical(%q) = %s, want %s", tt.path, got, want)
		}
		// Twice: the second answer comes from the folders resolved.
		for range 2 {
			if got, want := names.Of(tt.path), filepath.Join(root, tt.want); got != want {
				t.Errorf("Canonicals.Of(%q) = %s, want %s", tt.path, got, want)
			}
		}
	}
	if got, want := sources.CanonicalDir(".."), filepath.Join(root, "x"); got != want {
		t.Errorf("CanonicalDir(..) = %s, want %s", got, want)
	}
}
