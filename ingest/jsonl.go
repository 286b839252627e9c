package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
)

// corpusLine is one line of a JSON Lines corpus; other fields are ignored.
// Every field is a string, as [lineError] says when one is not.
type corpusLine struct {
	ID    *string `json:"id"`
	Date  string  `json:"date"`
	Title string  `json:"title"`
	Text  *string `json:"text"`
}

// maxIDBytes bounds the length of an id given in a corpus.
const maxIDBytes = 128

// corpusItem is an item of a corpus before its id is checked.
type corpusItem struct {
	piece
	id   string // as given, or "" to derive one
	line int
}

// corpusDoc gathers the lines of a corpus that share a date.
type corpusDoc struct {
	date  string
	hs    headlineSet
	items []corpusItem
}

// parseJSONL parses a corpus in [FormatJSONL].
func parseJSONL(source, text string) ([]Document, error) {
	var docs []*corpusDoc
	byDate := map[string]*corpusDoc{}
	rest := text
	for n := 1; rest != ""; n++ {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		item, date, err := parseCorpusLine(line)
		if err != nil {
			return nil, &LineError{Source: source, Line: n, Err: err}
		}
		item.line = n
		d := byDate[date]
		if d == nil {
			d = &corpusDoc{date: date}
			byDate[date] = d
			docs = append(docs, d)
		}
		d.hs.add(item.headline)
		d.items = append(d.items, item)
	}
	if len(docs) == 0 {
		return nil, ErrEmpty
	}
	base := corpusSlug(source)
	firstLine := map[string]int{} // item id -> line
	out := make([]Document, 0, len(docs))
	for _, d := range docs {
		issue := Issue{ID: base, Date: d.date, Headlines: d.hs.list, Source: source}
		if d.date != "" {
			issue.ID += "-" + d.date
		}
		pieces := make([]piece, len(d.items))
		for i, it := range d.items {
			pieces[i] = it.piece
		}
		items := makeItems(issue.ID, pieces)
		for i, it := range d.items {
			if it.id != "" {
				items[i].ID = it.id
			}
			if first, dup := firstLine[items[i].ID]; dup {
				return nil, &LineError{Source: source, Line: it.line, Err: fmt.Errorf("%w %q (first on line %d)", ErrDuplicateID, items[i].ID, first)}
			}
			firstLine[items[i].ID] = it.line
		}
		issue.Hash = issueHash(issue.Date, issue.Headlines, items)
		out = append(out, Document{Issue: issue, Items: items})
	}
	return out, nil
}

// parseCorpusLine decodes and checks one line of a corpus.
func parseCorpusLine(line string) (corpusItem, string, error) {
	var cl corpusLine
	if err := json.Unmarshal([]byte(line), &cl); err != nil {
		return corpusItem{}, "", lineError(err)
	}
	if strings.TrimSpace(line) == "null" { // decodes without error into a struct
		return corpusItem{}, "", fmt.Errorf("%w: want a JSON object, got null", ErrSyntax)
	}
	if cl.Text == nil {
		return corpusItem{}, "", fmt.Errorf("%w: no \"text\" field", ErrSyntax)
	}
	text, err := fieldText("text", *cl.Text)
	if err != nil {
		return corpusItem{}, "", err
	}
	item := corpusItem{piece: piece{text: collapse(text)}}
	if item.text == "" {
		return corpusItem{}, "", fmt.Errorf("%w: empty \"text\"", ErrEmpty)
	}
	title, err := fieldText("title", cl.Title)
	if err != nil {
		return corpusItem{}, "", err
	}
	item.headline = collapse(title)
	if cl.ID != nil {
		if !validID(*cl.ID) {
			return corpusItem{}, "", fmt.Errorf("%w %s: want 1 to %d of [A-Za-z0-9._-]", ErrBadID, quoteShort(*cl.ID), maxIDBytes)
		}
		item.id = *cl.ID
	}
	date := ""
	if strings.TrimSpace(cl.Date) != "" {
		if date, err = ParseDate(cl.Date); err != nil {
			return corpusItem{}, "", err
		}
	}
	return item, date, nil
}

// lineError turns an error of json.Unmarshal into one for the user, who
// knows JSON but not the Go types it is decoded into.
func lineError(err error) error {
	te, ok := errors.AsType[*json.UnmarshalTypeError](err)
	switch {
	case !ok:
		return fmt.Errorf("%w: %w", ErrSyntax, err) // a syntax error, said in JSON's terms
	case te.Field == "":
		return fmt.Errorf("%w: want a JSON object, got %s", ErrSyntax, jsonKind(te.Value))
	}
	return fmt.Errorf("%w: field %q: want a string, got %s", ErrSyntax, te.Field, jsonKind(te.Value))
}

// jsonKind names, with its article, the kind of JSON value that
// json.UnmarshalTypeError.Value describes: "array", "number", "number 1e999"...
func jsonKind(value string) string {
	switch kind, _, _ := strings.Cut(value, " "); kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	default:
		return "a " + kind
	}
}

// fieldText returns the value of a corpus line's text field, named name, as
// [decodeText] would: JSON strings are already valid UTF-8, so only
// "\u0000" can make one not text.
func fieldText(name, value string) (string, error) {
	if strings.IndexByte(value, 0) >= 0 {
		return "", fmt.Errorf("%w: field %q holds a NUL character (\\u0000)", ErrEncoding, name)
	}
	return normalize(strings.TrimPrefix(value, "\ufeff")), nil
}

// validID reports whether id is a non-empty URL-safe id of at most
// [maxIDBytes] bytes.
func validID(id string) bool {
	if id == "" || len(id) > maxIDBytes {
		return false
	}
	for _, c := range []byte(id) {
		if !isSlugByte(c) && !('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// isSlugByte reports whether c may appear in a slug.
func isSlugByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}

// corpusSlug derives a corpus's base id from its source: the base name
// without extension, folded to lower case without accents, other characters
// becoming "-": "Données PIAF.jsonl" gives "donnees-piaf". It is "corpus"
// when nothing is left.
func corpusSlug(source string) string {
	base := path.Base(strings.ReplaceAll(source, `\`, "/"))
	base = strings.TrimSuffix(base, path.Ext(base))
	var b strings.Builder
	dash := false
	for _, c := range []byte(strings.Join(foldWords(base), "-")) {
		switch {
		case isSlugByte(c):
			b.WriteByte(c)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	slug := strings.Trim(b.String(), "-.")
	if slug == "" {
		return "corpus"
	}
	return slug
}
