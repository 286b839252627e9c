package embed

import "time"

// SetBackoff shortens the retry backoff so tests run fast.
func SetBackoff(c *Client, d time.Duration) { c.backoff = d }
