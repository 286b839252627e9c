package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veille/veille/embed/embedtest"
)

// server is veille serve running in-process on 127.0.0.1:0.
type server struct {
	base   string
	cancel context.CancelFunc
	done   chan error
	logs   *lockedWriter
}

func startServer(t *testing.T, vars map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	addrs := make(chan net.Addr, 1)
	s := &server{cancel: cancel, done: make(chan error, 1), logs: &lockedWriter{w: &strings.Builder{}}}
	e := env{
		getenv:    func(k string) string { return vars[k] },
		stdout:    io.Discard,
		stderr:    s.logs,
		listening: func(a net.Addr) { addrs <- a },
	}
	go func() { s.done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, e) }()
	select {
	case a := <-addrs:
		s.base = "http://" + a.String()
	case err := <-s.done:
		cancel()
		t.Fatalf("serve exited before listening: %v\n%s", err, s.logs)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("serve did not start within 60s")
	}
	return s
}

// stop cancels the server and expects a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s")
	}
}

func (s *server) call(t *testing.T, method, path, ctype, body string, out any) int {
	t.Helper()
	res, raw := fetch(t, method, s.base+path, ctype, body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
	return res.StatusCode
}

// fetch makes a request, with a body of type ctype unless ctype is empty,
// and returns the response and its body.
func fetch(t *testing.T, method, url, ctype, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, raw
}

// checkMetrics reads /metrics and looks for the request, ingest, archive
// and embedding series.
func (s *server) checkMetrics(t *testing.T) {
	t.Helper()
	res, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Items int `json:"items"`
	}
	s.call(t, "GET", "/v1/stats", "", "", &st)
	for _, want := range []string{
		`veille_http_request_duration_seconds_count{method="POST",route="/v1/ask",status="200"} 1`,
		fmt.Sprintf(`veille_ingest_items_total{result="added"} %d`, st.Items),
		fmt.Sprintf("veille_items %d", st.Items),
		fmt.Sprintf("veille_index_vectors %d", st.Items),
		`veille_embed_duration_seconds_count{mode="query"}`,
		`veille_badger_lsm_bytes`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

type hitJSON struct {
	ID       string  `json:"id"`
	IssueID  string  `json:"issue_id"`
	Date     string  `json:"date"`
	Headline string  `json:"headline"`
	Text     string  `json:"text"`
	Score    float32 `json:"score"`
}

type askJSON struct {
	Answer    string `json:"answer"`
	Found     bool   `json:"found"`
	Citations []struct {
		N int `json:"n"`
		hitJSON
	} `json:"citations"`
}

type searchJSON struct {
	Hits []hitJSON `json:"hits"`
}

type ingestJSON struct {
	Added     int `json:"added"`
	Unchanged int `json:"unchanged"`
}

const newIssue = `date 2025-09 Mistral AI lève 1,7 milliard d’euros auprès d’ASML

Mistral AI lève 1,7 milliard d’euros auprès d’ASML

Mistral AI a bouclé en septembre une levée de 1,7 milliard d’euros, menée par le néerlandais ASML qui devient son premier actionnaire, pour une valorisation de 11,7 milliards d’euros.
`

// scenario is what one server answered to the end-to-end questions.
type scenario struct {
	ask    askJSON
	search searchJSON
}

func exercise(t *testing.T, s *server) scenario {
	t.Helper()
	var sc scenario
	s.call(t, "POST", "/v1/ask", "application/json", `{"question":"Combien a coûté l’entraînement de R1 ?"}`, &sc.ask)
	if !sc.ask.Found || len(sc.ask.Citations) == 0 {
		t.Fatalf("no answer: %+v", sc.ask)
	}
	first := sc.ask.Citations[0]
	if !strings.Contains(first.Text, "5,6 millions") || first.Date != "2025-01" || first.N != 1 {
		t.Fatalf("first citation does not state the cost: %+v", first)
	}
	if !strings.Contains(sc.ask.Answer, "5,6 millions") {
		t.Fatalf("answer %q", sc.ask.Answer)
	}

	s.call(t, "GET", "/v1/search?k=5&q="+url.QueryEscape("investissement de Meta dans Scale AI"), "", "", &sc.search)
	if len(sc.search.Hits) != 5 || !strings.Contains(sc.search.Hits[0].Text, "Scale AI") {
		t.Fatalf("search: %+v", sc.search.Hits)
	}

	var sim searchJSON
	id := sc.search.Hits[0].ID
	s.call(t, "GET", "/v1/items/"+id+"/similar?k=3", "", "", &sim)
	if len(sim.Hits) != 3 || slices.ContainsFunc(sim.Hits, func(h hitJSON) bool { return h.ID == id }) {
		t.Fatalf("similar items: %+v", sim.Hits)
	}
	return sc
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped under -short")
	}
	archiveDir, err := filepath.Abs("../../examples/archive")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		vars func(t *testing.T) map[string]string
	}{
		{"builtin", func(*testing.T) map[string]string { return map[string]string{} }},
		{"openai", func(t *testing.T) map[string]string {
			fake := embedtest.NewServer(t, embedtest.WithAPIKey("sk-secret-test"), embedtest.WithQueryPrefix("query: "))
			return map[string]string{
				"VEILLE_EMBED_PROVIDER":     "openai",
				"VEILLE_EMBED_BASE_URL":     fake.URL,
				"VEILLE_EMBED_MODEL":        "fake-embed",
				"VEILLE_EMBED_API_KEY":      "sk-secret-test",
				"VEILLE_EMBED_QUERY_PREFIX": "query: ",
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := tt.vars(t)
			vars["VEILLE_DATA_DIR"] = t.TempDir()
			vars["VEILLE_ARCHIVE"] = archiveDir

			s := startServer(t, vars)
			before := exercise(t, s)
			s.checkMetrics(t)

			var ing ingestJSON
			if code := s.call(t, "POST", "/v1/issues", "text/plain", newIssue, &ing); code != http.StatusCreated || ing.Added != 1 {
				t.Fatalf("new issue: %d %+v", code, ing)
			}
			var found searchJSON
			s.call(t, "GET", "/v1/search?k=3&q="+url.QueryEscape("levée de Mistral AI auprès d’ASML"), "", "", &found)
			if len(found.Hits) == 0 || found.Hits[0].Date != "2025-09" {
				t.Fatalf("the new issue is not the first hit of the next search: %+v", found.Hits)
			}
			s.stop(t)
			if key := vars["VEILLE_EMBED_API_KEY"]; key != "" && strings.Contains(s.logs.String(), key) {
				t.Fatalf("the API key appears in the logs")
			}

			s = startServer(t, vars)
			defer s.stop(t)
			after := exercise(t, s)
			if fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("answers changed across a restart:\nbefore %+v\nafter  %+v", before, after)
			}
			s.call(t, "GET", "/v1/search?k=3&q="+url.QueryEscape("levée de Mistral AI auprès d’ASML"), "", "", &found)
			if len(found.Hits) == 0 || found.Hits[0].Date != "2025-09" {
				t.Fatalf("the issue added over HTTP is gone after a restart: %+v", found.Hits)
			}
			var again ingestJSON
			if code := s.call(t, "POST", "/v1/issues", "text/plain", newIssue, &again); code != http.StatusOK || again.Added != 0 {
				t.Fatalf("posting the same issue again: %d %+v", code, again)
			}
		})
	}
}

// exampleServer starts a server over the example archive, with the
// built-in embedder and a new data directory; it skips under -short.
func exampleServer(t *testing.T) *server {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped under -short")
	}
	archiveDir, err := filepath.Abs("../../examples/archive")
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, map[string]string{"VEILLE_DATA_DIR": t.TempDir(), "VEILLE_ARCHIVE": archiveDir})
}

func TestThreadsOnTheExampleArchive(t *testing.T) {
	s := exampleServer(t)
	defer s.stop(t)
	tests := []struct {
		query     string
		wantDates []string // issues the story must reach, beside the item's own
	}{
		{"Stargate Abilene premier campus opérationnel", []string{"2025-01", "2025-05"}},
		{"DeepSeek R1 coût de l’entraînement", []string{"2025-02", "2025-06", "2025-08"}},
		{"AI Act code de bonnes pratiques publié", []string{"2025-02", "2025-08"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var found searchJSON
			s.call(t, "GET", "/v1/search?k=1&q="+url.QueryEscape(tt.query), "", "", &found)
			var th struct {
				ID    string    `json:"id"`
				Items []hitJSON `json:"items"`
			}
			s.call(t, "GET", "/v1/items/"+found.Hits[0].ID+"/thread", "", "", &th)
			var dates []string
			for _, it := range th.Items {
				dates = append(dates, it.Date)
			}
			if !slices.IsSorted(dates) || !slices.ContainsFunc(th.Items, func(h hitJSON) bool { return h.ID == th.ID }) {
				t.Fatalf("thread not in date order or without its item: %v", dates)
			}
			for _, d := range tt.wantDates {
				if !slices.Contains(dates, d) {
					t.Errorf("thread %v lacks the %s issue", dates, d)
				}
			}
		})
	}
}

func TestPIAFCorpusKeepsIDs(t *testing.T) {
	corpus, err := filepath.Abs("../../../shared/data/piaf-fr-qa/corpus.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("../shared/data is not present")
	}
	if testing.Short() {
		t.Skip("skipped under -short")
	}
	dir := t.TempDir()
	e := env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard}
	if err := run(t.Context(), []string{"ingest", "--data", dir, corpus}, e); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	e.stdout = &out
	if err := run(t.Context(), []string{"search", "--data", dir, "--json", "-k", "3", "dépenses sportives des ménages en 2003"}, e); err != nil {
		t.Fatal(err)
	}
	var hits []hitJSON
	if err := json.Unmarshal([]byte(out.String()), &hits); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(hits) != 3 || hits[0].ID != "piaf-a000-p00" {
		t.Fatalf("hits %+v", hits)
	}
}

// TestAskOnTheExampleArchive asks questions that once went unanswered or
// were answered from the wrong paragraph or sentence: each must quote the
// sentence that answers it.
func TestAskOnTheExampleArchive(t *testing.T) {
	s := exampleServer(t)
	defer s.stop(t)
	tests := []struct {
		question string
		want     string // in the answer, and in its first citation's paragraph
	}{
		// Five other companies' rounds rank before Anthropic's; the
		// answerer quotes only passages that name Anthropic.
		{"Anthropic a-t-il levé des fonds ?", "levée de série E"},
		// "CEO" is "patron" in the archive; the keyword index translates it.
		{"Who is the CEO of Mistral AI?", "le patron de Mistral AI"},
		{"Did Anthropic raise money?", "levée de série E"},
		{"Qui dirige Mistral AI ?", "le patron de Mistral AI"},
		// The paragraph's headline names the lab; its text does not.
		{"Who founded Thinking Machines Lab?", "fondée en février par Mira Murati"},
		// The first passage says "les utilisateurs de ChatGPT" beside other
		// numbers; the answer gives a number of users.
		{"Combien d'utilisateurs a ChatGPT ?", "700 millions d’utilisateurs"},
		{"How many users does ChatGPT have?", "700 millions d’utilisateurs"},
		// Three stories name Stargate; January's says what it is.
		{"What is Stargate?", "Stargate, une coentreprise"},
		{"Qu’est-ce que Stargate ?", "Stargate, une coentreprise"},
		// Six stories name Sam Altman; the sixth found, January's, says
		// whom he works for.
		{"Qui est Sam Altman ?", "Sam Altman (OpenAI)"},
		// A court ruling's "des millions d'ouvrages" ranks first and has a
		// number too; a sum of money answers what Anthropic is worth.
		{"Combien vaut Anthropic ?", "valorise la société à 61,5 milliards de dollars"},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			body, err := json.Marshal(map[string]string{"question": tt.question})
			if err != nil {
				t.Fatal(err)
			}
			var got askJSON
			s.call(t, "POST", "/v1/ask", "application/json", string(body), &got)
			if !got.Found || len(got.Citations) == 0 || !strings.Contains(got.Answer, tt.want) || !strings.Contains(got.Citations[0].Text, tt.want) {
				t.Fatalf("want an answer quoting %q from its first citation, got %+v", tt.want, got)
			}
		})
	}
}
