package api

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
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

type ingestResponse struct {
	Added     int              `json:"added"`
	Changed   int              `json:"changed"`
	Unchanged int              `json:"unchanged"`
	Removed   int              `json:"removed"`
	Issues    []archive.Result `json:"issues"`
}

// formats maps upload media types to parsers; "" detects from the content.
var formats = map[string]ingest.Format{
	"":                     ingest.FormatDetect,
	"text/plain":           ingest.FormatDetect,
	"text/markdown":        ingest.FormatMarkdown,
	"text/x-markdown":      ingest.FormatMarkdown,
	"application/x-ndjson": ingest.FormatJSONL,
	"application/jsonl":    ingest.FormatJSONL,
	"application/x-jsonl":  ingest.FormatJSONL,
}

// postIssue ingests one issue (or, for JSON Lines, one issue per date).
func (s *Server) postIssue(c *gin.Context) {
	docs, err := s.parseUpload(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.IngestTimeout)
	defer cancel()
	resp := ingestResponse{Issues: make([]archive.Result, 0, len(docs))}
	for _, doc := range docs {
		res, err := s.arch.Ingest(ctx, doc)
		if err != nil {
			s.fail(c, err)
			return
		}
		resp.Added += res.Added
		resp.Changed += res.Changed
		resp.Unchanged += res.Unchanged
		resp.Removed += res.Removed
		resp.Issues = append(resp.Issues, res)
	}
	status := http.StatusOK
	if resp.Added+resp.Changed+resp.Removed > 0 {
		status = http.StatusCreated
	}
	c.JSON(status, resp)
}

func (s *Server) parseUpload(c *gin.Context) ([]ingest.Document, error) {
	mt := mediaType(c)
	if mt == "application/json" {
		var req issueJSON
		if err := s.bindJSON(c, &req, s.cfg.MaxIssueBytes); err != nil {
			return nil, err
		}
		doc, err := ingest.ParseJSON(cmpSource(req.Source), req.Date, req.Headlines, req.Text)
		if err != nil {
			return nil, err
		}
		return []ingest.Document{doc}, nil
	}
	format, ok := formats[mt]
	if !ok {
		return nil, &apiError{kind: kindMediaType,
			detail: "send text/plain (raw issue), text/markdown, application/x-ndjson or application/json"}
	}
	if f := c.Query("format"); f != "" {
		switch ingest.Format(f) {
		case ingest.FormatRaw, ingest.FormatMarkdown, ingest.FormatJSONL:
			format = ingest.Format(f)
		default:
			return nil, invalid("format", "must be raw, markdown or jsonl")
		}
	}
	body, err := readBody(c, s.cfg.MaxIssueBytes)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, &apiError{kind: kindMalformed, detail: "the body is empty"}
	}
	return ingest.Parse(cmpSource(c.Query("source")), body, format)
}

// cmpSource names an upload: the caller's name for it, or "upload".
func cmpSource(name string) string {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || len(name) > 256 {
		return "upload"
	}
	return name
}

type issuesResponse struct {
	Issues []store.IssueSummary `json:"issues"`
}

func (s *Server) listIssues(c *gin.Context) {
	issues, err := s.arch.Issues(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	if issues == nil {
		issues = []store.IssueSummary{}
	}
	c.JSON(http.StatusOK, issuesResponse{Issues: issues})
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
