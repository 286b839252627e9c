package lexical

import "errors"

// ErrCorrupt means a snapshot given to [ReadIndex] is truncated, fails its
// checksum or is inconsistent.
var ErrCorrupt = errors.New("lexical: corrupt snapshot")

// ErrStale means a snapshot given to [ReadIndex] was analysed differently
// from what the configuration and this build would do.
var ErrStale = errors.New("lexical: stale snapshot")
