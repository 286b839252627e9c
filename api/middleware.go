package api

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

const (
	headerRequestID = "X-Request-ID"
	ctxRequestID    = "request_id"
	// ctxRoute names the route of a request that matched none with its
	// method (a 405), for the access log and metrics.
	ctxRoute = "route"
)

// requestID takes the caller's X-Request-ID when it is short and printable,
// or makes one, and echoes it in the response.
func (s *Server) requestID(c *gin.Context) {
	id := requestIDFor(c.Request)
	c.Set(ctxRequestID, id)
	c.Header(headerRequestID, id)
	c.Next()
}

// requestIDFor returns r's X-Request-ID when it is short and printable, or a
// new random one.
func requestIDFor(r *http.Request) string {
	id := r.Header.Get(headerRequestID)
	if !validRequestID(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	return id
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if r < '!' || r > '~' {
			return false
		}
	}
	return true
}

func requestIDOf(c *gin.Context) string { return c.GetString(ctxRequestID) }

// accessLog writes one line per request.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	took := time.Since(start)
	route := cmp.Or(c.FullPath(), c.GetString(ctxRoute), "unmatched")
	s.log.InfoContext(c.Request.Context(), "request",
		"method", c.Request.Method, "route", route, "status", c.Writer.Status(),
		"duration", took, "request_id", requestIDOf(c))
	if s.cfg.Observer != nil {
		s.cfg.Observer.ObserveRequest(route, c.Request.Method, c.Writer.Status(), took)
	}
}

// recover turns a panic in a handler into a problem response.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.fail(c, fmt.Errorf("panic: %v", v))
		}
	}()
	c.Next()
}
