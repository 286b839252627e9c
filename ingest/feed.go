package ingest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// FormatFeed is an RSS 2.0, RSS 1.0 (RDF) or Atom feed (a JSON Feed too,
// when the format is given rather than detected). Each entry is one
// [Document]; see [ParseFeed].
const FormatFeed Format = "feed"

// FeedEntry identifies an entry of a feed, so that a poller can tell new
// entries from ones already stored.
type FeedEntry struct {
	ID    string // the Issue.ID ParseFeed gives the entry: "feed-" + 16 hex digits
	Key   string // what ID is derived from, see ParseFeed
	GUID  string // the entry's guid (RSS) or id (Atom), possibly ""
	Link  string // the entry's link, possibly ""
	Title string
	Date  string // YYYY-MM-DD, or "" when the entry has no date
}

// ParseFeed parses an RSS or Atom feed read from source into one [Document]
// per entry, in feed order, so that polling the feed again adds only the new
// entries and leaves the ids of the others unchanged:
//
//   - Issue.ID is "feed-" + the first 16 hex digits of the SHA-256 of the
//     entry's key: its guid (Atom id), or failing that its link, or failing
//     both its title and date. A guid that is not a URI (no ":", such as
//     "42") is prefixed with the feed's link (or, for a feed without one,
//     source: its URL or file name) and a space, so that two blogs
//     numbering their posts do not collide. The date plays no part,
//     so an entry whose date is corrected keeps its id.
//   - Issue.Date is the entry's publication date, else its update date, as
//     the day the feed writes it (in the feed's time zone), or "".
//   - Issue.Headlines is the entry's title; Issue.Source is source (the
//     file or the feed's URL), so that the entries of a feed file are known
//     as that file's; Issue.Link is the entry's link, else its guid, when
//     that is an absolute http(s) URL, else "".
//   - The items are the paragraphs of the entry's content (content:encoded,
//     Atom content), else of its description or summary, read as
//     [FormatHTML] when they hold markup and as blank-line separated
//     paragraphs when not; each has the title as headline. An entry with no
//     text but a title gives one item, its title. Item ids follow the
//     package rule (issue id + hash of the text), so an edited entry keeps
//     its id and changes its Hash and the ids of the edited paragraphs.
//
// Entries without text or title, and repeats of a key already seen, are
// skipped. Feeds that are not UTF-8 are decoded as their XML declaration
// says, or as Windows-1252 when it says nothing or wrongly says UTF-8.
// Errors name the source once and wrap [ErrFeed] (a [*LineError] when the XML
// parser gives a line), [ErrEncoding] or [ErrEmpty].
func ParseFeed(source string, data []byte) ([]Document, error) {
	docs, err := parseFeed(source, data)
	if err != nil {
		return nil, withSource(source, err)
	}
	return docs, nil
}

// parseFeed is [ParseFeed] for [Parse], which names the source in errors
// itself.
func parseFeed(source string, data []byte) ([]Document, error) {
	entries, err := readFeed(source, data)
	if err != nil {
		return nil, err
	}
	docs := make([]Document, len(entries))
	for i, e := range entries {
		docs[i] = e.document(source)
	}
	return docs, nil
}

// FeedEntries returns the entries ParseFeed would make documents of, in the
// same order, without their text. Errors are those of ParseFeed.
func FeedEntries(source string, data []byte) ([]FeedEntry, error) {
	entries, err := readFeed(source, data)
	if err != nil {
		return nil, withSource(source, err)
	}
	out := make([]FeedEntry, len(entries))
	for i, e := range entries {
		out[i] = e.FeedEntry
	}
	return out, nil
}

// feedEntry is an entry ready to become a document.
type feedEntry struct {
	FeedEntry
	pieces []piece
}

// document builds the entry's document.
func (e feedEntry) document(source string) Document {
	issue := Issue{ID: e.ID, Date: e.Date, Source: source, Link: cmp.Or(webAddress(e.Link), webAddress(e.GUID))}
	if e.Title != "" {
		issue.Headlines = []string{e.Title}
	}
	items := makeItems(issue.ID, e.pieces)
	issue.Hash = issueHash(issue.Date, issue.Headlines, items)
	return Document{Issue: issue, Items: items}
}

// webAddress returns s if it is an absolute http or https URL, else "": a
// feed's link is shown to readers, who must not be sent to a javascript: or
// file: URL, nor to a relative one that would resolve against the server.
func webAddress(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return s
}

// wellFormed checks that an XML feed is well-formed: gofeed reads a
// broken one as far as it can guess, and a feed whose tags do not match
// would store entries with parts lost or moved. HTML's named entities
// (&nbsp;, &eacute;), which feeds often use undeclared, are taken. A JSON
// Feed is left to gofeed.
func wellFormed(source string, data []byte) error {
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '<' {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	d.CharsetReader = charset.NewReaderLabel // a declared encoding; feedUTF8 made the rest UTF-8
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if se, ok := errors.AsType[*xml.SyntaxError](err); ok {
			return &LineError{Source: source, Line: se.Line, Err: fmt.Errorf("%w: %s", ErrFeed, se.Msg)}
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrFeed, err)
		}
	}
}

// readFeed parses data, read from source, and turns its entries into
// feedEntry values.
func readFeed(source string, data []byte) ([]feedEntry, error) {
	data, err := feedUTF8(data)
	if err != nil {
		return nil, err
	}
	if err := wellFormed(source, data); err != nil {
		return nil, err
	}
	fp := gofeed.NewParser()
	// The image scan parses each entry's HTML once more, for nothing here.
	fp.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	feed, err := fp.Parse(bytes.NewReader(data))
	if err != nil {
		if se, ok := errors.AsType[*xml.SyntaxError](err); ok {
			return nil, &LineError{Source: source, Line: se.Line, Err: fmt.Errorf("%w: %s", ErrFeed, se.Msg)}
		}
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok { // a JSON Feed
			field := te.Field[strings.LastIndexByte(te.Field, '.')+1:] // the path holds gofeed's type names
			return nil, fmt.Errorf("%w: JSON Feed field %q cannot be %s", ErrFeed, field, jsonKind(te.Value))
		}
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, fmt.Errorf("%w: no <rss>, <rdf:RDF> or Atom <feed> root element", ErrFeed)
		}
		return nil, fmt.Errorf("%w: %w", ErrFeed, err)
	}
	var out []feedEntry
	seen := map[string]bool{}
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		e := feedEntry{FeedEntry: FeedEntry{
			GUID:  strings.TrimSpace(it.GUID),
			Link:  strings.TrimSpace(it.Link),
			Title: markupText(it.Title),
		}}
		switch {
		case it.PublishedParsed != nil:
			e.Date = dayOf(*it.PublishedParsed)
		case it.UpdatedParsed != nil:
			e.Date = dayOf(*it.UpdatedParsed)
		}
		e.Key = entryKey(cmp.Or(strings.TrimSpace(feed.Link), source), e.FeedEntry)
		if e.Key == "" {
			continue
		}
		e.ID = "feed-" + sha256Hex(e.Key)[:16]
		if seen[e.ID] {
			continue
		}
		for _, body := range []string{it.Content, it.Description} {
			if e.pieces = entryPieces(body); len(e.pieces) > 0 {
				break
			}
		}
		if len(e.pieces) == 0 && e.Title != "" {
			e.pieces = []piece{{text: e.Title}}
		}
		if len(e.pieces) == 0 {
			continue
		}
		for i := range e.pieces {
			e.pieces[i].headline = e.Title
		}
		seen[e.ID] = true
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the feed has no entry with text", ErrEmpty)
	}
	return out, nil
}

// entryKey returns what an entry's id is derived from, as ParseFeed says.
func entryKey(feedLink string, e FeedEntry) string {
	switch {
	case e.GUID != "" && strings.Contains(e.GUID, ":"):
		return e.GUID
	case e.GUID != "":
		return strings.TrimSpace(feedLink) + " " + e.GUID
	case e.Link != "":
		return e.Link
	case e.Title != "":
		return e.Title + " " + e.Date
	}
	return ""
}

// markupRE finds a tag, a comment or a character reference: what tells
// an entry's HTML from plain text.
var markupRE = regexp.MustCompile(`<[A-Za-z!/][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+\d*);`)

// entryPieces reads the paragraphs of an entry's content or description.
func entryPieces(body string) []piece {
	body = norm.NFC.String(strings.ToValidUTF8(body, "\uFFFD"))
	if strings.TrimSpace(body) == "" {
		return nil
	}
	if !markupRE.MatchString(body) {
		var out []piece
		for _, para := range paragraphs(strings.Split(strings.ReplaceAll(body, "\r", ""), "\n")) {
			for _, part := range splitLong(strings.Join(para, " ")) {
				out = append(out, piece{text: part})
			}
		}
		return out
	}
	page, err := readHTML(body, false)
	if err != nil {
		return nil
	}
	// The entry's title is its headline; headings inside its content only
	// cut it into paragraphs.
	return page.pieces
}

// markupText returns the text of a title that may hold markup or
// character references (Atom type="html" titles do).
func markupText(s string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
	if !markupRE.MatchString(s) {
		return collapse(s)
	}
	page, err := readHTML("<p>"+s+"</p>", false)
	if err != nil || len(page.pieces) == 0 {
		return collapse(s)
	}
	parts := make([]string, len(page.pieces))
	for i, p := range page.pieces {
		parts[i] = p.text
	}
	return collapse(strings.Join(parts, " "))
}

// xmlEncodingRE finds the encoding in an XML declaration.
var xmlEncodingRE = regexp.MustCompile(`^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']`)

// feedUTF8 makes a feed that is not valid UTF-8 and does not declare
// another encoding into UTF-8, decoding it as Windows-1252; the XML parser
// decodes declared encodings itself.
func feedUTF8(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		if err := nulError(data); err != nil {
			return nil, err
		}
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ErrEmpty
	}
	m := xmlEncodingRE.FindSubmatch(data[:min(len(data), 200)])
	if m != nil {
		// The XML parser would fail on it, and gofeed then says it found
		// no feed.
		if enc, _ := charset.Lookup(string(m[1])); enc == nil {
			return nil, fmt.Errorf("%w: the XML declaration names an unknown encoding %s", ErrEncoding, quoteShort(string(m[1])))
		}
	}
	if utf8.Valid(data) {
		return data, nil
	}
	if m != nil && !strings.EqualFold(string(m[1]), "utf-8") {
		return data, nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("%w: neither UTF-8 nor Windows-1252: %w", ErrEncoding, err)
	}
	return out, nil
}
