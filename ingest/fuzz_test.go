package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// FuzzParse checks, on any input and format, that Parse does not panic, that
// it returns an error or documents whose items have non-empty text, unique
// URL-safe ids and consistent ordinals, and that every item's text comes from
// the input: a substring of it (white space collapsed) for raw text, and, for
// Markdown, whose stripping only deletes characters, a subsequence of it.
func FuzzParse(f *testing.F) {
	for _, path := range fixtures(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(DetectFormat(filepath.Base(path), data)), data)
	}
	f.Add(string(FormatRaw), []byte("date 2025-01 A / B\n\nA\n\nTexte. B : titre?\n\nSuite du texte."))
	f.Add(string(FormatMarkdown), []byte("---\ndate: 2025-01\n---\n**x**\n\n[a](b) *c* _d_ \\*e\\*"))
	f.Fuzz(func(t *testing.T, format string, data []byte) {
		checkParse(t, Format(format), data)
	})
}

// FuzzParseRaw is [FuzzParse] for the raw parser alone, seeded with every
// fixture read as raw text.
func FuzzParseRaw(f *testing.F) {
	addFixtures(f, FormatDetect)
	f.Add([]byte("date 2025-01 A / B\n\nA\n\nTexte. B : titre?\n\nSuite du texte."))
	f.Add([]byte("date: 2025-02-30 Titre\r\n\r\nLa Une Selon l’AFP, le texte.\n\nPourquoi ? Parce que."))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, FormatRaw, data)
	})
}

// FuzzParseMarkdown is [FuzzParse] for the Markdown parser alone, seeded
// with the Markdown fixtures.
func FuzzParseMarkdown(f *testing.F) {
	addFixtures(f, FormatMarkdown)
	f.Add([]byte("---\ndate: 2025-01\n---\n**x**\n\n[a](b) *c* _d_ \\*e\\*"))
	f.Add([]byte("# Veille du 10 février 2025\n\n## A\n\n- un\n- deux\n\n```\ncode\n```\n\n![img](x.png)"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, FormatMarkdown, data)
	})
}

// FuzzParseJSONL is [FuzzParse] for the JSON Lines parser alone, seeded
// with the corpus fixtures.
func FuzzParseJSONL(f *testing.F) {
	addFixtures(f, FormatJSONL)
	f.Add([]byte("{\"id\":\"a\",\"date\":\"2025-01\",\"title\":\"T\",\"text\":\"x\"}\n\n{\"text\":\"y\"}\n"))
	f.Add([]byte("{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, FormatJSONL, data)
	})
}

// addFixtures seeds f with the fixtures DetectFormat reads as format, or
// every fixture when format is FormatDetect.
func addFixtures(f *testing.F, format Format) {
	f.Helper()
	for _, path := range fixtures(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if format == FormatDetect || DetectFormat(filepath.Base(path), data) == format {
			f.Add(data)
		}
	}
}

// checkParse parses data in format and checks the documents as FuzzParse
// says.
func checkParse(t *testing.T, format Format, data []byte) {
	t.Helper()
	docs, err := Parse("fuzz", data, format)
	if err != nil {
		return
	}
	if len(docs) == 0 {
		t.Fatal("no documents and no error")
	}
	input, err := decodeText(data)
	if err != nil {
		t.Fatalf("Parse succeeded on input that does not decode: %v", err)
	}
	flat := collapse(input)
	seen := map[string]bool{}
	for _, doc := range docs {
		if !validID(doc.Issue.ID) {
			t.Errorf("bad issue id %q", doc.Issue.ID)
		}
		checkItems(t, doc, seen)
		for _, it := range doc.Items {
			if format == FormatRaw && !strings.Contains(flat, collapse(it.Text)) {
				t.Errorf("item text %q not in input", it.Text)
			}
			if format == FormatMarkdown && !isSubsequence(it.Text, input) {
				t.Errorf("item text %q not drawn from input", it.Text)
			}
		}
	}
}

// isSubsequence reports whether the runes of sub, white space left out and
// both sides decomposed (NFD), appear in s in order.
func isSubsequence(sub, s string) bool {
	rest := []rune(norm.NFD.String(s))
	for _, r := range norm.NFD.String(sub) {
		if unicode.IsSpace(r) {
			continue
		}
		i := 0
		for i < len(rest) && rest[i] != r {
			i++
		}
		if i == len(rest) {
			return false
		}
		rest = rest[i+1:]
	}
	return true
}
