package chattest_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/veille/veille/chat/chattest"
)

func post(t *testing.T, srv *chattest.Server, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func TestWireFormat(t *testing.T) {
	srv := chattest.NewServer(t,
		chattest.Reply{Content: "Bonjour [1]."},
		chattest.Reply{Content: "Bonjour à tous [1]."},
		chattest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "2"},
	)
	const msgs = `"messages":[{"role":"system","content":"s"},{"role":"user","content":"q"}]`

	t.Run("json", func(t *testing.T) {
		res := post(t, srv, `{"model":"m",`+msgs+`}`)
		var got struct {
			Object  string `json:"object"`
			Choices []struct {
				Message      struct{ Role, Content string } `json:"message"`
				FinishReason string                         `json:"finish_reason"`
			} `json:"choices"`
		}
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 || got.Object != "chat.completion" || got.Choices[0].Message.Content != "Bonjour [1]." ||
			got.Choices[0].Message.Role != "assistant" || got.Choices[0].FinishReason != "stop" {
			t.Errorf("status %d body %+v", res.StatusCode, got)
		}
	})

	t.Run("sse", func(t *testing.T) {
		res := post(t, srv, `{"model":"m","stream":true,`+msgs+`}`)
		if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Errorf("Content-Type %q", ct)
		}
		var content strings.Builder
		var events []string
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				continue
			}
			data, ok := strings.CutPrefix(line, "data: ")
			if !ok {
				t.Fatalf("line %q is not a data line", line)
			}
			events = append(events, data)
			if data == "[DONE]" {
				continue
			}
			var chunk struct {
				Object  string `json:"object"`
				Choices []struct {
					Delta struct{ Content string } `json:"delta"`
				} `json:"choices"`
			}
			if err := json.Unmarshal([]byte(data), &chunk); err != nil {
				t.Fatalf("chunk %q: %v", data, err)
			}
			if chunk.Object != "chat.completion.chunk" {
				t.Errorf("object %q", chunk.Object)
			}
			content.WriteString(chunk.Choices[0].Delta.Content)
		}
		if content.String() != "Bonjour à tous [1]." || events[len(events)-1] != "[DONE]" {
			t.Errorf("content %q, events %q", content.String(), events)
		}
	})

	t.Run("error", func(t *testing.T) {
		res := post(t, srv, `{"model":"m",`+msgs+`}`)
		var got struct {
			Error struct{ Message, Type string } `json:"error"`
		}
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 429 || res.Header.Get("Retry-After") != "2" || got.Error.Type != "rate_limit_exceeded" {
			t.Errorf("status %d, Retry-After %q, body %+v", res.StatusCode, res.Header.Get("Retry-After"), got)
		}
	})

	reqs := srv.Requests()
	if len(reqs) != 3 || !reqs[1].Stream || reqs[0].Messages[1] != (chattest.Message{Role: "user", Content: "q"}) {
		t.Errorf("requests %+v", reqs)
	}
}
