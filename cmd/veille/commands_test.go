package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille/veille/embed/embedtest"
)

// TestReindexNeedsAnArchive runs reindex where there is no store: it fails
// and makes none.
func TestReindexNeedsAnArchive(t *testing.T) {
	data := filepath.Join(t.TempDir(), "typo")
	_, _, err := veilleCmd(t, "reindex", "--data", data, "--next-embed-provider", "builtin", "--next-embed-dims", "512")
	if err == nil || !strings.Contains(err.Error(), "no archive in "+data) {
		t.Fatalf("reindex of no archive: %v", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("reindex made %s: %v", data, err)
	}
}

// TestEvalUsesATemporaryArchive runs eval without --data from a folder
// holding a data directory at the default place: the corpus goes into a
// temporary archive, not into ./data.
func TestEvalUsesATemporaryArchive(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "corpus.jsonl"), `{"id":"p1","text":"Le fondeur ouvre une usine en Arizona."}`+"\n"+
		`{"id":"p2","text":"Le laboratoire publie un modèle ouvert."}`+"\n")
	write(t, filepath.Join(dir, "queries.jsonl"), `{"id":"q1","question":"Où est la nouvelle usine ?","gold_ids":["p1"]}`+"\n")
	t.Chdir(dir)
	out, _, err := veilleCmd(t, "eval", "--corpus", "corpus.jsonl", "--queries", "queries.jsonl", "--json")
	if err != nil || !strings.Contains(out, "recall") {
		t.Fatalf("eval: %v: %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Fatalf("eval made ./data: %v", err)
	}
}

// TestQueryChecks refuses an inverted date range and an over-long query,
// and takes a month ending a range that starts within it.
func TestQueryChecks(t *testing.T) {
	var q queryFlags
	q.k, q.mode = 10, "hybrid"
	for _, c := range []struct {
		from, to, text string
		ok             bool
	}{
		{"2025-08", "2025-01", "puces", false},
		{"2025-01-20", "2025-01-10", "puces", false},
		{"2025-01-15", "2025-01", "puces", true},
		{"2025-01", "2025-01-15", "puces", true},
		{"2025-02", "", "puces", true},
		{"", "", strings.Repeat("é", maxQueryLen), true},
		{"", "", strings.Repeat("é", maxQueryLen+1), false},
	} {
		q.from, q.to = c.from, c.to
		_, err := q.query([]string{c.text}, "query")
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, errUsage)) {
			t.Errorf("from %q to %q, %d characters: %v; want ok %v", c.from, c.to, len([]rune(c.text)), err, c.ok)
		}
	}
}

// TestServeChecksTheArchiveFirst gives serve a missing --archive: it fails
// naming it, and makes no data directory.
func TestServeChecksTheArchiveFirst(t *testing.T) {
	dir := t.TempDir()
	data, missing := filepath.Join(dir, "data"), filepath.Join(dir, "missing")
	_, _, err := veilleCmd(t, "serve", "--data", data, "--archive", missing, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("serve --archive %s: %v", missing, err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("serve made %s: %v", data, err)
	}
}

// TestServeAnswersWhileStarting checks that serve takes its port at once and
// says it is starting while it ingests its archive, then serves the API.
func TestServeAnswersWhileStarting(t *testing.T) {
	fake := embedtest.NewServer(t, embedtest.WithDims(8), embedtest.WithLatency(2*time.Second))
	vars := map[string]string{
		"VEILLE_EMBED_PROVIDER": "openai", "VEILLE_EMBED_BASE_URL": fake.URL, "VEILLE_EMBED_MODEL": "fake-embed", "VEILLE_EMBED_DIMS": "8",
		"VEILLE_DATA_DIR": t.TempDir(), "VEILLE_ARCHIVE": writeSyntheticArchive(t, 2, 2), "VEILLE_ADDR": "127.0.0.1:0",
	}
	bound, ready := make(chan net.Addr, 1), make(chan net.Addr, 1)
	e := env{
		getenv: func(k string) string { return vars[k] }, stdout: io.Discard, stderr: io.Discard,
		bound: func(a net.Addr) { bound <- a }, listening: func(a net.Addr) { ready <- a },
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, e) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var base string
	select {
	case a := <-bound:
		base = "http://" + a.String()
	case <-time.After(10 * time.Second):
		t.Fatal("serve took no port within 10 s")
	}

	get := func(method, path string) (*http.Response, []byte) {
		t.Helper()
		return fetch(t, method, base+path, "", "")
	}
	if res, body := get("GET", "/healthz"); res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"starting"`) {
		t.Fatalf("GET /healthz while starting: %d %s", res.StatusCode, body)
	}
	for _, path := range []string{"/readyz", "/v1/search?q=zeppelin", "/"} {
		res, body := get("GET", path)
		var p struct {
			Type      string `json:"type"`
			Detail    string `json:"detail"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("GET %s while starting: %s (%v)", path, body, err)
		}
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Content-Type") != "application/problem+json" ||
			res.Header.Get("Retry-After") == "" || p.Type != "/problems/starting" || p.Detail == "" ||
			p.RequestID == "" || p.RequestID != res.Header.Get("X-Request-ID") {
			t.Fatalf("GET %s while starting: %d %v %s", path, res.StatusCode, res.Header, body)
		}
	}
	if res, _ := get("HEAD", "/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("HEAD /readyz while starting: %d", res.StatusCode)
	}

	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve ended while starting: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve not ready within 60 s")
	}
	if res, body := get("GET", "/readyz"); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz once ready: %d %s", res.StatusCode, body)
	}
}

// TestServeStoppedWhileOpening stops serve while it asks its embedder for
// the model's dimensions, before the archive is open: a clean exit, as once
// serving.
func TestServeStoppedWhileOpening(t *testing.T) {
	fake := embedtest.NewServer(t, embedtest.WithDims(8), embedtest.WithLatency(5*time.Second))
	vars := map[string]string{
		"VEILLE_EMBED_PROVIDER": "openai", "VEILLE_EMBED_BASE_URL": fake.URL, "VEILLE_EMBED_MODEL": "fake-embed",
		"VEILLE_DATA_DIR": t.TempDir(), "VEILLE_ADDR": "127.0.0.1:0",
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e := env{getenv: func(k string) string { return vars[k] }, stdout: io.Discard, stderr: io.Discard}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, e) }()
	for deadline := time.Now().Add(10 * time.Second); fake.Requests() < 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("serve asked its embedder nothing within 10 s")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve stopped while opening: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s")
	}
}

// TestServeStoppedWhileLoading stops serve (Ctrl-C) while it ingests its
// archive: it ends without error, as it does once serving.
func TestServeStoppedWhileLoading(t *testing.T) {
	fake := embedtest.NewServer(t, embedtest.WithDims(8), embedtest.WithLatency(100*time.Millisecond))
	vars := map[string]string{
		"VEILLE_EMBED_PROVIDER": "openai", "VEILLE_EMBED_BASE_URL": fake.URL, "VEILLE_EMBED_MODEL": "fake-embed", "VEILLE_EMBED_DIMS": "8",
		"VEILLE_DATA_DIR": t.TempDir(), "VEILLE_ARCHIVE": writeSyntheticArchive(t, 50, 5), "VEILLE_ADDR": "127.0.0.1:0",
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e := env{getenv: func(k string) string { return vars[k] }, stdout: io.Discard, stderr: io.Discard}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, e) }()
	for fake.Requests() < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve stopped while loading: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s")
	}
}
