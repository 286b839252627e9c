package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"
)

// Format names an input format accepted by [Parse].
type Format string

const (
	// FormatDetect asks [Parse] to choose the format with [DetectFormat].
	FormatDetect Format = ""

	// FormatRaw is the archive's plain-text format. The first non-blank line
	// is "date YYYY-MM[-DD] Headline / Headline / ..." and the rest is
	// paragraphs separated by blank lines, the lines of a paragraph being
	// joined by a space.
	//
	// The paragraphs before the first headline (the issue's introduction)
	// get the headline "". A headline is then found in three places:
	//
	//   - Alone as a paragraph: a short title-like line (2 to 15 words,
	//     starting with a capital, with no sentence punctuation, not ending
	//     with a period, "!", ":" or a word like "de" or "the"), or a line of
	//     up to 25 words that equals, extends or starts a headline already
	//     known (after folding case, accents and punctuation). It becomes the
	//     headline of the paragraphs that follow. A headline-like last
	//     paragraph, with nothing after it, stays text. The first line of a
	//     multi-line paragraph is treated the same way when it is such a line
	//     and much shorter than the next.
	//   - Glued to the start of a paragraph: a known headline followed by a
	//     sentence opener or after its "?", or, within the first 15 words and
	//     before any comma or sentence punctuation, three words or more
	//     followed by a capitalised sentence opener ("La", "Selon",
	//     "Basée", "L'…", "The"…; a determiner or pronoun must be followed by
	//     a lower-case word, so that "Le Chat" or "The Information" do not
	//     count), when the rest reads as a sentence.
	//   - Glued to the end of a paragraph: a title-like tail after the last
	//     sentence, shaped "Name : title" (ending with "?" or no punctuation)
	//     or matching a known headline, when another text paragraph follows;
	//     it becomes the headline of the paragraphs after it.
	//
	// Every headline found this way is added to the issue's Headlines, after
	// those of the first line, unless it equals, extends or starts one
	// already there.
	FormatRaw Format = "raw"

	// FormatMarkdown is Markdown: optional front matter between "---" lines
	// (date, title), an optional "# Title" (the issue's title, which may
	// hold the date as 2025-02-10, 10/02/2025 or "10 février 2025"), an
	// optional "Date: YYYY-MM-DD" line, "##" to "######" headings (the
	// headlines) and paragraphs. Links keep their text, emphasis and code
	// marks are dropped, images are skipped, a paragraph that is only bold
	// text is a headline, and a list is one item whose lines keep their
	// markers and line breaks. The front matter's date wins over a "Date:"
	// line, which wins over the title.
	FormatMarkdown Format = "markdown"

	// FormatJSONL is a corpus in JSON Lines: one passage a line,
	// {"id", "date", "title", "text"}, other fields being ignored. Only text
	// is required. Lines are grouped into one [Document] per distinct date,
	// in order of first appearance, lines without a date forming a dateless
	// document. Item.ID is the given id, unchanged; Headline is the title.
	// Blank lines are skipped. A bad line fails the whole file with a
	// [*LineError], so that nothing is half stored. Lines may be of any
	// length. Passages are not split, whatever their size.
	FormatJSONL Format = "jsonl"
)

// ReadInto reads the file at path into buf, emptied first, and returns its
// bytes, which stay valid until buf is used again: a loader that parses
// file after file reads each into the same memory, since [Parse] keeps
// none of it. A program reading the 2,000 files of the ingest benchmark's
// archive took 0.2 to 0.4 s with a new slice for each, 0.05 s with one
// reused buffer.
func ReadInto(buf *bytes.Buffer, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MaxItemBytes is the largest Text of a raw or Markdown item, in bytes. A
// longer paragraph is cut at sentence ends (or, inside a longer sentence, at
// spaces) into items of at most this size sharing its headline.
const MaxItemBytes = 20000

// Parse parses data, read from source (a file name or an upload name), in the
// given format, or in the one [DetectFormat] finds when format is
// [FormatDetect]. A raw, Markdown, HTML or e-mail input gives one
// [Document], a corpus one per date, a feed one per entry (see [ParseFeed]).
// Parse is a pure function, safe for concurrent use. The documents keep no
// reference to data, whose memory the caller may use again at once (see
// [ReadInto]).
//
// Errors wrap [ErrFormat], [ErrEncoding], [ErrNoDate], [ErrBadDate],
// [ErrEmpty], [ErrSyntax], [ErrBadID], [ErrDuplicateID], [ErrMIME] or
// [ErrFeed]; they name the source once, and those tied to a line are
// [*LineError] values. Input that is empty or only white space fails with
// [ErrEmpty], whatever the format.
func Parse(source string, data []byte, format Format) ([]Document, error) {
	if format == FormatDetect {
		format = DetectFormat(source, data)
	}
	var parse func(source, text string) ([]Document, error)
	var parseBytes func(source string, data []byte) ([]Document, error) // formats that declare their charset
	switch format {
	case FormatHTML:
		parseBytes = oneBytes(parseHTML)
	case FormatEmail:
		parseBytes = oneBytes(parseEmail)
	case FormatFeed:
		parseBytes = parseFeed
	case FormatRaw:
		parse = one(parseRaw)
	case FormatMarkdown:
		parse = one(parseMarkdown)
	case FormatJSONL:
		parse = parseJSONL
	default:
		return nil, withSource(source, fmt.Errorf("%w %q (want %q, %q, %q, %q, %q or %q)", ErrFormat, format,
			FormatRaw, FormatMarkdown, FormatJSONL, FormatHTML, FormatEmail, FormatFeed))
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))) == 0 {
		// Said here, or each format would find its own thing missing.
		return nil, withSource(source, fmt.Errorf("%w: the file holds no text", ErrEmpty))
	}
	if parseBytes != nil {
		docs, err := parseBytes(source, data)
		if err != nil {
			return nil, withSource(source, err)
		}
		return docs, nil
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, withSource(source, err)
	}
	docs, err := parse(source, text)
	if err != nil {
		return nil, withSource(source, err)
	}
	return docs, nil
}

// one adapts a parser of single documents to the signature of parseJSONL.
func one(parse func(source, text string) (Document, error)) func(string, string) ([]Document, error) {
	return func(source, text string) ([]Document, error) {
		doc, err := parse(source, text)
		if err != nil {
			return nil, err
		}
		return []Document{doc}, nil
	}
}

// oneBytes is [one] for parsers that decode their input themselves.
func oneBytes(parse func(source string, data []byte) (Document, error)) func(string, []byte) ([]Document, error) {
	return func(source string, data []byte) ([]Document, error) {
		doc, err := parse(source, data)
		if err != nil {
			return nil, err
		}
		return []Document{doc}, nil
	}
}

// ParseFormat returns the format named name (raw, markdown, jsonl, html,
// email or feed), or [FormatDetect] for "" and "auto". Another name is an
// error wrapping [ErrFormat] that lists them.
func ParseFormat(name string) (Format, error) {
	switch f := Format(name); f {
	case FormatDetect, "auto":
		return FormatDetect, nil
	case FormatRaw, FormatMarkdown, FormatJSONL, FormatHTML, FormatEmail, FormatFeed:
		return f, nil
	}
	return FormatDetect, fmt.Errorf("%w %q (want auto, %q, %q, %q, %q, %q or %q)", ErrFormat, name,
		FormatRaw, FormatMarkdown, FormatJSONL, FormatHTML, FormatEmail, FormatFeed)
}

// sniffBytes is how much of the input DetectFormat looks at.
const sniffBytes = 4096

// DetectFormat guesses the format of data from the extension of source
// (.txt: raw; .md, .markdown: Markdown; .jsonl, .ndjson: JSON Lines; .html,
// .htm, .xhtml: HTML; .eml: e-mail; .rss, .atom: feed; .xml: feed, or HTML
// when its root element is <html>, as in an XHTML page; case ignored), then
// from its first bytes: an RSS or Atom root element means a feed,
// "<!DOCTYPE html", "<html" or another leading tag HTML, a block of mail
// headers (From:, Subject:, MIME-Version:...) an e-mail, a line starting
// with "{" JSON Lines, a "date YYYY..." line raw,
// front matter or "#" headings Markdown. Anything else is taken as raw, the
// archive's own format.
func DetectFormat(source string, data []byte) Format {
	switch strings.ToLower(path.Ext(strings.ReplaceAll(source, `\`, "/"))) {
	case ".txt", ".text":
		return FormatRaw
	case ".md", ".markdown", ".mdown", ".mkd":
		return FormatMarkdown
	case ".jsonl", ".ndjson":
		return FormatJSONL
	case ".html", ".htm", ".xhtml":
		return FormatHTML
	case ".eml":
		return FormatEmail
	case ".rss", ".atom":
		return FormatFeed
	case ".xml":
		if markupRoot(data) == "html" {
			return FormatHTML
		}
		return FormatFeed
	}
	if f := sniffMarkup(data); f != FormatDetect {
		return f
	}
	head := bytes.TrimPrefix(data[:min(len(data), sniffBytes)], utf8BOM)
	first := ""
	for line := range bytes.Lines(head) {
		if t := strings.TrimSpace(string(line)); t != "" {
			first = t
			break
		}
	}
	if strings.HasPrefix(first, "{") {
		return FormatJSONL
	}
	if isDateWord(first) {
		return FormatRaw
	}
	if first == "---" || strings.HasPrefix(first, "#") {
		return FormatMarkdown
	}
	for line := range bytes.Lines(head) {
		if bytes.HasPrefix(line, []byte("## ")) || bytes.HasPrefix(line, []byte("### ")) {
			return FormatMarkdown
		}
	}
	return FormatRaw
}

// isDateWord reports whether line starts like a raw issue's first line:
// "date" (or "date:") and a word starting with a digit.
func isDateWord(line string) bool {
	f := strings.Fields(line)
	return len(f) >= 2 && strings.EqualFold(strings.TrimSuffix(f[0], ":"), "date") && f[1][0] >= '0' && f[1][0] <= '9'
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText turns data into NFC text with "\n" line ends, decoding UTF-16
// (with a byte order mark) and, when data is not valid UTF-8, Windows-1252.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", fmt.Errorf("%w: bad UTF-16: %w", ErrEncoding, err)
		}
		if bytes.IndexByte(out, 0) >= 0 {
			return "", fmt.Errorf("%w: NUL character in UTF-16 text (binary file?)", ErrEncoding)
		}
		data = out
	default:
		// Before any decoding, so that the offset is the file's.
		if err := nulError(data); err != nil {
			return "", err
		}
		data = bytes.TrimPrefix(data, utf8BOM)
	}
	if !utf8.Valid(data) {
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return "", fmt.Errorf("%w: neither UTF-8 nor Windows-1252: %w", ErrEncoding, err)
		}
		data = out
	}
	return normalize(string(data)), nil
}

// nulError returns an error wrapping [ErrEncoding] when data, not UTF-16,
// holds a NUL byte, and nil when it does not.
func nulError(data []byte) error {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fmt.Errorf("%w: NUL byte at offset %d (binary file, or UTF-16 without a byte order mark?)", ErrEncoding, i)
	}
	return nil
}

// normalize makes the line ends of s "\n" and s itself NFC.
func normalize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if plainNFC(s) {
		return s
	}
	return norm.NFC.String(s)
}

// plainNFC reports whether s is NFC for a reason quick to see: each of its
// runes is ASCII or in [plainRune]'s ranges. French text is made of those
// alone, and this pass over the benchmark archive's issues took 0.7 ns a
// byte, norm.NFC.String 1.7 to find the same.
func plainNFC(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !plainRune(r) {
			return false
		}
		i += n - 1
	}
	return true
}

// plainRune reports whether r is in a range whose runes neither combine
// with the rune before them nor change under NFC: U+0080 to U+02FF (the
// Latin letters, signs and modifiers) and U+2002 to U+20C0 (spaces, dashes,
// quotes, the ellipsis, super- and subscripts, currency signs); U+2000 and
// U+2001 are NFC's U+2002 and U+2003. TestPlainNFC checks every rune of
// them against the norm package's tables.
func plainRune(r rune) bool {
	return r < 0x300 || 0x2002 <= r && r <= 0x20C0
}

// collapse trims s and turns each run of white space in it into one space.
// Most paragraphs are already so, and are returned as they are.
func collapse(s string) string {
	if collapsed(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// piece is an item before it gets its id and ordinal.
type piece struct {
	headline, text string
}

// newDocument assembles a raw or Markdown issue. keyParts are the first-line
// headlines or the title, from which the issue id is derived.
func newDocument(source, date string, keyParts, headlines []string, pieces []piece) (Document, error) {
	if len(pieces) == 0 {
		return Document{}, ErrEmpty
	}
	issue := Issue{
		ID:        date + "-" + sha256Hex(issueKey(keyParts, headlines, pieces))[:8],
		Date:      date,
		Headlines: headlines,
		Source:    source,
	}
	items := makeItems(issue.ID, pieces)
	issue.Hash = issueHash(issue.Date, issue.Headlines, items)
	return Document{Issue: issue, Items: items}, nil
}

// issueKey is the string hashed into a raw or Markdown issue's id; see the
// package documentation.
func issueKey(keyParts, headlines []string, pieces []piece) string {
	for _, set := range [][]string{keyParts, headlines} {
		var folded []string
		for _, s := range set {
			if w := foldWords(s); len(w) > 0 {
				folded = append(folded, strings.Join(w, " "))
			}
		}
		if len(folded) > 0 {
			return strings.Join(folded, "/")
		}
	}
	return strings.Join(foldWords(pieces[0].text), " ")
}

// makeItems gives pieces their ids (issue id + text hash, with a "-n" suffix
// for the n-th repeat of a text) and ordinals.
func makeItems(issueID string, pieces []piece) []Item {
	items := make([]Item, len(pieces))
	seen := make(map[string]int, len(pieces))
	for i, p := range pieces {
		hash := sha256Hex(p.text)
		id := issueID + "-" + hash[:10]
		seen[id]++
		if n := seen[id]; n > 1 {
			id += "-" + strconv.Itoa(n)
		}
		items[i] = Item{ID: id, IssueID: issueID, Ordinal: i, Headline: p.headline, Text: p.text, Hash: hash}
	}
	return items
}

// issueHash hashes an issue's content as the package documentation says.
func issueHash(date string, headlines []string, items []Item) string {
	h := sha256.New()
	var n []byte
	field := func(s string) {
		// The length and colon, then the bytes of s where they are, as
		// sha256Hex hashes them: through fmt, each paragraph was copied
		// into a buffer first.
		n = append(strconv.AppendInt(n[:0], int64(len(s)), 10), ':')
		h.Write(n)
		h.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
	}
	field(date)
	field(strconv.Itoa(len(headlines)))
	for _, hl := range headlines {
		field(hl)
	}
	field(strconv.Itoa(len(items)))
	for _, it := range items {
		field(it.ID)
		field(it.Headline)
		field(it.Text)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(s string) string {
	// The bytes of s are hashed where they are: Sum256 only reads them,
	// and copying each paragraph into a new slice first made an ingest of
	// 100,000 paragraphs allocate 70 MB more, and took 2.3 µs against 0.7
	// for a paragraph of 880 bytes (a microbenchmark).
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(s), len(s)))
	return hex.EncodeToString(sum[:])
}

// splitLong cuts text (single-spaced) into parts of at most [MaxItemBytes],
// at sentence ends when it can, else at spaces, else at rune boundaries.
func splitLong(text string) []string {
	var parts []string
	for len(text) > MaxItemBytes {
		cut := lastSentenceEnd(text[:MaxItemBytes+1])
		if cut <= 0 {
			cut = strings.LastIndexByte(text[:MaxItemBytes+1], ' ')
		}
		if cut <= 0 {
			cut = MaxItemBytes
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
		}
		parts = append(parts, strings.TrimSpace(text[:cut]))
		text = strings.TrimSpace(text[cut:])
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}

// lastSentenceEnd returns the index of the last space of s that follows a
// sentence end (".", "!", "?", "…", possibly before a closing quote), or -1.
func lastSentenceEnd(s string) int {
	for i := strings.LastIndexByte(s, ' '); i > 0; i = strings.LastIndexByte(s[:i], ' ') {
		if endsSentence(s[:i]) {
			return i
		}
	}
	return -1
}
