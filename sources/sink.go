package sources

import (
	"context"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
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
