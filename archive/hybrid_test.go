package archive_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/veille/veille/archive"
)

// TestHybridKeepsToKeywordCandidates checks both plans of a hybrid search:
// a query whose keywords match many items returns only keyword candidates
// (an item the keywords miss cannot rank), and one whose keywords match
// fewer items than asked for is filled from the vector search.
func TestHybridKeepsToKeywordCandidates(t *testing.T) {
	f := open(t, t.TempDir())
	defer f.close(t)
	ctx := t.Context()
	var b strings.Builder
	b.WriteString("date 2025-04 Semi-conducteurs\n\n")
	for i := range 30 {
		fmt.Fprintf(&b, "Le fondeur numéro %d annonce une usine de semi-conducteurs et des puces gravées en %d nanomètres.\n\n", i, 2+i%5)
	}
	for i := range 30 {
		fmt.Fprintf(&b, "La banque numéro %d relève ses taux directeurs pour la %de fois cette année.\n\n", i, 1+i%4)
	}
	b.WriteString("Une usine de vélos électriques ouvre à Lyon.\n")
	if _, err := f.arch.Ingest(ctx, parse(t, b.String())); err != nil {
		t.Fatal(err)
	}

	lex, err := f.arch.Search(ctx, archive.Query{Text: "usine de puces", K: 50, Mode: archive.Lexical})
	if err != nil {
		t.Fatal(err)
	}
	candidates := map[string]bool{}
	for _, h := range lex {
		candidates[h.ID] = true
	}
	hyb, err := f.arch.Search(ctx, archive.Query{Text: "usine de puces", K: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(hyb) != 10 {
		t.Fatalf("hybrid: %d hits, want 10", len(hyb))
	}
	for _, h := range hyb {
		if !candidates[h.ID] {
			t.Errorf("hybrid hit %q is not among the keyword candidates", h.Text)
		}
	}

	lex, err = f.arch.Search(ctx, archive.Query{Text: "vélos", K: 5, Mode: archive.Lexical})
	if err != nil || len(lex) != 1 {
		t.Fatalf("lexical search for vélos: %d hits, %v; want 1", len(lex), err)
	}
	hyb, err = f.arch.Search(ctx, archive.Query{Text: "vélos", K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(hyb) != 5 || hyb[0].ID != lex[0].ID {
		t.Fatalf("hybrid search for vélos: %d hits, first %q; want 5, the keyword hit first", len(hyb), hyb[0].Text)
	}
}
