package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/chat"
	"github.com/veille/veille/qa"
)

type askRequest struct {
	Question string      `json:"question"`
	Mode     string      `json:"mode"`
	K        *int        `json:"k"`
	From     string      `json:"from"`
	To       string      `json:"to"`
	Stream   bool        `json:"stream"`
	Collapse bool        `json:"collapse"`
	History  []chat.Turn `json:"history"`
}

// askPassages is how many passages the answerer reads by default.
const askPassages = 5

// maxHistory bounds the earlier turns a question may carry.
const maxHistory = 20

// ask serves POST /v1/ask, as JSON or, with "stream": true or Accept:
// text/event-stream, as server-sent events.
func (s *Server) ask(c *gin.Context) {
	var req askRequest
	if err := s.bindJSON(c, &req, s.cfg.MaxBodyBytes); err != nil {
		s.fail(c, err)
		return
	}
	q, err := s.askQuery(req)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.spend(c, s.askLimit) {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	if req.Stream || strings.Contains(c.GetHeader("Accept"), "text/event-stream") {
		s.streamAnswer(ctx, c, q)
		return
	}
	resp, err := s.asker.Ask(ctx, q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

// askQuery validates an ask request.
func (s *Server) askQuery(req askRequest) (qa.Request, error) {
	q, err := s.text("question", req.Question)
	if err != nil {
		return qa.Request{}, err
	}
	k, err := s.k("k", req.K, askPassages)
	if err != nil {
		return qa.Request{}, err
	}
	r, err := dateRange(req.From, req.To)
	if err != nil {
		return qa.Request{}, err
	}
	m, err := mode(req.Mode)
	if err != nil {
		return qa.Request{}, err
	}
	if err := s.history(req.History); err != nil {
		return qa.Request{}, err
	}
	return qa.Request{Question: q, History: req.History, K: k, Range: r, Mode: m, Collapse: req.Collapse}, nil
}

// history validates earlier turns.
func (s *Server) history(turns []chat.Turn) error {
	if len(turns) > maxHistory {
		return invalid("history", fmt.Sprintf("at most %d turns", maxHistory))
	}
	for i, t := range turns {
		field := fmt.Sprintf("history[%d]", i)
		if t.Role != "user" && t.Role != "assistant" {
			return invalid(field+".role", "must be user or assistant")
		}
		if _, err := s.textLimit(field+".content", t.Content, 4*s.cfg.MaxQueryLen); err != nil {
			return err
		}
	}
	return nil
}

// sse writes server-sent events once the first one is ready, so that an
// error before it still gets a problem response.
type sse struct {
	c       *gin.Context
	started bool
}

func (w *sse) send(event string, v any) error {
	if !w.started {
		w.started = true
		h := w.c.Writer.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.c.Status(http.StatusOK)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w.c.Writer, "event: %s\ndata: %s\n\n", event, data); err != nil {
		return err
	}
	w.c.Writer.Flush()
	return w.c.Request.Context().Err()
}

type deltaEvent struct {
	Text string `json:"text"`
}

// streamAnswer sends the events citations (passages, numbered as the
// answer cites them), delta (answer text as it comes) and done (the final,
// verified response). Nothing is sent until the answer is known or a model
// streams it: a model's streamed answer is preceded by every passage it
// reads; an answer known at once (by extraction, or when the model's came
// in one piece) by the passages it cites, and an abstention by none. A
// client that goes away cancels the request's context, which cancels the
// model's request.
func (s *Server) streamAnswer(ctx context.Context, c *gin.Context, q qa.Request) {
	w := &sse{c: c}
	var passages []qa.Passage
	var held []string // deltas held until a second one shows that the answer streams
	streaming := false
	resp, err := s.asker.Stream(ctx, q,
		func(ps []qa.Passage) error {
			passages = ps
			return nil
		},
		func(d string) error {
			if streaming {
				return w.send("delta", deltaEvent{Text: d})
			}
			if held = append(held, d); len(held) < 2 {
				return nil
			}
			streaming = true
			return w.sendAll(passages, held)
		})
	switch {
	case err != nil && !w.started:
		s.fail(c, err)
	case err != nil:
		if c.Request.Context().Err() == nil {
			ae := classify(err)
			_ = w.send("error", ae.problem(ae.detail, "", requestIDOf(c)))
		}
	case streaming:
		_ = w.send("done", resp)
	default:
		var text []string
		if resp.Answer != "" {
			text = []string{resp.Answer}
		}
		if w.sendAll(cited(resp.Citations), text) == nil {
			_ = w.send("done", resp)
		}
	}
}

// sendAll sends the citations event, unless there is no passage, then a
// delta event for each piece of text.
func (w *sse) sendAll(passages []qa.Passage, text []string) error {
	if len(passages) > 0 {
		if err := w.send("citations", passages); err != nil {
			return err
		}
	}
	for _, t := range text {
		if err := w.send("delta", deltaEvent{Text: t}); err != nil {
			return err
		}
	}
	return nil
}

// cited returns the passages an answer cites, numbered as it cites them.
func cited(cs []qa.Citation) []qa.Passage {
	out := make([]qa.Passage, len(cs))
	for i, c := range cs {
		out[i] = qa.Passage{N: c.N, ID: c.ID, IssueID: c.IssueID, Date: c.Date, Headline: c.Headline, Link: c.Link, Text: c.Text, Score: c.Score}
	}
	return out
}
