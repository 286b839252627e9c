package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed/embedtest"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/jobs"
)

// writeSyntheticArchive writes issues of made-up paragraphs, each unique,
// into a new folder.
func writeSyntheticArchive(t *testing.T, issues, paragraphs int) string {
	t.Helper()
	dir := t.TempDir()
	words := strings.Fields("modèle données calcul startup levée fonds laboratoire puce serveur entraînement " +
		"réseau énergie régulation marché contrat licence recherche ingénieurs cloud agent sécurité image vidéo")
	r := rand.New(rand.NewPCG(7, 8))
	for i := range issues {
		var b strings.Builder
		fmt.Fprintf(&b, "date 2024-%02d-%02d Numéro %d\n\n", i%12+1, i%28+1, i)
		for p := range paragraphs {
			fmt.Fprintf(&b, "Brève %d-%d : ", i, p)
			for range 20 {
				b.WriteString(words[r.IntN(len(words))] + " ")
			}
			b.WriteString(".\n\n")
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.txt", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// searchUntil calls /v1/search in a loop until stop is closed and returns
// the failures seen and the number of searches.
func searchUntil(s *server, stop <-chan struct{}) <-chan []string {
	out := make(chan []string, 1)
	go func() {
		var fails []string
		n := 0
		for {
			select {
			case <-stop:
				if n == 0 {
					fails = append(fails, "no search ran")
				}
				out <- fails
				return
			default:
			}
			n++
			time.Sleep(2 * time.Millisecond) // leave the reindex some of the CPU under -race
			res, err := http.Get(s.base + "/v1/search?k=3&q=" + url.QueryEscape("levée de fonds du laboratoire"))
			if err != nil {
				fails = append(fails, err.Error())
				continue
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var sr searchJSON
			if res.StatusCode != http.StatusOK || json.Unmarshal(body, &sr) != nil || len(sr.Hits) != 3 {
				fails = append(fails, fmt.Sprintf("%d %s", res.StatusCode, body))
			}
		}
	}()
	return out
}

// TestReindexOverHTTP moves a served archive from the built-in embedder to
// an OpenAI-compatible one: POST /v1/reindex, the server stopped midway,
// restarted, the job resumed under its id and finished, /v1/search
// answering throughout, and every item embedded by the new model exactly
// once.
func TestReindexOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("reindex end-to-end test skipped under -short")
	}
	// 2,000 items take 32 embedding requests of 600 ms, two at a time: the
	// stop after the fourth must reach the job before it could finish,
	// even on a busy machine under -race (with 250 ms, the whole job once
	// finished first while other tests loaded the machine).
	const items = 2000
	fake := embedtest.NewServer(t, embedtest.WithDims(96), embedtest.WithLatency(600*time.Millisecond))
	vars := map[string]string{
		"VEILLE_DATA_DIR":            t.TempDir(),
		"VEILLE_ARCHIVE":             writeSyntheticArchive(t, items/40, 40),
		"VEILLE_NEXT_EMBED_PROVIDER": "openai",
		"VEILLE_NEXT_EMBED_BASE_URL": fake.URL,
		"VEILLE_NEXT_EMBED_MODEL":    "next-model",
		"VEILLE_SEARCH_PER_MINUTE":   "0",
	}
	s := startServer(t, vars)
	stop := make(chan struct{})
	fails := searchUntil(s, stop)
	var job jobs.Status
	if code := s.call(t, "POST", "/v1/reindex", "", "", &job); code != http.StatusAccepted || job.Kind != "reindex" || job.State != jobs.Running {
		t.Fatalf("POST /v1/reindex: %d %+v", code, job)
	}
	var again jobs.Status
	s.call(t, "POST", "/v1/reindex", "", "", &again)
	if again.ID != job.ID {
		t.Fatalf("a second POST started another job: %s, then %s", job.ID, again.ID)
	}
	deadline := time.Now().Add(30 * time.Second)
	for fake.Requests() < 4 {
		if time.Now().After(deadline) {
			t.Fatal("the reindex made no embedding request")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var mid jobs.Status
	s.call(t, "GET", "/v1/jobs/"+job.ID, "", "", &mid)
	if mid.State != jobs.Running || mid.Total != items || mid.Done >= mid.Total {
		t.Fatalf("job midway: %+v", mid)
	}
	close(stop)
	if got := <-fails; len(got) > 0 {
		t.Fatalf("searches before the restart failed: %q", got[:min(3, len(got))])
	}
	s.stop(t) // stops the job at a safe point
	t.Logf("first run: %d requests, %d inputs", fake.Requests(), fake.Inputs())

	s = startServer(t, vars)
	defer s.stop(t)
	deadline = time.Now().Add(2 * time.Minute)
	stop = make(chan struct{})
	fails = searchUntil(s, stop)
	var st jobs.Status
	for {
		s.call(t, "GET", "/v1/jobs/"+job.ID, "", "", &st)
		if st.State != jobs.Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the resumed reindex did not finish: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	if got := <-fails; len(got) > 0 {
		t.Fatalf("searches during the resumed reindex failed: %q", got[:min(3, len(got))])
	}
	if st.State != jobs.Done || st.Done != items || st.Total != items {
		t.Fatalf("resumed job: %+v", st)
	}

	var stats archive.Stats
	s.call(t, "GET", "/v1/stats", "", "", &stats)
	if stats.Embedder.Provider != "openai" || stats.Embedder.Model != "next-model" || stats.Indexed != items {
		t.Fatalf("stats after the reindex: %+v", stats)
	}
	var list issuesJSON
	s.call(t, "GET", "/v1/issues", "", "", &list)
	listed := 0
	for _, iss := range list.Issues {
		var detail struct {
			Items []struct {
				ID       string `json:"id"`
				Headline string `json:"headline"`
				Text     string `json:"text"`
			} `json:"items"`
		}
		s.call(t, "GET", "/v1/issues/"+iss.ID, "", "", &detail)
		for _, it := range detail.Items {
			listed++
			if n := fake.Count(archive.PassageText(ingest.Item{Headline: it.Headline, Text: it.Text})); n != 1 {
				t.Errorf("item %s embedded %d times by the new model", it.ID, n)
			}
		}
	}
	if listed != items {
		t.Fatalf("%d items listed, want %d", listed, items)
	}
	// Searches now embed their queries with the new model.
	before := fake.Requests()
	var sr searchJSON
	s.call(t, "GET", "/v1/search?k=3&q=puce", "", "", &sr)
	if fake.Requests() != before+1 || len(sr.Hits) != 3 {
		t.Fatalf("search after the switch: %d embedding requests, %+v", fake.Requests()-before, sr.Hits)
	}
	// Nothing left to do: another POST is refused.
	res, err := http.Post(s.base+"/v1/reindex", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || !bytes.Contains(body, []byte("already come from")) || bytes.Contains(body, []byte("mismatch")) {
		t.Fatalf("POST /v1/reindex after the switch: %d %s", res.StatusCode, body)
	}
}

type issuesJSON struct {
	Issues []struct {
		ID string `json:"id"`
	} `json:"issues"`
}

func TestReindexCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("reindex command test skipped under -short")
	}
	data := t.TempDir()
	vars := map[string]string{"VEILLE_DATA_DIR": data}
	e := env{getenv: func(k string) string { return vars[k] }, stdout: io.Discard, stderr: io.Discard}
	archiveDir, err := filepath.Abs("../../examples/archive")
	if err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), []string{"ingest", archiveDir}, e); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), []string{"reindex"}, e); err == nil || exitCode(err) != 2 {
		t.Fatalf("reindex without a next embedder: %v", err)
	}
	var out strings.Builder
	e.stdout = &out
	if err := run(context.Background(), []string{"reindex", "--next-embed-provider", "builtin", "--next-embed-dims", "128"}, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "(128 dims)") || !strings.Contains(out.String(), "VEILLE_NEXT_EMBED_") {
		t.Fatalf("reindex output: %s", out.String())
	}
	// The old settings alone are refused; the new ones serve.
	if err := run(t.Context(), []string{"stats"}, e); err == nil || !strings.Contains(err.Error(), "embedder") {
		t.Fatalf("stats with the old embedder after the switch: %v", err)
	}
	out.Reset()
	if err := run(t.Context(), []string{"search", "--embed-dims", "128", "entraînement de R1"}, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "DeepSeek") {
		t.Fatalf("search after the reindex: %s", out.String())
	}
}
