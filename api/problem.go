package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
)

// problem is the body of every error response (RFC 9457), served as
// application/problem+json.
type problem struct {
	Type      string       `json:"type"`  // stable, e.g. "/problems/validation"
	Title     string       `json:"title"` // fixed per Type
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"` // request path
	RequestID string       `json:"request_id"`
	Errors    []fieldError `json:"errors,omitempty"`
	// Stored is what an upload stored before the error that ended it.
	Stored *ingestResponse `json:"stored,omitempty"`
}

// fieldError names the request field that is wrong and why.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// kind is a problem type with its fixed title and status.
type kind struct {
	typ, title string
	status     int
}

// The problem types, listed in the README.
var (
	kindValidation   = kind{"/problems/validation", "The request is invalid", http.StatusBadRequest}
	kindMalformed    = kind{"/problems/malformed-body", "The request body cannot be read", http.StatusBadRequest}
	kindUnauthorized = kind{"/problems/unauthorized", "A valid key is required", http.StatusUnauthorized}
	kindForbidden    = kind{"/problems/forbidden", "This key may not do that", http.StatusForbidden}
	kindRateLimited  = kind{"/problems/rate-limited", "Too many requests", http.StatusTooManyRequests}
	kindBusy         = kind{"/problems/busy", "The server is busy", http.StatusServiceUnavailable}
	kindNotFound     = kind{"/problems/not-found", "No such resource", http.StatusNotFound}
	kindNoRoute      = kind{"/problems/no-route", "No such route", http.StatusNotFound}
	kindMethod       = kind{"/problems/method-not-allowed", "Method not allowed on this route", http.StatusMethodNotAllowed}
	kindConflict     = kind{"/problems/conflict", "The request conflicts with the archive", http.StatusConflict}
	kindTooLarge     = kind{"/problems/too-large", "The request body is too large", http.StatusRequestEntityTooLarge}
	kindMediaType    = kind{"/problems/unsupported-media-type", "Unsupported content type", http.StatusUnsupportedMediaType}
	kindUpstream     = kind{"/problems/upstream", "A dependency failed", http.StatusBadGateway}
	kindUnavailable  = kind{"/problems/unavailable", "A dependency is unavailable, retry later", http.StatusServiceUnavailable}
	kindTimeout      = kind{"/problems/timeout", "The request took too long", http.StatusGatewayTimeout}
	// kindClientClosed is nginx's 499: the client went away before the
	// answer; nobody reads it, and it is no server error.
	kindClientClosed = kind{"/problems/client-closed", "The client closed the request", 499}
	kindInternal     = kind{"/problems/internal", "Internal error", http.StatusInternalServerError}
)

// problem returns the body of a problem of kind k.
func (k kind) problem(detail, instance, requestID string) problem {
	return problem{Type: k.typ, Title: k.title, Status: k.status, Detail: detail, Instance: instance, RequestID: requestID}
}

// apiError is an error that knows its problem type.
type apiError struct {
	kind
	detail string
	fields []fieldError
	stored *ingestResponse // see problem.Stored
	err    error           // cause, logged
}

func (e *apiError) Error() string {
	if e.err != nil {
		return e.title + ": " + e.err.Error()
	}
	return e.title + ": " + e.detail
}

func (e *apiError) Unwrap() error { return e.err }

var (
	errNoRoute = &apiError{kind: kindNoRoute, detail: "see the README for the routes"}
	errMethod  = &apiError{kind: kindMethod}
)

func invalid(field, message string) *apiError {
	return &apiError{kind: kindValidation, detail: field + ": " + message, fields: []fieldError{{field, message}}}
}

func unavailable(err error) *apiError {
	return &apiError{kind: kindUnavailable, detail: "the archive is not ready", err: err}
}

// fail writes err as a problem and aborts the request. It is the only place
// that maps errors to statuses.
func (s *Server) fail(c *gin.Context, err error) {
	ae := classify(err)
	p := ae.problem(ae.detail, c.Request.URL.Path, requestIDOf(c))
	p.Errors, p.Stored = ae.fields, ae.stored
	switch {
	case ae.kind == kindBusy:
		// A full house is the limit working, not a fault.
		s.log.WarnContext(c.Request.Context(), "request refused", "err", err, "status", ae.status, "request_id", p.RequestID)
	case ae.status >= 500:
		s.log.ErrorContext(c.Request.Context(), "request failed", "err", err, "status", ae.status, "request_id", p.RequestID)
	}
	if ae.status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(ae.status, p)
}

const retryAfterSeconds = 5

func classify(err error) *apiError {
	if ae, ok := errors.AsType[*apiError](err); ok {
		return ae
	}
	if le, ok := errors.AsType[*ingest.LineError](err); ok {
		return &apiError{kind: kindValidation, detail: err.Error(), err: err,
			fields: []fieldError{{"body", "line " + strconv.Itoa(le.Line) + ": " + le.Err.Error()}}}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &apiError{kind: kindNotFound, detail: err.Error(), err: err}
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrEmbedderMismatch):
		return &apiError{kind: kindConflict, detail: err.Error(), err: err}
	case errors.Is(err, ingest.ErrNoDate), errors.Is(err, ingest.ErrBadDate), errors.Is(err, ingest.ErrEmpty),
		errors.Is(err, ingest.ErrFormat), errors.Is(err, ingest.ErrSyntax), errors.Is(err, ingest.ErrEncoding),
		errors.Is(err, ingest.ErrBadID), errors.Is(err, ingest.ErrDuplicateID), errors.Is(err, ingest.ErrMIME),
		errors.Is(err, ingest.ErrFeed):
		return &apiError{kind: kindValidation, detail: err.Error(), err: err}
	case errors.Is(err, embed.ErrRateLimited), errors.Is(err, embed.ErrUnavailable):
		return &apiError{kind: kindUnavailable, detail: "the embedding service is unavailable", err: err}
	case errors.Is(err, embed.ErrRefused):
		return &apiError{kind: kindUpstream, detail: "the embedding service refused the request (see the server log for this request id)", err: err}
	case errors.Is(err, embed.ErrBadResponse):
		return &apiError{kind: kindUpstream, detail: "the embedding service sent an answer that does not fit the request (see the server log for this request id)", err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{kind: kindTimeout, err: err}
	case errors.Is(err, context.Canceled):
		return &apiError{kind: kindClientClosed, err: err}
	}
	return &apiError{kind: kindInternal, detail: "see the server log for this request id", err: err}
}
