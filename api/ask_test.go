package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veille/veille/api"
	"github.com/veille/veille/chat"
	"github.com/veille/veille/chat/chattest"
)

const costQuestion = `{"question":"Combien a coûté l’entraînement de R1 ?","k":2}`

// modelServer serves the Jan issue with a scripted chat model.
func modelServer(t *testing.T, timeout time.Duration, script ...chattest.Reply) (string, *chattest.Server) {
	t.Helper()
	fake := chattest.NewServer(t, script...)
	model, err := chat.New(chat.Config{BaseURL: fake.URL, Model: "scripted", Timeout: timeout, MaxRetries: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, base := newHandlerWith(t, api.Config{}, model)
	mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issueJan), http.StatusCreated)
	return base, fake
}

type askResult struct {
	Answer    string `json:"answer"`
	Found     bool   `json:"found"`
	Generator string `json:"generator"`
	Notice    string `json:"notice"`
	Citations []struct {
		N        int    `json:"n"`
		Headline string `json:"headline"`
		Verified bool   `json:"verified"`
		Span     string `json:"span"`
	} `json:"citations"`
	Sentences []struct {
		Text      string `json:"text"`
		Supported bool   `json:"supported"`
	} `json:"sentences"`
}

func askJSON(t *testing.T, base, body string) askResult {
	t.Helper()
	r := do(t, "POST", base+"/v1/ask", "application/json", body)
	mustStatus(t, r, http.StatusOK)
	var res askResult
	if err := json.Unmarshal([]byte(r.raw), &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestAskWithModel(t *testing.T) {
	tests := []struct {
		name      string
		script    []chattest.Reply
		generator string
		check     func(t *testing.T, res askResult)
	}{
		{"correct citation", []chattest.Reply{{Content: "L’entraînement final de R1 a coûté 5,6 millions de dollars [1]."}}, "model",
			func(t *testing.T, res askResult) {
				if len(res.Citations) != 1 || !res.Citations[0].Verified || !strings.Contains(res.Citations[0].Span, "5,6 millions") {
					t.Errorf("citations %+v", res.Citations)
				}
				if !strings.Contains(res.Answer, "[1]") {
					t.Errorf("answer %q", res.Answer)
				}
			}},
		{"citation of a passage that was not sent", []chattest.Reply{{Content: "R1 a coûté 5,6 millions de dollars [7]."}}, "extractive",
			func(t *testing.T, res askResult) {
				for _, c := range res.Citations {
					if c.N == 7 {
						t.Errorf("passage 7 cited: %+v", c)
					}
				}
				if res.Notice == "" {
					t.Error("no notice")
				}
			}},
		{"claim not in its passage", []chattest.Reply{{Content: "L’entraînement de R1 a coûté 10 millions de dollars [1]."}}, "extractive",
			func(t *testing.T, res askResult) {
				if strings.Contains(res.Answer, "10 millions") || !strings.Contains(res.Answer, "5,6 millions") {
					t.Errorf("answer %q", res.Answer)
				}
			}},
		{"one supported sentence and one not", []chattest.Reply{{Content: "R1 a coûté 5,6 millions de dollars [1]. Stargate coûtera 900 milliards de dollars [2]."}}, "model",
			func(t *testing.T, res askResult) {
				if strings.Contains(res.Answer, "900") {
					t.Errorf("unsupported sentence kept: %q", res.Answer)
				}
				for _, c := range res.Citations {
					if c.N == 2 && c.Verified {
						t.Errorf("citation 2 verified: %+v", c)
					}
				}
				if len(res.Sentences) != 2 || res.Sentences[1].Supported {
					t.Errorf("sentences %+v", res.Sentences)
				}
			}},
		{"no citations at all", []chattest.Reply{{Content: "R1 est un modèle chinois très économique."}}, "extractive",
			func(t *testing.T, res askResult) {
				if res.Notice == "" || !strings.Contains(res.Answer, "5,6 millions") {
					t.Errorf("%+v", res)
				}
			}},
		{"429 then success", []chattest.Reply{{Status: 429, RetryAfter: "0"}, {Content: "R1 a coûté 5,6 millions de dollars [1]."}}, "model", nil},
		{"server down", []chattest.Reply{{Status: 503}, {Status: 503}, {Status: 503}}, "extractive",
			func(t *testing.T, res askResult) {
				if !strings.Contains(res.Notice, "indisponible") {
					t.Errorf("notice %q", res.Notice)
				}
			}},
		{"timeout", []chattest.Reply{{Delay: 3 * time.Second, Content: "trop tard [1]"}}, "extractive",
			func(t *testing.T, res askResult) {
				if !strings.Contains(res.Notice, "à temps") {
					t.Errorf("notice %q", res.Notice)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, fake := modelServer(t, 300*time.Millisecond, tt.script...)
			res := askJSON(t, base, costQuestion)
			if res.Generator != tt.generator || !res.Found {
				t.Fatalf("generator %q found %v, want %q: %+v", res.Generator, res.Found, tt.generator, res)
			}
			for _, c := range res.Citations {
				if c.Verified && c.Span == "" {
					t.Errorf("verified citation without span: %+v", c)
				}
			}
			if tt.check != nil {
				tt.check(t, res)
			}
			if n := len(fake.Requests()); n != len(tt.script) {
				t.Errorf("%d model requests, want %d", n, len(tt.script))
			}
		})
	}
}

func TestAskAbstainsWithoutCallingTheModel(t *testing.T) {
	base, fake := modelServer(t, time.Second)
	res := askJSON(t, base, `{"question":"Quelle est la recette de la tarte tatin ?"}`)
	if res.Found || len(res.Citations) != 0 || res.Generator != "extractive" {
		t.Fatalf("%+v", res)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("the model was called %d times", n)
	}
}

// event is one server-sent event.
type event struct{ name, data string }

// readEvents reads events until the stream ends or stop says so.
func readEvents(t *testing.T, res *http.Response, stop func(event) bool) []event {
	t.Helper()
	var out []event
	var cur event
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		case line == "":
			out = append(out, cur)
			if stop != nil && stop(cur) {
				return out
			}
			cur = event{}
		}
	}
	return out
}

func postStream(t *testing.T, ctx context.Context, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return res
}

func TestAskStream(t *testing.T) {
	base, _ := modelServer(t, 5*time.Second,
		chattest.Reply{Content: "L’entraînement final de R1 a coûté 5,6 millions de dollars [1].", ChunkDelay: 5 * time.Millisecond},
		chattest.Reply{Content: "R1 a coûté 5,6 millions de dollars [1] selon", BreakAfter: 3})

	res := postStream(t, t.Context(), base+"/v1/ask", costQuestion)
	events := readEvents(t, res, nil)
	res.Body.Close()
	var names []string
	var text strings.Builder
	for _, e := range events {
		if len(names) == 0 || names[len(names)-1] != e.name {
			names = append(names, e.name)
		}
		if e.name == "delta" {
			var d struct{ Text string }
			if err := json.Unmarshal([]byte(e.data), &d); err != nil {
				t.Fatal(err)
			}
			text.WriteString(d.Text)
		}
	}
	if strings.Join(names, ",") != "citations,delta,done" {
		t.Fatalf("events %v", names)
	}
	var done askResult
	if err := json.Unmarshal([]byte(events[len(events)-1].data), &done); err != nil {
		t.Fatal(err)
	}
	if done.Generator != "model" || !strings.Contains(text.String(), "5,6 millions") || !done.Citations[0].Verified {
		t.Fatalf("done %+v, deltas %q", done, text.String())
	}

	// A broken stream ends with the extractive answer.
	res = postStream(t, t.Context(), base+"/v1/ask", costQuestion)
	events = readEvents(t, res, nil)
	res.Body.Close()
	last := events[len(events)-1]
	if err := json.Unmarshal([]byte(last.data), &done); err != nil || last.name != "done" {
		t.Fatalf("last event %+v", last)
	}
	if done.Generator != "extractive" || done.Notice == "" {
		t.Fatalf("after a broken stream: %+v", done)
	}
}

func TestAskStreamDisconnectCancelsTheModel(t *testing.T) {
	long := strings.Repeat("R1 a coûté 5,6 millions de dollars [1]. ", 50)
	base, fake := modelServer(t, 30*time.Second, chattest.Reply{Content: long, ChunkDelay: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	res := postStream(t, ctx, base+"/v1/ask", costQuestion)
	readEvents(t, res, func(e event) bool { return e.name == "delta" })
	cancel()
	res.Body.Close()
	done := make(chan struct{})
	go func() { fake.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the model request was not cancelled")
	}
	if fake.Cancelled() != 1 {
		t.Fatalf("cancelled upstream requests: %d", fake.Cancelled())
	}
}

func TestChatCompletions(t *testing.T) {
	base := newServer(t)
	mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issueJan), http.StatusCreated)
	body := `{"model":"veille","temperature":0.2,"messages":[{"role":"system","content":"Tu es utile."},{"role":"user","content":"Combien a coûté l’entraînement de R1 ?"}]}`
	r := do(t, "POST", base+"/v1/chat/completions", "application/json", body)
	mustStatus(t, r, http.StatusOK)
	choice := r.body["choices"].([]any)[0].(map[string]any)
	msg := choice["message"].(map[string]any)
	if r.body["object"] != "chat.completion" || msg["role"] != "assistant" || choice["finish_reason"] != "stop" {
		t.Fatalf("%s", r.raw)
	}
	if c := msg["content"].(string); !strings.Contains(c, "5,6 millions") || !strings.Contains(c, "Sources:") {
		t.Fatalf("content %q", c)
	}

	res := postStream(t, t.Context(), base+"/v1/chat/completions", strings.Replace(body, `"model"`, `"stream":true,"model"`, 1))
	defer res.Body.Close()
	var content strings.Builder
	var sawDone bool
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if line == "[DONE]" {
			sawDone = true
			break
		}
		var chunk struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta struct{ Content string } `json:"delta"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(line), &chunk); err != nil || chunk.Object != "chat.completion.chunk" {
			t.Fatalf("chunk %q: %v", line, err)
		}
		content.WriteString(chunk.Choices[0].Delta.Content)
	}
	if !sawDone || !strings.Contains(content.String(), "5,6 millions") {
		t.Fatalf("streamed %q, done %v", content.String(), sawDone)
	}

	for _, bad := range []string{
		`{"messages":[]}`,
		`{"messages":[{"role":"assistant","content":"Bonjour"}]}`,
		`{"messages":[{"role":"robot","content":"x"}]}`,
		`{"messages":[{"role":"user","content":42}]}`,
	} {
		if r := do(t, "POST", base+"/v1/chat/completions", "application/json", bad); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, r.status)
		}
	}
}

func TestAskFollowUpAndDates(t *testing.T) {
	base := newServer(t)
	mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issueJan), http.StatusCreated)
	mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issueFeb), http.StatusCreated)

	r := do(t, "POST", base+"/v1/ask", "application/json", `{"question":"Qu’a lancé Mistral en février 2025 ?"}`)
	mustStatus(t, r, http.StatusOK)
	f := r.body["filter"].(map[string]any)
	if f["from"] != "2025-02" || f["to"] != "2025-02" || f["source"] != "question" || f["phrase"] == "" {
		t.Fatalf("filter %v", f)
	}
	if c := r.body["citations"].([]any); len(c) == 0 || c[0].(map[string]any)["date"] != "2025-02" {
		t.Fatalf("citations %v", c)
	}

	r = do(t, "POST", base+"/v1/ask", "application/json",
		`{"question":"Et combien a coûté son entraînement ?","history":[{"role":"user","content":"Qu’a publié DeepSeek avec R1 ?"},{"role":"assistant","content":"DeepSeek a publié R1 [1]."}]}`)
	mustStatus(t, r, http.StatusOK)
	if sq, _ := r.body["standalone_question"].(string); !strings.Contains(sq, "R1") && !strings.Contains(sq, "DeepSeek") {
		t.Fatalf("standalone question %q", sq)
	}
	if !strings.Contains(r.body["answer"].(string), "5,6 millions") {
		t.Fatalf("follow-up answer %q", r.body["answer"])
	}
	if r := do(t, "POST", base+"/v1/ask", "application/json", `{"question":"x","history":[{"role":"robot","content":"x"}]}`); r.status != http.StatusBadRequest {
		t.Fatalf("bad history role: %d", r.status)
	}
}

// An answer known at once is streamed with the passages it cites, numbered
// as it cites them; an abstention with none.
func TestAskStreamCitesOnlyWhatTheAnswerUses(t *testing.T) {
	base := newServer(t)
	mustStatus(t, do(t, "POST", base+"/v1/issues", "text/plain", issueJan), http.StatusCreated)

	res := postStream(t, t.Context(), base+"/v1/ask", `{"question":"Quelle est la recette de la tarte tatin ?","k":5}`)
	events := readEvents(t, res, nil)
	res.Body.Close()
	var names []string
	for _, e := range events {
		names = append(names, e.name)
	}
	if !slices.Equal(names, []string{"delta", "done"}) {
		t.Fatalf("abstention events %v", names)
	}
	var done askResult
	if err := json.Unmarshal([]byte(events[1].data), &done); err != nil || done.Found || len(done.Citations) != 0 {
		t.Fatalf("abstention done %s", events[1].data)
	}

	res = postStream(t, t.Context(), base+"/v1/ask", `{"question":"Combien a coûté l’entraînement de R1 ?","k":5}`)
	events = readEvents(t, res, nil)
	res.Body.Close()
	names = names[:0]
	for _, e := range events {
		names = append(names, e.name)
	}
	if !slices.Equal(names, []string{"citations", "delta", "done"}) {
		t.Fatalf("events %v", names)
	}
	var passages []struct {
		N        int    `json:"n"`
		Headline string `json:"headline"`
	}
	if err := json.Unmarshal([]byte(events[0].data), &passages); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(events[2].data), &done); err != nil || !done.Found {
		t.Fatalf("done %s", events[2].data)
	}
	if len(passages) != len(done.Citations) {
		t.Fatalf("%d passages announced, %d cited: %s", len(passages), len(done.Citations), events[0].data)
	}
	for i, p := range passages {
		if c := done.Citations[i]; p.N != c.N || p.Headline != c.Headline {
			t.Errorf("passage %d announced as %+v, cited as %+v", i, p, c)
		}
	}
}

func TestModels(t *testing.T) {
	base := newServerWith(t, api.Config{ModelName: "archive", ReadKeys: []string{"reader"}})
	mustStatus(t, do(t, "GET", base+"/v1/models", "", ""), http.StatusUnauthorized)
	r := do(t, "GET", base+"/v1/models", "", "", "Authorization", "Bearer reader")
	mustStatus(t, r, http.StatusOK)
	data, _ := r.body["data"].([]any)
	if r.body["object"] != "list" || len(data) != 1 {
		t.Fatalf("models %s", r.raw)
	}
	if m := data[0].(map[string]any); m["id"] != "archive" || m["object"] != "model" || m["owned_by"] != "veille" {
		t.Fatalf("model %v", m)
	}
}
