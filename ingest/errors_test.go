package ingest

import (
	"errors"
	"strings"
	"testing"
)

// binary is the start of a PNG file: not text in any format.
var binary = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")

// TestParseErrorMessages checks, for malformed input of every format, the
// whole message a user sees: it names the file once, and the line where
// there is one, and says what is wrong in the input's terms, not Go's.
func TestParseErrorMessages(t *testing.T) {
	tests := []struct {
		name   string
		source string
		data   string
		format Format
		want   error
		msg    string
	}{
		// Empty and binary files, whatever their format.
		{"empty text", "a.txt", "", FormatDetect, ErrEmpty, "parse a.txt: no paragraphs: the file holds no text"},
		{"blank markdown", "a.md", "\ufeff \n\n", FormatDetect, ErrEmpty, "parse a.md: no paragraphs: the file holds no text"},
		{"empty corpus", "a.jsonl", "\n", FormatDetect, ErrEmpty, "parse a.jsonl: no paragraphs: the file holds no text"},
		{"empty page", "a.html", "", FormatDetect, ErrEmpty, "parse a.html: no paragraphs: the file holds no text"},
		{"empty message", "a.eml", "\r\n", FormatDetect, ErrEmpty, "parse a.eml: no paragraphs: the file holds no text"},
		{"empty feed", "a.xml", "", FormatDetect, ErrEmpty, "parse a.xml: no paragraphs: the file holds no text"},
		{"binary text", "a.txt", string(binary), FormatDetect, ErrEncoding,
			"parse a.txt: not text: NUL byte at offset 8 (binary file, or UTF-16 without a byte order mark?)"},
		{"binary corpus", "a.jsonl", string(binary), FormatDetect, ErrEncoding,
			"parse a.jsonl: not text: NUL byte at offset 8 (binary file, or UTF-16 without a byte order mark?)"},
		{"binary page", "a.html", string(binary), FormatDetect, ErrEncoding,
			"parse a.html: not text: NUL byte at offset 8 (binary file, or UTF-16 without a byte order mark?)"},
		{"binary message", "a.eml", string(binary), FormatDetect, ErrEncoding,
			"parse a.eml: not text: NUL byte at offset 8 (binary file, or UTF-16 without a byte order mark?)"},
		{"binary feed", "a.xml", string(binary), FormatDetect, ErrEncoding,
			"parse a.xml: not text: NUL byte at offset 8 (binary file, or UTF-16 without a byte order mark?)"},

		// Feeds: Parse names the file once although ParseFeed names it too.
		{"xml that is no feed", "a.xml", `<?xml version="1.0"?><catalogue><livre/></catalogue>`, FormatDetect, ErrFeed,
			"parse a.xml: malformed feed: no <rss>, <rdf:RDF> or Atom <feed> root element"},
		{"feed of plain text", "a.rss", "Bonjour.\n", FormatDetect, ErrFeed,
			"parse a.rss: malformed feed: no <rss>, <rdf:RDF> or Atom <feed> root element"},
		{"feed without entries", "a.rss", `<rss version="2.0"><channel><title>Vide</title></channel></rss>`, FormatDetect, ErrEmpty,
			"parse a.rss: no paragraphs: the feed has no entry with text"},
		{"feed cut in a tag", "a.atom", "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry>\n<title>Un titre</ti", FormatDetect, ErrFeed,
			"a.atom:3: malformed feed: unexpected EOF"},
		{"unknown encoding", "a.rss", `<?xml version="1.0" encoding="x-klingon"?><rss version="2.0"></rss>`, FormatDetect, ErrEncoding,
			`parse a.rss: not text: the XML declaration names an unknown encoding "x-klingon"`},
		{"JSON Feed of the wrong shape", "a.json", `{"version": "https://jsonfeed.org/version/1.1", "items": 3}`, FormatFeed, ErrFeed,
			`parse a.json: malformed feed: JSON Feed field "items" cannot be a number`},

		// HTML: the parser takes any bytes, so only what the page lacks fails.
		{"broken page", "a.html", "<html><body><p>Un texte <b>sans date ni fin", FormatDetect, ErrNoDate,
			"parse a.html: no date: add a <time datetime>, a meta article:published_time or a date in the <h1>"},
		{"page of chrome", "a.html", `<html><head><meta name="date" content="2025-01-01"></head><body><nav>Menu</nav></body></html>`,
			FormatDetect, ErrEmpty, "parse a.html: no paragraphs: no text outside the page's chrome"},

		// E-mail.
		{"multipart without boundary", "a.eml", "From: a@b\r\nSubject: x\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n", FormatDetect, ErrMIME,
			"parse a.eml: malformed e-mail: unable to locate boundary param in Content-Type header"},
		{"multipart cut in a part header", "a.eml", "From: a@b\r\nSubject: x\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n" +
			"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/pl", FormatDetect, ErrEmpty,
			"parse a.eml: no paragraphs: the message has no text or HTML part"},
		{"unreadable Date header", "a.eml", "From: a@b\r\nSubject: Lettre\r\nDate: not a date\r\n\r\nUn paragraphe sans date.\r\n", FormatDetect, ErrNoDate,
			`parse a.eml: no date: cannot read the Date header "not a date", and no date in the message either`},
		{"long unreadable Date header", "a.eml", "From: a@b\r\nSubject: Lettre\r\nDate: " + strings.Repeat("jamais ", 20) + "\r\n\r\nUn paragraphe.\r\n",
			FormatDetect, ErrNoDate,
			`parse a.eml: no date: cannot read the Date header "jamais jamais jamais jamais jamais jamai"…, and no date in the message either`},
		{"unreadable Date header, HTML part", "a.eml", "From: a@b\r\nSubject: Lettre\r\nDate: 31/31/31\r\nContent-Type: text/html\r\n\r\n<p>Un paragraphe.</p>\r\n",
			FormatDetect, ErrNoDate, `parse a.eml: no date: cannot read the Date header "31/31/31", and no date in the message either`},
		{"no Date header", "a.eml", "From: a@b\r\nSubject: Lettre\r\n\r\nUn paragraphe sans date.\r\n", FormatDetect, ErrNoDate,
			"parse a.eml: no date: no Date header and no date in the message"},

		// Raw and Markdown.
		{"raw bad date", "a.txt", "date 2025-13-01 Titre\n\nTexte.", FormatDetect, ErrBadDate, `a.txt:1: invalid date "2025-13-01": no month 13`},
		{"markdown without date", "a.md", "# Veille\n\nTexte.", FormatDetect, ErrNoDate,
			`parse a.md: no date: add front matter "date: YYYY-MM-DD", a "Date: YYYY-MM-DD" line or a date in the title`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := Parse(tt.source, []byte(tt.data), tt.format)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %d documents, %v; want %v", len(docs), err, tt.want)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n%s\nwant\n%s", err, tt.msg)
			}
		})
	}
}

// TestParseFeedErrorSource checks that the exported feed functions name
// the source once, as Parse does.
func TestParseFeedErrorSource(t *testing.T) {
	data := []byte(`<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>`)
	const want = "parse page.xml: malformed feed: no <rss>, <rdf:RDF> or Atom <feed> root element"
	if _, err := ParseFeed("page.xml", data); !errors.Is(err, ErrFeed) || err.Error() != want {
		t.Errorf("ParseFeed: %v, want %q", err, want)
	}
	if _, err := FeedEntries("page.xml", data); !errors.Is(err, ErrFeed) || err.Error() != want {
		t.Errorf("FeedEntries: %v, want %q", err, want)
	}
}

// TestParseXHTMLAsXML checks that a page saved as .xml is read as HTML,
// not failed as a feed.
func TestParseXHTMLAsXML(t *testing.T) {
	page := `<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta name="date" content="2025-03-04"/></head>
<body><h1>Veille</h1><p>Un paragraphe de la lettre.</p></body></html>`
	doc := parseOne(t, "export/lettre.xml", []byte(page), FormatDetect)
	if doc.Issue.Date != "2025-03-04" || len(doc.Items) != 1 || doc.Items[0].Text != "Un paragraphe de la lettre." {
		t.Errorf("got %+v", doc)
	}
}

func TestQuoteShort(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"not a date", `"not a date"`},
		{strings.Repeat("é", maxQuoted), `"` + strings.Repeat("é", maxQuoted) + `"`},
		{strings.Repeat("é", maxQuoted+1), `"` + strings.Repeat("é", maxQuoted) + `"…`},
		{"tab\there", `"tab\there"`},
	}
	for _, tt := range tests {
		if got := quoteShort(tt.in); got != tt.want {
			t.Errorf("quoteShort(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
