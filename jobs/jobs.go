// Package jobs runs long tasks (a reindex, a large ingest) in the
// background and reports their progress: how much is done out of how much,
// the rate and the time left.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// State is where a job is in its life.
type State string

// A job is running until it is done, failed or canceled.
const (
	Running  State = "running"
	Done     State = "done"
	Failed   State = "failed"
	Canceled State = "canceled"
)

// Status is a job's progress as callers see it.
type Status struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	State State  `json:"state"`
	// Done counts units of work (items, paragraphs) finished out of Total;
	// Total is 0 until the job knows it.
	Done  int64 `json:"done"`
	Total int64 `json:"total"`
	// Rate is the units done per second by this run of the job; ETA the
	// seconds left at that rate, absent while unknown.
	Rate       float64    `json:"rate"`
	ETA        *float64   `json:"eta_seconds,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	// Result is what the job returned, once done.
	Result any `json:"result,omitempty"`
}

// Progress is how a job reports its work. It is safe for concurrent use.
type Progress struct {
	done, total atomic.Int64
	base        atomic.Int64 // work done by an earlier run, left out of the rate
}

// SetTotal sets the amount of work.
func (p *Progress) SetTotal(n int64) { p.total.Store(n) }

// Resume records n units as done before this run began.
func (p *Progress) Resume(n int64) {
	p.base.Store(n)
	p.done.Store(n)
}

// Add counts n more units done.
func (p *Progress) Add(n int64) { p.done.Add(n) }

// Func is a job's work. It returns when done or when ctx is canceled.
type Func func(ctx context.Context, p *Progress) (any, error)

type job struct {
	id, kind string
	started  time.Time
	cancel   context.CancelFunc
	progress Progress
	finished chan struct{}

	mu     sync.Mutex // guards the fields below, set once when the job ends
	state  State
	ended  time.Time
	err    error
	result any
}

// Registry runs jobs and remembers the last ones that ended.
type Registry struct {
	keep int
	now  func() time.Time
	wg   sync.WaitGroup

	mu    sync.Mutex
	jobs  map[string]*job
	order []string // ids, oldest first
}

// NewRegistry returns a registry that remembers up to keep ended jobs
// (default 100); running jobs are always kept.
func NewRegistry(keep int) *Registry {
	if keep <= 0 {
		keep = 100
	}
	return &Registry{keep: keep, now: time.Now, jobs: map[string]*job{}}
}

// ErrUnknown is returned for a job id the registry does not know.
var ErrUnknown = errors.New("unknown job")

// Start runs fn in the background as a job of the given kind, under id (a
// new random id when empty), and returns its id. A job started under the
// id of one the registry keeps, as a resumed job is, replaces it. The job's context is
// derived from ctx without its deadline and canceled by [Registry.Cancel]
// and [Registry.Shutdown].
func (r *Registry) Start(ctx context.Context, kind, id string, fn Func) string {
	if id == "" {
		id = NewID()
	}
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j := &job{id: id, kind: kind, started: r.now(), cancel: cancel, state: Running, finished: make(chan struct{})}
	r.mu.Lock()
	if _, ok := r.jobs[id]; ok {
		// A job resumed under its id replaces the one that ended.
		r.order = slices.DeleteFunc(r.order, func(o string) bool { return o == id })
	}
	r.jobs[id] = j
	r.order = append(r.order, id)
	r.forget()
	r.mu.Unlock()

	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(j.finished)
		defer cancel()
		res, err := fn(jctx, &j.progress)
		j.mu.Lock()
		defer j.mu.Unlock()
		j.ended, j.result, j.err = r.now(), res, err
		switch {
		case err == nil:
			j.state = Done
		case errors.Is(err, context.Canceled) && jctx.Err() != nil:
			j.state = Canceled
		default:
			j.state = Failed
		}
	}()
	return id
}

// forget drops the oldest ended jobs beyond r.keep; r.mu is held.
func (r *Registry) forget() {
	ended := 0
	for _, id := range r.order {
		if r.jobs[id].status(r.now()).State != Running {
			ended++
		}
	}
	r.order = slices.DeleteFunc(r.order, func(id string) bool {
		if ended <= r.keep || r.jobs[id].status(r.now()).State == Running {
			return false
		}
		ended--
		delete(r.jobs, id)
		return true
	})
}

// Get returns a job's status.
func (r *Registry) Get(id string) (Status, error) {
	r.mu.Lock()
	j, ok := r.jobs[id]
	r.mu.Unlock()
	if !ok {
		return Status{}, ErrUnknown
	}
	return j.status(r.now()), nil
}

// List returns every job's status, most recent first.
func (r *Registry) List() []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Status, 0, len(r.order))
	for _, id := range slices.Backward(r.order) {
		out = append(out, r.jobs[id].status(r.now()))
	}
	return out
}

// Running returns the status of a running job of the given kind, if any.
func (r *Registry) Running(kind string) (Status, bool) {
	for _, s := range r.List() {
		if s.Kind == kind && s.State == Running {
			return s, true
		}
	}
	return Status{}, false
}

// Cancel asks a job to stop; it returns at once.
func (r *Registry) Cancel(id string) error {
	r.mu.Lock()
	j, ok := r.jobs[id]
	r.mu.Unlock()
	if !ok {
		return ErrUnknown
	}
	j.cancel()
	return nil
}

// Wait blocks until the job has ended or ctx is done, and returns its
// status.
func (r *Registry) Wait(ctx context.Context, id string) (Status, error) {
	r.mu.Lock()
	j, ok := r.jobs[id]
	r.mu.Unlock()
	if !ok {
		return Status{}, ErrUnknown
	}
	select {
	case <-j.finished:
		return j.status(r.now()), nil
	case <-ctx.Done():
		return j.status(r.now()), ctx.Err()
	}
}

// Shutdown cancels every running job and waits for them to stop, or for ctx
// to be done.
func (r *Registry) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	for _, j := range r.jobs {
		j.cancel()
	}
	r.mu.Unlock()
	stopped := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (j *job) status(now time.Time) Status {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := Status{
		ID: j.id, Kind: j.kind, State: j.state,
		Done: j.progress.done.Load(), Total: j.progress.total.Load(),
		StartedAt: j.started, Result: j.result,
	}
	end := now
	if j.state != Running {
		end = j.ended
		s.FinishedAt = &end
	}
	switch {
	case j.state == Canceled && errors.Is(j.err, context.Canceled):
		s.Error = "canceled: stopped at a safe point, what it did before stays"
	case j.err != nil:
		s.Error = j.err.Error()
	}
	if secs := end.Sub(j.started).Seconds(); secs > 0 {
		s.Rate = float64(s.Done-j.progress.base.Load()) / secs
	}
	if j.state == Running && s.Rate > 0 && s.Total >= s.Done {
		eta := float64(s.Total-s.Done) / s.Rate
		s.ETA = &eta
	}
	return s
}

// NewID returns a random job id.
func NewID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
