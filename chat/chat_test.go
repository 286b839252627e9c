package chat_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veille/veille/chat"
	"github.com/veille/veille/chat/chattest"
)

const goodAnswer = "Mistral AI a levé 5,6 millions d'euros [1]. Meta a publié Llama 4, un modèle de 400 milliards de paramètres [2]."

// newClient returns a client of srv with fast retries; cfg's BaseURL and
// Model are filled in.
func newClient(t *testing.T, srv *chattest.Server, cfg chat.Config) *chat.Client {
	t.Helper()
	cfg.BaseURL, cfg.Model = srv.URL, "test-model"
	c, err := chat.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	chat.SetBackoff(c, time.Millisecond)
	return c
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  chat.Config
	}{
		{"no base URL", chat.Config{Model: "m"}},
		{"bad scheme", chat.Config{BaseURL: "localhost:11434", Model: "m"}},
		{"no model", chat.Config{BaseURL: "http://localhost"}},
		{"negative timeout", chat.Config{BaseURL: "http://localhost", Model: "m", Timeout: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := chat.New(tt.cfg); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

func TestAnswer(t *testing.T) {
	srv := chattest.NewServer(t, chattest.Reply{Content: goodAnswer})
	c := newClient(t, srv, chat.Config{APIKey: "sk-test"})
	history := []chat.Turn{
		{Role: "user", Content: "Qui a levé des fonds ?"},
		{Role: "assistant", Content: "Mistral AI [1]."},
	}
	res, err := c.Answer(t.Context(), "Combien Mistral AI a-t-elle levé ?", history, testPassages)
	if err != nil {
		t.Fatal(err)
	}
	if res.FailedClosed || res.Answer != goodAnswer || res.Language != "fr" {
		t.Errorf("result %+v", res)
	}
	if got := verified(res); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("verified %v", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	req := reqs[0]
	if req.Model != "test-model" || req.Stream || req.Authorization != "Bearer sk-test" {
		t.Errorf("request %+v", req)
	}
	if req.Temperature == nil || *req.Temperature < 0.09 || *req.Temperature > 0.11 {
		t.Errorf("temperature %v, want 0.1", req.Temperature)
	}
	roles := make([]string, len(req.Messages))
	for i, m := range req.Messages {
		roles[i] = m.Role
	}
	if want := []string{"system", "user", "assistant", "user"}; !slices.Equal(roles, want) {
		t.Fatalf("roles %v, want %v", roles, want)
	}
	if sys := req.Messages[0].Content; !strings.Contains(sys, "[1]") || !strings.Contains(sys, "français") {
		t.Errorf("system message %q", sys)
	}
	if req.Messages[2].Content != "Mistral AI." {
		t.Errorf("assistant turn kept its markers: %q", req.Messages[2].Content)
	}
	last := req.Messages[3].Content
	for _, want := range []string{
		"[1] (2025-01, Mistral AI lève des fonds) La start-up française",
		"[3] (2025-02, Régulation) Le Parlement",
		"Question : Combien Mistral AI a-t-elle levé ?",
	} {
		if !strings.Contains(last, want) {
			t.Errorf("user message lacks %q:\n%s", want, last)
		}
	}
}

func TestAnswerEnglishPrompt(t *testing.T) {
	srv := chattest.NewServer(t, chattest.Reply{Content: "Mistral AI raised 5.6 million euros [1]."})
	c := newClient(t, srv, chat.Config{})
	res, err := c.Answer(t.Context(), "How much did Mistral AI raise?", nil, testPassages)
	if err != nil {
		t.Fatal(err)
	}
	if res.Language != "en" || res.FailedClosed {
		t.Errorf("result %+v", res)
	}
	msgs := srv.Requests()[0].Messages
	if !strings.Contains(msgs[0].Content, "Answer in English") || !strings.Contains(msgs[1].Content, "Question: How much") {
		t.Errorf("messages %+v", msgs)
	}
}

func TestAnswerVerification(t *testing.T) {
	tests := []struct {
		name         string
		reply        string
		wantVerified []int
		wantDropped  []int
		failedClosed bool
	}{
		{"correct citations", goodAnswer, []int{1, 2}, nil, false},
		{"passage that was not sent", "Mistral AI a levé 5,6 millions d'euros [7].", nil, []int{7}, true},
		{"wrong number", "Mistral AI a levé 10 millions d'euros [1].", nil, []int{1}, true},
		{"no citations", "Mistral AI a levé 5,6 millions d'euros.", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := chattest.NewServer(t, chattest.Reply{Content: tt.reply})
			c := newClient(t, srv, chat.Config{})
			res, err := c.Answer(t.Context(), "Combien Mistral AI a-t-elle levé ?", nil, testPassages)
			if err != nil {
				t.Fatal(err)
			}
			if res.FailedClosed != tt.failedClosed || res.FailedClosed && res.Notice == "" {
				t.Errorf("FailedClosed %v notice %q", res.FailedClosed, res.Notice)
			}
			if got := verified(res); !slices.Equal(got, tt.wantVerified) {
				t.Errorf("verified %v, want %v", got, tt.wantVerified)
			}
			if got := res.Sentences[0].Dropped; !slices.Equal(got, tt.wantDropped) {
				t.Errorf("dropped %v, want %v", got, tt.wantDropped)
			}
		})
	}
}

func TestAnswerNoPassages(t *testing.T) {
	srv := chattest.NewServer(t)
	c := newClient(t, srv, chat.Config{})
	res, err := c.Answer(t.Context(), "Combien ?", nil, nil)
	if err != nil || !res.FailedClosed || res.Notice == "" {
		t.Errorf("result %+v, err %v", res, err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests without passages", n)
	}
}

func TestAnswerErrors(t *testing.T) {
	tests := []struct {
		name    string
		script  []chattest.Reply
		cfg     chat.Config
		wantErr error
		calls   int
	}{
		{
			name:   "429 then success",
			script: []chattest.Reply{{Status: 429, RetryAfter: "0"}, {Content: goodAnswer}},
			calls:  2,
		},
		{
			name:   "503 twice then success",
			script: []chattest.Reply{{Status: 503}, {Status: 502}, {Content: goodAnswer}},
			calls:  3,
		},
		{
			name:    "429 until retries run out",
			script:  []chattest.Reply{{Status: 429}, {Status: 429}, {Status: 429}},
			cfg:     chat.Config{MaxRetries: 2},
			wantErr: chat.ErrRateLimited,
			calls:   3,
		},
		{
			name:    "503 without retries",
			script:  []chattest.Reply{{Status: 503}},
			cfg:     chat.Config{MaxRetries: -1},
			wantErr: chat.ErrUnavailable,
			calls:   1,
		},
		{
			name:    "timeout",
			script:  []chattest.Reply{{Content: goodAnswer, Delay: time.Second}},
			cfg:     chat.Config{Timeout: 50 * time.Millisecond},
			wantErr: chat.ErrTimeout,
			calls:   1,
		},
		{
			name:    "400 is not retried",
			script:  []chattest.Reply{{Status: 400}},
			wantErr: nil, // a plain API error
			calls:   1,
		},
		{
			name:    "empty message",
			script:  []chattest.Reply{{Content: "  "}},
			wantErr: chat.ErrBadResponse,
			calls:   1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := chattest.NewServer(t, tt.script...)
			c := newClient(t, srv, tt.cfg)
			res, err := c.Answer(t.Context(), "Combien Mistral AI a-t-elle levé ?", nil, testPassages)
			wantOK := tt.wantErr == nil && tt.script[len(tt.script)-1].Status == 0
			switch {
			case wantOK && err != nil:
				t.Fatalf("error %v", err)
			case wantOK && (res.FailedClosed || res.Answer != goodAnswer):
				t.Errorf("result %+v", res)
			case !wantOK && err == nil:
				t.Fatalf("no error, result %+v", res)
			case !wantOK && (!res.FailedClosed || res.Notice == ""):
				t.Errorf("error without a failed-closed result: %+v", res)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if errors.Is(tt.wantErr, chat.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("timeout error %v does not wrap context.DeadlineExceeded", err)
			}
			srv.Wait()
			if n := len(srv.Requests()); n != tt.calls {
				t.Errorf("%d calls, want %d", n, tt.calls)
			}
		})
	}
}

func TestAnswerHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv := chattest.NewServer(t, chattest.Reply{Status: 429, RetryAfter: "1"}, chattest.Reply{Content: goodAnswer})
	c := newClient(t, srv, chat.Config{})
	start := time.Now()
	if _, err := c.Answer(t.Context(), "Combien ?", nil, testPassages); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After: 1", d)
	}
}

func TestAnswerCallerDeadline(t *testing.T) {
	srv := chattest.NewServer(t, chattest.Reply{Content: goodAnswer, Delay: time.Second})
	c := newClient(t, srv, chat.Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Answer(ctx, "Combien ?", nil, testPassages)
	if !errors.Is(err, chat.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want ErrTimeout", err)
	}
	srv.Wait()
	if srv.Cancelled() != 1 {
		t.Errorf("cancelled %d upstream requests, want 1", srv.Cancelled())
	}
}

func TestStream(t *testing.T) {
	srv := chattest.NewServer(t, chattest.Reply{Content: goodAnswer})
	c := newClient(t, srv, chat.Config{})
	var deltas []string
	res, err := c.Stream(t.Context(), "Combien Mistral AI a-t-elle levé ?", nil, testPassages, func(d string) error {
		deltas = append(deltas, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.SplitAfter(goodAnswer, " "); !slices.Equal(deltas, want) {
		t.Errorf("deltas\n got %q\nwant %q", deltas, want)
	}
	if res.FailedClosed || res.Answer != goodAnswer || !slices.Equal(verified(res), []int{1, 2}) {
		t.Errorf("result %+v", res)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || !reqs[0].Stream {
		t.Errorf("requests %+v", reqs)
	}
}

func TestStreamVerifies(t *testing.T) {
	reply := "Mistral AI a levé 10 millions d'euros [1]. Meta a publié Llama 4 en février [2][7]."
	srv := chattest.NewServer(t, chattest.Reply{Content: reply})
	c := newClient(t, srv, chat.Config{})
	var b strings.Builder
	res, err := c.Stream(t.Context(), "Quoi de neuf ?", nil, testPassages, func(d string) error {
		b.WriteString(d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != reply {
		t.Errorf("raw deltas %q, want the model's text", b.String())
	}
	if want := "Meta a publié Llama 4 en février [2]."; res.Answer != want || res.Notice == "" {
		t.Errorf("answer %q notice %q, want %q", res.Answer, res.Notice, want)
	}
}

func TestStreamErrors(t *testing.T) {
	tests := []struct {
		name    string
		script  []chattest.Reply
		cfg     chat.Config
		wantErr error
		calls   int
	}{
		{"connection cut", []chattest.Reply{{Content: goodAnswer, BreakAfter: 3}}, chat.Config{}, chat.ErrUnavailable, 1},
		{"malformed chunk", []chattest.Reply{{Content: goodAnswer, BreakAfter: 2, Malformed: true}}, chat.Config{}, chat.ErrUnavailable, 1},
		{"429 before the stream", []chattest.Reply{{Status: 429}, {Content: goodAnswer}}, chat.Config{}, nil, 2},
		{"503 until retries run out", []chattest.Reply{{Status: 503}, {Status: 503}}, chat.Config{MaxRetries: 1}, chat.ErrUnavailable, 2},
		{"timeout mid-stream", []chattest.Reply{{Content: goodAnswer, ChunkDelay: 20 * time.Millisecond}}, chat.Config{Timeout: 100 * time.Millisecond}, chat.ErrTimeout, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := chattest.NewServer(t, tt.script...)
			c := newClient(t, srv, tt.cfg)
			res, err := c.Stream(t.Context(), "Combien ?", nil, testPassages, func(string) error { return nil })
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr == nil && res.Answer != goodAnswer:
				t.Errorf("result %+v", res)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v, want %v", err, tt.wantErr)
			case tt.wantErr != nil && !res.FailedClosed:
				t.Errorf("error without a failed-closed result: %+v", res)
			}
			srv.Wait()
			if n := len(srv.Requests()); n != tt.calls {
				t.Errorf("%d calls, want %d", n, tt.calls)
			}
		})
	}
}

func TestStreamCancel(t *testing.T) {
	srv := chattest.NewServer(t, chattest.Reply{Content: goodAnswer, ChunkDelay: 20 * time.Millisecond})
	c := newClient(t, srv, chat.Config{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var deltas []string
	_, err := c.Stream(ctx, "Combien ?", nil, testPassages, func(d string) error {
		deltas = append(deltas, d)
		if len(deltas) == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if len(deltas) != 2 {
		t.Errorf("%d deltas after cancelling at 2", len(deltas))
	}
	srv.Wait()
	if srv.Cancelled() != 1 {
		t.Errorf("server saw %d cancelled requests, want 1", srv.Cancelled())
	}
}

func TestStreamDeltaError(t *testing.T) {
	srv := chattest.NewServer(t, chattest.Reply{Content: goodAnswer, ChunkDelay: 5 * time.Millisecond})
	c := newClient(t, srv, chat.Config{})
	stop := errors.New("client went away")
	_, err := c.Stream(t.Context(), "Combien ?", nil, testPassages, func(string) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("error %v, want the callback's", err)
	}
	srv.Wait()
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d calls: a callback error must not be retried", n)
	}
	if srv.Cancelled() != 1 {
		t.Errorf("server saw %d cancelled requests, want 1", srv.Cancelled())
	}
}

func TestConcurrentUse(t *testing.T) {
	const n = 8
	script := make([]chattest.Reply, n)
	for i := range script {
		script[i] = chattest.Reply{Content: goodAnswer}
	}
	srv := chattest.NewServer(t, script...)
	c := newClient(t, srv, chat.Config{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = c.Answer(t.Context(), "Combien ?", nil, testPassages)
			} else {
				_, err = c.Stream(t.Context(), "Combien ?", nil, testPassages, nil)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
