package vectorindex

import "errors"

var (
	// ErrDims is returned when a vector's length differs from the index's
	// dimension.
	ErrDims = errors.New("vectorindex: wrong vector dimension")

	// ErrExists is returned by Add when the id was added before, even if it
	// has since been deleted: ids are never reused.
	ErrExists = errors.New("vectorindex: id already exists")

	// ErrCorrupt is returned by Load when a snapshot is truncated, has a bad
	// magic number, version or checksum, or fails the structural checks. It is
	// wrapped with the detail.
	ErrCorrupt = errors.New("vectorindex: corrupt snapshot")

	// ErrConfig is returned by New for an invalid Config. It is wrapped with
	// the offending field.
	ErrConfig = errors.New("vectorindex: invalid config")
)
