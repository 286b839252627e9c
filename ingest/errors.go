package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Sentinel errors returned, wrapped, by [Parse], [ParseJSON] and [ParseDate].
// Test for them with [errors.Is]; errors tied to a line of the input are
// [*LineError] values wrapping one of these.
var (
	// ErrNoDate means a raw or Markdown issue has no date: a raw issue must
	// start with a "date YYYY-MM[-DD] ..." line, a Markdown issue needs a
	// date in its front matter, a "Date:" line or its title.
	ErrNoDate = errors.New("no date")

	// ErrBadDate means a date is not a real calendar date written
	// YYYY-MM or YYYY-MM-DD.
	ErrBadDate = errors.New("invalid date")

	// ErrEmpty means the input holds no paragraph (or, for a corpus line, a
	// passage has no text).
	ErrEmpty = errors.New("no paragraphs")

	// ErrFormat means the requested [Format] is not one this package knows.
	ErrFormat = errors.New("unknown format")

	// ErrSyntax means a line of a JSON Lines corpus is not a JSON object of
	// the expected shape.
	ErrSyntax = errors.New("malformed line")

	// ErrEncoding means the input is not text: it holds NUL bytes, is
	// UTF-16 that does not decode, or is a feed whose XML declaration
	// names an encoding this package does not know.
	ErrEncoding = errors.New("not text")

	// ErrBadID means an id given in a corpus is empty, longer than 128
	// bytes, or uses characters other than [A-Za-z0-9._-].
	ErrBadID = errors.New("invalid id")

	// ErrDuplicateID means two passages of a corpus have the same id.
	ErrDuplicateID = errors.New("duplicate id")

	// ErrMIME means an e-mail is not a MIME message that can be read: no
	// header, a truncated header or a multipart body without its boundary.
	ErrMIME = errors.New("malformed e-mail")

	// ErrFeed means a feed is not RSS or Atom that can be read.
	ErrFeed = errors.New("malformed feed")
)

// LineError is an error at a line of an input. Callers that report errors to
// users can show Source and Line; Unwrap gives the cause, which wraps one of
// the sentinel errors above.
type LineError struct {
	Source string // as given to Parse
	Line   int    // 1-based
	Err    error
}

// Error formats the error as "source:line: cause".
func (e *LineError) Error() string {
	return fmt.Sprintf("%s:%d: %v", displayName(e.Source), e.Line, e.Err)
}

// Unwrap returns the cause.
func (e *LineError) Unwrap() error { return e.Err }

// withSource wraps err with the source it came from, unless it is a
// [*LineError], which already names it. Each source is named once: only the
// exported entry points call it, never the parsers they call.
func withSource(source string, err error) error {
	if _, ok := errors.AsType[*LineError](err); ok {
		return err
	}
	return fmt.Errorf("parse %s: %w", displayName(source), err)
}

// displayName is how a source appears in error messages.
func displayName(source string) string {
	if source == "" {
		return "input"
	}
	return source
}

// maxQuoted is how many characters of a value from the input an error
// message quotes.
const maxQuoted = 40

// quoteShort quotes s for an error message, cut after [maxQuoted]
// characters, with "…" after the quotes when it is cut.
func quoteShort(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	end := 0
	for range maxQuoted {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	return strconv.Quote(s[:end]) + "…"
}
