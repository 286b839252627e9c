package chat

import "time"

// SetBackoff sets the first retry wait of c, so that tests retry quickly.
func SetBackoff(c *Client, d time.Duration) { c.backoff = d }

// SplitSentences exposes splitSentences to tests, as strings.
func SplitSentences(text string) []string {
	var out []string
	for _, s := range splitSentences(text) {
		out = append(out, text[s.start:s.end])
	}
	return out
}

// TrimPassages exposes trimPassages to tests.
var TrimPassages = trimPassages

// FormatPassage exposes formatPassage to tests.
var FormatPassage = formatPassage
