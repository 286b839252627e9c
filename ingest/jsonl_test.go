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
	}{
		{"not JSON", good + "\n\n{\"id\": \"b\", \"text\": \"x\"\n", 3, ErrSyntax},
		{"not an object", good + "\n[1, 2]\n", 2, ErrSyntax},
		{"two values on a line", good + ` {"text": "x"}`, 1, ErrSyntax},
		{"no text", good + "\n{\"id\": \"b\"}\n", 2, ErrSyntax},
		{"text not a string", `{"text": 3}`, 1, ErrSyntax},
		{"empty text", good + "\n{\"id\": \"b\", \"text\": \"  \"}", 2, ErrEmpty},
		{"bad date", good + "\n{\"id\": \"b\", \"date\": \"2025-13\", \"text\": \"x\"}", 2, ErrBadDate},
		{"unsafe id", `{"id": "a/b", "text": "x"}`, 1, ErrBadID},
		{"empty id", `{"id": "", "text": "x"}`, 1, ErrBadID},
		{"duplicate id", good + "\n{\"id\": \"a-2\", \"text\": \"y\"}\n{\"id\": \"a-1\", \"date\": \"2025-01\", \"text\": \"z\"}", 3, ErrDuplicateID},
		{"NUL in text", `{"text": "a\u0000b"}`, 1, ErrEncoding},
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
			if prefix := fmt.Sprintf("corpus.jsonl:%d: ", tt.line); !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("message %q does not start with %q", err, prefix)
			}
		})
	}
	if _, err := Parse("empty.jsonl", []byte("\n \n"), FormatDetect); !errors.Is(err, ErrEmpty) {
		t.Errorf("blank corpus: %v, want ErrEmpty", err)
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
