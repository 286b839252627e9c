package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"github.com/veille/veille/api"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/store"
)

// serveStore serves a real archive over db, whose directory is dir, with
// cfg.Backup set to db.Backup.
func serveStore(t *testing.T, db *store.DB, dir string, cfg api.Config) string {
	t.Helper()
	arch, err := archive.Open(t.Context(), db, embed.NewBuiltin(0), archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Backup = db.Backup
	srv := httptest.NewServer(api.NewHandler(arch, cfg, nil))
	t.Cleanup(func() {
		srv.Close()
		if err := arch.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv.URL
}

func openStore(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := archive.DeriveVectors(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// download GETs url and returns the response and its body; err is the
// error of reading the body.
func download(t *testing.T, url string, headers ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res, body, err
}

type storeDump struct {
	Embedder store.Embedder
	Issues   []store.IssueSummary
	Items    []store.Item
	Vectors  map[uint32][]float32
}

func dumpOf(t *testing.T, db *store.DB) storeDump {
	t.Helper()
	ctx := t.Context()
	d := storeDump{Vectors: map[uint32][]float32{}}
	var err error
	if d.Embedder, _, err = db.Embedder(); err != nil {
		t.Fatal(err)
	}
	if d.Issues, err = db.Issues(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.WalkItems(ctx, func(it store.Item) error { d.Items = append(d.Items, it); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.WalkVectors(ctx, func(seq uint32, v []float32) error { d.Vectors[seq] = v; return nil }); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBackupOfALiveServer downloads a backup from a running server,
// restores it, and expects the same store and the same search results.
func TestBackupOfALiveServer(t *testing.T) {
	srcDir := t.TempDir()
	src := openStore(t, srcDir)
	base := serveStore(t, src, srcDir, api.Config{})
	for _, issue := range []string{issueJan, issueFeb} {
		mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issue), http.StatusCreated)
	}

	res, body, err := download(t, base+"/v1/admin/backup")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="veille-\d{4}-\d\d-\d\d\.backup"$`).MatchString(cd) {
		t.Errorf("Content-Disposition %q", cd)
	}

	dstDir := t.TempDir()
	if err := store.Restore(t.Context(), filepath.Join(dstDir, "badger"), bytes.NewReader(body), store.Options{}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	dst := openStore(t, dstDir)
	want, got := dumpOf(t, src), dumpOf(t, dst)
	if len(want.Items) != 3 || len(want.Vectors) != 3 {
		t.Fatalf("source store: %d items, %d vectors, want 3", len(want.Items), len(want.Vectors))
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("restored store differs:\nwant %+v\ngot  %+v", want, got)
	}

	// Served, the restored copy (its index rebuilt) answers the same.
	restored := serveStore(t, dst, dstDir, api.Config{})
	for _, q := range []string{"coût de l’entraînement de R1", "assistant Le Chat", "centres de données"} {
		path := "/v1/search?k=3&q=" + url.QueryEscape(q)
		a, b := do(t, "GET", base+path, "", ""), do(t, "GET", restored+path, "", "")
		mustStatus(t, a, http.StatusOK)
		if !reflect.DeepEqual(a.body["hits"], b.body["hits"]) {
			t.Fatalf("search %q differs:\nsource   %s\nrestored %s", q, a.raw, b.raw)
		}
	}
}

func TestBackupNeedsTheAdminKey(t *testing.T) {
	base := newServerWith(t, api.Config{
		AdminKey: "admin-secret", ReadKeys: []string{"reader"},
		Backup: func(_ context.Context, w io.Writer) error { _, err := w.Write([]byte("backup")); return err },
	})
	tests := []struct {
		name    string
		headers []string
		status  int
		problem string
	}{
		{"no key", nil, http.StatusUnauthorized, "/problems/unauthorized"},
		{"read key", []string{"Authorization", "Bearer reader"}, http.StatusForbidden, "/problems/forbidden"},
		{"wrong key", []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized, "/problems/unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, "GET", base+"/v1/admin/backup", "", "", tt.headers...)
			mustStatus(t, r, tt.status)
			if r.body["type"] != tt.problem || r.ctype != "application/problem+json" {
				t.Fatalf("%s %v: %s", r.ctype, r.body["type"], r.raw)
			}
		})
	}
	res, body, err := download(t, base+"/v1/admin/backup", "Authorization", "Bearer admin-secret")
	if err != nil || res.StatusCode != http.StatusOK || string(body) != "backup" {
		t.Fatalf("admin key: %v %v %q", err, res, body)
	}
}

func TestBackupFailures(t *testing.T) {
	t.Run("before the first byte", func(t *testing.T) {
		base := newServerWith(t, api.Config{Backup: func(context.Context, io.Writer) error { return errors.New("disk on fire") }})
		r := do(t, "GET", base+"/v1/admin/backup", "", "")
		mustStatus(t, r, http.StatusInternalServerError)
		if r.ctype != "application/problem+json" || r.body["type"] != "/problems/internal" {
			t.Fatalf("%s: %s", r.ctype, r.raw)
		}
	})
	t.Run("midway", func(t *testing.T) {
		base := newServerWith(t, api.Config{Backup: func(_ context.Context, w io.Writer) error {
			if _, err := w.Write(make([]byte, 256<<10)); err != nil {
				return err
			}
			return errors.New("disk on fire")
		}})
		res, body, err := download(t, base+"/v1/admin/backup")
		if err == nil {
			t.Fatalf("a backup that failed midway was received whole: status %d, %d bytes", res.StatusCode, len(body))
		}
	})
	t.Run("not configured", func(t *testing.T) {
		r := do(t, "GET", newServer(t)+"/v1/admin/backup", "", "")
		mustStatus(t, r, http.StatusNotFound)
	})
}
