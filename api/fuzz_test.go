package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/veille/veille/api"
)

// fuzzHandler is a real handler over a real archive holding one issue;
// requests are served in memory.
func fuzzHandler(f *testing.F) http.Handler {
	f.Helper()
	h, _ := newHandler(f, api.Config{MaxBodyBytes: 8 << 10, MaxIssueBytes: 64 << 10})
	rec := serve(h, "POST", "/v1/issues", "text/plain", issueJan)
	if rec.Code != http.StatusCreated {
		f.Fatalf("ingest: %d %s", rec.Code, rec.Body)
	}
	return h
}

// serve serves one request in memory; nil when no client could send it.
func serve(h http.Handler, method, target, ctype, body string) *httptest.ResponseRecorder {
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		return nil
	}
	req.RemoteAddr = "127.0.0.1:40000"
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkResponse fails unless the answer is a success or a problem+json 4xx.
func checkResponse(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec == nil {
		return
	}
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func FuzzAskBody(f *testing.F) {
	for _, seed := range []string{
		`{"question":"Combien a coûté R1 ?"}`, `{"question":"R1","k":3,"from":"2025-01","to":"2025-02","mode":"lexical"}`,
		`{"question":"Et Stargate ?","history":[{"role":"user","content":"R1 ?"}]}`, `{"question":`, `[]`, `{"k":-1}`,
		"{\"question\":\"\xff\"}", `{"question":"R1","collapse":true}`,
		`{"question":"Who is the CEO of Mistral AI?"}`, `{"question":"Anthropic a-t-il levé des fonds ?","k":2}`,
		`{"question":"Quoi de neuf chez Mistral ?"}`, `{"question":"Quoi de neuf la semaine du 24 mars 2025 ?"}`,
		`{"question":"Combien d'utilisateurs a ChatGPT ?"}`, `{"question":"Qu’est-ce que Stargate ?"}`, `{"question":"Who is Sam Altman?"}`,
	} {
		f.Add(seed)
	}
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body string) {
		checkResponse(t, serve(h, "POST", "/v1/ask", "application/json", body))
		checkResponse(t, serve(h, "POST", "/v1/similar", "application/json", body))
		checkResponse(t, serve(h, "POST", "/v1/chat/completions", "application/json", body))
	})
}

func FuzzQueryParameters(f *testing.F) {
	for _, seed := range []string{"q=R1", "q=R1&k=3&mode=vector&from=2025-01", "q=%FF", "k=0", "q=a&to=2025-13-40", "q=x&collapse=true"} {
		f.Add(seed, "id")
	}
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, query, id string) {
		checkResponse(t, serve(h, "GET", "/v1/search?"+query, "", ""))
		checkResponse(t, serve(h, "GET", "/v1/items/"+url.PathEscape(id)+"/similar?"+query, "", ""))
		checkResponse(t, serve(h, "GET", "/v1/items/"+url.PathEscape(id)+"/thread", "", ""))
		checkResponse(t, serve(h, "GET", "/v1/issues/"+url.PathEscape(id), "", ""))
	})
}

func FuzzIssueUpload(f *testing.F) {
	for _, seed := range []string{issueJan, issueFeb, "date 2025-13 x\n\ny", "", "{\"id\":\"a\",\"text\":\"x\"}\n", "# Titre\n\n## Sujet\n\nTexte."} {
		f.Add(seed, "text/plain")
	}
	f.Add(`{"date":"2025-01","text":"Un paragraphe."}`, "application/json")
	f.Add("{\"id\":\"p1\",\"text\":\"Un passage.\"}\n", "application/x-ndjson")
	f.Add("<h1>Veille du 3 mars 2025</h1><h2>Titre</h2><p>Texte.</p>", "text/html")
	f.Add("Subject: a\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n\r\nCorps.", "message/rfc822")
	f.Add("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.md\"\r\n\r\n# Titre\n\nDate: 2025-01-02\n\n## Sujet\n\nTexte.\r\n--b--\r\n", "multipart/form-data; boundary=b")
	f.Add("--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n", "multipart/form-data; boundary=b")
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, body, ctype string) {
		checkResponse(t, serve(h, "POST", "/v1/issues", ctype, body))
	})
}

// FuzzMultipartUpload sends a multipart upload of a good issue and a
// fuzzed part (file name, Content-Type, content) and checks, besides the
// answer's shape, that the good file is stored whatever the other holds.
func FuzzMultipartUpload(f *testing.F) {
	f.Add("a.txt", "text/plain", []byte(issueFeb))
	f.Add("b.jsonl", "application/x-ndjson", []byte("{\"id\":\"a\",\"text\":\"x\"}\n{oops\n"))
	f.Add("c.html", "text/html", []byte("<h1>Veille du 3 mars 2025</h1><h2>Titre</h2><p>Texte.</p>"))
	f.Add("d.eml", "", []byte("Subject: a\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n\r\nCorps."))
	f.Add("e.rss", "application/rss+xml", []byte("<rss><channel><item><title>t</title><description>x</description></item></channel></rss>"))
	f.Add("f.png", "image/png", []byte("\x89PNG"))
	f.Add("", "application/json", []byte(`{"date":"2025-01","text":"Un paragraphe."}`))
	f.Add("g.md", "text/markdown; charset=\"", []byte(""))
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, name, ctype string, data []byte) {
		if strings.ContainsAny(name+ctype, "\r\n\"\\") {
			t.Skip("not a header a multipart writer sends")
		}
		ct, body := multipartBody(t, filePart{name, ctype, string(data)}, filePart{"jan.txt", "text/plain", issueJan})
		rec := serve(h, "POST", "/v1/issues", ct, body)
		checkResponse(t, rec)
		if rec.Code >= 400 {
			return
		}
		var resp struct {
			Files []struct{ Name, Status string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || len(resp.Files) != 2 {
			t.Fatalf("status %d: %v: %s", rec.Code, err, rec.Body)
		}
		if resp.Files[1].Name != "jan.txt" || resp.Files[1].Status != "ok" {
			t.Fatalf("the good file was not stored: %s", rec.Body)
		}
	})
}
