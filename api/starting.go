package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// kindStarting is the problem of every request but the liveness probe while
// the server opens its archive.
var kindStarting = kind{"/problems/starting", "The server is starting, retry later", http.StatusServiceUnavailable}

// startingDrain is the most of a request body that [Starting] reads: the
// default limit of an upload (Config.MaxUploadBytes).
const startingDrain = 64 << 20

// Starting returns what a server answers while it opens its archive, which
// may take a while (an index to build, a folder to ingest): GET and HEAD
// /healthz answer 200 {"status": "starting"}, since the process is alive,
// and every other request, /readyz included, a 503 /problems/starting whose
// detail is stage() (what the start is doing), with Retry-After.
func Starting(stage func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestIDFor(r)
		w.Header().Set(headerRequestID, id)
		if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			if r.Method == http.MethodGet {
				_ = json.NewEncoder(w).Encode(statusResponse{Status: "starting"})
			}
			return
		}
		// An upload sent meanwhile is read and dropped, up to a bound, so
		// that a client that writes its whole body before it reads (no
		// "Expect: 100-continue") gets the 503 rather than a reset.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, startingDrain))
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		w.WriteHeader(kindStarting.status)
		if r.Method != http.MethodHead {
			_ = json.NewEncoder(w).Encode(kindStarting.problem(stage(), r.URL.Path, id))
		}
	})
}
