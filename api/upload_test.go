package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veille/veille/api"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/metrics"
	"github.com/veille/veille/store"
)

// filePart is one file of a multipart upload; ctype "" sends no
// Content-Type for the part, name "" no file name.
type filePart struct {
	name, ctype, body string
}

// boundary is the multipart boundary of the test uploads.
const boundary = "veille-test-boundary"

// multipartBody encodes files as a multipart/form-data body and returns its
// Content-Type and the body.
func multipartBody(t testing.TB, files ...filePart) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		cd := `form-data; name="file"`
		if f.name != "" {
			cd += `; filename="` + f.name + `"`
		}
		h.Set("Content-Disposition", cd)
		if f.ctype != "" {
			h.Set("Content-Type", f.ctype)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(pw, f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.String()
}

// fixture reads a file of the ingest package's testdata.
func fixture(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// files returns the per-file results of an ingest summary.
func files(t *testing.T, r response) []map[string]any {
	t.Helper()
	list, ok := r.body["files"].([]any)
	if !ok {
		t.Fatalf("no files in %s", r.raw)
	}
	out := make([]map[string]any, len(list))
	for i, f := range list {
		out[i] = f.(map[string]any)
	}
	return out
}

// firstHit searches lexically for q and returns the best hit.
func firstHit(t *testing.T, base, q string) map[string]any {
	t.Helper()
	r := do(t, "GET", base+"/v1/search?mode=lexical&k=1&q="+url.QueryEscape(q), "", "")
	mustStatus(t, r, http.StatusOK)
	hits := r.body["hits"].([]any)
	if len(hits) == 0 {
		t.Fatalf("no hit for %q", q)
	}
	return hits[0].(map[string]any)
}

func issueCount(t *testing.T, base string) int {
	t.Helper()
	r := do(t, "GET", base+"/v1/issues", "", "")
	mustStatus(t, r, http.StatusOK)
	return len(r.body["issues"].([]any))
}

func TestUploadMultipart(t *testing.T) {
	base := newServer(t)
	ctype, body := multipartBody(t,
		filePart{"page.html", "text/html; charset=utf-8", fixture(t, "page.html")},
		filePart{"multipart.eml", "application/octet-stream", fixture(t, "multipart.eml")},
		filePart{"newsletter.md", "", fixture(t, "newsletter.md")},
	)
	r := do(t, "POST", base+"/v1/issues", ctype, body)
	mustStatus(t, r, http.StatusCreated)
	if r.body["failed"] != 0.0 || len(r.body["issues"].([]any)) != 3 {
		t.Fatalf("summary: %s", r.raw)
	}
	for i, want := range []struct{ name, format string }{{"page.html", "html"}, {"multipart.eml", "email"}, {"newsletter.md", "markdown"}} {
		f := files(t, r)[i]
		if f["name"] != want.name || f["format"] != want.format || f["status"] != "ok" || len(f["issues"].([]any)) != 1 {
			t.Errorf("file %d: %v, want %s read as %s", i, f, want.name, want.format)
		}
	}

	for _, tt := range []struct{ q, date, headline string }{
		{"centre de données 40 mégawatts Essonne", "2025-01-27", "Mistral AI ouvre un centre de calcul en Essonne"},
		{"agent remplir des formulaires réserver des billets", "2025-02-03", "OpenAI lance un agent pour le web"},
		{"Deep Research parcourir le web", "2025-02-10", "OpenAI dévoile un agent de recherche"},
	} {
		hit := firstHit(t, base, tt.q)
		if hit["date"] != tt.date || hit["headline"] != tt.headline {
			t.Errorf("%q: first hit %v %v, want %s %s", tt.q, hit["date"], hit["headline"], tt.date, tt.headline)
		}
	}

	r = do(t, "POST", base+"/v1/issues", ctype, body)
	mustStatus(t, r, http.StatusOK)
	if r.body["added"] != 0.0 || r.body["unchanged"].(float64) == 0 {
		t.Fatalf("the same upload again changed something: %s", r.raw)
	}
}

func TestUploadOneBrokenFile(t *testing.T) {
	base := newServer(t)
	ctype, body := multipartBody(t,
		filePart{"jan.txt", "text/plain", issueJan},
		filePart{"broken.jsonl", "application/x-ndjson", "{\"id\":\"a\",\"text\":\"x\"}\n{oops\n"},
		filePart{"feb.txt", "", issueFeb},
	)
	r := do(t, "POST", base+"/v1/issues", ctype, body)
	mustStatus(t, r, http.StatusMultiStatus)
	if r.body["failed"] != 1.0 || r.body["added"] != 3.0 {
		t.Fatalf("summary: %s", r.raw)
	}
	fs := files(t, r)
	if fs[0]["status"] != "ok" || fs[2]["status"] != "ok" {
		t.Errorf("good files not stored: %s", r.raw)
	}
	broken := fs[1]
	perr, _ := broken["error"].(map[string]any)
	if broken["name"] != "broken.jsonl" || broken["status"] != "failed" || perr == nil ||
		perr["type"] != "/problems/validation" || perr["line"] != 2.0 || !strings.Contains(perr["detail"].(string), "broken.jsonl:2") {
		t.Fatalf("broken file: %v", broken)
	}
	if n := issueCount(t, base); n != 2 {
		t.Fatalf("%d issues stored, want 2", n)
	}
	if hit := firstHit(t, base, "Le Chat iOS Android"); hit["date"] != "2025-02" || hit["headline"] != "Mistral lance Le Chat" {
		t.Fatalf("first hit %v", hit)
	}

	ctype, body = multipartBody(t,
		filePart{"nodate.txt", "text/plain", "Un titre\n\nUn paragraphe."},
		filePart{"also.jsonl", "application/x-ndjson", "{oops\n"},
	)
	r = do(t, "POST", base+"/v1/issues", ctype, body)
	mustStatus(t, r, http.StatusBadRequest)
	errs, _ := r.body["errors"].([]any)
	if r.ctype != "application/problem+json" || r.body["type"] != "/problems/validation" || len(errs) != 2 ||
		errs[0].(map[string]any)["field"] != "nodate.txt" || errs[1].(map[string]any)["field"] != "also.jsonl" {
		t.Fatalf("every file failed: %s", r.raw)
	}
}

func TestUploadTooLarge(t *testing.T) {
	base := newServerWith(t, api.Config{MaxIssueBytes: 32 << 10, MaxUploadBytes: 80 << 10})
	issue := func(month string) string {
		return "date 2025-" + month + " Titre\n\n" + strings.Repeat("Un paragraphe assez long pour peser. ", 700)
	}
	big := issue("01") + issue("01") // 52 KiB
	for _, tt := range []struct {
		name, ctype, body string
	}{
		{"raw body", "text/plain", big},
		{"one file", "", ""},
		{"in all", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			switch tt.name {
			case "one file":
				tt.ctype, tt.body = multipartBody(t, filePart{"small.txt", "", issueJan}, filePart{"big.txt", "", big})
			case "in all":
				tt.ctype, tt.body = multipartBody(t, filePart{"a.txt", "", issue("01")}, filePart{"b.txt", "", issue("02")},
					filePart{"c.txt", "", issue("03")}, filePart{"d.txt", "", issue("04")})
			}
			r := do(t, "POST", base+"/v1/issues", tt.ctype, tt.body)
			mustStatus(t, r, http.StatusRequestEntityTooLarge)
			if r.ctype != "application/problem+json" || r.body["type"] != "/problems/too-large" {
				t.Fatalf("not a too-large problem: %s", r.raw)
			}
			if n := issueCount(t, base); n != 0 {
				t.Fatalf("%d issues stored", n)
			}
		})
	}
}

// endless is an endless body that counts the bytes read from it.
type endless struct {
	head string
	n    int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, e.head)
	e.head = e.head[n:]
	for i := n; i < len(p); i++ {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	return len(p), nil
}

// TestUploadStreams checks that an endless upload is refused after reading
// about the limit, never buffered whole.
func TestUploadStreams(t *testing.T) {
	const perFile, total = 32 << 10, 80 << 10
	h, _ := newHandler(t, api.Config{MaxIssueBytes: perFile, MaxUploadBytes: total})
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
	for _, tt := range []struct {
		name, ctype string
		body        *endless
		limit       int64
	}{
		{"raw", "text/plain", &endless{head: "date 2025-01 T\n\n"}, perFile},
		{"multipart", "multipart/form-data; boundary=" + boundary, &endless{head: head}, total},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(t.Context(), "POST", "/v1/issues", tt.body)
			req.Header.Set("Content-Type", tt.ctype)
			req.RemoteAddr = "127.0.0.1:40000"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusRequestEntityTooLarge || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if tt.body.n > tt.limit+64<<10 {
				t.Fatalf("read %d bytes of an upload limited to %d", tt.body.n, tt.limit)
			}
		})
	}
}

// waitJob polls a job until it ends and returns its status.
func waitJob(t *testing.T, base, location string) response {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := do(t, "GET", base+location, "", "")
		mustStatus(t, r, http.StatusOK)
		if r.body["state"] != "running" {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still running: %s", r.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUploadAsync(t *testing.T) {
	base := newServer(t)
	ctype, body := multipartBody(t,
		filePart{"jan.txt", "text/plain", issueJan},
		filePart{"carnet.atom", "application/atom+xml", fixture(t, "carnet.atom")},
	)
	r := do(t, "POST", base+"/v1/issues?async=true", ctype, body)
	mustStatus(t, r, http.StatusAccepted)
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/v1/jobs/") || r.body["id"] != strings.TrimPrefix(loc, "/v1/jobs/") || r.body["kind"] != "ingest" {
		t.Fatalf("202 with Location %q: %s", loc, r.raw)
	}
	r = waitJob(t, base, loc)
	if r.body["state"] != "done" || r.body["total"].(float64) == 0 || r.body["done"] != r.body["total"] {
		t.Fatalf("job: %s", r.raw)
	}
	res := r.body["result"].(map[string]any)
	if res["failed"] != 0.0 || res["added"].(float64) < 3 || len(res["issues"].([]any)) < 2 || len(res["files"].([]any)) != 2 {
		t.Fatalf("job result: %s", r.raw)
	}
	if hit := firstHit(t, base, "bras robotique imprimable"); hit["date"] != "2025-01-31" || hit["headline"] != "Hugging Face & les robots ouverts" {
		t.Fatalf("first hit %v", hit)
	}

	r = do(t, "POST", base+"/v1/issues?async=true&source=feb.txt", "text/plain", issueFeb)
	mustStatus(t, r, http.StatusAccepted)
	r = waitJob(t, base, r.header.Get("Location"))
	if res := r.body["result"].(map[string]any); r.body["state"] != "done" || res["added"] != 1.0 {
		t.Fatalf("job of a raw body: %s", r.raw)
	}

	r = do(t, "POST", base+"/v1/issues?async=1", "text/plain", "Un titre\n\nUn paragraphe.")
	mustStatus(t, r, http.StatusAccepted)
	r = waitJob(t, base, r.header.Get("Location"))
	res = r.body["result"].(map[string]any)
	if r.body["state"] != "failed" || r.body["error"] == "" || res["failed"] != 1.0 {
		t.Fatalf("job whose only file fails: %s", r.raw)
	}
}

// jsonl makes a JSON Lines corpus of one passage a line, each given as id,
// date and text.
func jsonl(lines ...[3]string) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "{\"id\":%q,\"date\":%q,\"text\":%q}\n", l[0], l[1], l[2])
	}
	return b.String()
}

func TestUploadCorpusIsNamedBySource(t *testing.T) {
	base := newServer(t)
	april := jsonl([3]string{"llama-4", "2025-04", "Meta publie Llama 4 Scout et Maverick, deux modèles ouverts."})
	other := jsonl([3]string{"qwen-3", "2025-04", "Alibaba publie Qwen 3, une famille de modèles ouverts."})
	for _, tt := range []struct{ name, path, ctype, body, field string }{
		{"jsonl without source", "/v1/issues", "application/x-ndjson", april, "source"},
		{"jsonl by format without source", "/v1/issues?format=jsonl", "text/plain", april, "source"},
		{"jsonl detected without source", "/v1/issues", "text/plain", april, "source"},
		{"blank source", "/v1/issues?source=%20%20", "application/x-ndjson", april, "source"},
		{"source too long", "/v1/issues?source=" + strings.Repeat("s", 257) + ".jsonl", "application/x-ndjson", april, "source"},
		{"source with a control character", "/v1/issues?source=a%01b.jsonl", "application/x-ndjson", april, "source"},
		{"source not UTF-8", "/v1/issues?source=%FF.txt", "text/plain", issueJan, "source"},
		{"absolute source", "/v1/issues?source=/srv/lettres/2025-01.txt", "text/plain", issueJan, "source"},
		{"json absolute source", "/v1/issues", "application/json", `{"date":"2025-01","text":"Texte.","source":"/srv/lettres/x.txt"}`, "source"},
		{"json source too long", "/v1/issues", "application/json", `{"date":"2025-01","text":"Texte.","source":"` + strings.Repeat("s", 300) + `"}`, "source"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, "POST", base+tt.path, tt.ctype, tt.body)
			mustStatus(t, r, http.StatusBadRequest)
			errs, _ := r.body["errors"].([]any)
			if r.ctype != "application/problem+json" || r.body["type"] != "/problems/validation" || len(errs) != 1 ||
				errs[0].(map[string]any)["field"] != tt.field {
				t.Fatalf("want a validation problem on %s: %s", tt.field, r.raw)
			}
		})
	}
	if n := issueCount(t, base); n != 0 {
		t.Fatalf("%d issues stored by refused uploads", n)
	}

	// Two corpora with the same date are two issues, named by their sources.
	r := do(t, "POST", base+"/v1/issues?source=meta.jsonl", "application/x-ndjson", april)
	mustStatus(t, r, http.StatusCreated)
	r = do(t, "POST", base+"/v1/issues?source="+url.QueryEscape("Données Alibaba.jsonl"), "application/x-ndjson", other)
	mustStatus(t, r, http.StatusCreated)
	if r.body["removed"] != 0.0 || r.body["added"] != 1.0 {
		t.Fatalf("the second corpus replaced the first: %s", r.raw)
	}
	for _, id := range []string{"meta-2025-04", "donnees-alibaba-2025-04"} {
		mustStatus(t, do(t, "GET", base+"/v1/issues/"+id, "", ""), http.StatusOK)
	}
	// A multipart part names a corpus by its file name, not its field's.
	ctype, body := multipartBody(t, filePart{"", "application/x-ndjson", other}, filePart{"juin.txt", "text/plain", "date 2025-06 Juin\n\nUn paragraphe de la lettre de juin.\n"})
	r = do(t, "POST", base+"/v1/issues", ctype, body)
	mustStatus(t, r, http.StatusMultiStatus)
	if fs := files(t, r); fs[0]["status"] != "failed" || !strings.Contains(fmt.Sprint(fs[0]["error"]), "file name") || fs[1]["status"] != "ok" {
		t.Fatalf("a corpus part without a file name: %s", r.raw)
	}
	r = do(t, "POST", base+"/v1/issues?source="+strings.Repeat("s", 256)+".txt", "text/plain", issueFeb)
	mustStatus(t, r, http.StatusBadRequest) // 260 bytes with the extension
	r = do(t, "POST", base+"/v1/issues?source="+strings.Repeat("s", 252)+".txt", "text/plain", issueFeb)
	mustStatus(t, r, http.StatusCreated)
}

// storedIDs returns the issue ids of GET /v1/issues.
func storedIDs(t *testing.T, base string) []string {
	t.Helper()
	r := do(t, "GET", base+"/v1/issues", "", "")
	mustStatus(t, r, http.StatusOK)
	var ids []string
	for _, is := range r.body["issues"].([]any) {
		ids = append(ids, is.(map[string]any)["id"].(string))
	}
	slices.Sort(ids)
	return ids
}

func TestUploadIsAllOrNothing(t *testing.T) {
	base := newServer(t)
	mustStatus(t, do(t, "POST", base+"/v1/issues?source=meta.jsonl", "application/x-ndjson",
		jsonl([3]string{"llama-4", "2025-04", "Meta publie Llama 4 Scout et Maverick."})), http.StatusCreated)

	// The second issue of the body takes an id of meta-2025-04: the first
	// is not stored either.
	taken := jsonl([3]string{"gemini", "2025-03", "Google publie Gemini 2.5."},
		[3]string{"llama-4", "2025-05", "Un autre texte sous le même identifiant."})
	r := do(t, "POST", base+"/v1/issues?source=other.jsonl", "application/x-ndjson", taken)
	mustStatus(t, r, http.StatusConflict)
	if r.ctype != "application/problem+json" || r.body["type"] != "/problems/conflict" || r.body["stored"] != nil ||
		!strings.Contains(r.body["detail"].(string), `"meta-2025-04"`) {
		t.Fatalf("conflict: %s", r.raw)
	}
	if ids := storedIDs(t, base); !slices.Equal(ids, []string{"meta-2025-04"}) {
		t.Fatalf("issues %v after a refused corpus", ids)
	}
	mustStatus(t, do(t, "GET", base+"/v1/items/gemini", "", ""), http.StatusNotFound)

	// The same id in two issues of one body.
	twice := jsonl([3]string{"gemini", "2025-03", "Google publie Gemini 2.5."},
		[3]string{"gemini", "2025-05", "Google publie Gemini 2.5 Flash."})
	r = do(t, "POST", base+"/v1/issues?source=twice.jsonl", "application/x-ndjson", twice)
	mustStatus(t, r, http.StatusBadRequest)
	if ids := storedIDs(t, base); !slices.Equal(ids, []string{"meta-2025-04"}) {
		t.Fatalf("issues %v after a corpus with an id twice", ids)
	}

	// In a multipart upload, per file: the failed file stores nothing and
	// counts for nothing.
	ctype, body := multipartBody(t,
		filePart{"jan.txt", "text/plain", issueJan},
		filePart{"other.jsonl", "application/x-ndjson", taken},
	)
	r = do(t, "POST", base+"/v1/issues", ctype, body)
	mustStatus(t, r, http.StatusMultiStatus)
	fs := files(t, r)
	if r.body["added"] != 2.0 || r.body["failed"] != 1.0 || len(r.body["issues"].([]any)) != 1 ||
		fs[1]["status"] != "failed" || len(fs[1]["issues"].([]any)) != 0 || fs[1]["error"].(map[string]any)["status"] != 409.0 {
		t.Fatalf("multipart with a conflicting file: %s", r.raw)
	}
	if ids := storedIDs(t, base); len(ids) != 2 || slices.Contains(ids, "other-2025-03") {
		t.Fatalf("issues %v after a multipart upload with a conflicting file", ids)
	}

	// An issue may give an item up to a later issue of the same body.
	moved := jsonl([3]string{"llama-4-bis", "2025-04", "Meta publie Llama 4 Behemoth en préversion."},
		[3]string{"llama-4", "2025-05", "Meta publie Llama 4 Scout et Maverick."})
	mustStatus(t, do(t, "POST", base+"/v1/issues?source=meta.jsonl", "application/x-ndjson", moved), http.StatusCreated)
	if r := do(t, "GET", base+"/v1/items/llama-4", "", ""); r.body["issue_id"] != "meta-2025-05" {
		t.Fatalf("moved item: %s", r.raw)
	}
}

// downEmbedder is the built-in embedder, except that it is down for any
// passage that holds "PANNE".
type downEmbedder struct {
	*embed.Builtin
}

func (e downEmbedder) Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error) {
	for _, t := range texts {
		if strings.Contains(t, "PANNE") {
			return nil, fmt.Errorf("embed: %w", embed.ErrUnavailable)
		}
	}
	return e.Builtin.Embed(ctx, texts, mode)
}

// scrape returns the metrics text of a server.
func scrape(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	text, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

func TestUploadStoppedMidwaySaysWhatWasStored(t *testing.T) {
	m := metrics.New()
	_, base := newHandlerOver(t, api.Config{Observer: m, Metrics: m.Handler()}, downEmbedder{embed.NewBuiltin(0)}, nil, nil)
	if !strings.Contains(scrape(t, base), "veille_ingest_failures_total 0\n") {
		t.Fatal("veille_ingest_failures_total is not 0 at start")
	}

	// The second issue of a corpus cannot be embedded: the first stays
	// stored, and the problem says so.
	corpus := jsonl([3]string{"gemini", "2025-03", "Google publie Gemini 2.5."},
		[3]string{"grok", "2025-04", "xAI publie Grok 3 PANNE."})
	r := do(t, "POST", base+"/v1/issues?source=mixed.jsonl", "application/x-ndjson", corpus)
	mustStatus(t, r, http.StatusServiceUnavailable)
	stored, _ := r.body["stored"].(map[string]any)
	if r.ctype != "application/problem+json" || r.body["type"] != "/problems/unavailable" || stored == nil ||
		stored["added"] != 1.0 || stored["failed"] != 1.0 || r.header.Get("Retry-After") == "" {
		t.Fatalf("embedder down midway: %s", r.raw)
	}
	f := stored["files"].([]any)[0].(map[string]any)
	if f["status"] != "failed" || !slices.Equal(f["issues"].([]any), []any{"mixed-2025-03"}) {
		t.Fatalf("file result %v", f)
	}
	if ids := storedIDs(t, base); !slices.Equal(ids, []string{"mixed-2025-03"}) {
		t.Fatalf("issues %v, want the one the problem names", ids)
	}

	// Nothing stored: a bare problem.
	r = do(t, "POST", base+"/v1/issues?source=down.jsonl", "application/x-ndjson", jsonl([3]string{"x", "2025-05", "PANNE"}))
	mustStatus(t, r, http.StatusServiceUnavailable)
	if _, ok := r.body["stored"]; ok {
		t.Fatalf("a problem with nothing stored lists stored: %s", r.raw)
	}

	// Multipart: the files before are stored, the one that fails and the
	// ones after are listed.
	ctype, body := multipartBody(t,
		filePart{"jan.txt", "text/plain", issueJan},
		filePart{"down.txt", "text/plain", "date 2025-06 Panne\n\nUn paragraphe PANNE.\n"},
		filePart{"feb.txt", "text/plain", issueFeb},
	)
	r = do(t, "POST", base+"/v1/issues", ctype, body)
	mustStatus(t, r, http.StatusServiceUnavailable)
	stored, _ = r.body["stored"].(map[string]any)
	if stored == nil {
		t.Fatalf("multipart stopped midway: %s", r.raw)
	}
	fs := stored["files"].([]any)
	var statuses []string
	for _, f := range fs {
		statuses = append(statuses, f.(map[string]any)["status"].(string))
	}
	if !slices.Equal(statuses, []string{"ok", "failed", "skipped"}) || len(stored["issues"].([]any)) != 1 {
		t.Fatalf("file statuses %v: %s", statuses, r.raw)
	}
	if n := issueCount(t, base); n != 2 {
		t.Fatalf("%d issues, want mixed-2025-03 and jan", n)
	}

	// Refused uploads count too: mixed.jsonl, down.jsonl, down.txt and one
	// too large.
	r = do(t, "POST", base+"/v1/issues", "application/x-ndjson", "{}")
	mustStatus(t, r, http.StatusBadRequest)
	if text := scrape(t, base); !strings.Contains(text, "veille_ingest_failures_total 4\n") {
		t.Fatalf("failures not counted:\n%s", grepLines(text, "veille_ingest_failures_total"))
	}
}

// grepLines returns the lines of text that hold s.
func grepLines(text, s string) string {
	var out []string
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// slowEmbedder is the built-in embedder, except that a passage holding
// "LENTEMENT" waits until its request is canceled, after saying so on
// blocked.
type slowEmbedder struct {
	*embed.Builtin
	blocked chan struct{}
}

func (e slowEmbedder) Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error) {
	for _, t := range texts {
		if strings.Contains(t, "LENTEMENT") {
			close(e.blocked)
			<-ctx.Done()
			return nil, ctx.Err()
		}
	}
	return e.Builtin.Embed(ctx, texts, mode)
}

// TestUploadJobCanceled cancels an ingest job while it stores its second
// file: the first stays, the second and third are skipped, with nothing
// of them stored, and the job says it was canceled in users' words.
func TestUploadJobCanceled(t *testing.T) {
	emb := slowEmbedder{Builtin: embed.NewBuiltin(0), blocked: make(chan struct{})}
	_, base := newHandlerOver(t, api.Config{}, emb, nil, nil)
	ctype, body := multipartBody(t,
		filePart{"jan.txt", "text/plain", issueJan},
		filePart{"lent.txt", "text/plain", "date 2025-03 Lent\n\nCe paragraphe s’embarque LENTEMENT.\n"},
		filePart{"feb.txt", "text/plain", issueFeb},
	)
	r := do(t, "POST", base+"/v1/issues?async=true", ctype, body)
	mustStatus(t, r, http.StatusAccepted)
	loc := r.header.Get("Location")
	<-emb.blocked
	mustStatus(t, do(t, "DELETE", base+loc, "", ""), http.StatusAccepted)
	r = waitJob(t, base, loc)
	errText, _ := r.body["error"].(string)
	if r.body["state"] != "canceled" || !strings.HasPrefix(errText, "canceled: ") {
		t.Fatalf("canceled job: %s", r.raw)
	}
	var got []string
	for _, f := range r.body["result"].(map[string]any)["files"].([]any) {
		got = append(got, f.(map[string]any)["status"].(string))
	}
	if !slices.Equal(got, []string{"ok", "skipped", "skipped"}) {
		t.Fatalf("files %q: %s", got, r.raw)
	}
	if n := issueCount(t, base); n != 1 {
		t.Fatalf("%d issues stored, want the first file's", n)
	}
}

// TestUploadCutShortByTheClient sends half an upload and closes the
// connection: a client gone (499), not a malformed body, nor an ingest
// failure; a whole body that is malformed is still a 400.
func TestUploadCutShortByTheClient(t *testing.T) {
	m := metrics.New()
	base := newServerWith(t, api.Config{Observer: m, Metrics: m.Handler()})
	addr := strings.TrimPrefix(base, "http://")
	ctype, multipart := multipartBody(t, filePart{"jan.txt", "text/plain", issueJan})
	for _, tt := range []struct{ ctype, body string }{
		{"text/plain", issueJan},
		{ctype, multipart},
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /v1/issues HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
			addr, tt.ctype, len(tt.body), tt.body[:len(tt.body)/2])
		conn.Close()
	}
	r := do(t, "POST", base+"/v1/issues", ctype, multipart[:len(multipart)/2])
	mustStatus(t, r, http.StatusBadRequest)

	var text string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		text = scrape(t, base)
		if strings.Contains(text, `route="/v1/issues",status="499"} 2`) || time.Now().After(deadline) {
			break
		}
	}
	if !strings.Contains(text, `route="/v1/issues",status="499"} 2`) || !strings.Contains(text, "veille_ingest_failures_total 1\n") {
		t.Fatalf("two uploads cut short and one malformed:\n%s%s", grepLines(text, `route="/v1/issues"`), grepLines(text, "veille_ingest_failures_total"))
	}
}

// TestUploadLeavesAFilesIssueNamedByTheFile uploads the issue a file gave
// (its source an absolute path, as a watched folder writes it): the same
// content leaves the issue as it was, named by the file; new content
// replaces it and names it by the upload, as does the same content once
// the file is gone.
func TestUploadLeavesAFilesIssueNamedByTheFile(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	arch, err := archive.Open(t.Context(), db, embed.NewBuiltin(256), archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(arch, api.Config{}, nil))
	t.Cleanup(func() {
		srv.Close()
		arch.Close()
		db.Close()
	})
	file := filepath.Join(dir, "2025-01.txt")
	if err := os.WriteFile(file, []byte(issueJan), 0o644); err != nil {
		t.Fatal(err)
	}
	docs, err := ingest.Parse(file, []byte(issueJan), ingest.FormatRaw)
	if err != nil {
		t.Fatal(err)
	}
	doc := docs[0]
	if _, err := arch.Ingest(t.Context(), doc); err != nil {
		t.Fatal(err)
	}
	source := func() string {
		t.Helper()
		iss, _, err := arch.Issue(t.Context(), doc.Issue.ID)
		if err != nil {
			t.Fatal(err)
		}
		return iss.Source
	}

	r := do(t, "POST", srv.URL+"/v1/issues?source=2025-01.txt", "text/plain", issueJan)
	if r.status != http.StatusOK || source() != file {
		t.Fatalf("same content uploaded: %d %s, source %q; want 200 and the file kept as source", r.status, r.raw, source())
	}
	edited := strings.Replace(issueJan, "5,6 millions", "six millions", 1)
	r = do(t, "POST", srv.URL+"/v1/issues?source=2025-01.txt", "text/plain", edited)
	if r.status != http.StatusCreated || source() != "2025-01.txt" {
		t.Fatalf("new content uploaded: %d %s, source %q; want 201 and the upload as source", r.status, r.raw, source())
	}

	// The file's content again, while the file holds it, then once the
	// file is gone: the upload keeps the file's name only in the first case.
	if _, err := arch.Ingest(t.Context(), doc); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	r = do(t, "POST", srv.URL+"/v1/issues?source=copie.txt", "text/plain", issueJan)
	if r.status != http.StatusOK || source() != "copie.txt" {
		t.Fatalf("same content uploaded once the file is gone: %d %s, source %q; want the upload as source", r.status, r.raw, source())
	}
}

// TestFeedEntriesAreLinked uploads a feed: its entries' links come back
// with each item, search hit and citation.
func TestFeedEntriesAreLinked(t *testing.T) {
	base := newServer(t)
	mustStatus(t, do(t, "POST", base+"/v1/issues?source=veille.rss", "application/rss+xml", fixture(t, "veille.rss")), http.StatusCreated)
	const link = "https://veille.example.fr/breves/mistral-raisonnement"

	r := do(t, "GET", base+"/v1/search?q=Mistral+mod%C3%A8le+de+raisonnement&k=1", "", "")
	mustStatus(t, r, http.StatusOK)
	hit := r.body["hits"].([]any)[0].(map[string]any)
	if hit["link"] != link {
		t.Fatalf("first hit %v; want the entry's link %s", hit, link)
	}
	r = do(t, "GET", base+"/v1/items/"+url.PathEscape(hit["id"].(string)), "", "")
	mustStatus(t, r, http.StatusOK)
	if r.body["link"] != link {
		t.Fatalf("item %v; want the entry's link", r.body)
	}
	r = do(t, "POST", base+"/v1/ask", "application/json", `{"question":"Sous quelle licence Mistral AI a-t-il publié son modèle de raisonnement ?"}`)
	mustStatus(t, r, http.StatusOK)
	cites := r.body["citations"].([]any)
	if len(cites) == 0 || cites[0].(map[string]any)["link"] != link {
		t.Fatalf("answer %q, citations %v; want the entry cited with its link", r.body["answer"], cites)
	}
	res := postStream(t, t.Context(), base+"/v1/ask", `{"question":"Sous quelle licence Mistral AI a-t-il publié son modèle de raisonnement ?"}`)
	events := readEvents(t, res, nil)
	res.Body.Close()
	streamed := 0
	for _, e := range events {
		if e.name == "citations" || e.name == "done" {
			streamed++
			if !strings.Contains(e.data, `"link":"`+link+`"`) {
				t.Fatalf("streamed %s event %s; want the entry's link", e.name, e.data)
			}
		}
	}
	if streamed != 2 {
		t.Fatalf("events %v; want the passages and the answer", events)
	}
}
