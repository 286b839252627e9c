// Package sources keeps the archive in step with where issues come from,
// while the server runs: a watched folder ([Watcher]) and feeds polled on an
// interval ([FeedPoller]). Both write through a [Sink], which
// *archive.Archive satisfies; the archive's per-paragraph idempotency is what
// makes re-ingesting a file or a feed entry cheap.
//
// # Watched folder
//
// A [Watcher] ingests every issue file under its folder at start, then
// follows changes through filesystem notifications (fsnotify), debounced
// per file, with a periodic full rescan as a safety net for missed events.
// It remembers, per file, the content hash and the issue ids the file
// produced, so that:
//
//   - a new or changed file is parsed and ingested (the archive embeds only
//     the paragraphs that changed), and the issues the file no longer
//     produces are deleted;
//   - a deleted, or renamed-away, file deletes its issues;
//   - a file or folder renamed within the folder is followed under its new
//     name;
//   - a file that fails to parse is logged with its name, and its previous
//     issues are kept as they were.
//
// The issues a watcher stores name their file by its canonical path
// ([Canonical]: absolute, its folders' links resolved) as their source, as
// `veille ingest` does, whatever folder the server starts in or the link
// it is given.
//
// When the sink is a [Holder] (the archive is), the watcher starts from the
// issues the archive holds from files under its folder, by their sources,
// so that the first scan also applies what changed while nothing watched:
// a file deleted meanwhile has its issues deleted, and one whose date or
// headline line was edited replaces the issue it gave.
//
// Files are taken as cmd/veille takes them from folders (.txt, .md,
// .markdown, .jsonl, .ndjson) plus .html, .htm, .eml, .rss, .atom and .xml;
// hidden files and folders are ignored, which also skips the temporary
// files of most editors.
//
// Issue ids come from content, not file names, so two files can produce the
// same issue id (a copy of an issue, or two corpora with the same base name
// in different folders). The archive holds the issue from one of them: the
// file it names as the source, else the first one ingested. The
// other is logged as an error when its content differs, and is ignored
// until the holder is deleted or stops giving the issue, when it gives the
// issue in turn; a restart keeps the same holder whatever the order of the
// scan, as `veille ingest` does.
//
// # Feeds
//
// A [FeedPoller] fetches a feed with a conditional GET (If-None-Match,
// If-Modified-Since) and ingests its entries through [ingest.ParseFeed],
// skipping, without calling the sink, the entries whose key (guid, else
// link) and content hash it has already ingested. It backs off
// exponentially on errors. An entry without a date is dated on the day,
// UTC, it is first seen, and keeps that date while the feed lists it.
//
// With a [StateStore] (the server gives it the store, so that backups hold
// it), what a poller has seen outlives a restart: its first poll is
// conditional, and an entry deleted from the archive stays deleted while
// the feed lists it unchanged (an edit of the entry ingests it again).
// Without one, it lives in memory: the first poll after a restart ingests
// every entry again, which the archive turns into no-ops, and brings back
// the entries deleted meanwhile. Entries that fall off the feed stay in
// the archive.
package sources
