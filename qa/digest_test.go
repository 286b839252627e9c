package qa_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/qa"
	"github.com/veille/veille/store"
)

// newArchive opens a real archive with the built-in embedder and ingests
// the issues, each in the raw format.
func newArchive(t *testing.T, issues ...string) *archive.Archive {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	arch, err := archive.Open(t.Context(), db, embed.NewBuiltin(0), archive.Config{SnapshotPath: filepath.Join(dir, "index.hnsw")})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := arch.Close(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	for i, text := range issues {
		docs, err := ingest.Parse("issue.txt", []byte(text), ingest.FormatRaw)
		if err != nil {
			t.Fatalf("issue %d: %v", i, err)
		}
		for _, d := range docs {
			if _, err := arch.Ingest(t.Context(), d); err != nil {
				t.Fatal(err)
			}
		}
	}
	return arch
}

const (
	january = "date 2025-01 Le fondeur / Le laboratoire\n\n" +
		"Le fondeur\n\nUn fondeur taïwanais ouvre une usine en Arizona. Elle produira des puces gravées en 2 nm.\n\n" +
		"Ses clients attendent les premières livraisons en 2026.\n\n" +
		"Le laboratoire\n\nUn laboratoire parisien publie un modèle de langue ouvert. Il rivalise avec les modèles fermés.\n"
	february = "date 2025-02 La levée\n\nLa levée\n\nUne jeune pousse lyonnaise lève 40 millions d’euros pour ses robots agricoles.\n"
	// A weekly issue, dated to its day.
	weekly = "date 2025-03-24 La puce\n\nLa puce\n\nUn concepteur grenoblois présente une puce d’inférence sobre.\n"
)

// TestDigest asks what happened in a month, in French and in English: the
// answer lists the month's news items by headline, each cited by its first
// paragraph, and nothing of another month. A question about a subject
// within the month gets a searched answer as before.
func TestDigest(t *testing.T) {
	arch := newArchive(t, january, february)
	s := qa.New(arch, qa.Options{})
	for _, c := range []struct{ question, lang, start string }{
		{"Que s'est-il passé en janvier 2025 ?", "fr", "Les nouvelles de l’archive en 2025-01 : "},
		{"What happened in January 2025?", "en", "The archive's news in 2025-01: "},
		{"Quoi de neuf en janvier 2025 ?", "fr", "Les nouvelles de l’archive en 2025-01 : "},
	} {
		resp, err := s.Ask(t.Context(), qa.Request{Question: c.question, K: 5, Mode: archive.Hybrid})
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Found || resp.Language != c.lang || !strings.HasPrefix(resp.Answer, c.start) {
			t.Fatalf("%q: %+v", c.question, resp)
		}
		var heads []string
		for _, ct := range resp.Citations {
			heads = append(heads, ct.Headline)
			if ct.Date != "2025-01" || !ct.Verified || ct.Span != ct.Text[ct.SpanStart:ct.SpanEnd] || !strings.HasSuffix(ct.Span, ".") {
				t.Errorf("%q: citation %+v", c.question, ct)
			}
		}
		if !slices.Equal(heads, []string{"Le fondeur", "Le laboratoire"}) || !strings.Contains(resp.Answer, "Le fondeur [1]") {
			t.Fatalf("%q: cites %q: %s", c.question, heads, resp.Answer)
		}
	}

	// A month's issue is not a day's news: the question is searched.
	resp, err := s.Ask(t.Context(), qa.Request{Question: "Que s'est-il passé le 27 janvier 2025 ?", K: 5, Mode: archive.Hybrid})
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(resp.Answer, "Les nouvelles") {
		t.Fatalf("a day's news digested from its month: %s", resp.Answer)
	}

	resp, err = s.Ask(t.Context(), qa.Request{Question: "Où le fondeur ouvre-t-il une usine en janvier 2025 ?", K: 5, Mode: archive.Hybrid})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Found || strings.HasPrefix(resp.Answer, "Les nouvelles") || !strings.Contains(resp.Answer, "Arizona") {
		t.Fatalf("a question about a subject: %+v", resp)
	}
}

// TestDigestOfDays asks what happened on a day and in a week that a weekly
// issue is dated in: its news items are digested, and the month's issues,
// dated by month, are not.
func TestDigestOfDays(t *testing.T) {
	arch := newArchive(t, january, february, weekly, "date 2025-03 Le mois\n\nLe mois\n\nUn mois de mars chargé en annonces.\n")
	s := qa.New(arch, qa.Options{})
	for _, question := range []string{"Quoi de neuf le 24 mars 2025 ?", "Que s'est-il passé du 20 au 26 mars 2025 ?", "Quoi de neuf la semaine du 26 mars 2025 ?", "What happened the week of March 24, 2025?"} {
		resp, err := s.Ask(t.Context(), qa.Request{Question: question, K: 5, Mode: archive.Hybrid})
		if err != nil {
			t.Fatal(err)
		}
		digested := strings.HasPrefix(resp.Answer, "Les nouvelles de l’archive") || strings.HasPrefix(resp.Answer, "The archive's news")
		if !resp.Found || !digested || len(resp.Citations) != 1 || resp.Citations[0].Headline != "La puce" {
			t.Fatalf("%q: %+v", question, resp)
		}
	}
	for _, tt := range []struct {
		r     archive.Range
		heads []string
	}{
		{archive.Range{From: "2025-03", To: "2025-03"}, []string{"Le mois", "La puce"}},
		{archive.Range{From: "2025-03-10", To: "2025-03-28"}, []string{"La puce"}},
		// A month or more keeps the months it overlaps.
		{archive.Range{From: "2025-03-15"}, []string{"Le mois", "La puce"}},
		{archive.Range{From: "2025-02-20", To: "2025-03-20"}, []string{"La levée", "Le mois"}},
	} {
		hits, err := arch.Digest(t.Context(), tt.r, 5)
		if err != nil {
			t.Fatal(err)
		}
		var heads []string
		for _, h := range hits {
			heads = append(heads, h.Headline)
		}
		if !slices.Equal(heads, tt.heads) {
			t.Errorf("digest of %+v: %q, want %q", tt.r, heads, tt.heads)
		}
	}
}

// TestDigestOfNewest asks for the news without a date: the newest issue's
// are given. A question about something, or about nothing, is searched.
func TestDigestOfNewest(t *testing.T) {
	arch := newArchive(t, january, weekly, february)
	s := qa.New(arch, qa.Options{})
	for _, c := range []struct {
		question string
		digest   bool
	}{
		{"Quoi de neuf ?", true},
		{"What's new?", true},
		{"Quelles sont les dernières nouvelles ?", true},
		{"Quoi de neuf chez le fondeur ?", false},
		{"Qui ?", false},
	} {
		resp, err := s.Ask(t.Context(), qa.Request{Question: c.question, K: 5, Mode: archive.Hybrid})
		if err != nil {
			t.Fatal(err)
		}
		digested := strings.HasPrefix(resp.Answer, "Les nouvelles de l’archive en 2025-03-24") || strings.HasPrefix(resp.Answer, "The archive's news in 2025-03-24")
		if digested != c.digest || c.digest && (len(resp.Citations) != 1 || resp.Citations[0].Headline != "La puce") {
			t.Errorf("%q: digest %v, want %v: %+v", c.question, digested, c.digest, resp)
		}
	}
}

// TestLatestAbout asks for the news of a name: the stories that name it,
// newest first, each cited by the sentence that names it.
func TestLatestAbout(t *testing.T) {
	arch := newArchive(t,
		"date 2025-01 Mistral publie un modèle\n\nMistral publie un modèle\n\nLa start-up parisienne Mistral publie un modèle ouvert.\n",
		"date 2025-03 La levée\n\nLa levée\n\nUne levée record pour la French Tech. Mistral lève 600 millions d’euros auprès de ses actionnaires.\n",
		"date 2025-02-10 Nvidia\n\nNvidia\n\nNvidia publie ses résultats trimestriels.\n",
		february)
	s := qa.New(arch, qa.Options{})
	for _, c := range []struct{ question, start string }{
		{"Quoi de neuf chez Mistral ?", "Les dernières nouvelles de l’archive sur Mistral : Mistral lève 600 millions d’euros auprès de ses actionnaires (2025-03) [1] ; Mistral publie un modèle (2025-01) [2]."},
		{"What's new with Mistral?", "The archive's latest news about Mistral: Mistral lève 600 millions d’euros auprès de ses actionnaires (2025-03) [1]; Mistral publie un modèle (2025-01) [2]."},
		{"Quoi de neuf chez Mistral et Nvidia ?", "Les dernières nouvelles de l’archive sur Mistral et Nvidia : Mistral lève 600 millions d’euros auprès de ses actionnaires (2025-03) [1] ; Nvidia (2025-02-10) [2] ; Mistral publie un modèle (2025-01) [3]."},
	} {
		resp, err := s.Ask(t.Context(), qa.Request{Question: c.question, K: 5, Mode: archive.Hybrid})
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Found || resp.Answer != c.start {
			t.Fatalf("%q: %+v", c.question, resp)
		}
		if sp := resp.Citations[0].Span; sp != "Mistral lève 600 millions d’euros auprès de ses actionnaires." {
			t.Errorf("%q: the first citation's span %q does not name Mistral", c.question, sp)
		}
	}
	resp, err := s.Ask(t.Context(), qa.Request{Question: "Quoi de neuf chez Apple ?", K: 5, Mode: archive.Hybrid})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Found {
		t.Errorf("news of a name the archive lacks: %+v", resp)
	}
}

// TestDigestCoversEveryIssue asks about two months with room for two items:
// each month's issue gives its first, in date order.
func TestDigestCoversEveryIssue(t *testing.T) {
	arch := newArchive(t, january, february)
	hits, err := arch.Digest(t.Context(), archive.Range{From: "2025-01", To: "2025-02"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Headline != "Le fondeur" || hits[1].Headline != "La levée" {
		t.Fatalf("%+v", hits)
	}
	if hits, err := arch.Digest(t.Context(), archive.Range{}, 5); err != nil || len(hits) != 0 {
		t.Fatalf("no range: %+v, %v", hits, err)
	}
}

// TestTargetAfterNewestIssue asks about a period after the newest issue
// ("pour 2026"): the archive can only hold what was said of it before, so
// every issue is searched, with the period's words, rather than none.
func TestTargetAfterNewestIssue(t *testing.T) {
	arch := newArchive(t, january, february)
	s := qa.New(arch, qa.Options{})
	resp, err := s.Ask(t.Context(), qa.Request{Question: "Quelles livraisons le fondeur prévoit-il pour 2026 ?", K: 5, Mode: archive.Hybrid})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Found || !strings.Contains(resp.Answer, "premières livraisons en 2026") {
		t.Fatalf("answer %q, want the January paragraph on 2026", resp.Answer)
	}
	if f := resp.Filter; f == nil || f.From != "" || f.To != "2026-12" || f.Phrase != "pour 2026" {
		t.Errorf("filter %+v, want up to 2026-12 from \"pour 2026\"", f)
	}
}
