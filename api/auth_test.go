package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/veille/veille/api"
)

func TestKeys(t *testing.T) {
	base := newServerWith(t, api.Config{AdminKey: "admin-secret", ReadKeys: []string{"reader-1", "reader-2"}})
	tests := []struct {
		name, method, path, ctype, body, auth string
		status                                int
		typ                                   string
	}{
		{"read without key", "GET", "/v1/search?q=R1", "", "", "", 401, "/problems/unauthorized"},
		{"read with unknown key", "GET", "/v1/search?q=R1", "", "", "Bearer nope", 401, "/problems/unauthorized"},
		{"read with wrong scheme", "GET", "/v1/search?q=R1", "", "", "Basic cmVhZGVyLTE=", 401, "/problems/unauthorized"},
		{"read with read key", "GET", "/v1/search?q=R1", "", "", "Bearer reader-2", 200, ""},
		{"read with admin key", "GET", "/v1/search?q=R1", "", "", "Bearer admin-secret", 200, ""},
		{"ingest without key", "POST", "/v1/issues", "text/plain", issueJan, "", 401, "/problems/unauthorized"},
		{"ingest with read key", "POST", "/v1/issues", "text/plain", issueJan, "Bearer reader-1", 403, "/problems/forbidden"},
		{"ingest with admin key", "POST", "/v1/issues", "text/plain", issueJan, "Bearer admin-secret", 201, ""},
		{"delete with read key", "DELETE", "/v1/issues/x", "", "", "Bearer reader-1", 403, "/problems/forbidden"},
		{"health needs no key", "GET", "/healthz", "", "", "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.auth != "" {
				hdr = []string{"Authorization", tt.auth}
			}
			r := do(t, tt.method, base+tt.path, tt.ctype, tt.body, hdr...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
			}
			if tt.typ != "" && (r.body["type"] != tt.typ || r.ctype != "application/problem+json") {
				t.Fatalf("problem %s (%s), want %s", r.body["type"], r.ctype, tt.typ)
			}
			for _, secret := range []string{"admin-secret", "reader-1", "reader-2"} {
				if strings.Contains(r.raw, secret) {
					t.Fatalf("the body shows a key: %s", r.raw)
				}
			}
		})
	}
}

func TestOpenReadsAndLoopbackWrites(t *testing.T) {
	h, base := newHandler(t, api.Config{})
	mustStatus(t, do(t, "GET", base+"/v1/search?q=R1", "", ""), http.StatusOK)
	mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issueJan), http.StatusCreated)

	// A client from another machine cannot change the archive when no admin
	// key is configured; the request is served in memory, not over a network.
	req := httptest.NewRequestWithContext(t.Context(), "POST", "/v1/issues", strings.NewReader(issueFeb))
	req.Header.Set("Content-Type", "text/plain")
	req.RemoteAddr = "203.0.113.7:40000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "/problems/forbidden") {
		t.Fatalf("remote write without admin key: %d %s", rec.Code, rec.Body)
	}
}

// Budgets refill at one a minute, so that a slow machine cannot refill them
// between two requests.
func TestRateLimits(t *testing.T) {
	base := newServerWith(t, api.Config{AskPerMinute: 1, AskBurst: 2, SearchPerMinute: 1, SearchBurst: 5})
	ask := `{"question":"R1 ?"}`
	mustStatus(t, do(t, "POST", base+"/v1/ask", "application/json", ask), http.StatusOK)
	mustStatus(t, do(t, "POST", base+"/v1/ask", "application/json", ask), http.StatusOK)
	r := do(t, "POST", base+"/v1/ask", "application/json", ask)
	if r.status != http.StatusTooManyRequests || r.body["type"] != "/problems/rate-limited" || r.header.Get("Retry-After") == "" {
		t.Fatalf("third ask in a burst of 2: %d %s (Retry-After %q)", r.status, r.raw, r.header.Get("Retry-After"))
	}
	// Search has its own budget.
	for range 5 {
		mustStatus(t, do(t, "GET", base+"/v1/search?q=R1", "", ""), http.StatusOK)
	}
	if r := do(t, "GET", base+"/v1/search?q=R1", "", ""); r.status != http.StatusTooManyRequests {
		t.Fatalf("sixth search in a burst of 5: %d", r.status)
	}
	// Another key has its own bucket.
	other := newServerWith(t, api.Config{ReadKeys: []string{"a", "b"}, AskPerMinute: 1, AskBurst: 1})
	mustStatus(t, do(t, "POST", other+"/v1/ask", "application/json", ask, "Authorization", "Bearer a"), http.StatusOK)
	mustStatus(t, do(t, "POST", other+"/v1/ask", "application/json", ask, "Authorization", "Bearer b"), http.StatusOK)
	if r := do(t, "POST", other+"/v1/ask", "application/json", ask, "Authorization", "Bearer a"); r.status != http.StatusTooManyRequests {
		t.Fatalf("key a over budget: %d", r.status)
	}
}

func TestCORS(t *testing.T) {
	closed := newServer(t)
	r := do(t, "GET", closed+"/v1/search?q=R1", "", "", "Origin", "https://example.org")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS is on by default: %v", r.header)
	}
	open := newServerWith(t, api.Config{CORSOrigins: []string{"https://news.example.org"}})
	r = do(t, "GET", open+"/v1/search?q=R1", "", "", "Origin", "https://news.example.org")
	if r.header.Get("Access-Control-Allow-Origin") != "https://news.example.org" {
		t.Fatalf("allowed origin: %v", r.header)
	}
	if r := do(t, "GET", open+"/v1/search?q=R1", "", "", "Origin", "https://evil.example"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("other origin allowed: %v", r.header)
	}
	req, err := http.NewRequestWithContext(t.Context(), "OPTIONS", open+"/v1/ask", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "https://news.example.org")
	req.Header.Set("Access-Control-Request-Method", "POST")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
}

// Without a burst set, a budget allows a tenth of a minute's requests at
// once (at least 1), and a request refused as invalid costs nothing.
func TestRateLimitBurstFollowsTheRate(t *testing.T) {
	base := newServerWith(t, api.Config{AskPerMinute: 6, SearchPerMinute: 30})
	for range 3 {
		mustStatus(t, do(t, "POST", base+"/v1/ask", "application/json", `{"question":""}`), http.StatusBadRequest)
		mustStatus(t, do(t, "POST", base+"/v1/chat/completions", "application/json", `{"messages":[]}`), http.StatusBadRequest)
	}
	mustStatus(t, do(t, "POST", base+"/v1/ask", "application/json", `{"question":"R1 ?"}`), http.StatusOK)
	if r := do(t, "POST", base+"/v1/ask", "application/json", `{"question":"R1 ?"}`); r.status != http.StatusTooManyRequests {
		t.Fatalf("second ask at 6 a minute: %d %s", r.status, r.raw)
	}
	if r := do(t, "POST", base+"/v1/chat/completions", "application/json", `{"messages":[{"role":"user","content":"R1 ?"}]}`); r.status != http.StatusTooManyRequests {
		t.Fatalf("chat after the ask budget is spent: %d %s", r.status, r.raw)
	}
	for range 3 {
		mustStatus(t, do(t, "GET", base+"/v1/search?q=R1", "", ""), http.StatusOK)
	}
	if r := do(t, "GET", base+"/v1/search?q=R1", "", ""); r.status != http.StatusTooManyRequests {
		t.Fatalf("fourth search at 30 a minute: %d", r.status)
	}
}

func TestReadKeyOnAdminRoutes(t *testing.T) {
	base := newServerWith(t, api.Config{AdminKey: "admin-secret", ReadKeys: []string{"reader"}})
	for _, path := range []string{"/v1/jobs", "/v1/admin/backup"} {
		r := do(t, "GET", base+path, "", "", "Authorization", "Bearer reader")
		mustStatus(t, r, http.StatusForbidden)
		if d := r.body["detail"].(string); !strings.Contains(d, "admin key") || strings.Contains(d, "change the archive") {
			t.Errorf("%s with a read key: %q", path, d)
		}
	}
}
