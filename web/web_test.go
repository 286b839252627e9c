package web_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/veille/veille/web"
)

func do(t *testing.T, h http.Handler, method, target string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandler(t *testing.T) {
	h := web.Handler()
	tests := []struct {
		name, method, path string
		status             int
		ctype              string // prefix
		body               string // substring
	}{
		{"page", "GET", "/", 200, "text/html", `<script src="/static/app.js"`},
		{"ask deep link", "GET", "/?q=GPT-5", 200, "text/html", `<main id="main"`},
		{"search deep link", "GET", "/search?q=x&from=2025-03", 200, "text/html", `<main id="main"`},
		{"item deep link", "GET", "/items/2025-01-abc-def", 200, "text/html", `<main id="main"`},
		{"issues", "GET", "/issues", 200, "text/html", `<main id="main"`},
		{"issue", "GET", "/issues/2025-01-abc", 200, "text/html", `<main id="main"`},
		{"head", "HEAD", "/", 200, "text/html", ""},
		{"script", "GET", "/static/app.js", 200, "text/javascript", "'use strict'"},
		{"style", "GET", "/static/app.css", 200, "text/css", "prefers-color-scheme"},
		{"icon", "GET", "/static/icon.svg", 200, "image/svg+xml", "<svg"},
		{"favicon", "GET", "/favicon.ico", 200, "image/svg+xml", "<svg"},
		{"unknown asset", "GET", "/static/nope.js", 404, "text/plain", ""},
		{"unknown page", "GET", "/nope", 404, "text/plain", ""},
		{"nested item", "GET", "/items/a/b", 404, "text/plain", ""},
		{"post", "POST", "/", 405, "text/plain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, h, tt.method, tt.path, nil)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type %q, want %s…", ct, tt.ctype)
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("body lacks %q", tt.body)
			}
			if tt.method == "HEAD" && len(body) > 0 {
				t.Errorf("HEAD sent a body of %d bytes", len(body))
			}
		})
	}
}

func TestPageHeaders(t *testing.T) {
	res := do(t, web.Handler(), "GET", "/", nil)
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res = do(t, web.Handler(), "GET", "/search", http.Header{"If-None-Match": {etag}})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", res.StatusCode)
	}
}

func TestWith(t *testing.T) {
	apiH := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTeapot)
	})
	h := web.With(apiH)
	tests := []struct {
		method, path string
		toAPI        bool
	}{
		{"GET", "/", false},
		{"GET", "/search", false},
		{"GET", "/items/x", false},
		{"GET", "/issues", false},
		{"GET", "/issues/x", false},
		{"HEAD", "/static/app.js", false},
		{"GET", "/v1/issues", true},
		{"POST", "/v1/ask", true},
		{"GET", "/healthz", true},
		{"GET", "/readyz", true},
		{"GET", "/metrics", true},
		{"GET", "/nope", true},
		{"POST", "/", true},
		{"DELETE", "/issues/x", true},
	}
	for _, tt := range tests {
		res := do(t, h, tt.method, tt.path, nil)
		if got := res.StatusCode == http.StatusTeapot; got != tt.toAPI {
			t.Errorf("%s %s: went to the API %v, want %v", tt.method, tt.path, got, tt.toAPI)
		}
		if got := web.IsPage(tt.path); tt.method == "GET" && got == tt.toAPI {
			t.Errorf("IsPage(%q) = %v", tt.path, got)
		}
	}
}

// TestNoExternalReferences checks that no asset loads anything from another
// host: no absolute or protocol-relative URL in src, href, url() or fetch.
func TestNoExternalReferences(t *testing.T) {
	ref := regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//|fetch\(\s*["'](https?:)?//|@import`)
	err := filepath.WalkDir("static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if m := ref.Find(b); m != nil {
			t.Errorf("%s refers to another host: %q", p, m)
		}
		// The SVG namespace is a name, not a request.
		rest := strings.ReplaceAll(string(b), "http://www.w3.org/2000/svg", "")
		if i := strings.Index(rest, "://"); i >= 0 {
			t.Errorf("%s holds a URL near %q", p, rest[max(0, i-20):min(len(rest), i+20)])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
