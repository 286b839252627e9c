package eval

import "errors"

var (
	// ErrSyntax means a line of an evaluation file is not valid JSON or
	// misses a required field. The error wrapping it names the line.
	ErrSyntax = errors.New("bad evaluation line")

	// ErrEmpty means there was nothing to evaluate: no queries, or fewer
	// than two pairs.
	ErrEmpty = errors.New("nothing to evaluate")
)
