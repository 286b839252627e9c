// Package ingest turns newsletter issues, in the archive's raw text format, in
// Markdown or as JSON Lines corpora, into [Issue] values and their [Item]s
// (paragraphs). It imports nothing from the rest of the project.
//
// # Input
//
// [Parse] accepts UTF-8 (a byte order mark is dropped) and UTF-16 with a byte
// order mark. Input that is not valid UTF-8 is decoded as Windows-1252, the
// usual encoding of French text saved by older tools (it agrees with Latin-1
// on every printable character). Input holding NUL bytes is rejected with
// [ErrEncoding]. Line ends are normalised to "\n" and text to Unicode NFC.
// Inside a paragraph, runs of white space become one space, so an item's Text
// is a single line; only the lines of a Markdown list keep their line breaks.
//
// The formats are described on [FormatRaw], [FormatMarkdown] and
// [FormatJSONL]; [ParseJSON] takes the API's JSON body.
//
// # Identifiers
//
// Identifiers are derived from content, so the same input always yields the
// same ids: an issue's id comes from its date and headline line (or, for a
// corpus, from its source name), and an item's id from its issue id and a hash
// of its text, so that editing one paragraph changes exactly one item. All ids
// are URL-safe: they use only [A-Za-z0-9._-].
//
//   - Raw and Markdown issue: date + "-" + the first 8 hex digits of the
//     SHA-256 of the key, e.g. "2025-01-3fa2b1c0". The key is the
//     headlines of the raw first line (or the Markdown title), each folded
//     (lower case, no accents, punctuation as spaces) and joined by "/". An
//     issue with neither uses its discovered headlines instead and, failing
//     those, the folded text of its first item: only then does editing that
//     paragraph change every id of the issue.
//   - Corpus (JSON Lines) document: the slug of the source's base name without
//     extension, plus "-" + date when the lines have one: "corpus",
//     "corpus-2025-01".
//   - Item: issue id + "-" + the first 10 hex digits of the SHA-256 of its
//     Text. When the same text occurs again in an issue, the second gets the
//     suffix "-2", the third "-3", and so on. Corpus items keep the id given on
//     their line; a line without one gets an id made the same way.
//
// [Item].Hash is the hex SHA-256 of Text. [Issue].Hash is the hex SHA-256 of
// the date, its headlines, and each item's id, headline and text, in
// order, each written as its decimal byte length, ":" and its bytes (counts of
// headlines and items are written the same way before each list), so that two
// different issues never share the same hashed bytes.
//
// # Headlines
//
// Raw issues carry no markup, so the headline an item belongs to is found by
// heuristics, described on [FormatRaw]. They are conservative: when in doubt a
// line stays text, because a wrong split harms search more than a missed one.
package ingest
