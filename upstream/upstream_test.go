package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want Kind
	}{
		{&openai.APIError{HTTPStatusCode: 429}, RateLimited},
		{fmt.Errorf("call: %w", &openai.APIError{HTTPStatusCode: 503}), Unavailable},
		{&openai.RequestError{HTTPStatusCode: 502}, Unavailable},
		{&openai.APIError{HTTPStatusCode: 408}, Unavailable},
		{&openai.APIError{HTTPStatusCode: 401}, Refused},
		{&openai.RequestError{HTTPStatusCode: 404}, Refused},
		{&json.SyntaxError{}, BadResponse},
		{errors.New("connection reset by peer"), Unavailable},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {" 10 ", 10 * time.Second}, {"-5", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.v, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestTransportRecordsRetryAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Retry-After", "9")
	}))
	defer srv.Close()
	client := &http.Client{Transport: Transport{}}
	for path, want := range map[string]time.Duration{"/busy": 7 * time.Second, "/ok": 0} {
		ctx, wait := WithRetryAfter(context.Background())
		req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if *wait != want {
			t.Errorf("%s: recorded %v, want %v", path, *wait, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := range 12 {
		w := Backoff(500*time.Millisecond, attempt, 0, 30*time.Second)
		hi := min(500*time.Millisecond<<attempt, 30*time.Second)
		if w < hi/2 || w > hi {
			t.Errorf("attempt %d: wait %v outside [%v, %v]", attempt, w, hi/2, hi)
		}
	}
	if w := Backoff(time.Millisecond, 0, 5*time.Second, 30*time.Second); w != 5*time.Second {
		t.Errorf("the server's Retry-After is not honoured: %v", w)
	}
	if w := Backoff(time.Millisecond, 0, time.Hour, 30*time.Second); w != 30*time.Second {
		t.Errorf("Retry-After is not capped: %v", w)
	}
	if w := Backoff(time.Second, 80, 0, 30*time.Second); w < 15*time.Second || w > 30*time.Second {
		t.Errorf("overflowing shift: %v", w)
	}
}
