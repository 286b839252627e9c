// Package store keeps the archive in Badger: issues, items (paragraphs), their
// vectors, the schema version and the identity of the embedder that produced
// the vectors. It is the single source of truth; the vector index and any
// other in-memory structure is derived from it and can be rebuilt from it.
//
// # Key layout
//
// Every key starts with a one-letter prefix and a slash:
//
//	m/schema          → JSON {"version", "embedder": {"provider", "model", "dims"},
//	                    "gen", "next": {"gen", "embedder", "job", "started"}, "drop": [gen…]}
//	m/seq             → uint32 big-endian: the next item sequence number
//	m/clean           → empty: the clean-close marker, written last by Close
//	                    and deleted by Open (db.go)
//	m/unsynced        → JSON {"boot", "version"}: an unsynced session is
//	                    running, or ended without Close (unsynced.go)
//	i/<issue id>      → JSON issueRecord: the ingest.Issue and its item ids in order
//	p/<item id>       → JSON itemRecord: the ingest.Item, its seq, its issue's date and link
//	v/<seq: 4 bytes BE> → the item's vector, dense (float32 little-endian, dims × 4
//	                    bytes) or, when shorter, sparse; or a one-byte mark when
//	                    the vector is derived from the item (vectors.go, derive.go)
//	v<gen>/<seq: 4 bytes BE> → the same, in generation gen ≥ 1 (decimal): the
//	                    vectors of another embedder, after or during a reindex
//	                    (generations.go); "gen" in m/schema names the active one
//	n/<seq: 4 bytes BE> → the item id owning that seq
//	e/<embedder: 8 bytes><text: 16 bytes> → a cached vector (see cache.go)
//	f/<feed URL>      → a feed poller's state, opaque to the store (feeds.go)
//
// Sequence numbers are the vector index's ids. They are allocated from m/seq
// and never reused: an item whose text changes gets a new seq, so a stale
// index entry can never point at a different paragraph.
//
// # Invariants
//
// p/<id>, v/<seq> and n/<seq> of one item are written and deleted in the same
// transaction, so an item never exists without its vector (in the active
// generation) nor a vector without its item. A generation being built gets
// its vectors after the items exist, and loses them with the items. An issue's record is written in the last transaction of
// its ingest; an ingest that fails or is canceled before that takes back the
// transactions it committed ([DB.Apply]). Items left behind by one that
// stopped without doing so, by a crash or a failed delete (they are not
// listed by their issue), are removed by [Open], which skips that search
// when the store was closed cleanly after its last write.
//
// Writes are synced before they are acknowledged (Badger's SyncWrites),
// except in a store opened for a bulk load ([Options.Unsynced]), whose
// writes Close syncs at once; an Open after a system crash removes the
// issues such a load lost, so that the invariants above hold again.
// [DB.Backup] writes a consistent snapshot and [Restore] loads one into an
// empty directory (format in backup.go).
package store
