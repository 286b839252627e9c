package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veille/veille/api"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/chat"
	"github.com/veille/veille/chat/chattest"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/metrics"
	"github.com/veille/veille/qa"
	"github.com/veille/veille/store"
)

const issueJan = `date 2025-01 DeepSeek publie R1 / Stargate annoncé

DeepSeek publie R1

La start-up chinoise DeepSeek a publié R1, un modèle de raisonnement ouvert. Elle affirme que l’entraînement final a coûté 5,6 millions de dollars.

Stargate annoncé

OpenAI, SoftBank et Oracle annoncent Stargate, un projet de centres de données doté de 500 milliards de dollars sur quatre ans.
`

const issueFeb = `date 2025-02 Mistral lance Le Chat

Mistral lance Le Chat

Mistral AI a lancé son assistant Le Chat sur iOS et Android en février, avec une offre Pro à 14,99 euros par mois.
`

// newServer serves a real archive (Badger in a temp dir, built-in embedder)
// on 127.0.0.1 and returns its base URL.
func newServer(t *testing.T) string {
	t.Helper()
	return newServerWith(t, api.Config{MaxIssueBytes: 64 << 10, MaxBodyBytes: 8 << 10})
}

func newServerWith(t *testing.T, cfg api.Config) string {
	t.Helper()
	_, url := newHandler(t, cfg)
	return url
}

// newHandler builds the handler over a real archive and serves it on
// 127.0.0.1; it returns both.
func newHandler(t testing.TB, cfg api.Config) (http.Handler, string) {
	t.Helper()
	return newHandlerWith(t, cfg, nil)
}

// newHandlerWith is newHandler with a chat model answering questions.
func newHandlerWith(t testing.TB, cfg api.Config, model qa.Model) (http.Handler, string) {
	t.Helper()
	return newHandlerOver(t, cfg, embed.NewBuiltin(0), model, nil)
}

// newHandlerOver is newHandlerWith with the archive's embedder and the
// server's logger given.
func newHandlerOver(t testing.TB, cfg api.Config, emb archive.Embedder, model qa.Model, log *slog.Logger) (http.Handler, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	arch, err := archive.Open(t.Context(), db, emb, archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		t.Fatal(err)
	}
	if model != nil {
		cfg.Asker = qa.New(arch, qa.Options{Model: model})
	}
	h := api.NewHandler(arch, cfg, log)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		if err := arch.Close(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return h, srv.URL
}

type response struct {
	status int
	ctype  string
	body   map[string]any
	raw    string
	header http.Header
}

func do(t *testing.T, method, url, ctype, body string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
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
	r := response{status: res.StatusCode, ctype: res.Header.Get("Content-Type"), raw: string(raw), header: res.Header}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, url, err, raw)
	}
	return r
}

func mustStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.raw)
	}
}

func TestIngestSearchAskSimilarDelete(t *testing.T) {
	base := newServer(t)

	r := do(t, "POST", base+"/v1/issues", "text/plain", issueJan)
	mustStatus(t, r, http.StatusCreated)
	if r.body["added"] != 2.0 {
		t.Fatalf("added %v, want 2: %s", r.body["added"], r.raw)
	}
	r = do(t, "POST", base+"/v1/issues", "text/plain", issueJan)
	mustStatus(t, r, http.StatusOK)
	if r.body["added"] != 0.0 || r.body["unchanged"] != 2.0 {
		t.Fatalf("re-post: %s", r.raw)
	}
	r = do(t, "POST", base+"/v1/issues", "application/json",
		`{"date":"2025-02","text":`+jsonString(strings.SplitN(issueFeb, "\n", 2)[1])+`}`)
	mustStatus(t, r, http.StatusCreated)
	febID := r.body["issues"].([]any)[0].(map[string]any)["issue_id"].(string)

	r = do(t, "GET", base+"/v1/issues", "", "")
	mustStatus(t, r, http.StatusOK)
	if n := len(r.body["issues"].([]any)); n != 2 || r.body["total"] != 2.0 {
		t.Fatalf("%d issues of %v, want 2", n, r.body["total"])
	}
	// Pages, and a range, newest first.
	for _, tt := range []struct {
		query string
		total float64
		dates []string
	}{
		{"limit=1", 2, []string{"2025-02"}},
		{"limit=1&offset=1", 2, []string{"2025-01"}},
		{"offset=5", 2, nil},
		{"from=2025-01&to=2025-01-31", 1, []string{"2025-01"}},
		{"from=2025-03", 0, nil},
	} {
		r = do(t, "GET", base+"/v1/issues?"+tt.query, "", "")
		mustStatus(t, r, http.StatusOK)
		var dates []string
		for _, iss := range r.body["issues"].([]any) {
			dates = append(dates, iss.(map[string]any)["date"].(string))
		}
		if r.body["total"] != tt.total || !slices.Equal(dates, tt.dates) {
			t.Errorf("GET /v1/issues?%s: %v of %v, want %v of %v", tt.query, dates, r.body["total"], tt.dates, tt.total)
		}
	}
	for _, query := range []string{"limit=0", "limit=1001", "offset=-1", "limit=x", "from=2025-13"} {
		r = do(t, "GET", base+"/v1/issues?"+query, "", "")
		mustStatus(t, r, http.StatusBadRequest)
		if r.body["type"] != "/problems/validation" {
			t.Errorf("GET /v1/issues?%s: %s", query, r.raw)
		}
	}

	r = do(t, "GET", base+"/v1/search?q=centres+de+donn%C3%A9es+Stargate&k=2", "", "")
	mustStatus(t, r, http.StatusOK)
	hits := r.body["hits"].([]any)
	first := hits[0].(map[string]any)
	if first["headline"] != "Stargate annoncé" || first["date"] != "2025-01" {
		t.Fatalf("first hit %v", first)
	}

	r = do(t, "POST", base+"/v1/ask", "application/json", `{"question":"Combien a coûté l'entraînement de R1 ?"}`)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body["answer"].(string), "5,6 millions") || !strings.Contains(r.body["answer"].(string), "[1]") {
		t.Fatalf("answer %q", r.body["answer"])
	}
	cit := r.body["citations"].([]any)[0].(map[string]any)
	if cit["headline"] != "DeepSeek publie R1" || cit["n"] != 1.0 {
		t.Fatalf("first citation %v", cit)
	}

	r = do(t, "POST", base+"/v1/ask", "application/json", `{"question":"Quelle est la recette de la tarte tatin ?"}`)
	mustStatus(t, r, http.StatusOK)
	if r.body["found"] != false || len(r.body["citations"].([]any)) != 0 {
		t.Fatalf("off-topic question answered: %s", r.raw)
	}

	id := first["id"].(string)
	r = do(t, "GET", base+"/v1/items/"+id+"/similar?k=5", "", "")
	mustStatus(t, r, http.StatusOK)
	for _, h := range r.body["hits"].([]any) {
		if h.(map[string]any)["id"] == id {
			t.Fatalf("similar items include the item itself")
		}
	}
	if n := len(r.body["hits"].([]any)); n != 2 {
		t.Fatalf("%d similar items, want the 2 others", n)
	}

	r = do(t, "POST", base+"/v1/similar", "application/json", `{"text":"Le Chat de Mistral sur mobile","k":1,"from":"2025-02"}`)
	mustStatus(t, r, http.StatusOK)
	if h := r.body["hits"].([]any); len(h) != 1 || h[0].(map[string]any)["date"] != "2025-02" {
		t.Fatalf("similar text: %s", r.raw)
	}

	r = do(t, "GET", base+"/v1/search?q=Stargate&to=2024-12", "", "")
	mustStatus(t, r, http.StatusOK)
	if n := len(r.body["hits"].([]any)); n != 0 {
		t.Fatalf("date filter kept %d hits before any issue", n)
	}

	r = do(t, "DELETE", base+"/v1/issues/"+febID, "", "")
	mustStatus(t, r, http.StatusOK)
	r = do(t, "GET", base+"/v1/search?q=Mistral+Le+Chat", "", "")
	for _, h := range r.body["hits"].([]any) {
		if h.(map[string]any)["issue_id"] == febID {
			t.Fatalf("deleted issue still found")
		}
	}
	r = do(t, "GET", base+"/v1/issues/"+febID, "", "")
	mustStatus(t, r, http.StatusNotFound)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestBadRequests(t *testing.T) {
	base := newServer(t)
	mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issueJan), http.StatusCreated)
	big := strings.Repeat("a", 9<<10)
	const mp = "multipart/form-data; boundary=b"
	part := func(header, body string) string {
		return "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n" + header + "\r\n" + body + "\r\n--b--\r\n"
	}
	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		typ                             string
	}{
		{"ask bad json", "POST", "/v1/ask", "application/json", `{"question":`, 400, "/problems/malformed-body"},
		{"ask empty body", "POST", "/v1/ask", "application/json", ``, 400, "/problems/malformed-body"},
		{"ask empty question", "POST", "/v1/ask", "application/json", `{"question":"  "}`, 400, "/problems/validation"},
		{"ask question wrong type", "POST", "/v1/ask", "application/json", `{"question":42}`, 400, "/problems/validation"},
		{"ask unknown field", "POST", "/v1/ask", "application/json", `{"questoin":"x"}`, 400, "/problems/validation"},
		{"ask k zero", "POST", "/v1/ask", "application/json", `{"question":"R1","k":0}`, 400, "/problems/validation"},
		{"ask k negative", "POST", "/v1/ask", "application/json", `{"question":"R1","k":-1}`, 400, "/problems/validation"},
		{"ask k huge", "POST", "/v1/ask", "application/json", `{"question":"R1","k":1000000}`, 400, "/problems/validation"},
		{"ask k float", "POST", "/v1/ask", "application/json", `{"question":"R1","k":1.5}`, 400, "/problems/validation"},
		{"ask bad from", "POST", "/v1/ask", "application/json", `{"question":"R1","from":"janvier"}`, 400, "/problems/validation"},
		{"ask to before from", "POST", "/v1/ask", "application/json", `{"question":"R1","from":"2025-03","to":"2025-01"}`, 400, "/problems/validation"},
		{"ask invalid utf8", "POST", "/v1/ask", "application/json", "{\"question\":\"\xff\xfe\"}", 400, "/problems/malformed-body"},
		{"ask two values", "POST", "/v1/ask", "application/json", `{"question":"a"}{"question":"b"}`, 400, "/problems/malformed-body"},
		{"ask array", "POST", "/v1/ask", "application/json", `["R1"]`, 400, "/problems/validation"},
		{"ask wrong content type", "POST", "/v1/ask", "text/xml", `<q/>`, 415, "/problems/unsupported-media-type"},
		{"ask oversized body", "POST", "/v1/ask", "application/json", `{"question":"` + big + `"}`, 413, "/problems/too-large"},
		{"ask too long question", "POST", "/v1/ask", "application/json", `{"question":"` + strings.Repeat("mot ", 600) + `"}`, 400, "/problems/validation"},
		{"search no q", "GET", "/v1/search", "", "", 400, "/problems/validation"},
		{"search k not a number", "GET", "/v1/search?q=R1&k=ten", "", "", 400, "/problems/validation"},
		{"search k zero", "GET", "/v1/search?q=R1&k=0", "", "", 400, "/problems/validation"},
		{"search k huge", "GET", "/v1/search?q=R1&k=1000000", "", "", 400, "/problems/validation"},
		{"search bad date", "GET", "/v1/search?q=R1&from=2025-13", "", "", 400, "/problems/validation"},
		{"search bad day", "GET", "/v1/search?q=R1&to=2025-02-30", "", "", 400, "/problems/validation"},
		{"search invalid utf8", "GET", "/v1/search?q=%FF%FE", "", "", 400, "/problems/validation"},
		{"unknown item", "GET", "/v1/items/nope", "", "", 404, "/problems/not-found"},
		{"unknown item similar", "GET", "/v1/items/nope/similar", "", "", 404, "/problems/not-found"},
		{"unknown issue", "GET", "/v1/issues/nope", "", "", 404, "/problems/not-found"},
		{"delete unknown issue", "DELETE", "/v1/issues/nope", "", "", 404, "/problems/not-found"},
		{"similar empty text", "POST", "/v1/similar", "application/json", `{"text":""}`, 400, "/problems/validation"},
		{"similar k huge", "POST", "/v1/similar", "application/json", `{"text":"x","k":101}`, 400, "/problems/validation"},
		{"issue without date", "POST", "/v1/issues", "text/plain", "Un titre\n\nUn paragraphe.", 400, "/problems/validation"},
		{"issue bad date", "POST", "/v1/issues", "text/plain", "date 2025-13 Titre\n\nTexte.", 400, "/problems/validation"},
		{"issue json bad date", "POST", "/v1/issues", "application/json", `{"date":"hier","text":"Texte."}`, 400, "/problems/validation"},
		{"issue json no text", "POST", "/v1/issues", "application/json", `{"date":"2025-01"}`, 400, "/problems/validation"},
		{"issue bad jsonl line", "POST", "/v1/issues", "application/x-ndjson", "{\"id\":\"a\",\"text\":\"x\"}\n{oops\n", 400, "/problems/validation"},
		{"issue wrong content type", "POST", "/v1/issues", "image/png", "\x89PNG", 415, "/problems/unsupported-media-type"},
		{"issue empty body", "POST", "/v1/issues", "text/plain", "", 400, "/problems/malformed-body"},
		{"issue too large", "POST", "/v1/issues", "text/plain", "date 2025-01 T\n\n" + strings.Repeat("mot ", 20<<10), 413, "/problems/too-large"},
		{"issue bad format param", "POST", "/v1/issues?format=pdf", "text/plain", "date 2025-01 T\n\nX.", 400, "/problems/validation"},
		{"issue bad async", "POST", "/v1/issues?async=maybe", "text/plain", issueJan, 400, "/problems/validation"},
		{"issue bad e-mail", "POST", "/v1/issues", "message/rfc822", "pas un message", 400, "/problems/validation"},
		{"issue bad feed", "POST", "/v1/issues", "application/rss+xml", "<rss><channel><item>", 400, "/problems/validation"},
		{"issue detected as e-mail, unreadable", "POST", "/v1/issues", "text/plain", "MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nx", 400, "/problems/validation"},
		{"issue detected as feed, truncated", "POST", "/v1/issues", "text/plain", "<rss><channel><item>", 400, "/problems/validation"},
		{"issue html without date", "POST", "/v1/issues", "text/html", "<p>Un paragraphe sans date.</p>", 400, "/problems/validation"},
		{"issue bad content type parameters", "POST", "/v1/issues", "multipart/form-data; boundary", part("", "x"), 415, "/problems/unsupported-media-type"},
		{"multipart without boundary", "POST", "/v1/issues", "multipart/form-data", part("", "date 2025-01 T\n\nX."), 400, "/problems/malformed-body"},
		{"multipart truncated part", "POST", "/v1/issues", mp, "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\ndate 2025-01 T\n\nX.", 400, "/problems/malformed-body"},
		{"multipart truncated header", "POST", "/v1/issues", mp, "--b\r\nContent-Disposition: form-da", 400, "/problems/malformed-body"},
		{"multipart bad part header", "POST", "/v1/issues", mp, "--b\r\nContent-Disposition form-data\r\n\r\nx\r\n--b--\r\n", 400, "/problems/malformed-body"},
		{"multipart no part", "POST", "/v1/issues", mp, "--b--\r\n", 400, "/problems/malformed-body"},
		{"multipart no boundary line", "POST", "/v1/issues", mp, "date 2025-01 T\n\nX.", 400, "/problems/malformed-body"},
		{"multipart empty file", "POST", "/v1/issues", mp, part("", ""), 400, "/problems/malformed-body"},
		{"multipart part type not taken", "POST", "/v1/issues", mp, part("Content-Type: application/pdf\r\n", "%PDF-1.7"), 415, "/problems/unsupported-media-type"},
		{"multipart bad part type", "POST", "/v1/issues", mp, part("Content-Type: text/\r\n", "x"), 415, "/problems/unsupported-media-type"},
		{"multipart part without date", "POST", "/v1/issues", mp, part("", "Un titre\n\nUn paragraphe."), 400, "/problems/validation"},
		{"multipart mixed", "POST", "/v1/issues", "multipart/mixed; boundary=b", part("", "date 2025-01 T\n\nX."), 415, "/problems/unsupported-media-type"},
		{"multipart file too large", "POST", "/v1/issues", mp, part("", "date 2025-01 T\n\n"+strings.Repeat("mot ", 20<<10)), 413, "/problems/too-large"},
		{"unknown route", "GET", "/v1/nothing", "", "", 404, "/problems/no-route"},
		{"path traversal in item id", "GET", "/v1/items/..%2F..%2Fetc%2Fpasswd", "", "", 404, "/problems/no-route"},
		{"NUL in issue id", "GET", "/v1/issues/a%00b", "", "", 400, "/problems/validation"},
		{"overlong item id", "GET", "/v1/items/" + strings.Repeat("x", 300), "", "", 400, "/problems/validation"},
		{"invalid utf8 in item id", "GET", "/v1/items/%FF%FE/similar", "", "", 400, "/problems/validation"},
		{"thread of unknown item", "GET", "/v1/items/nope/thread", "", "", 404, "/problems/not-found"},
		{"similar bad exclude flag", "GET", "/v1/items/nope/similar?exclude_same_issue=maybe", "", "", 400, "/problems/validation"},
		{"search bad mode", "GET", "/v1/search?q=R1&mode=magic", "", "", 400, "/problems/validation"},
		{"search bad collapse", "GET", "/v1/search?q=R1&collapse=yes", "", "", 400, "/problems/validation"},
		{"ask bad mode", "POST", "/v1/ask", "application/json", `{"question":"R1","mode":"magic"}`, 400, "/problems/validation"},
		{"ask history not a list", "POST", "/v1/ask", "application/json", `{"question":"R1","history":"hier"}`, 400, "/problems/validation"},
		{"ask huge number", "POST", "/v1/ask", "application/json", `{"question":"R1","k":1e400}`, 400, "/problems/validation"},
		{"chat no messages", "POST", "/v1/chat/completions", "application/json", `{"model":"veille"}`, 400, "/problems/validation"},
		{"chat bad json", "POST", "/v1/chat/completions", "application/json", `{"messages":[`, 400, "/problems/malformed-body"},
		{"similar wrong content type", "POST", "/v1/similar", "text/plain", `Mistral`, 415, "/problems/unsupported-media-type"},
		{"wrong method", "PUT", "/v1/ask", "application/json", `{}`, 405, "/problems/method-not-allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.method, base+tt.path, tt.ctype, tt.body)
			if r.status != tt.status {
				t.Errorf("status %d, want %d: %s", r.status, tt.status, r.raw)
			}
			if r.ctype != "application/problem+json" {
				t.Errorf("Content-Type %q", r.ctype)
			}
			if r.body["type"] != tt.typ {
				t.Errorf("type %v, want %s: %s", r.body["type"], tt.typ, r.raw)
			}
			if r.body["status"] != float64(tt.status) || r.body["request_id"] == "" || r.body["title"] == "" {
				t.Errorf("incomplete problem: %s", r.raw)
			}
		})
	}
}

// Errors name what is wrong in the client's terms: the path of the field
// as written, and the JSON type wanted, never a Go type.
func TestErrorsSpeakJSON(t *testing.T) {
	base := newServer(t)
	tests := []struct{ name, path, body, field, message string }{
		{"array body", "/v1/ask", `[1,2]`, "body", "must be a JSON object"},
		{"string body", "/v1/similar", `"Mistral"`, "body", "must be a JSON object"},
		{"k a string", "/v1/ask", `{"question":"R1","k":"ten"}`, "k", "must be an integer"},
		{"k a fraction", "/v1/ask", `{"question":"R1","k":1.5}`, "k", "must be an integer"},
		{"k too big for an integer", "/v1/ask", `{"question":"R1","k":1e400}`, "k", "must be an integer"},
		{"stream a string", "/v1/ask", `{"question":"R1","stream":"yes"}`, "stream", "must be true or false"},
		{"history a string", "/v1/ask", `{"question":"R1","history":"hier"}`, "history", "must be a JSON array"},
		{"history turn a string", "/v1/ask", `{"question":"R1","history":["hier"]}`, "history[0]", "must be a JSON object"},
		{"role a number", "/v1/ask", `{"question":"R1","history":[{"role":"user","content":"a"},{"role":1}]}`, "history[1].role", "must be a string"},
		{"unknown field in a turn", "/v1/ask", `{"question":"R1","history":[{"role":"user","content":"a","x":1}]}`, "history[0].x", "unknown field"},
		{"unknown field", "/v1/similar", `{"text":"x","txt":"y"}`, "txt", "unknown field"},
		{"issue date a number", "/v1/issues", `{"date":202501,"text":"x"}`, "date", "must be a string"},
		{"headlines a string", "/v1/issues", `{"date":"2025-01","text":"x","headlines":"T"}`, "headlines", "must be a JSON array"},
		{"chat messages a string", "/v1/chat/completions", `{"messages":"R1 ?"}`, "messages", "must be a JSON array"},
		{"chat role a number", "/v1/chat/completions", `{"messages":[{"role":1,"content":"R1 ?"}]}`, "messages[0].role", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, "POST", base+tt.path, "application/json", tt.body)
			mustStatus(t, r, http.StatusBadRequest)
			errs, _ := r.body["errors"].([]any)
			if r.body["type"] != "/problems/validation" || len(errs) != 1 {
				t.Fatalf("want one field error: %s", r.raw)
			}
			fe := errs[0].(map[string]any)
			if fe["field"] != tt.field || fe["message"] != tt.message {
				t.Errorf("error %v, want %s: %s", fe, tt.field, tt.message)
			}
			if d := r.body["detail"].(string); strings.Contains(d, "api.") || strings.Contains(d, "chat.") || strings.Contains(d, "JSON int") {
				t.Errorf("a Go type in %q", d)
			}
		})
	}
}

// Dates in requests are written as the documentation says, and from is
// not after to.
func TestDatesAreStrict(t *testing.T) {
	base := newServer(t)
	mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issueJan), http.StatusCreated)
	for _, tt := range []struct{ name, method, path, body, field string }{
		{"slashes", "GET", "/v1/search?q=R1&from=2025/01", "", "from"},
		{"dots", "GET", "/v1/search?q=R1&from=2025.01", "", "from"},
		{"one-digit month", "GET", "/v1/search?q=R1&to=2025-1", "", "to"},
		{"one-digit day", "GET", "/v1/search?q=R1&from=2025-01-5", "", "from"},
		{"spaces", "GET", "/v1/search?q=R1&from=%202025-01", "", "from"},
		{"day before from", "GET", "/v1/search?q=R1&from=2025-02-10&to=2025-02-01", "", "to"},
		{"month before from", "GET", "/v1/search?q=R1&from=2025-02&to=2025-01-31", "", "to"},
		{"similar item", "GET", "/v1/items/x/similar?from=2025/01", "", "from"},
		{"ask", "POST", "/v1/ask", `{"question":"R1","from":"2025-1"}`, "from"},
		{"ask from after to", "POST", "/v1/ask", `{"question":"R1","from":"2025-03-02","to":"2025-03-01"}`, "to"},
		{"similar", "POST", "/v1/similar", `{"text":"R1","to":"2025.01"}`, "to"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctype := ""
			if tt.body != "" {
				ctype = "application/json"
			}
			r := do(t, tt.method, base+tt.path, ctype, tt.body)
			mustStatus(t, r, http.StatusBadRequest)
			errs, _ := r.body["errors"].([]any)
			if r.body["type"] != "/problems/validation" || len(errs) != 1 || errs[0].(map[string]any)["field"] != tt.field {
				t.Fatalf("want a validation error on %s: %s", tt.field, r.raw)
			}
		})
	}
	for _, q := range []string{"from=2025-01&to=2025-01-31", "from=2025-01-31&to=2025-01", "from=2025-01-10&to=2025-01-10"} {
		mustStatus(t, do(t, "GET", base+"/v1/search?q=R1&"+q, "", ""), http.StatusOK)
	}
	// A date written right that does not exist says why.
	r := do(t, "GET", base+"/v1/search?q=R1&to=2025-02-30", "", "")
	mustStatus(t, r, http.StatusBadRequest)
	if errs, _ := r.body["errors"].([]any); len(errs) != 1 || !strings.Contains(errs[0].(map[string]any)["message"].(string), "no day 30") {
		t.Fatalf("2025-02-30: %s", r.raw)
	}
}

// Paths that are not routes, and methods that a route does not take, get
// problems, counted under their route.
func TestRoutingProblems(t *testing.T) {
	m := metrics.New()
	base := newServerWith(t, api.Config{Observer: m, Metrics: m.Handler()})
	for _, path := range []string{"/v1/issues/", "/v1/search/", "/healthz/"} {
		r := do(t, "GET", base+path, "", "")
		if r.status != http.StatusNotFound || r.ctype != "application/problem+json" || r.body["type"] != "/problems/no-route" ||
			r.header.Get("X-Request-ID") == "" || r.header.Get("Location") != "" {
			t.Errorf("GET %s: %d %s %v", path, r.status, r.raw, r.header)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		req, err := http.NewRequestWithContext(t.Context(), "HEAD", base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("X-Request-ID") == "" {
			t.Errorf("HEAD %s: %d", path, res.StatusCode)
		}
	}
	r := do(t, "PUT", base+"/v1/ask", "application/json", `{}`)
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
		t.Fatalf("PUT /v1/ask: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
	r = do(t, "POST", base+"/v1/items/abc", "application/json", `{}`)
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET" {
		t.Fatalf("POST /v1/items/abc: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
	text := scrape(t, base)
	for _, want := range []string{
		`veille_http_request_duration_seconds_count{method="PUT",route="/v1/ask",status="405"} 1`,
		`veille_http_request_duration_seconds_count{method="POST",route="/v1/items/:id",status="405"} 1`,
		`veille_http_request_duration_seconds_count{method="HEAD",route="/healthz",status="200"} 1`,
		`veille_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 3`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("no %s in\n%s", want, grepLines(text, "_count"))
		}
	}
}

// A full house is logged as a warning, not an error.
func TestBusyIsAWarning(t *testing.T) {
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	fake := chattest.NewServer(t, chattest.Reply{Content: "R1 a coûté 5,6 millions de dollars [1].", Delay: 500 * time.Millisecond})
	model, err := chat.New(chat.Config{BaseURL: fake.URL, Model: "scripted", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, base := newHandlerOver(t, api.Config{MaxConcurrentAsk: 1}, embed.NewBuiltin(0), model, log)
	mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issueJan), http.StatusCreated)
	slow := make(chan int, 1)
	go func() {
		res, err := http.Post(base+"/v1/ask", "application/json", strings.NewReader(costQuestion))
		if err != nil {
			slow <- 0
			return
		}
		res.Body.Close()
		slow <- res.StatusCode
	}()
	for deadline := time.Now().Add(5 * time.Second); len(fake.Requests()) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first ask never reached the model")
		}
	}
	r := do(t, "POST", base+"/v1/ask", "application/json", costQuestion)
	if r.status != http.StatusServiceUnavailable || r.body["type"] != "/problems/busy" {
		t.Fatalf("second ask: %d %s", r.status, r.raw)
	}
	if status := <-slow; status != http.StatusOK {
		t.Fatalf("first ask: %d", status)
	}
	text := logs.String()
	if !strings.Contains(text, "level=WARN msg=\"request refused\"") || strings.Contains(text, "level=ERROR") {
		t.Fatalf("logs:\n%s", text)
	}
}

// lockedBuffer is a bytes.Buffer that handlers may write concurrently.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
