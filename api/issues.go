package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/jobs"
	"github.com/veille/veille/store"
)

// issueJSON is the JSON form of an issue upload; Text is the issue's
// paragraphs separated by blank lines, headlines standing alone or not.
type issueJSON struct {
	Date      string   `json:"date"`
	Headlines []string `json:"headlines"`
	Text      string   `json:"text"`
	Source    string   `json:"source"`
}

// ingestResponse is the summary of an upload: totals over its issues, each
// issue's result, and what became of each file.
type ingestResponse struct {
	Added     int              `json:"added"`
	Changed   int              `json:"changed"`
	Unchanged int              `json:"unchanged"`
	Removed   int              `json:"removed"`
	Failed    int              `json:"failed"` // files
	Issues    []archive.Result `json:"issues"`
	Files     []fileResult     `json:"files"`
}

// postIssue ingests an upload: one issue (or, for JSON Lines and feeds,
// several) in the body, or files in a multipart/form-data body. With
// ?async=true it answers 202 at once and ingests in a background job.
//
// When every file is stored the answer is 201 if anything changed, else
// 200; when some files fail and others are stored, 207 with each file's
// status; when every file fails, the problem of a body alone, or for a
// multipart body the problem every file shares, its errors naming each file.
// A problem answered after some issues were stored lists them (stored).
func (s *Server) postIssue(c *gin.Context) {
	async, err := queryBool(c, "async")
	if err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.receive(c)
	if err != nil {
		if ae, ok := errors.AsType[*apiError](err); !ok || ae.kind != kindClientClosed {
			s.ingestFailed()
		}
		s.fail(c, err)
		return
	}
	if async {
		s.startIngest(c, u)
		return
	}
	defer u.remove()
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.IngestTimeout)
	defer cancel()
	resp, err := s.ingest(ctx, u, &jobs.Progress{})
	switch {
	case err != nil:
	case resp.Failed == len(u.files) && !u.multipart:
		err = resp.Files[0].err
	case resp.Failed == len(u.files):
		err = allFailed(resp.Files)
	}
	switch {
	case err != nil && len(resp.Issues) > 0:
		s.fail(c, storedBefore(err, resp))
	case err != nil:
		s.fail(c, err)
	case resp.Failed > 0:
		c.JSON(http.StatusMultiStatus, resp)
	case resp.Added+resp.Changed+resp.Removed > 0:
		c.JSON(http.StatusCreated, resp)
	default:
		c.JSON(http.StatusOK, resp)
	}
}

type issuesResponse struct {
	Issues []store.IssueSummary `json:"issues"`
	Total  int                  `json:"total"` // issues within the range, before limit and offset
}

// maxIssuesPage is the largest limit of GET /v1/issues.
const maxIssuesPage = 1000

// listIssues serves GET /v1/issues?from=&to=&limit=&offset=: the issues,
// newest first, dated within from..to, limit of them (all when absent)
// after skipping offset.
func (s *Server) listIssues(c *gin.Context) {
	r, err := queryRange(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	limit, err := queryCount(c, "limit", 1, maxIssuesPage)
	if err != nil {
		s.fail(c, err)
		return
	}
	offset, err := queryCount(c, "offset", 0, math.MaxInt32)
	if err != nil {
		s.fail(c, err)
		return
	}
	issues, err := s.arch.Issues(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	issues = slices.DeleteFunc(issues, func(iss store.IssueSummary) bool { return !r.Contains(iss.Date) })
	total := len(issues)
	issues = issues[min(offset, total):]
	if limit > 0 {
		issues = issues[:min(limit, len(issues))]
	}
	if issues == nil {
		issues = []store.IssueSummary{}
	}
	c.JSON(http.StatusOK, issuesResponse{Issues: issues, Total: total})
}

// queryCount reads an integer query parameter between lo and hi; absent,
// it is 0.
func queryCount(c *gin.Context, name string, lo, hi int) (int, error) {
	raw, ok := c.GetQuery(name)
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, invalid(name, fmt.Sprintf("must be an integer from %d to %d", lo, hi))
	}
	return n, nil
}

type issueResponse struct {
	ingest.Issue
	Items []itemResponse `json:"items"`
}

func (s *Server) getIssue(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	iss, items, err := s.arch.Issue(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	resp := issueResponse{Issue: iss, Items: make([]itemResponse, len(items))}
	for i, it := range items {
		resp.Items[i] = newItem(it)
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) deleteIssue(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.arch.DeleteIssue(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
