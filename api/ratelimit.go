package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// limiter gives each caller (a key, or a client address) a token bucket.
// Buckets idle for longer than it takes them to refill are dropped.
type limiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiter allows perMinute requests a minute with bursts of burst; nil
// when perMinute is 0 (no limit).
func newLimiter(perMinute float64, burst int) *limiter {
	if perMinute <= 0 {
		return nil
	}
	return &limiter{limit: rate.Limit(perMinute / 60), burst: max(burst, 1), buckets: map[string]*bucket{}}
}

// allow takes a token for caller, or says how long to wait for one.
func (l *limiter) allow(caller string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		idle := time.Duration(float64(l.burst)/float64(l.limit)) * time.Second
		for k, b := range l.buckets {
			if now.Sub(b.seen) > max(idle, time.Minute) {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[caller]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[caller] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// rateLimit applies l to each request; it runs after the auth middleware,
// which names the caller.
func (s *Server) rateLimit(l *limiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.spend(c, l) {
			c.Next()
		}
	}
}

// spend takes a token of l for the request's caller (named by the auth
// middleware), or answers 429 and returns false. A nil l is no limit.
func (s *Server) spend(c *gin.Context, l *limiter) bool {
	if l == nil {
		return true
	}
	ok, wait := l.allow(c.GetString(ctxCaller), time.Now())
	if !ok {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		s.fail(c, &apiError{kind: kindRateLimited, detail: "too many requests; retry in " + strconv.Itoa(secs) + " s"})
	}
	return ok
}

// concurrency lets at most n requests run the handler at once; the others
// get 503 at once rather than queueing. n ≤ 0 means no limit.
func (s *Server) concurrency(n int) gin.HandlerFunc {
	if n <= 0 {
		return func(c *gin.Context) { c.Next() }
	}
	slots := make(chan struct{}, n)
	return func(c *gin.Context) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			c.Next()
		default:
			c.Header("Retry-After", "1")
			s.fail(c, &apiError{kind: kindBusy, detail: "too many requests of this kind are running; retry shortly"})
		}
	}
}
