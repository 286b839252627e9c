package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/embed/embedtest"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/sources"
	"github.com/veille/veille/store"
)

// veilleCmd runs one command with no environment and returns what it
// printed on stdout and stderr.
func veilleCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut strings.Builder
	e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errOut}
	err = run(t.Context(), args, e)
	return out.String(), errOut.String(), err
}

// ingestSummary runs ingest --json on paths into data and decodes its summary.
func ingestSummary(t *testing.T, data string, paths ...string) (summary, string, error) {
	t.Helper()
	out, log, err := veilleCmd(t, append([]string{"ingest", "--data", data, "--json"}, paths...)...)
	var s summary
	if out != "" {
		if jerr := json.Unmarshal([]byte(out), &s); jerr != nil {
			t.Fatalf("%v: %s", jerr, out)
		}
	}
	return s, log, err
}

// writeAll writes text to path, making its folders.
func writeAll(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, path, text)
}

func statsOf(t *testing.T, data string) archive.Stats {
	t.Helper()
	out, _, err := veilleCmd(t, "stats", "--data", data, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var st archive.Stats
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return st
}

const issueText = `date 2025-03 Les puces / Les modèles

Les puces. Un fondeur taïwanais annonce une usine de plus en Arizona.

Les modèles. Un laboratoire parisien publie un modèle de langue ouvert.
`

// TestIngestEditedHeadlineLine edits the first line of an issue file, which
// gives the issue another id: the next ingest replaces the issue rather
// than keeping both, with the record of ingested files and, as after an
// upgrade, without it (by the issue's stored source).
func TestIngestEditedHeadlineLine(t *testing.T) {
	for _, withRecord := range []bool{true, false} {
		data, dir := t.TempDir(), t.TempDir()
		path := filepath.Join(dir, "2025-03.txt")
		write(t, path, issueText)
		if s, _, err := ingestSummary(t, data, dir); err != nil || s.Added != 2 {
			t.Fatalf("first ingest: %+v, %v", s, err)
		}
		for i, first := range []string{"date 2025-03 Les puces / Les modèles ouverts", "date 2025-04 Les puces / Les modèles ouverts"} {
			if !withRecord {
				if err := os.Remove(filepath.Join(data, seenFileName)); err != nil {
					t.Fatal(err)
				}
			}
			write(t, path, strings.Replace(issueText, "date 2025-03 Les puces / Les modèles", first, 1))
			s, _, err := ingestSummary(t, data, dir)
			if err != nil || s.Issues != 1 || s.Removed != 2 || s.Failed != 0 {
				t.Fatalf("record %v, edit %d: %+v, %v; want the old issue's 2 items removed", withRecord, i, s, err)
			}
			if st := statsOf(t, data); st.Issues != 1 || st.Items != 2 {
				t.Fatalf("record %v, edit %d: %d issues, %d items; want 1 and 2", withRecord, i, st.Issues, st.Items)
			}
		}
	}
}

// TestIngestFeedFileLosesAnEntry ingests a feed file, then the same file
// without one of its entries: the entry is removed, as an issue a file no
// longer gives is, with the record of ingested files and, as after an
// upgrade, without it (by the issues' stored source). The entries keep
// their address as link, which search and ask print.
func TestIngestFeedFileLosesAnEntry(t *testing.T) {
	entry := func(slug, text string) string {
		return "<item><link>https://breves.example.fr/" + slug + "</link><title>" + slug +
			"</title><pubDate>Mon, 03 Feb 2025 08:00:00 +0100</pubDate><description>" + text + "</description></item>"
	}
	feed := func(items ...string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Brèves</title>` +
			strings.Join(items, "") + "</channel></rss>"
	}
	usine := entry("usine", "Un fondeur taïwanais annonce une usine de plus en Arizona.")
	modele := entry("modele", "Un laboratoire parisien publie un modèle de langue ouvert.")
	for _, withRecord := range []bool{true, false} {
		data, dir := t.TempDir(), t.TempDir()
		path := filepath.Join(dir, "breves.rss")
		write(t, path, feed(usine, modele))
		if s, _, err := ingestSummary(t, data, dir); err != nil || s.Issues != 2 || s.Added != 2 {
			t.Fatalf("first ingest: %+v, %v", s, err)
		}
		if !withRecord {
			if err := os.Remove(filepath.Join(data, seenFileName)); err != nil {
				t.Fatal(err)
			}
		}
		write(t, path, feed(usine))
		if s, _, err := ingestSummary(t, data, dir); err != nil || s.Issues != 1 || s.Removed != 1 || s.Unchanged != 1 {
			t.Fatalf("record %v: ingest of the shorter feed: %+v, %v; want its entry unchanged and the other removed", withRecord, s, err)
		}
		db, err := store.Open(filepath.Join(data, "badger"), store.Options{GCInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		issues, err := db.Issues(t.Context())
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(issues) != 1 || issues[0].Link != "https://breves.example.fr/usine" || issues[0].Source != sources.Canonical(path) {
			t.Fatalf("record %v: issues %+v; want the usine entry, from the file, linked", withRecord, issues)
		}
	}
	// The search and ask commands print an entry's link under its headline.
	data, dir := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dir, "breves.rss"), feed(usine, modele))
	if _, _, err := ingestSummary(t, data, dir); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{
		{"search", "--data", data, "usine Arizona"},
		{"ask", "--data", data, "Où le fondeur taïwanais annonce-t-il une usine ?"},
	} {
		out, _, err := veilleCmd(t, cmd...)
		if err != nil || !strings.Contains(out, "\n    https://breves.example.fr/usine\n") && !strings.Contains(out, "\n   https://breves.example.fr/usine\n") {
			t.Fatalf("%s: %v\n%s\nwant the entry's link on a line of its own", cmd[0], err, out)
		}
	}
}

// TestIngestSameIssueTwoFiles gives two corpora of the same name in two
// folders, so the same issue id: the second fails, naming the first, and
// the archive keeps the first run after run instead of swapping them.
// Identical copies of an issue are fine.
func TestIngestSameIssueTwoFiles(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeAll(t, filepath.Join(dir, "a", "corpus.jsonl"), `{"id":"a1","date":"2025-11-03","text":"Premier texte du corpus A."}`+"\n"+
		`{"id":"a2","date":"2025-11-03","text":"Second texte du corpus A."}`+"\n")
	writeAll(t, filepath.Join(dir, "b", "corpus.jsonl"), `{"id":"b1","date":"2025-11-03","text":"Seul texte du corpus B."}`+"\n")
	for run := range 2 {
		s, log, err := ingestSummary(t, data, dir)
		if err == nil || s.Failed != 1 || s.Issues != 1 {
			t.Fatalf("run %d: %+v, %v; want the second corpus to fail", run, s, err)
		}
		if !strings.Contains(log, filepath.Join("b", "corpus.jsonl")) || !strings.Contains(log, filepath.Join(dir, "a", "corpus.jsonl")) {
			t.Fatalf("run %d: the log names neither file: %s", run, log)
		}
		if st := statsOf(t, data); st.Issues != 1 || st.Items != 2 {
			t.Fatalf("run %d: %d issues, %d items; want corpus A's 2 items kept", run, st.Issues, st.Items)
		}
	}

	// The same in two runs, while the first file exists; once it is gone,
	// the second takes the issue over.
	data2 := t.TempDir()
	if s, _, err := ingestSummary(t, data2, filepath.Join(dir, "a", "corpus.jsonl")); err != nil || s.Added != 2 {
		t.Fatalf("corpus A alone: %+v, %v", s, err)
	}
	if s, log, err := ingestSummary(t, data2, filepath.Join(dir, "b", "corpus.jsonl")); err == nil || s.Failed != 1 || !strings.Contains(log, filepath.Join(dir, "a", "corpus.jsonl")) {
		t.Fatalf("corpus B in a later run: %+v, %v", s, err)
	}
	if st := statsOf(t, data2); st.Items != 2 {
		t.Fatalf("%d items after corpus B's run; want corpus A's 2", st.Items)
	}
	if err := os.Remove(filepath.Join(dir, "a", "corpus.jsonl")); err != nil {
		t.Fatal(err)
	}
	if s, _, err := ingestSummary(t, data2, filepath.Join(dir, "b", "corpus.jsonl")); err != nil || s.Added != 1 || s.Removed != 2 {
		t.Fatalf("corpus B once A is gone: %+v, %v", s, err)
	}

	copies := t.TempDir()
	writeAll(t, filepath.Join(copies, "one", "2025-03.txt"), issueText)
	writeAll(t, filepath.Join(copies, "two", "2025-03.txt"), issueText)
	if s, _, err := ingestSummary(t, t.TempDir(), copies); err != nil || s.Failed != 0 || s.Added != 2 || s.Unchanged != 2 {
		t.Fatalf("two copies of an issue: %+v, %v", s, err)
	}
}

// TestIngestCountsWhatIsStored fails a file whose item id belongs to
// another issue: the summary counts no issue for it.
func TestIngestCountsWhatIsStored(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	writeAll(t, filepath.Join(dir, "a.jsonl"), `{"id":"x1","date":"2025-11-03","text":"Un texte."}`+"\n")
	if s, _, err := ingestSummary(t, data, filepath.Join(dir, "a.jsonl")); err != nil || s.Issues != 1 {
		t.Fatalf("%+v, %v", s, err)
	}
	writeAll(t, filepath.Join(dir, "b.jsonl"), `{"id":"x1","date":"2025-11-04","text":"Un autre texte."}`+"\n")
	s, _, err := ingestSummary(t, data, filepath.Join(dir, "b.jsonl"))
	if err == nil || s.Failed != 1 || s.Issues != 0 || s.Added != 0 || s.Unchanged != 0 {
		t.Fatalf("%+v, %v; want one failed file and nothing counted", s, err)
	}
	if len(s.Errors) != 1 || s.Errors[0].File != filepath.Join(dir, "b.jsonl") || !strings.Contains(s.Errors[0].Error, "x1") {
		t.Fatalf("errors %+v; want b.jsonl's, naming the item", s.Errors)
	}
}

// TestListFiles follows a link given as a path, takes a file named twice
// once, and refuses to ingest a folder with no issue files.
func TestListFiles(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, filepath.Join(dir, "archive", "2025-03.txt"), issueText)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "archive"), link); err != nil {
		t.Fatal(err)
	}
	files, err := listFiles([]string{link})
	if err != nil || len(files) != 1 || files[0] != filepath.Join(link, "2025-03.txt") {
		t.Fatalf("through a link: %q, %v", files, err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, filepath.Join(dir, "archive", "2025-03.txt"))
	if err != nil {
		t.Fatal(err)
	}
	files, err = listFiles([]string{filepath.Join(dir, "archive"), rel, filepath.Join(dir, "archive", ".", "2025-03.txt")})
	if err != nil || len(files) != 1 {
		t.Fatalf("one file named three ways: %q, %v", files, err)
	}
	// ".." after a link steps back from where the link led, as the system
	// does: link/.. is dir, whose only issue file is archive's.
	writeAll(t, filepath.Join(dir, "archive", "sub", "2025-04.txt"), issueText)
	sub := filepath.Join(dir, "sublink")
	if err := os.Symlink(filepath.Join(dir, "archive", "sub"), sub); err != nil {
		t.Fatal(err)
	}
	files, err = listFiles([]string{sub + string(filepath.Separator) + ".."})
	real, rerr := filepath.EvalSymlinks(filepath.Join(dir, "archive"))
	if err != nil || rerr != nil || len(files) != 2 || files[0] != filepath.Join(real, "2025-03.txt") {
		t.Fatalf("sublink/..: %q, %v %v", files, err, rerr)
	}

	data := filepath.Join(dir, "data")
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := veilleCmd(t, "ingest", "--data", data, empty); err == nil || !strings.Contains(err.Error(), "no issue files in "+empty) {
		t.Fatalf("empty folder: %v", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("the failed ingest made %s: %v", data, err)
	}
}

// TestIngestStopsWhenTheEmbedderIsDown gives an embedder that answers 503
// to every request: the ingest stops at the first file, after its retries,
// rather than waiting them out for every file, and says so after its
// summary.
func TestIngestStopsWhenTheEmbedderIsDown(t *testing.T) {
	fake := embedtest.NewServer(t, embedtest.WithDims(8), embedtest.WithFailures(1000, 503, ""))
	vars := map[string]string{"VEILLE_EMBED_PROVIDER": "openai", "VEILLE_EMBED_BASE_URL": fake.URL, "VEILLE_EMBED_MODEL": "fake-embed", "VEILLE_EMBED_DIMS": "8"}
	dir := writeSyntheticArchive(t, 3, 2)
	var out, log strings.Builder
	e := env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: &log}
	err := run(t.Context(), []string{"ingest", "--data", t.TempDir(), "--json", dir}, e)
	if !errors.Is(err, errEmbedderDown) || !strings.Contains(err.Error(), "goes on from there") {
		t.Fatalf("%v; want the ingest stopped by the embedder", err)
	}
	var s summary
	if jerr := json.Unmarshal([]byte(out.String()), &s); jerr != nil {
		t.Fatalf("%v: %q", jerr, out.String())
	}
	if s.Files != 3 || s.Failed != 1 || s.Issues != 0 {
		t.Fatalf("%+v; want the first of 3 files failed and no other tried", s)
	}
}

// TestLoadFilesProgress checks what drives veille ingest's progress bar:
// every file's bytes, once the file is done, whether it was stored, found
// unchanged or failed, so that the bar ends full.
func TestLoadFilesProgress(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	writeAll(t, filepath.Join(dir, "a.txt"), issueText)
	writeAll(t, filepath.Join(dir, "b.txt"), strings.Replace(issueText, "2025-03", "2025-04", 1))
	writeAll(t, filepath.Join(dir, "bad.txt"), "pas de date\n\nUn paragraphe.\n")
	files, err := listFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
	}
	db, err := store.Open(filepath.Join(data, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	arch, err := archive.Open(t.Context(), db, embed.NewBuiltin(0), archive.Config{SnapshotPath: filepath.Join(data, "index.hnsw")})
	if err != nil {
		t.Fatal(err)
	}
	defer arch.Close()
	for _, run := range []string{"first", "unchanged"} {
		var done int64
		sum, err := loadFiles(t.Context(), arch, files, ingest.FormatDetect, data, slog.New(slog.DiscardHandler), func(n int64) { done += n })
		if err != nil || sum.Failed != 1 {
			t.Fatalf("%s ingest: %+v, %v; want one failed file", run, sum, err)
		}
		if done != total {
			t.Errorf("%s ingest: progress %d bytes of %d", run, done, total)
		}
	}
}
