package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille/veille/embed/embedtest"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/sources"
	"github.com/veille/veille/store"
)

// TestIngestSkipsKnownFiles checks the record of ingested files: unchanged
// files are not parsed again, while an edited file, or one whose issue the
// store no longer holds as it was, is ingested as usual.
func TestIngestSkipsKnownFiles(t *testing.T) {
	data, archiveDir := t.TempDir(), t.TempDir()
	files := map[string]string{
		"a.txt": "date 2025-01-06 Mistral\n\nMistral\n\nMistral lève 600 millions d'euros.\n\nLa start-up vise l'Europe.\n",
		"b.txt": "date 2025-01-13 Nvidia\n\nNvidia\n\nNvidia vend ses puces.\n",
		"c.txt": "date 2025-01-20 Meta\n\nMeta\n\nMeta publie un modèle ouvert.\n",
	}
	for name, text := range files {
		write(t, filepath.Join(archiveDir, name), text)
	}
	ingest := func() summary {
		t.Helper()
		var out strings.Builder
		e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard}
		if err := run(t.Context(), []string{"ingest", "--data", data, "--json", archiveDir}, e); err != nil {
			t.Fatal(err)
		}
		var s summary
		if err := json.Unmarshal([]byte(out.String()), &s); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		return s
	}
	if s := ingest(); s.Added != 4 || s.Failed != 0 {
		t.Fatalf("first ingest: %+v", s)
	}
	record := filepath.Join(data, seenFileName)
	var seen seenFiles
	if err := json.Unmarshal([]byte(read(t, record)), &seen); err != nil || len(seen.Files) != 3 || seen.Build == "" {
		t.Fatalf("record after the first ingest: %+v, %v", seen, err)
	}
	if s := ingest(); s.Unchanged != 4 || s.Added != 0 || s.Issues != 3 || s.Failed != 0 {
		t.Fatalf("unchanged re-ingest: %+v", s)
	}

	// A known file is not parsed: give c.txt bytes that cannot be parsed (a
	// NUL byte) and record them as what gave c's issue.
	bad := "\x00"
	write(t, filepath.Join(archiveDir, "c.txt"), bad)
	c := seen.Files[filepath.Join(archiveDir, "c.txt")]
	c.SHA256 = hashOf(t, filepath.Join(archiveDir, "c.txt"))
	b, err := json.Marshal(seen)
	if err != nil {
		t.Fatal(err)
	}
	write(t, record, string(b))
	if s := ingest(); s.Unchanged != 4 || s.Failed != 0 {
		t.Fatalf("known file: %+v, want it taken as unchanged without parsing", s)
	}

	// An edited file is parsed and ingested.
	write(t, filepath.Join(archiveDir, "c.txt"), files["c.txt"])
	write(t, filepath.Join(archiveDir, "a.txt"), strings.Replace(files["a.txt"], "l'Europe", "l'Asie", 1))
	if s := ingest(); s.Added != 1 || s.Removed != 1 || s.Unchanged != 3 || s.Failed != 0 {
		t.Fatalf("after an edit: %+v", s)
	}

	// An issue deleted from the store behind the record's back comes back.
	db, err := store.Open(filepath.Join(data, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	id := seen.Files[filepath.Join(archiveDir, "b.txt")].Issues[0].Issue.ID
	if _, err := db.DeleteIssue(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if s := ingest(); s.Added != 1 || s.Unchanged != 3 || s.Failed != 0 {
		t.Fatalf("after a delete in the store: %+v", s)
	}
}

// TestUnchangedIngestLeavesIndexes checks that an ingest of unchanged files
// answers from the record and the store alone: it does not load, nor
// write, the index snapshots. They are derived data: removed here, they
// are rebuilt at the next start, and searches find every paragraph. An
// embedder other than the store's is still refused.
func TestUnchangedIngestLeavesIndexes(t *testing.T) {
	data, archiveDir := t.TempDir(), t.TempDir()
	write(t, filepath.Join(archiveDir, "a.txt"), "date 2025-01-06 Mistral\n\nMistral\n\nMistral lève 600 millions d'euros.\n\nLa start-up vise l'Europe.\n")
	ingest := func(dims string) (summary, error) {
		var out strings.Builder
		e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard}
		err := run(t.Context(), []string{"ingest", "--data", data, "--json", "--embed-dims", dims, archiveDir}, e)
		var s summary
		if err == nil {
			err = json.Unmarshal([]byte(out.String()), &s)
		}
		return s, err
	}
	if s, err := ingest("64"); err != nil || s.Added != 2 {
		t.Fatalf("first ingest: %+v, %v", s, err)
	}
	snapshots, err := filepath.Glob(filepath.Join(data, "index.hnsw*"))
	if err != nil || len(snapshots) < 2 {
		t.Fatalf("snapshots after the first ingest: %v, %v", snapshots, err)
	}
	for _, p := range snapshots {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if s, err := ingest("64"); err != nil || s.Unchanged != 2 || s.Issues != 1 || s.Added != 0 {
		t.Fatalf("unchanged re-ingest: %+v, %v", s, err)
	}
	if left, _ := filepath.Glob(filepath.Join(data, "index.hnsw*")); len(left) != 0 {
		t.Fatalf("the unchanged re-ingest wrote snapshots: %v", left)
	}
	if _, err := ingest("128"); !errors.Is(err, store.ErrEmbedderMismatch) {
		t.Fatalf("re-ingest with another embedder: %v, want ErrEmbedderMismatch", err)
	}
	var out strings.Builder
	e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard}
	if err := run(t.Context(), []string{"search", "--data", data, "--embed-dims", "64", "--json", "--mode", "lexical", "Europe"}, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "vise l'Europe") {
		t.Fatalf("search after the snapshots were rebuilt: %s", out.String())
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func hashOf(t *testing.T, path string) string {
	t.Helper()
	_, hash := (&seenFiles{}).known(path, []byte(read(t, path)), ingest.FormatDetect)
	return hash
}

// TestIngestFormat checks that -format overrides the format a file's name
// gives (a web page saved as .txt), that the record of ingested files tells
// formats apart, that a failed file fails the command with -json too (after
// its summary), and that an unknown format is a usage error.
func TestIngestFormat(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	page := filepath.Join(dir, "page.txt")
	write(t, page, `<html><head><meta property="article:published_time" content="2025-02-03T08:00:00Z"></head>`+
		`<body><nav>Accueil</nav><h1>La lettre de février</h1><h2>Les fonderies accélèrent</h2>`+
		`<p>Les fonderies de semi-conducteurs annoncent de nouvelles usines en Arizona.</p></body></html>`)
	run1 := func(args ...string) (summary, error) {
		t.Helper()
		var out strings.Builder
		e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard}
		err := run(t.Context(), append([]string{"ingest", "--data", data, "--json"}, args...), e)
		var s summary
		if out.Len() > 0 {
			if jerr := json.Unmarshal([]byte(out.String()), &s); jerr != nil {
				t.Fatalf("%v: %s", jerr, out.String())
			}
		}
		return s, err
	}
	if s, err := run1("--format", "html", page); err != nil || s.Added != 1 || s.Failed != 0 {
		t.Fatalf("ingest --format html: %+v, %v", s, err)
	}
	var out strings.Builder
	e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard}
	if err := run(t.Context(), []string{"search", "--data", data, "--json", "-k", "1", "fonderies Arizona"}, e); err != nil {
		t.Fatal(err)
	}
	var hits []hitJSON
	if err := json.Unmarshal([]byte(out.String()), &hits); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(hits) != 1 || hits[0].Date != "2025-02-03" || hits[0].Headline != "Les fonderies accélèrent" || strings.Contains(hits[0].Text, "<") {
		t.Fatalf("the page parsed as HTML: %+v", hits)
	}
	if s, err := run1("--format", "html", page); err != nil || s.Unchanged != 1 || s.Added != 0 {
		t.Fatalf("same file, same format again: %+v, %v", s, err)
	}
	// Detected from its name, the page is raw text: a record made in
	// another format is not taken for it, and the raw parse fails (no date line).
	if s, err := run1(page); err == nil || s.Failed != 1 {
		t.Fatalf("the page ingested as raw text: %+v, %v; want its parse to fail", s, err)
	}
	if _, err := run1("--format", "pdf", page); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), `"pdf"`) {
		t.Fatalf("--format pdf: %v, want a usage error naming it", err)
	}
}

// TestIngestInterrupted stops an ingest between two issues, as Ctrl-C
// does: it prints what it stored and fails saying it was interrupted, and
// the same command then ingests only the rest.
func TestIngestInterrupted(t *testing.T) {
	const issues, paragraphs = 20, 5
	dir := writeSyntheticArchive(t, issues, paragraphs)
	fake := embedtest.NewServer(t, embedtest.WithDims(32), embedtest.WithLatency(20*time.Millisecond))
	vars := map[string]string{"VEILLE_EMBED_PROVIDER": "openai", "VEILLE_EMBED_BASE_URL": fake.URL, "VEILLE_EMBED_MODEL": "fake-embed"}
	data := t.TempDir()
	ingestAll := func(ctx context.Context) (summary, error) {
		t.Helper()
		var out strings.Builder
		e := env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: io.Discard}
		err := run(ctx, []string{"ingest", "--data", data, "--json", dir}, e)
		var s summary
		if jerr := json.Unmarshal([]byte(out.String()), &s); jerr != nil {
			t.Fatalf("summary: %v: %q (ingest: %v)", jerr, out.String(), err)
		}
		return s, err
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		for deadline := time.Now().Add(30 * time.Second); fake.Requests() < 3 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	first, err := ingestAll(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("interrupted ingest: %v, want an interruption wrapping context.Canceled", err)
	}
	if first.Added == 0 || first.Added >= issues*paragraphs {
		t.Fatalf("interrupted ingest: %+v, want some of the %d paragraphs added", first, issues*paragraphs)
	}
	second, err := ingestAll(t.Context())
	if err != nil || second.Unchanged != first.Added || second.Added != issues*paragraphs-first.Added {
		t.Fatalf("the same command again: %+v, %v; want the %d paragraphs stored unchanged and the rest added", second, err, first.Added)
	}
}

// TestReadCommandsNeedAnArchive checks that search, ask and stats on a data
// directory with no store say so, and make nothing there.
func TestReadCommandsNeedAnArchive(t *testing.T) {
	data := filepath.Join(t.TempDir(), "mistyped")
	e := env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard}
	for _, args := range [][]string{{"search", "Mistral"}, {"ask", "Qui a levé des fonds ?"}, {"stats"}} {
		err := run(t.Context(), append([]string{args[0], "--data", data}, args[1:]...), e)
		if err == nil || !strings.Contains(err.Error(), "no archive in "+data) {
			t.Errorf("%s on a missing data directory: %v, want an error saying there is no archive", args[0], err)
		}
	}
	if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the commands made %s: %v", data, err)
	}
}

// TestIngestNamesFilesByRealPath checks that veille ingest stores its files'
// issues with their canonical paths as sources, the names a watcher knows
// them by whatever folder it starts in.
func TestIngestNamesFilesByRealPath(t *testing.T) {
	parent, data := t.TempDir(), t.TempDir()
	writeAll(t, filepath.Join(parent, "lettres", "mars.txt"), "date 2025-03 Les dirigeables\n\nLe zeppelin reprend ses vols.\n")
	t.Chdir(parent)
	if _, stderr, err := veilleCmd(t, "ingest", "--data", data, "lettres"); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	db, err := store.Open(filepath.Join(data, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	issues, err := db.Issues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := sources.Canonical(filepath.Join(parent, "lettres", "mars.txt"))
	if len(issues) != 1 || issues[0].Source != want {
		t.Fatalf("issues %+v, want one from %s", issues, want)
	}
}
