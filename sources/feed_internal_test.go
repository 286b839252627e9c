package sources

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	p := NewFeedPoller("http://127.0.0.1/feed", nil, FeedOptions{Interval: time.Minute, MaxBackoff: 10 * time.Minute})
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, time.Minute},
		{1, 2 * time.Minute},
		{2, 4 * time.Minute},
		{3, 8 * time.Minute},
		{4, 10 * time.Minute},
		{100, 10 * time.Minute},
	}
	for _, tt := range tests {
		if got := p.backoff(tt.failures); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	p := NewFeedPoller("http://127.0.0.1/feed", nil, FeedOptions{Interval: 12 * time.Hour})
	if p.opts.MaxBackoff != 12*time.Hour {
		t.Errorf("MaxBackoff below Interval: got %v, want Interval", p.opts.MaxBackoff)
	}
	p = NewFeedPoller("http://127.0.0.1/feed", nil, FeedOptions{})
	if p.opts.Interval != 15*time.Minute || p.opts.MaxBackoff != 6*time.Hour || p.opts.Client == nil {
		t.Errorf("defaults: %+v", p.opts)
	}
	w := NewWatcher(t.TempDir(), nil, WatchOptions{})
	if w.opts.Rescan != 30*time.Second || w.opts.Debounce != 200*time.Millisecond {
		t.Errorf("watch defaults: %+v", w.opts)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, header string
		want         time.Duration
	}{
		{"none", "", 0},
		{"seconds", "120", 2 * time.Minute},
		{"date", now.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"garbage", "soon", 0},
		{"negative", "-5", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryAfter(tt.header, now); got != tt.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}
