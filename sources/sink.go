package sources

import (
	"context"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
)

// Sink is where the sources write: *archive.Archive satisfies it. Both
// methods must be safe for concurrent use, as a watcher and several feed
// pollers share one sink.
type Sink interface {
	// Ingest stores doc, idempotently: ingesting the same document twice
	// changes nothing the second time.
	Ingest(ctx context.Context, doc ingest.Document) (archive.Result, error)
	// DeleteIssue removes an issue and its items. Deleting an issue that
	// does not exist returns an error wrapping store.ErrNotFound, which the
	// sources take as done.
	DeleteIssue(ctx context.Context, id string) (archive.Result, error)
}

// Holder is a [Sink] that lists the issues it holds, as *archive.Archive
// does. A [Watcher] writing to one starts from the issues that its folder's
// files gave before, by their sources, so that a file deleted, or edited
// into another issue, while nothing watched is caught up with at start.
type Holder interface {
	Sink
	Issues(ctx context.Context) ([]store.IssueSummary, error)
}
