package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readFixture returns the content of testdata/name.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parseOne parses data in format and requires exactly one document.
func parseOne(t *testing.T, source string, data []byte, format Format) Document {
	t.Helper()
	docs, err := Parse(source, data, format)
	if err != nil {
		t.Fatalf("Parse(%s): %v", source, err)
	}
	if len(docs) != 1 {
		t.Fatalf("Parse(%s) gave %d documents, want 1", source, len(docs))
	}
	return docs[0]
}

// pieces returns the headline and text of each item of doc.
func pieces(doc Document) []piece {
	out := make([]piece, len(doc.Items))
	for i, it := range doc.Items {
		out[i] = piece{it.Headline, it.Text}
	}
	return out
}

// assertAbsent fails for each phrase found in an item's text or headline.
func assertAbsent(t *testing.T, doc Document, phrases ...string) {
	t.Helper()
	for _, it := range doc.Items {
		for _, p := range phrases {
			if strings.Contains(it.Text, p) || strings.Contains(it.Headline, p) {
				t.Errorf("item %q holds %q, which should have been dropped", it.Text, p)
			}
		}
	}
	for _, h := range doc.Issue.Headlines {
		for _, p := range phrases {
			if strings.Contains(h, p) {
				t.Errorf("headline %q holds %q, which should have been dropped", h, p)
			}
		}
	}
}

// checkDocs checks what every parse must give: documents with items,
// non-empty texts, URL-safe ids unique across the documents, ordinals in
// order.
func checkDocs(t *testing.T, docs []Document) {
	t.Helper()
	if len(docs) == 0 {
		t.Fatal("no documents and no error")
	}
	seen := map[string]bool{}
	for _, doc := range docs {
		if !validID(doc.Issue.ID) || seen[doc.Issue.ID] {
			t.Errorf("issue id %q invalid or repeated", doc.Issue.ID)
		}
		seen[doc.Issue.ID] = true
		checkItems(t, doc, seen)
	}
}

// checkItems checks that doc has items, each with a non-empty text, a
// URL-safe id not in seen (which it records there) and its ordinal and
// issue id in order.
func checkItems(t *testing.T, doc Document, seen map[string]bool) {
	t.Helper()
	if len(doc.Items) == 0 {
		t.Errorf("document %s without items", doc.Issue.ID)
	}
	for i, it := range doc.Items {
		if strings.TrimSpace(it.Text) == "" {
			t.Errorf("item %s has empty text", it.ID)
		}
		if !validID(it.ID) || seen[it.ID] {
			t.Errorf("item id %q invalid or repeated", it.ID)
		}
		seen[it.ID] = true
		if it.Ordinal != i || it.IssueID != doc.Issue.ID {
			t.Errorf("item %s: ordinal %d in position %d, issue %s in %s", it.ID, it.Ordinal, i, it.IssueID, doc.Issue.ID)
		}
	}
}

func TestParseHTMLPage(t *testing.T) {
	doc := parseOne(t, "page.html", readFixture(t, "page.html"), FormatDetect)
	if doc.Issue.Date != "2025-01-27" {
		t.Errorf("date %q, want 2025-01-27 from article:published_time", doc.Issue.Date)
	}
	wantHeadlines := []string{
		"Mistral AI ouvre un centre de calcul en Essonne",
		"La CNIL publie ses recommandations sur l’IA générative",
		"Ce qu’en disent les juristes",
	}
	if !reflect.DeepEqual(doc.Issue.Headlines, wantHeadlines) {
		t.Errorf("headlines = %q, want %q", doc.Issue.Headlines, wantHeadlines)
	}
	want := []piece{
		{"", "Bonjour à toutes et à tous, voici la sélection de la semaine, préparée avec soin par l’équipe."},
		{"Mistral AI ouvre un centre de calcul en Essonne", "La startup parisienne a annoncé lundi la construction d’un centre de données de 40 mégawatts près de Paris, pour entraîner ses prochains modèles sans dépendre des nuages américains."},
		{"Mistral AI ouvre un centre de calcul en Essonne", "Le site doit entrer en service à la fin de l’année et emploiera une centaine de personnes."},
		{"La CNIL publie ses recommandations sur l’IA générative", "Le régulateur détaille en quinze fiches pratiques comment entraîner un modèle sur des données personnelles tout en respectant le RGPD."},
		{"La CNIL publie ses recommandations sur l’IA générative", "base légale de l’intérêt légitime ;\ninformation des personnes concernées ;\nsécurité des jeux de données."},
		{"Ce qu’en disent les juristes", "Plusieurs avocats saluent un texte pragmatique, mais regrettent l’absence de calendrier de contrôle."},
	}
	if got := pieces(doc); !reflect.DeepEqual(got, want) {
		t.Errorf("items =\n%q\nwant\n%q", got, want)
	}
	assertAbsent(t, doc, "Accueil", "Archives", "cookies", "Partager", "Tweeter", "Lire la suite", "caché",
		"Mots-clés", "À lire aussi", "Publicité", "droits réservés", "désinscrire", "Par l’équipe", "dataLayer")
}

func TestParseHTMLNewsletter(t *testing.T) {
	// Windows-1252 bytes under a <meta> that says iso-8859-1, as mailers
	// write; dated only in its text.
	doc := parseOne(t, "lettre_cp1252.html", readFixture(t, "lettre_cp1252.html"), FormatDetect)
	if doc.Issue.Date != "2025-02-03" {
		t.Errorf("date %q, want 2025-02-03 from \"Lettre du 3 février 2025\"", doc.Issue.Date)
	}
	wantHeadlines := []string{"Nvidia dévoile une puce pour l’inférence", "Hugging Face rachète une startup de robotique"}
	if !reflect.DeepEqual(doc.Issue.Headlines, wantHeadlines) {
		t.Errorf("headlines = %q, want %q", doc.Issue.Headlines, wantHeadlines)
	}
	if got := headlineOf(t, doc, "Les premiers serveurs"); got != wantHeadlines[0] {
		t.Errorf("headline %q, want %q", got, wantHeadlines[0])
	}
	if got := headlineOf(t, doc, "La plateforme"); got != wantHeadlines[1] {
		t.Errorf("headline %q, want %q", got, wantHeadlines[1])
	}
	if got := headlineOf(t, doc, "Chères lectrices"); got != "" {
		t.Errorf("introduction has headline %q", got)
	}
	if !strings.Contains(doc.Items[len(doc.Items)-1].Text, "« Nous voulons des robots ouverts »") {
		t.Errorf("Windows-1252 quotes not decoded: %q", doc.Items[len(doc.Items)-1].Text)
	}
	assertAbsent(t, doc, "navigateur", "sommaire", "En savoir plus", "Vous recevez", "désinscrire", "préférences", "LinkedIn", "\uFFFD", "Ã")
}

func TestParseHTMLBlocks(t *testing.T) {
	const head = `<html><head><meta name="date" content="2025-03-01"></head><body>`
	tests := []struct {
		name, body string
		want       []piece
	}{
		{"br separated paragraphs in a cell",
			`<table><tr><td>Premier paragraphe de la cellule.<br><br>Second paragraphe, <a href="x">avec un lien</a>.<br>Même paragraphe.</td></tr></table>`,
			[]piece{{"", "Premier paragraphe de la cellule."}, {"", "Second paragraphe, avec un lien. Même paragraphe."}}},
		{"bold paragraph is a headline",
			`<p><strong>Titre en gras</strong></p><p>Le texte de la brève.</p>`,
			[]piece{{"Titre en gras", "Le texte de la brève."}}},
		{"bold sentence stays text",
			`<p><b>Une phrase entière en gras, qui finit par un point.</b></p>`,
			[]piece{{"", "Une phrase entière en gras, qui finit par un point."}}},
		{"long list entries are items",
			`<h2>Brèves</h2><ul><li>` + strings.Repeat("mot ", 20) + `un.</li><li>` + strings.Repeat("mot ", 20) + `deux.</li></ul>`,
			[]piece{{"Brèves", strings.Repeat("mot ", 20) + "un."}, {"Brèves", strings.Repeat("mot ", 20) + "deux."}}},
		{"bold list entries are not headlines",
			`<ul><li><b>Mistral</b></li><li><b>Nvidia</b></li></ul>`,
			[]piece{{"", "Mistral\nNvidia"}}},
		{"news about unsubscribing is kept",
			`<p>La FTC oblige les services d’abonnement à permettre de se désabonner en un clic, comme on s’abonne.</p>`,
			[]piece{{"", "La FTC oblige les services d’abonnement à permettre de se désabonner en un clic, comme on s’abonne."}}},
		{"unsubscribe block is dropped",
			`<p>Texte de la lettre, qui doit rester.</p><p>Pour ne plus recevoir nos messages, <a href="https://x.fr/u?id=1">cliquez ici</a>.</p><div>Se désabonner : répondez STOP à ce message depuis votre adresse.</div>`,
			[]piece{{"", "Texte de la lettre, qui doit rester."}}},
		{"header keeps only headings",
			`<article><header><p>Par Jeanne Martin</p><h2>Le titre de rubrique</h2></header><p>Le corps de l’article.</p></article>`,
			[]piece{{"Le titre de rubrique", "Le corps de l’article."}}},
		{"inline markup and entities",
			`<p>Un <em>mot</em>&nbsp;<span>collé</span>, l&rsquo;IA &amp; <code>x</code>.</p>`,
			[]piece{{"", "Un mot collé, l’IA & x."}}},
		{"hidden and 1x1 elements",
			`<p>Visible.</p><p hidden>Caché.</p><span style="visibility: hidden">Invisible.</span><img src="p.gif" width="1" height="1" alt="pixel">`,
			[]piece{{"", "Visible."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := parseOne(t, "x.html", []byte(head+tt.body+"</body></html>"), FormatHTML)
			if got := pieces(doc); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestParseHTMLDate(t *testing.T) {
	const body = `<p>Un paragraphe pour que la page ne soit pas vide.</p>`
	tests := []struct{ name, page, want string }{
		{"article:published_time wins", `<meta property="article:published_time" content="2025-01-27T23:30:00-05:00"><meta name="date" content="2024-01-01"><time datetime="2023-05-05">x</time>` + body, "2025-01-27"},
		{"JSON-LD", `<script type="application/ld+json">{"@context":"https://schema.org","datePublished": "2025-02-10T08:00:00+01:00"}</script>` + body, "2025-02-10"},
		{"meta name=date", `<meta name="Date" content="2025-03-04">` + body, "2025-03-04"},
		{"RFC 5322 date", `<meta name="date" content="Mon, 27 Jan 2025 07:00:00 +0100">` + body, "2025-01-27"},
		{"Dublin Core", `<meta name="DC.date.issued" content="2025-03-05">` + body, "2025-03-05"},
		{"time datetime", `<p>Publié le <time datetime="2025-04-01T10:00">1er avril</time>.</p>` + body, "2025-04-01"},
		{"French date in the title", `<h1>Veille du 27 janvier 2025</h1>` + body, "2025-01-27"},
		{"English date in the title", `<h1>AI Weekly — January 27, 2025</h1>` + body, "2025-01-27"},
		{"ISO date in a paragraph", `<p>Édition du 2025-01-28.</p>` + body, "2025-01-28"},
		{"month only", `<h1>La veille de mars 2025</h1>` + body, "2025-03"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := parseOne(t, "x.html", []byte("<!DOCTYPE html><html><head></head><body>"+tt.page), FormatDetect)
			if doc.Issue.Date != tt.want {
				t.Errorf("date %q, want %q", doc.Issue.Date, tt.want)
			}
		})
	}
}

func TestParseHTMLErrors(t *testing.T) {
	tests := []struct {
		name, data string
		want       error
	}{
		{"no date", "<html><body><p>Un texte sans date.</p></body></html>", ErrNoDate},
		{"no text", `<html><head><meta name="date" content="2025-01-01"></head><body><nav>Menu</nav><img src="x"></body></html>`, ErrEmpty},
		{"empty", "", ErrEmpty},
		{"NUL byte", "<p>2025-01-01 a\x00b</p>", ErrEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.html", []byte(tt.data), FormatDetect)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "bad.html") {
				t.Errorf("Parse = %v, want %v naming the source", err, tt.want)
			}
		})
	}
}

func TestParseHTMLTruncated(t *testing.T) {
	full := parseOne(t, "page.html", readFixture(t, "page.html"), FormatHTML)
	data := readFixture(t, "page.html")
	cut := strings.Index(string(data), "Le site doit entrer")
	doc := parseOne(t, "page.html", data[:cut+20], FormatHTML)
	if doc.Issue.Date != full.Issue.Date || len(doc.Items) != 3 {
		t.Fatalf("truncated page: date %q, %d items; want %q and 3", doc.Issue.Date, len(doc.Items), full.Issue.Date)
	}
	for i, it := range doc.Items[:2] {
		if it.Text != full.Items[i].Text {
			t.Errorf("item %d = %q, want %q", i, it.Text, full.Items[i].Text)
		}
	}
	// Cut in the middle of a UTF-8 sequence: still UTF-8, not Windows-1252.
	mid := strings.Index(string(data), "é") + 1
	if _, err := Parse("page.html", append(data[:cut:cut], data[mid-1:mid]...), FormatHTML); err != nil {
		t.Fatal(err)
	}
	doc = parseOne(t, "page.html", append(data[:cut:cut], data[mid-1:mid]...), FormatHTML)
	assertAbsent(t, doc, "Ã")
}

func TestDetectFormatMarkup(t *testing.T) {
	tests := []struct {
		name, source, data string
		want               Format
	}{
		{"html extension", "a/Lettre.HTM", "", FormatHTML},
		{"eml extension", "n44.eml", "", FormatEmail},
		{"rss extension", "fil.rss", "", FormatFeed},
		{"atom extension", "fil.atom", "", FormatFeed},
		{"xml extension", "fil.xml", "", FormatFeed},
		{"xml extension, rss root", "fil.xml", `<?xml version="1.0"?><rss version="2.0">`, FormatFeed},
		{"xml extension, other root", "fil.xml", `<?xml version="1.0"?><catalogue>`, FormatFeed},
		{"xml extension, xhtml root", "page.XML", `<?xml version="1.0"?>` + "\n<!-- export -->\n<html xmlns=\"http://www.w3.org/1999/xhtml\">", FormatHTML},
		{"xml extension, prefixed html root", "page.xml", `<h:html xmlns:h="http://www.w3.org/1999/xhtml">`, FormatHTML},
		{"xml extension, html doctype", "page.xml", "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x\">\n<html>", FormatHTML},
		{"xml extension, html fragment", "page.xml", "<body><p>x</p></body>", FormatFeed},
		{"rss extension, html root", "fil.rss", "<html><body>x</body></html>", FormatFeed},
		{"doctype", "upload", "\ufeff\n<!DOCTYPE html>\n<html>", FormatHTML},
		{"html tag", "upload", "  <html lang=fr>", FormatHTML},
		{"fragment", "upload", "<p>Bonjour</p>", FormatHTML},
		{"rss", "upload", `<?xml version="1.0"?>` + "\n<!-- fil -->\n<rss version=\"2.0\">", FormatFeed},
		{"rdf", "upload", `<?xml version="1.0"?><rdf:RDF xmlns:rdf="x">`, FormatFeed},
		{"atom", "upload", `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">`, FormatFeed},
		{"xhtml", "upload", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">`, FormatHTML},
		{"mail headers", "upload", "Return-Path: <a@b>\r\nFrom: a@b\r\nSubject: x\r\n\r\nbody", FormatEmail},
		{"mime only", "upload", "MIME-Version: 1.0\nContent-Type: text/plain\n\nbody", FormatEmail},
		{"mbox line", "upload", "From a@b Mon Jan 27 07:00:00 2025\nSubject: x\n\nbody", FormatEmail},
		{"markdown Date line is not mail", "upload", "Date: 2025-01-01\nTitle: x\n\ntexte", FormatRaw},
		{"raw date line is not mail", "upload", "date: 2025-01-01 Titre\n\nTexte.", FormatRaw},
		{"markdown after a comment", "upload", "<!-- brouillon -->\nIntro\n\n## Section\n", FormatMarkdown},
		{"json stays jsonl", "upload", `{"text":"<p>"}`, FormatJSONL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectFormat(tt.source, []byte(tt.data)); got != tt.want {
				t.Errorf("DetectFormat(%q, %q) = %q, want %q", tt.source, tt.data, got, tt.want)
			}
		})
	}
}

// FuzzParseHTML checks that any input parsed as HTML gives an error or
// well-formed documents, without panicking.
func FuzzParseHTML(f *testing.F) {
	for _, name := range []string{"page.html", "lettre_cp1252.html"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`<meta name="date" content="2025-01-01"><h2>a</h2><p><b>b</b><br><br>c<ul><li>d<li>e</ul>`))
	f.Add([]byte("<h1>Veille du 1er mars 2025</h1><table><td>x<br><br><a href=unsubscribe>y</a>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Parse("fuzz.html", data, FormatHTML)
		if err != nil {
			return
		}
		checkDocs(t, docs)
	})
}
