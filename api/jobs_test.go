package api_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/veille/veille/api"
	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/jobs"
	"github.com/veille/veille/store"
)

// TestReindexAndJobRoutes starts a real reindex of a real archive over
// HTTP, follows and cancels jobs, and validates every exchange against
// openapi.json.
func TestReindexAndJobRoutes(t *testing.T) {
	s := loadSpec(t)
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	arch, err := archive.Open(t.Context(), db, embed.NewBuiltin(0), archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		t.Fatal(err)
	}
	reg := jobs.NewRegistry(0)
	defer reg.Shutdown(context.Background())
	next := embed.NewBuiltin(64)
	srv := httptest.NewServer(api.NewHandler(arch, api.Config{
		Jobs: reg,
		Reindex: func(ctx context.Context, reg *jobs.Registry) (string, error) {
			id := jobs.NewID()
			return reg.Start(ctx, "reindex", id, func(ctx context.Context, p *jobs.Progress) (any, error) {
				return arch.Reindex(ctx, next, id, p)
			}), nil
		},
	}, nil))
	defer srv.Close()
	base := srv.URL
	s.run(t, base, exchange{name: "ingest", method: "POST", path: "/v1/issues", ctype: "text/plain", body: issueJan, status: 201})

	started := send(t, base, exchange{method: "POST", path: "/v1/reindex"})
	s.check(t, base, exchange{method: "POST", path: "/v1/reindex", status: 202}, started)
	var job jobs.Status
	if err := json.Unmarshal(started.body, &job); err != nil || job.Kind != "reindex" {
		t.Fatalf("POST /v1/reindex: %v %s", err, started.body)
	}
	if loc := started.Header.Get("Location"); loc != "/v1/jobs/"+job.ID {
		t.Fatalf("Location %q", loc)
	}
	done, err := reg.Wait(t.Context(), job.ID)
	if err != nil || done.State != jobs.Done {
		t.Fatalf("reindex job: %+v, %v", done, err)
	}
	s.run(t, base, exchange{name: "job", method: "GET", path: "/v1/jobs/" + job.ID, status: 200})
	s.run(t, base, exchange{name: "jobs", method: "GET", path: "/v1/jobs", status: 200})
	if st, _ := arch.Stats(t.Context()); st.Embedder != next.Identity() {
		t.Fatalf("embedder after the reindex: %+v", st.Embedder)
	}
	blocked := reg.Start(t.Context(), "ingest", "", func(ctx context.Context, _ *jobs.Progress) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	s.run(t, base, exchange{name: "cancel", method: "DELETE", path: "/v1/jobs/" + blocked, status: 202})
	if st, _ := reg.Wait(t.Context(), blocked); st.State != jobs.Canceled {
		t.Fatalf("canceled job: %+v", st)
	}
	// Ended jobs have nothing to cancel.
	for _, id := range []string{job.ID, blocked} {
		s.run(t, base, exchange{name: "cancel ended job", method: "DELETE", path: "/v1/jobs/" + id, status: 409, problem: "/problems/conflict"})
	}
	if st, _ := reg.Get(job.ID); st.State != jobs.Done {
		t.Fatalf("a finished job changed state when canceled: %+v", st)
	}
	s.run(t, base, exchange{name: "unknown job", method: "GET", path: "/v1/jobs/nope", status: 404, problem: "/problems/not-found"})
	s.run(t, base, exchange{name: "cancel unknown job", method: "DELETE", path: "/v1/jobs/nope", status: 404, problem: "/problems/not-found"})

	// A server without a next embedder answers 409.
	plain := newServerWith(t, api.Config{})
	s.run(t, plain, exchange{name: "no next embedder", method: "POST", path: "/v1/reindex", status: 409, problem: "/problems/conflict"})
}
