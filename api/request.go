package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
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
		return jsonError(err, body, reflect.TypeOf(v), strict)
	}
	if dec.More() {
		return &apiError{kind: kindMalformed, detail: "the body holds more than one JSON value"}
	}
	return nil
}

// jsonError is the problem for an error decoding body into a value of type
// t. A value of the wrong type or an unknown field is named by its path in
// the body, as the client wrote it (history[0].role), and what is wanted
// is said in JSON terms, never with a Go type.
func jsonError(err error, body []byte, t reflect.Type, strict bool) error {
	_, typeErr := errors.AsType[*json.UnmarshalTypeError](err)
	unknown := strings.HasPrefix(err.Error(), "json: unknown field ")
	switch {
	case typeErr || unknown:
		field, message, ok := misfit(body, t, strict)
		if !ok {
			return &apiError{kind: kindValidation, detail: "the body does not have the expected fields and types", err: err}
		}
		if field == "" {
			return &apiError{kind: kindValidation, detail: "the body " + message, err: err,
				fields: []fieldError{{"body", message}}}
		}
		return invalid(field, message)
	case errors.Is(err, io.EOF):
		return &apiError{kind: kindMalformed, detail: "the body is empty"}
	}
	return &apiError{kind: kindMalformed, detail: "the body is not valid JSON: " + err.Error()}
}

// misfit walks body, in document order, along the Go type t it is decoded
// into, and returns the path of the first value that does not fit t (a
// field t does not have, when strict, or a value of the wrong JSON type)
// and what is wanted there. ok is false when every value fits.
func misfit(body []byte, t reflect.Type, strict bool) (path, message string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := fitWalker{dec: dec, strict: strict}
	w.value(t, "")
	return w.path, w.message, w.found
}

// fitWalker reads JSON tokens against a Go type; see [misfit].
type fitWalker struct {
	dec           *json.Decoder
	strict        bool
	found         bool
	path, message string
}

var rawMessage = reflect.TypeFor[json.RawMessage]()

// value reads one value, of type t at path, stopping at the first misfit
// or at a token that does not read (which the decoder has reported).
func (w *fitWalker) value(t reflect.Type, path string) {
	tok, err := w.dec.Token()
	if err != nil || w.found {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessage || t.Kind() == reflect.Interface {
		w.skip(tok)
		return
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch {
		case tok == '{' && t.Kind() == reflect.Struct:
			w.object(path, func(key string) (reflect.Type, bool) { return jsonField(t, key) })
		case tok == '{' && t.Kind() == reflect.Map:
			w.object(path, func(string) (reflect.Type, bool) { return t.Elem(), true })
		case tok == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			for i := 0; w.dec.More() && !w.found; i++ {
				w.value(t.Elem(), path+"["+strconv.Itoa(i)+"]")
			}
		default:
			w.misfit(path, wanted(t))
			return
		}
		if !w.found {
			_, _ = w.dec.Token() // the closing '}' or ']'; an error shows on the next read
		}
	case string:
		if t.Kind() != reflect.String {
			w.misfit(path, wanted(t))
		}
	case bool:
		if t.Kind() != reflect.Bool {
			w.misfit(path, wanted(t))
		}
	case json.Number:
		if !fitsNumber(tok, t) {
			w.misfit(path, wanted(t))
		}
	}
}

// object reads the members of an object whose '{' has been read; field
// gives the type of a member, or false when there is no such member.
func (w *fitWalker) object(path string, field func(key string) (reflect.Type, bool)) {
	for w.dec.More() && !w.found {
		tok, err := w.dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		at := key
		if path != "" {
			at = path + "." + key
		}
		ft, ok := field(key)
		if !ok {
			if w.strict {
				w.misfit(at, "unknown field")
				return
			}
			ft = reflect.TypeFor[any]()
		}
		w.value(ft, at)
	}
}

// skip reads the rest of a value whose first token is tok.
func (w *fitWalker) skip(tok json.Token) {
	if d, ok := tok.(json.Delim); !ok || d == '}' || d == ']' {
		return
	}
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

func (w *fitWalker) misfit(path, message string) {
	w.found, w.path, w.message = true, path, message
}

// jsonField returns the type of the field of struct t that encoding/json
// fills from key: its exact JSON name, else a case-insensitive match.
func jsonField(t reflect.Type, key string) (reflect.Type, bool) {
	var folded reflect.Type
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && f.Type.Kind() == reflect.Struct {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
			continue
		case name == "":
			name = f.Name
		}
		if name == key {
			return f.Type, true
		}
		if folded == nil && strings.EqualFold(name, key) {
			folded = f.Type
		}
	}
	return folded, folded != nil
}

// fitsNumber reports whether the JSON number n decodes into t.
func fitsNumber(n json.Number, t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		_, err := strconv.ParseInt(string(n), 10, t.Bits())
		return err == nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		_, err := strconv.ParseUint(string(n), 10, t.Bits())
		return err == nil
	case reflect.Float32, reflect.Float64:
		_, err := strconv.ParseFloat(string(n), t.Bits())
		return err == nil
	}
	return false
}

// wanted says, in JSON terms, what a value of type t must be.
func wanted(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "must be a JSON object"
	case reflect.Slice, reflect.Array:
		return "must be a JSON array"
	case reflect.String:
		return "must be a string"
	case reflect.Bool:
		return "must be true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "must be an integer"
	case reflect.Float32, reflect.Float64:
		return "must be a number"
	}
	return "has the wrong type"
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
	if _, ok := c.GetQuery("k"); !ok {
		return def, nil
	}
	return queryCount(c, "k", 1, s.cfg.MaxK)
}

// dateForm is the written form of a date in a request: YYYY-MM or
// YYYY-MM-DD, digits only. Issue dates in documents are read more
// leniently (see [ingest.ParseDate]); requests are held to the documented
// form.
var dateForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$`)

// date validates the date field v; "" is no date.
func date(field, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if !dateForm.MatchString(v) {
		return "", invalid(field, "must be a date written YYYY-MM or YYYY-MM-DD")
	}
	d, err := ingest.ParseDate(v)
	if err != nil {
		// Written right, but no such day or month: say which.
		return "", invalid(field, "must be a date that exists: "+strings.TrimPrefix(err.Error(), "invalid date "))
	}
	return d, nil
}

// dateRange validates from and to (YYYY-MM or YYYY-MM-DD, from ≤ to; a
// month covers all its days).
func dateRange(from, to string) (archive.Range, error) {
	var r archive.Range
	var err error
	if r.From, err = date("from", from); err != nil {
		return r, err
	}
	if r.To, err = date("to", to); err != nil {
		return r, err
	}
	if r.Backwards() {
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
