package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestProgressRateAndETA(t *testing.T) {
	r := NewRegistry(0)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return clock }
	step, release := make(chan struct{}), make(chan struct{})
	id := r.Start(t.Context(), "reindex", "", func(ctx context.Context, p *Progress) (any, error) {
		p.SetTotal(100)
		p.Resume(20)
		p.Add(30)
		step <- struct{}{}
		<-release
		p.Add(50)
		return "ok", nil
	})
	<-step
	clock = clock.Add(10 * time.Second)
	s, err := r.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != Running || s.Kind != "reindex" || s.Done != 50 || s.Total != 100 {
		t.Fatalf("running status = %+v", s)
	}
	// 30 units in 10 s by this run (the 20 resumed ones don't count): 3/s,
	// 50 left: ETA 16.7 s.
	if s.Rate != 3 || s.ETA == nil || *s.ETA < 16.6 || *s.ETA > 16.7 {
		t.Fatalf("rate %v, eta %v", s.Rate, s.ETA)
	}
	if got, ok := r.Running("reindex"); !ok || got.ID != id {
		t.Fatalf("Running(reindex) = %+v, %v", got, ok)
	}
	close(release)
	s, err = r.Wait(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != Done || s.Done != 100 || s.Result != "ok" || s.FinishedAt == nil || s.ETA != nil {
		t.Fatalf("done status = %+v", s)
	}
	if _, ok := r.Running("reindex"); ok {
		t.Fatal("an ended job is reported running")
	}
}

func TestCancelFailAndShutdown(t *testing.T) {
	r := NewRegistry(0)
	blocked := func(ctx context.Context, _ *Progress) (any, error) {
		<-ctx.Done()
		return nil, fmt.Errorf("stopped: %w", ctx.Err())
	}
	a := r.Start(t.Context(), "ingest", "job-a", blocked)
	if a != "job-a" {
		t.Fatalf("id = %q, want the one given", a)
	}
	if err := r.Cancel(a); err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Wait(t.Context(), a); s.State != Canceled || !strings.HasPrefix(s.Error, "canceled: ") || strings.Contains(s.Error, "context") {
		t.Fatalf("canceled job: %+v; want its error to say so in users' words", s)
	}

	b := r.Start(t.Context(), "ingest", "", func(context.Context, *Progress) (any, error) {
		return nil, errors.New("disk full")
	})
	if s, _ := r.Wait(t.Context(), b); s.State != Failed || s.Error != "disk full" {
		t.Fatalf("failed job: %+v", s)
	}
	// A job that returns context.Canceled on its own, not canceled, failed.
	c := r.Start(t.Context(), "ingest", "", func(context.Context, *Progress) (any, error) {
		return nil, context.Canceled
	})
	if s, _ := r.Wait(t.Context(), c); s.State != Failed {
		t.Fatalf("job returning Canceled by itself: %+v", s)
	}

	d := r.Start(t.Context(), "reindex", "", blocked)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Get(d); s.State != Canceled {
		t.Fatalf("after shutdown: %+v", s)
	}
	if _, err := r.Get("nope"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("unknown id: %v", err)
	}
	if err := r.Cancel("nope"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("cancel unknown id: %v", err)
	}
	list := r.List()
	if len(list) != 4 || list[0].ID != d || list[3].ID != a {
		t.Fatalf("List = %+v, want newest first", list)
	}
}

func TestKeepsRecentEndedJobs(t *testing.T) {
	r := NewRegistry(2)
	for i := range 5 {
		id := r.Start(t.Context(), "ingest", fmt.Sprint(i), func(context.Context, *Progress) (any, error) { return i, nil })
		if _, err := r.Wait(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	// Forgetting happens when a job starts: the fifth start saw four ended
	// jobs and kept two, then the fifth ended too.
	list := r.List()
	if len(list) != 3 || list[0].ID != "4" || list[2].ID != "2" {
		t.Fatalf("kept %+v", list)
	}
	if _, err := r.Get("0"); !errors.Is(err, ErrUnknown) {
		t.Fatal("the oldest job was not forgotten")
	}
}

func TestContextDeadlineNotInherited(t *testing.T) {
	r := NewRegistry(0)
	ctx, cancel := context.WithCancel(t.Context())
	id := r.Start(ctx, "ingest", "", func(ctx context.Context, _ *Progress) (any, error) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
			return "finished", nil
		}
	})
	cancel() // the request that started the job ends; the job goes on
	if s, _ := r.Wait(t.Context(), id); s.State != Done {
		t.Fatalf("job stopped with the request that started it: %+v", s)
	}
}

// TestResumedJobReplacesItsID starts a job again under the id of one that
// was canceled, as a resumed reindex does, then more jobs than the
// registry keeps: the id is listed once, and nothing fails.
func TestResumedJobReplacesItsID(t *testing.T) {
	r := NewRegistry(3)
	blocked := func(ctx context.Context, _ *Progress) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	id := r.Start(t.Context(), "reindex", "job-r", blocked)
	if err := r.Cancel(id); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Wait(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	r.Start(t.Context(), "reindex", id, func(context.Context, *Progress) (any, error) { return "done", nil })
	if s, err := r.Wait(t.Context(), id); err != nil || s.State != Done {
		t.Fatalf("resumed job: %+v, %v", s, err)
	}
	seen := 0
	for _, s := range r.List() {
		if s.ID == id {
			seen++
		}
	}
	if seen != 1 {
		t.Fatalf("the resumed job is listed %d times", seen)
	}
	for range 5 {
		j := r.Start(t.Context(), "ingest", "", func(context.Context, *Progress) (any, error) { return nil, nil })
		if _, err := r.Wait(t.Context(), j); err != nil {
			t.Fatal(err)
		}
	}
	// The last job ended after the last Start, which forgets jobs.
	if got := len(r.List()); got != 4 {
		t.Fatalf("%d jobs listed, want the 3 kept and the last", got)
	}
}
