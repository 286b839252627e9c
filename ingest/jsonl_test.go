package ingest

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestParseJSONLErrors(t *testing.T) {
	good := `{"id": "a-1", "text": "Premier passage."}`
	tests := []struct {
		name string
		data string
		line int
		want error
		msg  string // after "corpus.jsonl:<line>: "
	}{
		{"not JSON", good + "\n\n{\"id\": \"b\", \"text\": \"x\"\n", 3, ErrSyntax, "malformed line: unexpected end of JSON input"},
		{"bad character", `{"text": 'x'}`, 1, ErrSyntax, "malformed line: invalid character '\\'' looking for beginning of value"},
		{"an array", good + "\n[1, 2]\n", 2, ErrSyntax, "malformed line: want a JSON object, got an array"},
		{"a string", `"Premier passage."`, 1, ErrSyntax, "malformed line: want a JSON object, got a string"},
		{"a number", "42", 1, ErrSyntax, "malformed line: want a JSON object, got a number"},
		{"a boolean", "true", 1, ErrSyntax, "malformed line: want a JSON object, got a boolean"},
		{"null", good + "\n null \n", 2, ErrSyntax, "malformed line: want a JSON object, got null"},
		{"two values on a line", good + ` {"text": "x"}`, 1, ErrSyntax, "malformed line: invalid character '{' after top-level value"},
		{"no text", good + "\n{\"id\": \"b\"}\n", 2, ErrSyntax, `malformed line: no "text" field`},
		{"text not a string", `{"text": 3}`, 1, ErrSyntax, `malformed line: field "text": want a string, got a number`},
		{"huge number", `{"text": "x", "id": 1e999}`, 1, ErrSyntax, `malformed line: field "id": want a string, got a number`},
		{"title an array", `{"text": "x", "title": ["a"]}`, 1, ErrSyntax, `malformed line: field "title": want a string, got an array`},
		{"date an object", `{"text": "x", "date": {"y": 2025}}`, 1, ErrSyntax, `malformed line: field "date": want a string, got an object`},
		{"id a boolean", `{"text": "x", "id": false}`, 1, ErrSyntax, `malformed line: field "id": want a string, got a boolean`},
		{"empty text", good + "\n{\"id\": \"b\", \"text\": \"  \"}", 2, ErrEmpty, `no paragraphs: empty "text"`},
		{"bad date", good + "\n{\"id\": \"b\", \"date\": \"2025-13\", \"text\": \"x\"}", 2, ErrBadDate, `invalid date "2025-13": no month 13`},
		{"long bad date", `{"date": "` + strings.Repeat("9", 50) + `", "text": "x"}`, 1, ErrBadDate,
			`invalid date "` + strings.Repeat("9", 40) + `"…: want YYYY-MM or YYYY-MM-DD`},
		{"unsafe id", `{"id": "a/b", "text": "x"}`, 1, ErrBadID, `invalid id "a/b": want 1 to 128 of [A-Za-z0-9._-]`},
		{"empty id", `{"id": "", "text": "x"}`, 1, ErrBadID, `invalid id "": want 1 to 128 of [A-Za-z0-9._-]`},
		{"long id", `{"id": "` + strings.Repeat("a", 129) + `", "text": "x"}`, 1, ErrBadID,
			`invalid id "` + strings.Repeat("a", 40) + `"…: want 1 to 128 of [A-Za-z0-9._-]`},
		{"duplicate id", good + "\n{\"id\": \"a-2\", \"text\": \"y\"}\n{\"id\": \"a-1\", \"date\": \"2025-01\", \"text\": \"z\"}", 3, ErrDuplicateID,
			`duplicate id "a-1" (first on line 1)`},
		{"NUL in text", `{"text": "a\u0000b"}`, 1, ErrEncoding, `not text: field "text" holds a NUL character (\u0000)`},
		{"NUL in title", `{"text": "a", "title": "\u0000"}`, 1, ErrEncoding, `not text: field "title" holds a NUL character (\u0000)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := Parse("corpus.jsonl", []byte(tt.data), FormatDetect)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, %v; want %v", docs, err, tt.want)
			}
			le, ok := errors.AsType[*LineError](err)
			if !ok || le.Line != tt.line || le.Source != "corpus.jsonl" {
				t.Fatalf("error %v, want a LineError at corpus.jsonl:%d", err, tt.line)
			}
			if want := fmt.Sprintf("corpus.jsonl:%d: %s", tt.line, tt.msg); err.Error() != want {
				t.Errorf("message\n%s\nwant\n%s", err, want)
			}
		})
	}
}

func TestParseJSONLLongLine(t *testing.T) {
	long := strings.Repeat("Une phrase assez longue pour remplir la ligne. ", 40000) // about 1.9 MB
	data := fmt.Sprintf("{\"id\": \"long\", \"text\": %q}\n{\"id\": \"court\", \"text\": \"Court.\"}\n", long)
	docs, err := Parse("long.ndjson", []byte(data), FormatDetect)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(docs[0].Items); n != 2 {
		t.Fatalf("%d items, want 2", n)
	}
	if got, want := docs[0].Items[0].Text, strings.TrimSpace(long); got != want {
		t.Errorf("long text altered: %d bytes, want %d", len(got), len(want))
	}
}

func TestCorpusSlug(t *testing.T) {
	tests := []struct{ source, want string }{
		{"/work/shared/data/piaf-fr-qa/corpus.jsonl", "corpus"},
		{`C:\Users\moi\Données PIAF.jsonl`, "donnees-piaf"},
		{"FAQ_v2.1.ndjson", "faq-v2-1"},
		{"", "corpus"},
		{"«».jsonl", "corpus"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			if got := corpusSlug(tt.source); got != tt.want {
				t.Errorf("corpusSlug(%q) = %q, want %q", tt.source, got, tt.want)
			}
		})
	}
}

// piafPath is a real corpus of 1,518 passages, outside the repository.
const piafPath = "/work/shared/data/piaf-fr-qa/corpus.jsonl"

func TestParsePIAF(t *testing.T) {
	data, err := os.ReadFile(piafPath)
	if os.IsNotExist(err) {
		t.Skipf("%s absent", piafPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Parse(piafPath, data, FormatDetect)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Issue.ID != "corpus" || docs[0].Issue.Date != "" {
		t.Fatalf("got %d documents, first %+v; want one dateless document \"corpus\"", len(docs), docs[0].Issue)
	}
	items := docs[0].Items
	if len(items) != 1518 {
		t.Errorf("%d items, want 1518", len(items))
	}
	if items[0].ID != "piaf-a000-p00" || items[0].Headline != "Sport" || items[0].Ordinal != 0 {
		t.Errorf("first item = %+v", items[0])
	}
}
