package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime"
)

// FormatEmail is one e-mail message (an .eml file: RFC 5322 headers and a
// MIME body), as a newsletter arrives. Transfer encodings (quoted-printable,
// base64) and the charsets the parts declare are decoded; a part that
// declares none is taken as UTF-8 when valid, else Windows-1252.
//
// The Date header gives the issue date (the day in the sender's time zone)
// and the Subject the title and first headline, split at " / " like
// a raw first line. The HTML part is preferred and read as [FormatHTML]
// (its first <h1> is then the title repeated and skipped); without one, or
// when it holds no text, the text/plain part is read as [FormatRaw]
// paragraphs, up to a "-- " signature line. A text part that starts with a
// raw "date YYYY-MM-DD Headline / ..." line is an archived issue: that line
// gives the date and headlines. Without a Date header the date comes from
// the body, as for an HTML page or the subject. Unsubscribe and "view in
// browser" blocks are dropped from both parts.
//
// A message without headers, whose header or multipart structure cannot be
// read, or whose text or HTML part is malformed base64, fails with
// [ErrMIME]; a multipart body cut short gives the parts it holds.
const FormatEmail Format = "email"

// parseEmail parses a message in [FormatEmail].
func parseEmail(source string, data []byte) (Document, error) {
	if err := nulError(data); err != nil {
		return Document{}, err
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if bytes.HasPrefix(data, []byte("From ")) { // an mbox separator line
		_, data, _ = bytes.Cut(data, []byte("\n"))
	}
	p := enmime.NewParser(
		enmime.SkipMalformedParts(true),
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
		enmime.DisableTextConversion(true),
		// Trust the declared charset: detection misreads short French
		// texts, and undeclared bytes are handled below.
		enmime.DisableCharacterDetection(true),
	)
	env, err := p.ReadEnvelope(bytes.NewReader(data))
	if err != nil {
		// enmime's messages carry stack-trace wrappers: keep only the text.
		return Document{}, fmt.Errorf("%w: %s", ErrMIME, strings.TrimPrefix(err.Error(), "Failed to ReadParts: "))
	}
	if len(env.GetHeaderKeys()) == 0 {
		return Document{}, fmt.Errorf("%w: no mail header before the body", ErrMIME)
	}
	if e := corruptText(env.Root); e != nil {
		// enmime decodes what it can of a corrupt part: bytes that would
		// be stored as text.
		return Document{}, fmt.Errorf("%w: the %s part's base64 content is malformed (%s)", ErrMIME, e.part, e.detail)
	}
	if !hasMailHeader(env) {
		return Document{}, fmt.Errorf("%w: no From, Subject, Date or Content-Type header", ErrMIME)
	}

	subject, err := decodeText([]byte(env.GetHeader("Subject")))
	if err != nil {
		return Document{}, err
	}
	var heads []string
	for h := range strings.SplitSeq(collapse(subject), " / ") {
		if h = strings.TrimSpace(h); h != "" {
			heads = append(heads, h)
		}
	}
	date, badDate := "", "" // badDate: a Date header that could not be read
	if t, err := env.Date(); err == nil {
		date = dayOf(t)
	} else if v := env.GetHeader("Date"); strings.TrimSpace(v) != "" {
		date = valueDate(v) // a Date header net/mail finds too loose
		if date == "" {
			badDate = v
		}
	}

	if strings.TrimSpace(env.HTML) == "" && strings.TrimSpace(env.Text) == "" {
		return Document{}, fmt.Errorf("%w: the message has no text or HTML part", ErrEmpty)
	}
	if strings.TrimSpace(env.HTML) != "" {
		text, err := decodeHTML(trimCutRune([]byte(env.HTML)))
		if err != nil {
			return Document{}, err
		}
		page, err := readHTML(text, true)
		if err != nil {
			return Document{}, err
		}
		if len(page.pieces) > 0 {
			if date == "" {
				date = page.date
			}
			if date == "" {
				date = textDate(subject)
			}
			if date == "" {
				return Document{}, noMailDate(badDate)
			}
			key := heads
			if len(key) == 0 && page.title != "" {
				key = []string{page.title}
			}
			return newDocument(source, date, key, mergeHeadlines(heads, page.headlines), page.pieces)
		}
	}
	body, err := decodeText(trimCutRune([]byte(env.Text)))
	if err != nil {
		return Document{}, err
	}
	lines := dropTextNoise(strings.Split(cutSignature(body), "\n"))
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if isDateWord(l) {
			return parseRaw(source, strings.Join(lines, "\n"))
		}
		break
	}
	if date == "" {
		date = textDate(subject)
	}
	for i, para := range paragraphs(lines) {
		if date != "" || i >= 3 {
			break
		}
		date = textDate(strings.Join(para, " "))
	}
	if date == "" {
		return Document{}, noMailDate(badDate)
	}
	return parseBody(source, date, heads, lines)
}

// noMailDate is the error for a message in which no date was found;
// header is its Date header when it has one that could not be read.
func noMailDate(header string) error {
	if header == "" {
		return fmt.Errorf("%w: no Date header and no date in the message", ErrNoDate)
	}
	return fmt.Errorf("%w: cannot read the Date header %s, and no date in the message either", ErrNoDate, quoteShort(collapse(header)))
}

// cutTail is how close to the end of a text its first invalid UTF-8 byte
// must be for trimCutRune to take it for a cut.
const cutTail = 8

// trimCutRune drops a UTF-8 sequence cut off near the end of data (a
// truncated quoted-printable part ends like "\xc3=A"), and what follows it,
// so that the rest is still taken for the UTF-8 it is rather than decoded
// as Windows-1252.
func trimCutRune(data []byte) []byte {
	i := max(0, len(data)-cutTail)
	for i > 0 && !utf8.RuneStart(data[i]) {
		i--
	}
	for i < len(data) {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			if utf8.Valid(data[:i]) {
				return data[:i]
			}
			return data
		}
		i += size
	}
	return data
}

// corruption is a text part whose content could not be decoded.
type corruption struct{ part, detail string }

// corruptText returns the first text or HTML part under p, itself
// included, whose base64 content is malformed, or nil.
func corruptText(p *enmime.Part) *corruption {
	for ; p != nil; p = p.NextSibling {
		if p.ContentType == "text/plain" || p.ContentType == "text/html" {
			for _, e := range p.Errors {
				if e.Name == enmime.ErrorMalformedBase64 {
					return &corruption{part: p.ContentType, detail: e.Detail}
				}
			}
		}
		if c := corruptText(p.FirstChild); c != nil {
			return c
		}
	}
	return nil
}

// hasMailHeader reports whether env has a header every message or MIME
// part has, which text that merely looks like "Key: value" lines lacks.
func hasMailHeader(env *enmime.Envelope) bool {
	for _, k := range []string{"From", "Subject", "Date", "Content-Type", "Mime-Version"} {
		if env.GetHeader(k) != "" {
			return true
		}
	}
	return false
}

// dayOf returns t's date, YYYY-MM-DD, in t's own time zone: the day the
// sender wrote it.
func dayOf(t time.Time) string {
	return t.Format(time.DateOnly)
}

// mergeHeadlines appends to first the headlines of more that are not
// already there, comparing folded words.
func mergeHeadlines(first, more []string) []string {
	out := append([]string(nil), first...)
	seen := map[string]bool{}
	for _, h := range first {
		seen[strings.Join(foldWords(h), " ")] = true
	}
	for _, h := range more {
		if k := strings.Join(foldWords(h), " "); !seen[k] {
			seen[k] = true
			out = append(out, h)
		}
	}
	return out
}

// cutSignature drops a text body's signature, from its "-- " line on
// (RFC 3676).
func cutSignature(body string) string {
	if strings.HasPrefix(body, "-- \n") {
		return ""
	}
	if i := strings.Index(body, "\n-- \n"); i >= 0 {
		return body[:i+1]
	}
	return body
}

// dropTextNoise drops the paragraphs of a text body that manage the
// subscription (see isBoilerplate), a paragraph holding an unsubscribe or
// "view in browser" phrase and a URL counting as one with such a link.
func dropTextNoise(lines []string) []string {
	out := make([]string, 0, len(lines))
	start := 0
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			continue
		}
		para := lines[start:i]
		text := collapse(strings.Join(para, " "))
		link := strings.Contains(text, "://") && containsPhrase(foldWords(text), noisePhrases)
		if text == "" || !isBoilerplate(text, link) {
			out = append(out, para...)
		}
		if i < len(lines) {
			out = append(out, lines[i])
		}
		start = i + 1
	}
	return out
}
