// Package api serves the archive over HTTP with Gin: versioned JSON routes
// under /v1, health probes, and one error shape for every failure
// (application/problem+json, see problem.go).
package api

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/jobs"
	"github.com/veille/veille/qa"
	"github.com/veille/veille/store"
)

// Archive is what the handlers need from the archive.
type Archive interface {
	Ingest(ctx context.Context, doc ingest.Document) (archive.Result, error)
	DeleteIssue(ctx context.Context, id string) (archive.Result, error)
	Search(ctx context.Context, q archive.Query) ([]archive.Hit, error)
	SimilarText(ctx context.Context, text string, s archive.Similar) ([]archive.Hit, error)
	SimilarItem(ctx context.Context, id string, s archive.Similar) ([]archive.Hit, error)
	Thread(ctx context.Context, id string) ([]archive.Hit, error)
	Issues(ctx context.Context) ([]store.IssueSummary, error)
	Issue(ctx context.Context, id string) (ingest.Issue, []store.Item, error)
	IssueInfo(ctx context.Context, id string) (ingest.Issue, error)
	Item(ctx context.Context, id string) (store.Item, error)
	Stats(ctx context.Context) (archive.Stats, error)
	Newest(ctx context.Context) (string, error)
}

// Asker answers questions.
type Asker interface {
	Ask(ctx context.Context, req qa.Request) (qa.Response, error)
	Stream(ctx context.Context, req qa.Request, onPassages func([]qa.Passage) error, onDelta func(string) error) (qa.Response, error)
}

// Config sets the server's limits.
type Config struct {
	MaxBodyBytes   int64         // JSON request bodies; default 1 MiB
	MaxIssueBytes  int64         // issue uploads, each file of a multipart one; default 16 MiB
	MaxUploadBytes int64         // multipart uploads in all; default 64 MiB
	MaxK           int           // largest k accepted; default 100
	MaxQueryLen    int           // longest query or question, in characters; default 2,000
	RequestTimeout time.Duration // per request, embedding included; default 30 s
	IngestTimeout  time.Duration // per issue upload; default 5 min
	// SpoolDir is where uploads are written, each in a folder of its own,
	// before they are parsed; default the system's temporary folder. The
	// server's owner clears what a crash left there (veille serve spools
	// into its data directory and empties that folder at start).
	SpoolDir string

	// AdminKey allows every route; with none, changes are accepted from
	// loopback clients only. ReadKeys allow the read routes; with none,
	// reads are open.
	AdminKey string
	ReadKeys []string
	// AskPerMinute and SearchPerMinute are each caller's budgets (a key, or
	// a client address without one), with bursts of AskBurst and
	// SearchBurst; 0 disables the limit. Search covers every read but ask.
	// A burst of 0 is a tenth of a minute's budget, at least 1: see
	// [burstOf].
	AskPerMinute, SearchPerMinute float64
	AskBurst, SearchBurst         int
	// MaxConcurrentAsk bounds the asks running at once; 0 is no bound.
	MaxConcurrentAsk int
	// CORSOrigins are the origins allowed to call the API from a browser
	// ("*" for any); none by default.
	CORSOrigins []string

	// Backup, when set, writes a consistent backup of the store to w
	// (store.DB.Backup); GET /v1/admin/backup streams it.
	Backup func(ctx context.Context, w io.Writer) error

	// Jobs runs and reports background jobs (GET /v1/jobs/{id}); nil makes
	// a registry of the server's own. Reindex, when set, starts or finds the
	// reindex job for POST /v1/reindex; nil answers 409 (no next embedder).
	Jobs    *jobs.Registry
	Reindex ReindexFunc

	// Asker answers /v1/ask and /v1/chat/completions; nil answers by
	// extraction from the archive.
	Asker Asker
	// ModelName is the model name /v1/chat/completions reports.
	ModelName string

	// Observer, when set, records every request; Metrics, when set, is
	// served at /metrics to callers with read access.
	Observer Observer
	Metrics  http.Handler
}

// Observer records request metrics.
type Observer interface {
	ObserveRequest(route, method string, status int, d time.Duration)
	// IngestFailed counts a file of an upload (or an ingest job) that could
	// not be ingested, or an upload refused before any file was parsed.
	IngestFailed()
}

func (c Config) withDefaults() Config {
	c.MaxBodyBytes = cmp.Or(c.MaxBodyBytes, 1<<20)
	c.MaxIssueBytes = cmp.Or(c.MaxIssueBytes, 16<<20)
	c.MaxUploadBytes = cmp.Or(c.MaxUploadBytes, 64<<20)
	c.MaxK = cmp.Or(c.MaxK, 100)
	c.MaxQueryLen = cmp.Or(c.MaxQueryLen, 2000)
	c.ModelName = cmp.Or(c.ModelName, "veille")
	c.RequestTimeout = cmp.Or(c.RequestTimeout, 30*time.Second)
	c.IngestTimeout = cmp.Or(c.IngestTimeout, 5*time.Minute)
	c.AskBurst = cmp.Or(c.AskBurst, burstOf(c.AskPerMinute))
	c.SearchBurst = cmp.Or(c.SearchBurst, burstOf(c.SearchPerMinute))
	return c
}

// burstOf is the burst allowed above a budget of perMinute requests a
// minute: a tenth of the minute's budget (6 s of it), at least 1, so that
// a caller cannot spend much more than the budget in any short while.
func burstOf(perMinute float64) int {
	return max(1, int(perMinute/10))
}

// Server holds the handlers' dependencies.
type Server struct {
	arch  Archive
	asker Asker
	cfg   Config
	log   *slog.Logger
	keys  keyring
	jobs  *jobs.Registry
	// askLimit is spent by asks and chat completions once they are found
	// valid, so that a refused request costs nothing.
	askLimit *limiter
	started  time.Time // when the handler was made: the model's creation time
}

// NewHandler returns the HTTP handler serving every route.
func NewHandler(arch Archive, cfg Config, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{arch: arch, cfg: cfg.withDefaults(), log: log, started: time.Now()}
	s.keys = newKeyring(s.cfg.AdminKey, s.cfg.ReadKeys)
	s.jobs = s.cfg.Jobs
	if s.jobs == nil {
		s.jobs = jobs.NewRegistry(0)
	}
	s.asker = s.cfg.Asker
	if s.asker == nil {
		s.asker = qa.New(arch, qa.Options{Logger: log})
	}
	s.askLimit = newLimiter(s.cfg.AskPerMinute, s.cfg.AskBurst)
	readLimit := s.rateLimit(newLimiter(s.cfg.SearchPerMinute, s.cfg.SearchBurst))
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// A path with a trailing slash is no route (a 404 problem), not a 301
	// to the route without it.
	r.RedirectTrailingSlash = false
	r.ContextWithFallback = true
	r.Use(s.requestID, s.accessLog, s.recover, s.cors)
	r.NoRoute(func(c *gin.Context) { s.fail(c, errNoRoute) })
	var routes gin.RoutesInfo // filled once every route is registered
	r.NoMethod(func(c *gin.Context) { s.methodNotAllowed(c, routes) })

	r.GET("/healthz", s.healthz)
	r.HEAD("/healthz", s.healthz)
	r.GET("/openapi.json", s.openapi)
	r.GET("/readyz", s.readyz)
	r.HEAD("/readyz", s.readyz)
	admin := r.Group("/v1", s.requireAdmin)
	admin.POST("/issues", s.postIssue)
	admin.DELETE("/issues/:id", s.deleteIssue)
	admin.GET("/admin/backup", s.backup(s.cfg.Backup))
	admin.POST("/reindex", s.reindex)
	admin.GET("/jobs", s.listJobs)
	admin.GET("/jobs/:id", s.getJob)
	admin.DELETE("/jobs/:id", s.cancelJob)

	if s.cfg.Metrics != nil {
		r.GET("/metrics", s.requireRead, gin.WrapH(s.cfg.Metrics))
	}

	read := r.Group("/v1", s.requireRead)
	expensive := s.concurrency(s.cfg.MaxConcurrentAsk)
	read.POST("/ask", expensive, s.ask)
	read.POST("/chat/completions", expensive, s.chatCompletions)
	reads := read.Group("", readLimit)
	reads.GET("/issues", s.listIssues)
	reads.GET("/issues/:id", s.getIssue)
	reads.GET("/search", s.search)
	reads.GET("/items/:id", s.getItem)
	reads.GET("/items/:id/similar", s.similarItem)
	reads.GET("/items/:id/thread", s.thread)
	reads.POST("/similar", s.similarText)
	reads.GET("/stats", s.stats)
	reads.GET("/models", s.models)
	routes = r.Routes()
	return r
}

// methodNotAllowed answers 405 with the methods the path takes in Allow,
// and names the route the path matches for the access log and metrics.
func (s *Server) methodNotAllowed(c *gin.Context, routes gin.RoutesInfo) {
	route, allow := matchRoute(routes, c.Request.URL.Path)
	if route != "" {
		c.Set(ctxRoute, route)
		c.Header("Allow", strings.Join(allow, ", "))
	}
	s.fail(c, errMethod)
}

// matchRoute returns the route pattern that path matches, preferring the
// one with the most literal segments, and the methods it is served with.
func matchRoute(routes gin.RoutesInfo, path string) (string, []string) {
	segs := strings.Split(path, "/")
	best, bestLiterals := "", -1
	for _, r := range routes {
		pat := strings.Split(r.Path, "/")
		if len(pat) != len(segs) {
			continue
		}
		literals := 0
		for i, p := range pat {
			switch {
			case strings.HasPrefix(p, ":") && segs[i] != "":
			case p == segs[i]:
				literals++
			default:
				literals = -1
			}
			if literals < 0 {
				break
			}
		}
		if literals > bestLiterals {
			best, bestLiterals = r.Path, literals
		}
	}
	var allow []string
	for _, r := range routes {
		if r.Path == best && !slices.Contains(allow, r.Method) {
			allow = append(allow, r.Method)
		}
	}
	return best, allow
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, statusResponse{Status: "ok"})
}

// readyz answers 200 when the store can be read and the index is loaded,
// which the archive guarantees once it exists.
func (s *Server) readyz(c *gin.Context) {
	st, err := s.arch.Stats(c.Request.Context())
	if err != nil {
		s.fail(c, unavailable(err))
		return
	}
	c.JSON(http.StatusOK, readyResponse{Status: "ready", Stats: st})
}

func (s *Server) stats(c *gin.Context) {
	st, err := s.arch.Stats(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

type statusResponse struct {
	Status string `json:"status"`
}

type readyResponse struct {
	Status string `json:"status"`
	archive.Stats
}
