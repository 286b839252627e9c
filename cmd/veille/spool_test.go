package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestServeClearsTheUploadSpool starts a server on a data directory where a
// killed server left a spooled upload: the start removes it, and an upload
// leaves nothing behind.
func TestServeClearsTheUploadSpool(t *testing.T) {
	data := t.TempDir()
	stale := filepath.Join(data, "spool", "veille-upload-42")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "part-1"), []byte("date 2025-03 Reste\n\nUn envoi interrompu.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, map[string]string{"VEILLE_DATA_DIR": data})
	defer s.stop(t)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("the upload a killed server left is still there: %v", err)
	}
	var res struct {
		Added int `json:"added"`
	}
	s.call(t, "POST", "/v1/issues", "text/plain", "date 2025-03 Le zeppelin\n\nLe zeppelin reprend ses vols au-dessus du lac.\n", &res)
	if res.Added != 1 {
		t.Fatalf("upload added %d paragraphs, want 1", res.Added)
	}
	left, err := os.ReadDir(filepath.Join(data, "spool"))
	if err != nil || len(left) != 0 {
		t.Fatalf("the spool holds %d entries after an upload (%v), want none", len(left), err)
	}
}
