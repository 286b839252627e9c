package sources

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/veille/veille/ingest"
)

// MaxFeedBytes is the largest feed body a [FeedPoller] reads.
const MaxFeedBytes = 32 << 20

// FeedOptions configures [NewFeedPoller]. Zero values take the defaults.
type FeedOptions struct {
	// Interval is the time between polls (default 15m).
	Interval time.Duration
	// MaxBackoff caps the wait after failed polls (default 6h, and never
	// less than Interval).
	MaxBackoff time.Duration
	// Client makes the requests (default: a client with a 60s timeout).
	Client *http.Client
	Logger *slog.Logger
	// State keeps the poller's memory across restarts: the validators, the
	// entries ingested (so that one deleted from the archive while the feed
	// still lists it stays deleted) and the day each undated entry was first
	// seen. Nil keeps it in memory only.
	State StateStore
	// Now dates the entries that have no date of their own, on the day
	// (UTC) they are first seen (default time.Now).
	Now func() time.Time
}

// StateStore keeps feed pollers' state, by feed URL; *store.DB is one.
type StateStore interface {
	FeedState(url string) (state []byte, ok bool, err error)
	SaveFeedState(url string, state []byte) error
}

// feedState is what a poller remembers, saved as JSON in its StateStore.
type feedState struct {
	ETag         string            `json:"etag,omitempty"`
	LastModified string            `json:"last_modified,omitempty"`
	Seen         map[string]string `json:"seen"`            // entry key → its seenMark last ingested
	Dated        map[string]string `json:"dated,omitempty"` // undated entry's key → the day it was first seen
}

// seenMark is what a poller remembers of an entry it ingested: its content
// hash, which leaves the link out, and its link, so that an entry whose
// address alone changes is ingested again. An entry without a link is
// remembered by its hash alone, as versions before links were kept did.
func seenMark(iss ingest.Issue) string {
	if iss.Link == "" {
		return iss.Hash
	}
	return iss.Hash + " " + iss.Link
}

// PollResult says what one poll did.
type PollResult struct {
	Status  int // HTTP status; 304 when the feed had not changed
	New     int // entries ingested for the first time
	Updated int // entries seen before whose content changed, ingested again
	Skipped int // entries already ingested as they are, the sink not called
}

// FeedPoller polls one feed and ingests its new and changed entries; see the
// package documentation. Its methods are safe for concurrent use; polls are
// serialised.
type FeedPoller struct {
	url  string
	sink Sink
	opts FeedOptions
	log  *slog.Logger

	mu         sync.Mutex
	st         feedState
	saved      []byte        // st as last saved or loaded
	retryAfter time.Duration // asked for by the last failed response
}

// NewFeedPoller returns a poller of the feed at url writing to sink. It does
// nothing until [FeedPoller.Run] or [FeedPoller.Poll], but reads the state
// saved in opts.State; a state that cannot be read is logged and the poller
// starts afresh, ingesting every entry again (a no-op for those unchanged).
func NewFeedPoller(url string, sink Sink, opts FeedOptions) *FeedPoller {
	opts.Interval = cmp.Or(opts.Interval, 15*time.Minute)
	opts.MaxBackoff = max(cmp.Or(opts.MaxBackoff, 6*time.Hour), opts.Interval)
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 60 * time.Second}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &FeedPoller{url: url, sink: sink, opts: opts, log: log.With("feed", url)}
	if err := p.load(); err != nil {
		p.log.Warn("feed state unreadable, starting afresh", "err", err)
		p.st = feedState{}
	}
	if p.st.Seen == nil {
		p.st.Seen = map[string]string{}
	}
	if p.st.Dated == nil {
		p.st.Dated = map[string]string{}
	}
	return p
}

// load reads the saved state, if any.
func (p *FeedPoller) load() error {
	if p.opts.State == nil {
		return nil
	}
	b, ok, err := p.opts.State.FeedState(p.url)
	if err != nil || !ok {
		return err
	}
	if err := json.Unmarshal(b, &p.st); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	p.saved = b
	return nil
}

// save writes the state when it changed since it was last saved or loaded.
// A failure is logged, not returned: the entries are in the archive, and
// what the next start would redo is ingesting them again.
func (p *FeedPoller) save(ctx context.Context) {
	if p.opts.State == nil {
		return
	}
	b, err := json.Marshal(p.st)
	if err == nil && bytes.Equal(b, p.saved) {
		return
	}
	if err == nil {
		err = p.opts.State.SaveFeedState(p.url, b)
	}
	if err != nil {
		p.log.WarnContext(ctx, "save feed state", "err", err)
		return
	}
	p.saved = b
}

// Run polls the feed at once, then every Interval, until ctx is done, when
// it returns nil. After n failed polls in a row (network error, status other
// than 2xx or 304, unreadable feed, failed ingest) it waits Interval·2ⁿ,
// at most MaxBackoff, or longer when the server asks for it with
// Retry-After; a successful poll resets the wait to Interval.
func (p *FeedPoller) Run(ctx context.Context) error {
	failures := 0
	for {
		res, err := p.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := p.opts.Interval
		if err != nil {
			failures++
			wait = p.backoff(failures)
			p.mu.Lock()
			wait = min(max(wait, p.retryAfter), p.opts.MaxBackoff)
			p.mu.Unlock()
			p.log.WarnContext(ctx, "poll feed", "err", err, "failures", failures, "retry_in", wait)
		} else {
			failures = 0
			if res.New+res.Updated > 0 {
				p.log.InfoContext(ctx, "polled feed", "new", res.New, "updated", res.Updated, "skipped", res.Skipped)
			} else {
				p.log.DebugContext(ctx, "polled feed", "status", res.Status, "skipped", res.Skipped)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// backoff returns the wait after n failed polls in a row.
func (p *FeedPoller) backoff(n int) time.Duration {
	d := p.opts.Interval
	for range n {
		if d >= p.opts.MaxBackoff/2 {
			return p.opts.MaxBackoff
		}
		d *= 2
	}
	return d
}

// Poll fetches the feed once, conditionally, and ingests the entries not
// yet ingested as they are. A 304 ingests nothing. The validators (ETag,
// Last-Modified) are kept only once every entry of a response is ingested,
// so that an entry that failed is fetched again at the next poll.
//
// Errors wrap [ErrStatus], [ErrTooLarge], the client's error, the errors of
// [ingest.ParseFeed] or those of the sink; res.Status is set whenever the
// server answered. An empty response is an error; a feed without entries
// is not, and leaves what the poller remembers as it was.
func (p *FeedPoller) Poll(ctx context.Context) (PollResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.save(context.WithoutCancel(ctx))
	p.retryAfter = 0

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return PollResult{}, fmt.Errorf("poll %s: %w", p.url, err)
	}
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
	req.Header.Set("User-Agent", "veille feed poller")
	if p.st.ETag != "" {
		req.Header.Set("If-None-Match", p.st.ETag)
	}
	if p.st.LastModified != "" {
		req.Header.Set("If-Modified-Since", p.st.LastModified)
	}
	resp, err := p.opts.Client.Do(req)
	if err != nil {
		return PollResult{}, fmt.Errorf("poll %s: %w", p.url, err)
	}
	defer resp.Body.Close()
	res := PollResult{Status: resp.StatusCode}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return res, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		p.retryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		return res, fmt.Errorf("poll %s: status %d: %w", p.url, resp.StatusCode, ErrStatus)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxFeedBytes+1))
	if err != nil {
		return res, fmt.Errorf("poll %s: read body: %w", p.url, err)
	}
	if len(data) > MaxFeedBytes {
		return res, fmt.Errorf("poll %s: over %d bytes: %w", p.url, MaxFeedBytes, ErrTooLarge)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return res, fmt.Errorf("poll %s: %w: the response is empty", p.url, ingest.ErrFeed)
	}
	if err := p.ingest(ctx, data, &res); err != nil {
		return res, err
	}
	p.st.ETag = resp.Header.Get("ETag")
	p.st.LastModified = resp.Header.Get("Last-Modified")
	return res, nil
}

// ingest parses a feed body and ingests its new and changed entries,
// counting them in res.
func (p *FeedPoller) ingest(ctx context.Context, data []byte, res *PollResult) error {
	docs, err := ingest.ParseFeed(p.url, data)
	if errors.Is(err, ingest.ErrEmpty) {
		// A feed that lists nothing is more often a glitch than the end of
		// every entry: what the poller remembers stays.
		return nil
	}
	if err != nil {
		return err
	}
	entries, err := ingest.FeedEntries(p.url, data)
	if err != nil {
		return err
	}
	if len(entries) != len(docs) {
		// Impossible, as both read the same entries; not worth a panic in a
		// background loop.
		return fmt.Errorf("poll %s: %d documents for %d entries", p.url, len(docs), len(entries))
	}
	current := make(map[string]bool, len(entries))
	var errs []error
	today := p.opts.Now().UTC().Format(time.DateOnly)
	for i, e := range entries {
		doc := docs[i]
		current[e.Key] = true
		if doc.Issue.Date == "" {
			day := cmp.Or(p.st.Dated[e.Key], today)
			doc.Redate(day)
			p.st.Dated[e.Key] = day
		} else {
			delete(p.st.Dated, e.Key)
		}
		mark, seen := p.st.Seen[e.Key]
		if seen && mark == seenMark(doc.Issue) {
			res.Skipped++
			continue
		}
		if _, err := p.sink.Ingest(ctx, doc); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, fmt.Errorf("ingest entry %q: %w", e.Key, err))
			continue
		}
		p.st.Seen[e.Key] = seenMark(doc.Issue)
		if seen {
			res.Updated++
		} else {
			res.New++
		}
	}
	// Only the entries still in the feed are remembered, which bounds the
	// maps; one that comes back is ingested again, as a no-op unless it
	// was undated and is dated anew.
	for _, m := range []map[string]string{p.st.Seen, p.st.Dated} {
		for key := range m {
			if !current[key] {
				delete(m, key)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("poll %s: %w", p.url, err)
	}
	return nil
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date, and
// returns 0 when there is none or it cannot be read.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
