package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/store"
)

const defaultK = 10

// itemResponse is an item as the API shows it.
type itemResponse struct {
	ID       string `json:"id"`
	IssueID  string `json:"issue_id"`
	Ordinal  int    `json:"ordinal"`
	Date     string `json:"date,omitempty"`
	Headline string `json:"headline,omitempty"`
	Link     string `json:"link,omitempty"`
	Text     string `json:"text"`
}

func newItem(it store.Item) itemResponse {
	return itemResponse{ID: it.ID, IssueID: it.IssueID, Ordinal: it.Ordinal, Date: it.Date, Headline: it.Headline, Link: it.Link, Text: it.Text}
}

// hit is a search result.
type hit struct {
	ID        string             `json:"id"`
	IssueID   string             `json:"issue_id"`
	Date      string             `json:"date,omitempty"`
	Headline  string             `json:"headline,omitempty"`
	Link      string             `json:"link,omitempty"`
	Text      string             `json:"text"`
	Score     float32            `json:"score"`
	Highlight *archive.Highlight `json:"highlight,omitempty"`
	AlsoIn    []archive.Also     `json:"also_in,omitempty"`
}

func newHits(hs []archive.Hit) []hit {
	out := make([]hit, len(hs))
	for i, h := range hs {
		out[i] = hit{ID: h.ID, IssueID: h.IssueID, Date: h.Date, Headline: h.Headline, Link: h.Link, Text: h.Text, Score: h.Score, Highlight: h.Highlight, AlsoIn: h.AlsoIn}
	}
	return out
}

// mode validates a search mode; "" is hybrid.
func mode(v string) (archive.Mode, error) {
	m, ok := archive.ParseMode(v)
	if !ok {
		return "", invalid("mode", "must be hybrid, vector or lexical")
	}
	return m, nil
}

type searchResponse struct {
	Query string       `json:"query,omitempty"`
	Mode  archive.Mode `json:"mode"`
	K     int          `json:"k"`
	From  string       `json:"from,omitempty"`
	To    string       `json:"to,omitempty"`
	Hits  []hit        `json:"hits"`
}

// search serves GET /v1/search?q=&k=&from=&to=.
func (s *Server) search(c *gin.Context) {
	q, err := s.text("q", c.Query("q"))
	if err != nil {
		s.fail(c, err)
		return
	}
	k, err := s.queryK(c, defaultK)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := queryRange(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	m, err := mode(c.Query("mode"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	collapse, err := queryBool(c, "collapse")
	if err != nil {
		s.fail(c, err)
		return
	}
	hits, err := s.arch.Search(ctx, archive.Query{Text: q, K: k, Range: r, Mode: m, Collapse: collapse})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, searchResponse{Query: q, Mode: m, K: k, From: r.From, To: r.To, Hits: newHits(hits)})
}

type similarRequest struct {
	Text string `json:"text"`
	K    *int   `json:"k"`
	From string `json:"from"`
	To   string `json:"to"`
}

type similarResponse struct {
	ID   string `json:"id,omitempty"`
	K    int    `json:"k"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	Hits []hit  `json:"hits"`
}

// similarText serves POST /v1/similar.
func (s *Server) similarText(c *gin.Context) {
	var req similarRequest
	if err := s.bindJSON(c, &req, s.cfg.MaxBodyBytes); err != nil {
		s.fail(c, err)
		return
	}
	text, err := s.text("text", req.Text)
	if err != nil {
		s.fail(c, err)
		return
	}
	k, err := s.k("k", req.K, defaultK)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := dateRange(req.From, req.To)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	hits, err := s.arch.SimilarText(ctx, text, archive.Similar{K: k, Range: r})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, similarResponse{K: k, From: r.From, To: r.To, Hits: newHits(hits)})
}

// similarItem serves GET /v1/items/{id}/similar.
func (s *Server) similarItem(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	k, err := s.queryK(c, defaultK)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := queryRange(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	exclude, err := queryBool(c, "exclude_same_issue")
	if err != nil {
		s.fail(c, err)
		return
	}
	hits, err := s.arch.SimilarItem(c.Request.Context(), id, archive.Similar{K: k, Range: r, ExcludeSameIssue: exclude})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, similarResponse{ID: id, K: k, From: r.From, To: r.To, Hits: newHits(hits)})
}

// getItem serves GET /v1/items/{id}.
func (s *Server) getItem(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	it, err := s.arch.Item(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, newItem(it))
}

type threadResponse struct {
	ID    string `json:"id"`
	Items []hit  `json:"items"`
}

// thread serves GET /v1/items/{id}/thread: the item's story across issues,
// in date order.
func (s *Server) thread(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.arch.Thread(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, threadResponse{ID: id, Items: newHits(items)})
}

// queryBool reads a boolean query parameter; absent is false.
func queryBool(c *gin.Context, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, invalid(name, "must be true or false")
}
