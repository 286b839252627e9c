package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/jobs"
)

var errNoReindex = &apiError{kind: kindConflict,
	detail: "no next embedder is configured: set VEILLE_NEXT_EMBED_* (see the README, \"Changing the embedding model\")"}

type jobsResponse struct {
	Jobs []jobs.Status `json:"jobs"`
}

// listJobs answers GET /v1/jobs: the running and recently ended jobs.
func (s *Server) listJobs(c *gin.Context) {
	c.JSON(http.StatusOK, jobsResponse{Jobs: s.jobs.List()})
}

// getJob answers GET /v1/jobs/{id}: a job's progress.
func (s *Server) getJob(c *gin.Context) {
	st, err := s.jobs.Get(c.Param("id"))
	if err != nil {
		s.fail(c, jobError(err))
		return
	}
	c.JSON(http.StatusOK, st)
}

// cancelJob answers DELETE /v1/jobs/{id}: it asks the job to stop at its
// next safe point and answers with its status, still running; a job that
// has ended is a 409.
func (s *Server) cancelJob(c *gin.Context) {
	id := c.Param("id")
	st, err := s.jobs.Get(id)
	if err != nil {
		s.fail(c, jobError(err))
		return
	}
	if st.State != jobs.Running {
		s.fail(c, &apiError{kind: kindConflict, detail: fmt.Sprintf("the job has already ended (%s): there is nothing to cancel", st.State)})
		return
	}
	if err := s.jobs.Cancel(id); err != nil {
		s.fail(c, jobError(err))
		return
	}
	if st, err = s.jobs.Get(id); err != nil {
		s.fail(c, jobError(err))
		return
	}
	c.JSON(http.StatusAccepted, st)
}

// reindex answers POST /v1/reindex: it starts re-embedding the archive with
// the next embedder in the background (or finds the reindex already
// running) and answers 202 with the job, whose progress is at
// /v1/jobs/{id}.
func (s *Server) reindex(c *gin.Context) {
	if s.cfg.Reindex == nil {
		s.fail(c, errNoReindex)
		return
	}
	id, err := s.cfg.Reindex(c.Request.Context(), s.jobs)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.accepted(c, id)
}

// accepted answers 202 with the status of the job just started, and its
// address in Location.
func (s *Server) accepted(c *gin.Context, id string) {
	st, err := s.jobs.Get(id)
	if err != nil {
		s.fail(c, jobError(err))
		return
	}
	c.Header("Location", "/v1/jobs/"+id)
	c.JSON(http.StatusAccepted, st)
}

func jobError(err error) error {
	if errors.Is(err, jobs.ErrUnknown) {
		return &apiError{kind: kindNotFound, detail: "no such job (ended jobs are kept for a while, not forever)", err: err}
	}
	return err
}

// ReindexFunc starts a reindex as a job in reg, or finds the running one,
// and returns its id.
type ReindexFunc func(ctx context.Context, reg *jobs.Registry) (string, error)
