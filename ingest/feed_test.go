package ingest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func TestParseFeedRSS(t *testing.T) {
	docs, err := Parse("veille.rss", readFixture(t, "veille.rss"), FormatDetect)
	if err != nil {
		t.Fatal(err)
	}
	checkDocs(t, docs)
	type entry struct{ date, title, link, first string }
	want := []entry{
		{"2025-02-04", "Mistral AI publie un modèle de raisonnement", "https://veille.example.fr/breves/mistral-raisonnement",
			"La startup parisienne a publié un modèle de raisonnement sous licence Apache 2.0, entraîné pour résoudre des problèmes de mathématiques pas à pas."},
		// 23:30 at +01:00 is still the 3rd where the feed is written.
		{"2025-02-03", "La Commission précise la définition d’un système d’IA", "https://veille.example.fr/breves/commission-definition",
			"Les lignes directrices publiées par Bruxelles excluent les simples logiciels de calcul & les systèmes à règles fixes du champ de l’AI Act."},
		{"2025-02-03", "Brève sans texte : le CNRS recrute des data scientists", "https://veille.example.fr/breves/cnrs-recrute",
			"Brève sans texte : le CNRS recrute des data scientists"},
	}
	var got []entry
	for _, d := range docs {
		got = append(got, entry{d.Issue.Date, strings.Join(d.Issue.Headlines, " | "), d.Issue.Link, d.Items[0].Text})
		if d.Issue.Source != "veille.rss" {
			t.Errorf("entry %q has source %q, want the feed file", d.Issue.Headlines, d.Issue.Source)
		}
		for _, it := range d.Items {
			if it.Headline != d.Issue.Headlines[0] {
				t.Errorf("item %q has headline %q, want the entry title", it.Text, it.Headline)
			}
		}
		assertAbsent(t, d, "Partager", "doublon")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries =\n%q\nwant\n%q (the repeated guid 1042 dropped)", got, want)
	}
}

func TestParseFeedAtom(t *testing.T) {
	docs, err := ParseFeed("carnet.atom", readFixture(t, "carnet.atom"))
	if err != nil {
		t.Fatal(err)
	}
	checkDocs(t, docs)
	var titles, dates []string
	for _, d := range docs {
		titles = append(titles, d.Issue.Headlines[0])
		dates = append(dates, d.Issue.Date)
	}
	if want := []string{"Hugging Face & les robots ouverts", "Le point sur les puces européennes", "Les agents et la vie privée"}; !reflect.DeepEqual(titles, want) {
		t.Errorf("titles %q, want %q", titles, want)
	}
	if want := []string{"2025-01-31", "2025-01-30", "2025-01-29"}; !reflect.DeepEqual(dates, want) {
		t.Errorf("dates %q, want %q (published, else updated)", dates, want)
	}
	if n := len(docs[1].Items); n != 2 {
		t.Errorf("plain-text summary gave %d items, want its 2 paragraphs", n)
	}
	assertAbsent(t, docs[0], "court résumé", "Un bras à 100 euros")
	if iss := docs[2].Issue; iss.Source != "carnet.atom" || iss.Link != "" {
		t.Errorf("an entry without link has source %q and link %q, want the file and none", iss.Source, iss.Link)
	}
}

// rssFeed builds an RSS feed of items, each "guid|title|date|text".
func rssFeed(link string, items ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title><link>%s</link>`, link)
	for _, it := range items {
		f := strings.Split(it, "|")
		fmt.Fprintf(&b, "<item><guid>%s</guid><title>%s</title><pubDate>%s</pubDate><description>%s</description></item>", f[0], f[1], f[2], f[3])
	}
	b.WriteString("</channel></rss>")
	return []byte(b.String())
}

func TestParseFeedRepoll(t *testing.T) {
	a := "https://x.fr/a|Entrée A|Mon, 03 Feb 2025 08:00:00 +0100|Premier texte de l’entrée A."
	b := "https://x.fr/b|Entrée B|Tue, 04 Feb 2025 08:00:00 +0100|Texte de l’entrée B."
	first, err := ParseFeed("fil.rss", rssFeed("https://x.fr/", b, a))
	if err != nil {
		t.Fatal(err)
	}
	c := "https://x.fr/c|Entrée C|Wed, 05 Feb 2025 08:00:00 +0100|Texte de l’entrée C, toute nouvelle."
	aEdited := "https://x.fr/a|Entrée A|Mon, 03 Feb 2025 08:00:00 +0100|Premier texte de l’entrée A, corrigé."
	second, err := ParseFeed("fil.rss", rssFeed("https://x.fr/", c, b, aEdited))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Document{}
	for _, d := range first {
		byID[d.Issue.ID] = d
	}
	added := 0
	for _, d := range second {
		old, ok := byID[d.Issue.ID]
		switch {
		case !ok:
			added++
		case d.Issue.Headlines[0] == "Entrée B" && !reflect.DeepEqual(old, d):
			t.Errorf("unchanged entry B changed:\n%+v\n%+v", old, d)
		case d.Issue.Headlines[0] == "Entrée A" && old.Issue.Hash == d.Issue.Hash:
			t.Error("edited entry A kept its hash")
		}
	}
	if added != 1 || len(second) != 3 {
		t.Errorf("re-poll gave %d documents, %d new; want 3 and 1", len(second), added)
	}
}

func TestFeedEntries(t *testing.T) {
	data := readFixture(t, "veille.rss")
	entries, err := FeedEntries("veille.rss", data)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ParseFeed("veille.rss", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(docs) {
		t.Fatalf("%d entries, %d documents", len(entries), len(docs))
	}
	for i, e := range entries {
		if e.ID != docs[i].Issue.ID || e.Date != docs[i].Issue.Date {
			t.Errorf("entry %d = %+v, document %+v", i, e, docs[i].Issue)
		}
	}
	want := FeedEntry{ID: entries[0].ID, Key: "https://veille.example.fr/ 1042", GUID: "1042",
		Link: "https://veille.example.fr/breves/mistral-raisonnement", Title: "Mistral AI publie un modèle de raisonnement", Date: "2025-02-04"}
	if entries[0] != want {
		t.Errorf("entry 0 = %+v, want %+v", entries[0], want)
	}
	if entries[1].Key != entries[1].GUID || entries[2].Key != entries[2].Link {
		t.Errorf("keys %q, %q: want the URI guid, then the link", entries[1].Key, entries[2].Key)
	}

	// Two blogs numbering their posts alike do not collide.
	one, err := FeedEntries("a", rssFeed("https://a.fr/", "7|Titre|Mon, 03 Feb 2025 08:00:00 +0100|Texte."))
	if err != nil {
		t.Fatal(err)
	}
	two, err := FeedEntries("b", rssFeed("https://b.fr/", "7|Titre|Mon, 03 Feb 2025 08:00:00 +0100|Texte."))
	if err != nil {
		t.Fatal(err)
	}
	if one[0].ID == two[0].ID {
		t.Errorf("guid 7 of two feeds gave the same id %s", one[0].ID)
	}
}

func TestParseFeedCharset(t *testing.T) {
	const feed = `<rss version="2.0"><channel><link>https://x.fr/</link><item><guid>https://x.fr/1</guid><title>Brève d’été</title>` +
		`<pubDate>Mon, 03 Feb 2025 08:00:00 +0100</pubDate><description>Un été « chaud » pour l’IA, 100 €.</description></item></channel></rss>`
	latin, err := charmap.Windows1252.NewEncoder().String(feed)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, data string }{
		{"declared ISO-8859-1", `<?xml version="1.0" encoding="ISO-8859-1"?>` + strings.ReplaceAll(strings.ReplaceAll(latin, "\x92", "'"), "\x80", "E")},
		{"declared windows-1252", `<?xml version="1.0" encoding="windows-1252"?>` + latin},
		{"undeclared", latin},
		{"wrongly declared UTF-8", `<?xml version="1.0" encoding="UTF-8"?>` + latin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := ParseFeed("fil.rss", []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if h := docs[0].Issue.Headlines[0]; !strings.HasPrefix(h, "Brève d") || !strings.HasSuffix(h, "été") {
				t.Errorf("title %q not decoded", h)
			}
			if txt := docs[0].Items[0].Text; !strings.Contains(txt, "Un été « chaud »") {
				t.Errorf("text %q not decoded", txt)
			}
		})
	}
}

func TestParseFeedErrors(t *testing.T) {
	rss := readFixture(t, "veille.rss")
	tests := []struct {
		name string
		data []byte
		want error
		line int
	}{
		{"truncated", rss[:1500], ErrFeed, 25},
		{"not a feed", []byte(`<?xml version="1.0"?><html><body>x</body></html>`), ErrFeed, 0},
		{"no entries", []byte(`<rss version="2.0"><channel><title>Vide</title></channel></rss>`), ErrEmpty, 0},
		{"entries without text", []byte(`<rss version="2.0"><channel><item><guid>1</guid></item></channel></rss>`), ErrEmpty, 0},
		{"empty", []byte(" \n"), ErrEmpty, 0},
		{"NUL byte", []byte("<rss>\x00</rss>"), ErrEncoding, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.rss", tt.data, FormatDetect)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "bad.rss") {
				t.Fatalf("Parse = %v, want %v naming the source", err, tt.want)
			}
			le, isLine := errors.AsType[*LineError](err)
			if tt.line != 0 && (!isLine || le.Line != tt.line) {
				t.Errorf("error %v, want a LineError at line %d", err, tt.line)
			}
		})
	}
}

// FuzzParseFeed checks that any input parsed as a feed gives an error or
// well-formed documents with unique ids, without panicking.
func FuzzParseFeed(f *testing.F) {
	for _, name := range []string{"veille.rss", "carnet.atom"} {
		data := readFixture(f, name)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add(rssFeed("l", "1|t|x|<p>a<br><br>b</p>", "1|u|y|c"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Parse("fuzz.rss", data, FormatFeed)
		if err != nil {
			return
		}
		checkDocs(t, docs)
		entries, err := FeedEntries("fuzz.rss", data)
		if err != nil || len(entries) != len(docs) {
			t.Fatalf("FeedEntries = %d entries, %v; ParseFeed gave %d documents", len(entries), err, len(docs))
		}
	})
}

// TestParseFeedWellFormed refuses a feed whose tags do not match, which a
// lenient reading would store with parts lost, and takes HTML's named
// entities, which feeds often use undeclared.
func TestParseFeedWellFormed(t *testing.T) {
	item := `<item><guid>https://blog.example.org/p%d</guid><title>Brève %d</title><pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate>` +
		`<description>Un paragraphe de la brève%s assez long pour compter.</description></item>`
	head := `<?xml version="1.0"?>` + "\n" + `<rss version="2.0"><channel><title>Blog</title><link>https://blog.example.org/</link>` + "\n"
	good := head + fmt.Sprintf(item, 1, 1, "&nbsp;n°1") + "\n</channel></rss>\n"
	docs, err := Parse("blog.rss", []byte(good), FormatDetect)
	if err != nil || len(docs) != 1 || !strings.Contains(docs[0].Items[0].Text, "n°1") {
		t.Fatalf("a feed with &nbsp;: %v, %+v", err, docs)
	}
	bad := head + fmt.Sprintf(item, 1, 1, "") + "\n<item><guid>zz</title>\n</channel></rss>\n"
	_, err = Parse("blog.rss", []byte(bad), FormatDetect)
	var le *LineError
	if !errors.Is(err, ErrFeed) || !errors.As(err, &le) || le.Line != 4 {
		t.Fatalf("mismatched tags: %v; want ErrFeed on line 4", err)
	}
}

// TestParseFeedWithoutLink reads two feeds without a channel link whose
// entries are numbered alike: their sources keep their ids apart.
func TestParseFeedWithoutLink(t *testing.T) {
	feed := func(text string) []byte {
		return []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>` +
			`<item><guid isPermaLink="false">1</guid><title>Premier billet</title><pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate>` +
			`<description>` + text + `</description></item></channel></rss>`)
	}
	a, err := Parse("https://a.example.org/feed.xml", feed("Le premier billet du blog A, assez long pour compter."), FormatFeed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("https://b.example.org/feed.xml", feed("Le premier billet du blog B, assez long pour compter."), FormatFeed)
	if err != nil {
		t.Fatal(err)
	}
	if a[0].Issue.ID == b[0].Issue.ID {
		t.Fatalf("both feeds' entry 1 is %s", a[0].Issue.ID)
	}
}

// TestFeedLinksAreWebAddresses keeps an entry's link only when it is an
// absolute http(s) URL, since readers are sent to it, and falls back on a
// guid that is one.
func TestFeedLinksAreWebAddresses(t *testing.T) {
	for link, want := range map[string]string{
		"https://x.fr/a":            "https://x.fr/a",
		"http://x.fr/a?b=c":         "http://x.fr/a?b=c",
		"javascript:alert(1)":       "",
		"file:///etc/passwd":        "",
		"/relative/path":            "",
		"https:no-host":             "",
		"":                          "",
		"HTTPS://x.fr/casse":        "HTTPS://x.fr/casse",
		"ftp://x.fr/archive.tar.gz": "",
	} {
		feed := `<rss version="2.0"><channel><title>T</title><item><link>` + link +
			`</link><title>Titre</title><description>Un texte.</description></item></channel></rss>`
		docs, err := ParseFeed("f.rss", []byte(feed))
		if err != nil {
			t.Fatal(err)
		}
		if got := docs[0].Issue.Link; got != want {
			t.Errorf("link %q gives %q, want %q", link, got, want)
		}
	}
	feed := `<rss version="2.0"><channel><title>T</title><item><guid>https://x.fr/g</guid><link>javascript:void(0)</link>` +
		`<title>Titre</title><description>Un texte.</description></item></channel></rss>`
	docs, err := ParseFeed("f.rss", []byte(feed))
	if err != nil {
		t.Fatal(err)
	}
	if got := docs[0].Issue.Link; got != "https://x.fr/g" {
		t.Errorf("link %q, want the guid", got)
	}
}
