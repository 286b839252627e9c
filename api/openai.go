package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/chat"
	"github.com/veille/veille/qa"
)

// chatRequest is the part of an OpenAI chat completion request that veille
// reads; other fields (temperature, max_tokens…) are accepted and ignored.
type chatRequest struct {
	Model    string        `json:"model"`
	Messages []chatMessage `json:"messages"`
	Stream   bool          `json:"stream"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// text returns a message's content, a string or an array of parts of which
// the text parts are joined.
func (m chatMessage) text() (string, bool) {
	var s string
	if err := json.Unmarshal(m.Content, &s); err == nil {
		return s, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(p.Text)
		}
	}
	return b.String(), true
}

type chatChoice struct {
	Index        int      `json:"index"`
	Message      *chatOut `json:"message,omitempty"`
	Delta        *chatOut `json:"delta,omitempty"`
	FinishReason *string  `json:"finish_reason"`
}

type chatOut struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content"`
}

type chatUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// chatResponse is a chat completion, or one chunk of a streamed one. The
// citations field is veille's addition: the cited passages.
type chatResponse struct {
	ID        string        `json:"id"`
	Object    string        `json:"object"`
	Created   int64         `json:"created"`
	Model     string        `json:"model"`
	Choices   []chatChoice  `json:"choices"`
	Usage     *chatUsage    `json:"usage,omitempty"`
	Citations []qa.Citation `json:"citations,omitempty"`
}

// chatCompletions serves POST /v1/chat/completions, so that OpenAI clients
// and chat interfaces can use the archive as a model: the last user
// message is the question, earlier messages its history. The answer is the
// same as /v1/ask's, with its sources listed at the end. Streaming sends
// the verified answer in chunks, never unverified text.
func (s *Server) chatCompletions(c *gin.Context) {
	var req chatRequest
	if err := s.decodeJSON(c, &req, s.cfg.MaxBodyBytes, false); err != nil {
		s.fail(c, err)
		return
	}
	q, err := s.chatQuery(req)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.spend(c, s.askLimit) {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
	defer cancel()
	resp, err := s.asker.Ask(ctx, q)
	if err != nil {
		s.fail(c, err)
		return
	}
	content := withSources(resp)
	out := chatResponse{
		ID: "chatcmpl-" + requestIDOf(c), Created: time.Now().Unix(), Model: s.cfg.ModelName,
		Citations: resp.Citations,
	}
	stop := "stop"
	if !req.Stream {
		out.Object = "chat.completion"
		out.Choices = []chatChoice{{Message: &chatOut{Role: "assistant", Content: content}, FinishReason: &stop}}
		out.Usage = &chatUsage{}
		c.JSON(http.StatusOK, out)
		return
	}
	out.Object = "chat.completion.chunk"
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	c.Status(http.StatusOK)
	send := func(delta chatOut, finish *string) bool {
		out.Choices = []chatChoice{{Delta: &delta, FinishReason: finish}}
		b, _ := json.Marshal(out)
		out.Citations = nil // sent with the first chunk only
		if _, err := fmt.Fprintf(c.Writer, "data: %s\n\n", b); err != nil {
			return false
		}
		c.Writer.Flush()
		return c.Request.Context().Err() == nil
	}
	if !send(chatOut{Role: "assistant"}, nil) {
		return
	}
	for _, piece := range chunks(content, 80) {
		if !send(chatOut{Content: piece}, nil) {
			return
		}
	}
	if send(chatOut{}, &stop) {
		fmt.Fprint(c.Writer, "data: [DONE]\n\n")
		c.Writer.Flush()
	}
}

// chatQuery turns OpenAI messages into a question and its history.
func (s *Server) chatQuery(req chatRequest) (qa.Request, error) {
	if len(req.Messages) == 0 {
		return qa.Request{}, invalid("messages", "at least one message is required")
	}
	var turns []chat.Turn
	for i, m := range req.Messages {
		text, ok := m.text()
		field := fmt.Sprintf("messages[%d]", i)
		if !ok {
			return qa.Request{}, invalid(field+".content", "must be a string or an array of parts")
		}
		switch m.Role {
		case "system", "developer", "tool":
		case "user", "assistant":
			turns = append(turns, chat.Turn{Role: m.Role, Content: text})
		default:
			return qa.Request{}, invalid(field+".role", "must be system, user or assistant")
		}
	}
	if len(turns) == 0 || turns[len(turns)-1].Role != "user" {
		return qa.Request{}, invalid("messages", "the last message must be the user's question")
	}
	last := turns[len(turns)-1]
	question, err := s.text("messages", last.Content)
	if err != nil {
		return qa.Request{}, err
	}
	history := turns[:len(turns)-1]
	if len(history) > maxHistory {
		history = history[len(history)-maxHistory:]
	}
	if err := s.history(history); err != nil {
		return qa.Request{}, err
	}
	return qa.Request{Question: question, History: history, K: askPassages, Mode: archive.Hybrid}, nil
}

// withSources appends the cited passages to an answer.
func withSources(resp qa.Response) string {
	if len(resp.Citations) == 0 {
		return resp.Answer
	}
	var b bytes.Buffer
	b.WriteString(resp.Answer)
	b.WriteString("\n\nSources:")
	for _, c := range resp.Citations {
		fmt.Fprintf(&b, "\n[%d] %s · %s (%s)", c.N, c.Date, c.Headline, c.ID)
	}
	return b.String()
}

// chunks cuts s into pieces of about n bytes, at spaces where it can and
// never inside a UTF-8 sequence.
func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := strings.LastIndexByte(s[:n], ' ') + 1
		if cut <= 0 {
			cut = n
			for cut < len(s) && !utf8.RuneStart(s[cut]) {
				cut++
			}
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// modelList is an OpenAI model list: the one model that
// /v1/chat/completions answers as.
type modelList struct {
	Object string      `json:"object"` // "list"
	Data   []modelInfo `json:"data"`
}

type modelInfo struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "model"
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// models serves GET /v1/models, which OpenAI clients and chat interfaces
// call first to list the models they may choose.
func (s *Server) models(c *gin.Context) {
	c.JSON(http.StatusOK, modelList{Object: "list", Data: []modelInfo{
		{ID: s.cfg.ModelName, Object: "model", Created: s.started.Unix(), OwnedBy: "veille"},
	}})
}
