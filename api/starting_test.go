package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/veille/veille/api"
)

func TestStarting(t *testing.T) {
	srv := httptest.NewServer(api.Starting(func() string { return "building the index" }))
	defer srv.Close()

	r := do(t, "GET", srv.URL+"/healthz", "", "")
	mustStatus(t, r, http.StatusOK)
	if r.body["status"] != "starting" || r.header.Get("X-Request-ID") == "" {
		t.Fatalf("GET /healthz while starting: %s %v", r.raw, r.header)
	}
	for _, path := range []string{"/readyz", "/v1/search?q=x", "/"} {
		r := do(t, "GET", srv.URL+path, "", "")
		mustStatus(t, r, http.StatusServiceUnavailable)
		if r.ctype != "application/problem+json" || r.body["type"] != "/problems/starting" ||
			r.body["detail"] != "building the index" || r.header.Get("Retry-After") == "" ||
			r.body["request_id"] != r.header.Get("X-Request-ID") {
			t.Fatalf("GET %s while starting: %s %v", path, r.raw, r.header)
		}
	}

	// A client that writes a large upload whole before reading gets the
	// 503, not a reset connection.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := strings.Repeat("Un paragraphe de la lettre.\n", 300_000) // 8.4 MB
	if _, err := fmt.Fprintf(conn, "POST /v1/issues HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		t.Fatalf("writing an upload while starting: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p struct{ Type string }
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != http.StatusServiceUnavailable || p.Type != "/problems/starting" {
		t.Fatalf("upload while starting: %d %+v %v", res.StatusCode, p, err)
	}
}
