package ingest

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseEmailMultipart(t *testing.T) {
	doc := parseOne(t, "multipart.eml", readFixture(t, "multipart.eml"), FormatDetect)
	if doc.Issue.Date != "2025-02-03" {
		t.Errorf("date %q, want 2025-02-03 from the Date header", doc.Issue.Date)
	}
	wantHeadlines := []string{"Veille IA n°44 : OpenAI et l’AI Act", "OpenAI lance un agent pour le web", "L’AI Act entre en application"}
	if !reflect.DeepEqual(doc.Issue.Headlines, wantHeadlines) {
		t.Errorf("headlines = %q, want %q (subject first)", doc.Issue.Headlines, wantHeadlines)
	}
	if got := headlineOf(t, doc, "Les premières interdictions"); got != wantHeadlines[2] {
		t.Errorf("headline %q, want %q", got, wantHeadlines[2])
	}
	// The HTML part is the one read: its h1 is the title, skipped.
	for _, it := range doc.Items {
		if it.Text == "Veille IA n°44" {
			t.Error("the HTML part's h1 became an item")
		}
	}
	assertAbsent(t, doc, "navigateur", "désinscrire", "Vous recevez", "L’équipe Veille IA", "=C3", "Ã")
}

func TestParseEmailLatin1Text(t *testing.T) {
	doc := parseOne(t, "breves_latin1.eml", readFixture(t, "breves_latin1.eml"), FormatDetect)
	if doc.Issue.Date != "2025-03-07" {
		t.Errorf("date %q, want 2025-03-07 from the Date header", doc.Issue.Date)
	}
	want := []piece{
		{"", "Bonjour,"},
		{"", "Voici les brèves de la semaine, préparées par l'équipe documentation."},
		{"Le Conseil d'État valide l'algorithme de la CAF", "La haute juridiction estime que le score de risque utilisé pour cibler les contrôles ne constitue pas une décision entièrement automatisée au sens du RGPD."},
		{"Une école d'ingénieurs crée un diplôme en IA frugale", "Le cursus, ouvert à la rentrée prochaine, forme à l'entraînement de modèles économes en énergie et en données."},
		{"Une école d'ingénieurs crée un diplôme en IA frugale", "Bonne lecture, et à la semaine prochaine !"},
	}
	if got := pieces(doc); !reflect.DeepEqual(got, want) {
		t.Errorf("items =\n%q\nwant\n%q", got, want)
	}
	if doc.Issue.Headlines[0] != "Brèves de la semaine" {
		t.Errorf("first headline %q, want the decoded subject", doc.Issue.Headlines[0])
	}
	assertAbsent(t, doc, "désabonner", "STOP")
}

// message builds a single-part message.
func message(headers, contentType, encoding, body string) []byte {
	var b strings.Builder
	b.WriteString("From: veille@example.fr\r\nMIME-Version: 1.0\r\n")
	b.WriteString(headers)
	b.WriteString("Content-Type: " + contentType + "\r\n")
	if encoding != "" {
		b.WriteString("Content-Transfer-Encoding: " + encoding + "\r\n")
	}
	b.WriteString("\r\n" + body)
	return []byte(b.String())
}

func TestParseEmailCases(t *testing.T) {
	const text = "Une brève assez longue pour être un paragraphe de la lettre.\n"
	html := `<html><body><h2>Titre de la brève</h2><p>Le texte de la brève en HTML.</p></body></html>`
	tests := []struct {
		name      string
		data      []byte
		date      string
		headlines []string
		first     string // first item's text
	}{
		{"base64 HTML", message("Subject: Lettre\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n", "text/html; charset=utf-8", "base64",
			base64.StdEncoding.EncodeToString([]byte(html))), "2025-02-04", []string{"Lettre", "Titre de la brève"}, "Le texte de la brève en HTML."},
		{"day in the sender's zone", message("Subject: Lettre\r\nDate: Mon, 3 Feb 2025 23:30:00 -0500\r\n", "text/plain; charset=utf-8", "", text),
			"2025-02-03", []string{"Lettre"}, strings.TrimSpace(text)},
		{"raw date line wins", message("Subject: Autre sujet\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n", "text/plain; charset=utf-8", "",
			"date 2025-01-31 Titre du numéro\n\n"+text), "2025-01-31", []string{"Titre du numéro"}, strings.TrimSpace(text)},
		{"no Date header: date in the subject", message("Subject: Veille du 5 mars 2025 / Robots\r\n", "text/plain", "", text),
			"2025-03-05", []string{"Veille du 5 mars 2025", "Robots"}, strings.TrimSpace(text)},
		{"undeclared Latin-1", message("Subject: x\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n", "text/plain", "8bit",
			"Une br\xe8ve en Latin-1 sans charset d\xe9clar\xe9, assez longue.\n"), "2025-02-04", []string{"x"}, "Une brève en Latin-1 sans charset déclaré, assez longue."},
		{"no Content-Type, Latin-1", []byte("From: a@b\r\nSubject: x\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n\r\n" +
			"Une br\xe8ve sans en-t\xeate MIME, assez longue pour compter.\r\n"), "2025-02-04", []string{"x"}, "Une brève sans en-tête MIME, assez longue pour compter."},
		{"empty HTML part falls back to text", []byte("From: a@b\r\nSubject: S\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
			"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><img src=x></body></html>\r\n--b--\r\n"),
			"2025-02-04", []string{"S"}, strings.TrimSpace(text)},
		{"signature dropped", message("Subject: S\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n", "text/plain; charset=utf-8", "",
			text+"\n-- \nJeanne Martin, documentaliste\n"), "2025-02-04", []string{"S"}, strings.TrimSpace(text)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := parseOne(t, "m.eml", tt.data, FormatEmail)
			if doc.Issue.Date != tt.date {
				t.Errorf("date %q, want %q", doc.Issue.Date, tt.date)
			}
			if !reflect.DeepEqual(doc.Issue.Headlines, tt.headlines) {
				t.Errorf("headlines %q, want %q", doc.Issue.Headlines, tt.headlines)
			}
			if doc.Items[0].Text != tt.first {
				t.Errorf("first item %q, want %q", doc.Items[0].Text, tt.first)
			}
			assertAbsent(t, doc, "Jeanne Martin")
		})
	}
}

func TestParseEmailErrors(t *testing.T) {
	full := readFixture(t, "multipart.eml")
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"not a message", []byte("Bonjour\n\nCeci n'est pas un e-mail."), ErrMIME},
		{"headers only", []byte("Subject: x\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n"), ErrEmpty},
		{"cut in the headers", full[:120], ErrEmpty},
		{"no date anywhere", message("Subject: Lettre\r\n", "text/plain", "", "Un paragraphe sans aucune date dedans.\n"), ErrNoDate},
		{"multipart without boundary", []byte("From: a@b\r\nSubject: x\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n"), ErrMIME},
		{"corrupt base64 text", message("Subject: Lettre\r\nDate: Mon, 3 Mar 2025 08:00:00 +0100\r\n", "text/plain; charset=utf-8", "base64", "nkj@@@##$$%%^^&&**((zz!!==~~\r\n"), ErrMIME},
		{"empty", nil, ErrEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.eml", tt.data, FormatDetect)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "bad.eml") {
				t.Errorf("Parse = %v, want %v naming the source", err, tt.want)
			}
		})
	}
}

func TestParseEmailTruncated(t *testing.T) {
	data := readFixture(t, "multipart.eml")
	full := parseOne(t, "multipart.eml", data, FormatEmail)
	// Cut inside the HTML part, in the middle of a quoted-printable "é".
	cut := strings.LastIndex(string(data), "=C3=A9motions") + 8
	doc := parseOne(t, "multipart.eml", data[:cut], FormatEmail)
	if doc.Issue.ID != full.Issue.ID {
		t.Errorf("issue id %s, want %s", doc.Issue.ID, full.Issue.ID)
	}
	if len(doc.Items) != len(full.Items) {
		t.Fatalf("%d items, want %d", len(doc.Items), len(full.Items))
	}
	for i, it := range doc.Items[:len(doc.Items)-1] {
		if it.ID != full.Items[i].ID {
			t.Errorf("item %d = %q, want %q", i, it.Text, full.Items[i].Text)
		}
	}
	assertAbsent(t, doc, "Ã", "\uFFFD")
}

// FuzzParseEmail checks that any input parsed as e-mail gives an error or
// well-formed documents, without panicking.
func FuzzParseEmail(f *testing.F) {
	for _, name := range []string{"multipart.eml", "breves_latin1.eml"} {
		data := readFixture(f, name)
		f.Add(data)
		f.Add(data[:len(data)*2/3])
	}
	f.Add(message("Subject: a / b\r\nDate: Tue, 4 Feb 2025 09:00:00 +0100\r\n", "text/html; charset=iso-8859-1", "quoted-printable", "<p>=E9t=E9</p>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Parse("fuzz.eml", data, FormatEmail)
		if err != nil {
			return
		}
		checkDocs(t, docs)
	})
}
