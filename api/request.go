package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
)

// readBody reads the whole request body, up to limit bytes.
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		return nil, bodyError(err)
	}
	return body, nil
}

// bodyError is the problem for an error reading a request body: 413 past
// the limit of an [http.MaxBytesReader], 400 otherwise.
func bodyError(err error) error {
	if maxErr, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return &apiError{kind: kindTooLarge, detail: fmt.Sprintf("the body is limited to %d bytes", maxErr.Limit), err: err}
	}
	return &apiError{kind: kindMalformed, detail: "reading the body: " + err.Error(), err: err}
}

// mediaType returns the request's media type, lower-case, without
// parameters; "" when there is none.
func mediaType(c *gin.Context) string {
	return mediaTypeOf(c.GetHeader("Content-Type"))
}

// mediaTypeOf returns the media type of a Content-Type, lower-case, without
// parameters; "" for none and "invalid" when it does not parse.
func mediaTypeOf(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "invalid"
	}
	return mt
}

// bindJSON decodes a JSON object body of at most limit bytes into v,
// refusing other content types, invalid UTF-8, unknown fields and trailing
// data. A missing Content-Type is taken as JSON, as curl -d sends form
// encoding by default.
func (s *Server) bindJSON(c *gin.Context, v any, limit int64) error {
	return s.decodeJSON(c, v, limit, true)
}

// decodeJSON is bindJSON, refusing unknown fields only when strict.
func (s *Server) decodeJSON(c *gin.Context, v any, limit int64, strict bool) error {
	switch mediaType(c) {
	case "application/json", "", "application/x-www-form-urlencoded":
	default:
		return &apiError{kind: kindMediaType, detail: "send application/json"}
	}
	body, err := readBody(c, limit)
	if err != nil {
		return err
	}
	return decodeJSONBytes(body, v, strict)
}

// decodeJSONBytes decodes one JSON object from body into v, refusing
// invalid UTF-8 and trailing data, and unknown fields when strict.
func decodeJSONBytes(body []byte, v any, strict bool) error {
	if !utf8.Valid(body) {
		return &apiError{kind: kindMalformed, detail: "the body is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &apiError{kind: kindMalformed, detail: "the body holds more than one JSON value"}
	}
	return nil
}

func jsonError(err error) error {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return invalid(te.Field, "must be a JSON "+te.Type.String())
	}
	if errors.Is(err, io.EOF) {
		return &apiError{kind: kindMalformed, detail: "the body is empty"}
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field := strings.Trim(msg, `"`)
		return invalid(field, "unknown field")
	}
	return &apiError{kind: kindMalformed, detail: "the body is not valid JSON: " + err.Error()}
}

// text validates a query or question: present, valid UTF-8, not too long.
func (s *Server) text(field, v string) (string, error) {
	return s.textLimit(field, v, s.cfg.MaxQueryLen)
}

// textLimit validates a free-text field of at most limit characters.
func (s *Server) textLimit(field, v string, limit int) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case !utf8.ValidString(v):
		return "", invalid(field, "must be valid UTF-8")
	case v == "":
		return "", invalid(field, "is required")
	case utf8.RuneCountInString(v) > limit:
		return "", invalid(field, fmt.Sprintf("must be at most %d characters", limit))
	}
	return v, nil
}

// k validates a result count; nil means the default.
func (s *Server) k(field string, v *int, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < 1 || *v > s.cfg.MaxK {
		return 0, invalid(field, fmt.Sprintf("must be between 1 and %d", s.cfg.MaxK))
	}
	return *v, nil
}

// queryK reads k from the query string.
func (s *Server) queryK(c *gin.Context, def int) (int, error) {
	raw, ok := c.GetQuery("k")
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, invalid("k", "must be an integer")
	}
	return s.k("k", &n, def)
}

// dateRange validates from and to (YYYY-MM or YYYY-MM-DD, from ≤ to).
func dateRange(from, to string) (archive.Range, error) {
	var r archive.Range
	var err error
	if from != "" {
		if r.From, err = ingest.ParseDate(from); err != nil {
			return r, invalid("from", "must be a date YYYY-MM or YYYY-MM-DD")
		}
	}
	if to != "" {
		if r.To, err = ingest.ParseDate(to); err != nil {
			return r, invalid("to", "must be a date YYYY-MM or YYYY-MM-DD")
		}
	}
	if r.From != "" && r.To != "" && r.From[:7] > r.To[:7] || len(r.From) == 10 && len(r.To) == 10 && r.From > r.To {
		return r, invalid("to", "must not be before from")
	}
	return r, nil
}

// queryRange reads from and to from the query string.
func queryRange(c *gin.Context) (archive.Range, error) {
	return dateRange(c.Query("from"), c.Query("to"))
}

// pathID validates an id from the path.
func pathID(c *gin.Context) (string, error) {
	id := c.Param("id")
	if id == "" || len(id) > 256 || !utf8.ValidString(id) || strings.ContainsAny(id, "/\\\x00") {
		return "", invalid("id", "is not a valid id")
	}
	return id, nil
}
