package archive

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/veille/veille/store"
)

// Digest returns up to k news items of the issues dated within r, for a
// question that asks what happened in a period rather than about a subject.
// A range shorter than a month (a day, a week) keeps only the issues it
// covers ([Range.Covers]), those dated to one of its days: an issue dated by
// its month is no day's news.
// A news item is the first paragraph under one of an issue's headlines (an
// issue without headlines gives its first paragraph). Every issue of the
// period gives its first item before any gives its second, so that a short
// digest of a month still covers each of its issues; the items come in the
// order of the issues' dates, then of their place in the issue. A zero r
// gives nothing.
func (a *Archive) Digest(ctx context.Context, r Range, k int) ([]Hit, error) {
	if r.IsZero() || k <= 0 {
		return nil, nil
	}
	issues, err := a.db.Issues(ctx)
	if err != nil {
		return nil, err
	}
	long := r.monthLong()
	issues = slices.DeleteFunc(issues, func(iss store.IssueSummary) bool {
		return !r.Covers(iss.Date) && !(long && r.Contains(iss.Date))
	})
	slices.SortFunc(issues, func(x, y store.IssueSummary) int {
		return cmp.Or(cmp.Compare(x.Date, y.Date), cmp.Compare(x.ID, y.ID))
	})
	var leads [][]store.Item // each issue's news items, in order
	for _, iss := range issues {
		_, items, err := a.db.Issue(ctx, iss.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		leads = append(leads, newsItems(items))
	}
	type pick struct{ issue, at int }
	var picks []pick
	for at := 0; len(picks) < k; at++ {
		more := false
		for i, l := range leads {
			if at < len(l) && len(picks) < k {
				picks = append(picks, pick{i, at})
				more = true
			}
		}
		if !more {
			break
		}
	}
	slices.SortFunc(picks, func(x, y pick) int { return cmp.Or(cmp.Compare(x.issue, y.issue), cmp.Compare(x.at, y.at)) })
	hits := make([]Hit, len(picks))
	for i, p := range picks {
		hits[i] = Hit{Item: leads[p.issue][p.at]}
	}
	return hits, nil
}

// newsItems returns the first item under each headline of an issue's items,
// in order, or its first item when none has a headline.
func newsItems(items []store.Item) []store.Item {
	var out []store.Item
	seen := map[string]bool{}
	for _, it := range items {
		if it.Headline != "" && !seen[it.Headline] {
			seen[it.Headline] = true
			out = append(out, it)
		}
	}
	if len(out) == 0 && len(items) > 0 {
		out = append(out, items[0])
	}
	return out
}

// monthLong reports whether r lasts a month or more: it has an open end or
// a month at either end, or its days span 27 or more.
func (r Range) monthLong() bool {
	from, errFrom := time.Parse(time.DateOnly, r.From)
	to, errTo := time.Parse(time.DateOnly, r.To)
	if errFrom != nil || errTo != nil {
		return true
	}
	return to.Sub(from) >= 27*24*time.Hour
}
