package sources

import "errors"

// ErrStatus is returned, wrapped with the status, by [FeedPoller.Poll] when
// the feed server answers with a status other than 2xx or 304.
var ErrStatus = errors.New("unexpected HTTP status")

// ErrTooLarge is returned, wrapped, by [FeedPoller.Poll] when a feed is
// larger than [MaxFeedBytes].
var ErrTooLarge = errors.New("feed too large")
