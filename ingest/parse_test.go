package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixtures returns the input files of testdata, golden files left out.
func fixtures(t testing.TB) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range all {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && !strings.HasSuffix(p, ".golden.json") {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatal("no fixtures in testdata")
	}
	return out
}

// TestParseGolden parses each fixture, read into one buffer as a loader
// does (ReadInto), and compares the documents with the golden file's once
// the buffer is overwritten: they must keep no reference to it.
func TestParseGolden(t *testing.T) {
	var buf bytes.Buffer
	for _, path := range fixtures(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := ReadInto(&buf, path)
			if err != nil {
				t.Fatal(err)
			}
			if want, err := os.ReadFile(path); err != nil || !bytes.Equal(data, want) {
				t.Fatalf("ReadInto gave %d bytes, want the file's %d (%v)", len(data), len(want), err)
			}
			docs, err := Parse(name, data, FormatDetect)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for i := range data {
				data[i] = 'x'
			}
			got, err := json.MarshalIndent(docs, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(path, filepath.Ext(path)) + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

// mustParse parses a raw or Markdown input that must give one document.
func mustParse(t *testing.T, source, text string) Document {
	t.Helper()
	docs, err := Parse(source, []byte(text), FormatDetect)
	if err != nil {
		t.Fatalf("Parse(%s): %v", source, err)
	}
	if len(docs) != 1 {
		t.Fatalf("Parse(%s) gave %d documents, want 1", source, len(docs))
	}
	return docs[0]
}

// headlineOf returns the headline of the first item whose text starts with
// prefix.
func headlineOf(t *testing.T, doc Document, prefix string) string {
	t.Helper()
	for _, it := range doc.Items {
		if strings.HasPrefix(it.Text, prefix) {
			return it.Headline
		}
	}
	t.Fatalf("no item starts with %q", prefix)
	return ""
}

func TestParseRawHeadlines(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "seedlike.txt"))
	if err != nil {
		t.Fatal(err)
	}
	doc := mustParse(t, "seedlike.txt", string(data))
	tests := []struct {
		name, prefix, headline string
	}{
		{"intro", "Le mois de mars", ""},
		{"standalone extending a first-line headline", "La startup parisienne", "Mistral AI accélère en Europe avec un nouveau centre de calcul?"},
		{"same news item", "Mistral AI lève 600 millions", "Mistral AI accélère en Europe avec un nouveau centre de calcul?"},
		{"glued known headline", "Les fabricants de puces", "Nvidia face à ses concurrents chinois"},
		{"glued new headline", "Fondée en 2016", "Cerebras Systems : le pari des puces géantes"},
		{"headline glued at the end of the paragraph before", "Avec ses puces LPU", "Groq : l’inférence à grande vitesse?"},
		{"hard-wrapped paragraph", "Le régulateur français", "La CNIL publie ses recommandations sur l’IA générative"},
		{"standalone new headline", "La plateforme franco-américaine", "Hugging Face rachète une startup de robotique"},
		{"sign-off stays text", "Bonne lecture", "Hugging Face rachète une startup de robotique"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := headlineOf(t, doc, tt.prefix); got != tt.headline {
				t.Errorf("headline = %q, want %q", got, tt.headline)
			}
		})
	}
	wantHeadlines := []string{
		"Mistral AI accélère en Europe",
		"Nvidia face à ses concurrents chinois",
		"La CNIL publie ses recommandations",
		"Cerebras Systems : le pari des puces géantes",
		"Groq : l’inférence à grande vitesse?",
		"Hugging Face rachète une startup de robotique",
	}
	if !reflect.DeepEqual(doc.Issue.Headlines, wantHeadlines) {
		t.Errorf("Headlines = %q, want %q", doc.Issue.Headlines, wantHeadlines)
	}
	for _, it := range doc.Items {
		if strings.Contains(it.Text, "Groq : l’inférence") {
			t.Errorf("trailing headline left in text: %q", it.Text)
		}
	}
}

func TestParseIDs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "seedlike.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	a := mustParse(t, "a.txt", text)
	b := mustParse(t, "b.txt", text)
	if a.Issue.ID != b.Issue.ID || a.Issue.Hash != b.Issue.Hash || !reflect.DeepEqual(ids(a), ids(b)) {
		t.Fatalf("ids differ between two parses of the same text")
	}
	if !strings.HasPrefix(a.Issue.ID, "2025-03-") || len(a.Issue.ID) != len("2025-03-")+8 {
		t.Errorf("issue id %q, want 2025-03-<8 hex>", a.Issue.ID)
	}

	edited := strings.Replace(text, "plusieurs milliards d’euros", "trois milliards d’euros", 1)
	c := mustParse(t, "a.txt", edited)
	if c.Issue.ID != a.Issue.ID {
		t.Errorf("issue id changed from %s to %s on a paragraph edit", a.Issue.ID, c.Issue.ID)
	}
	if c.Issue.Hash == a.Issue.Hash {
		t.Error("issue hash did not change on a paragraph edit")
	}
	changed := 0
	for i, id := range ids(a) {
		if ids(c)[i] != id {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("editing one paragraph changed %d item ids, want 1", changed)
	}

	inserted := strings.Replace(text, "\n\nLa CNIL publie", "\n\nUn paragraphe ajouté au milieu du numéro, pour vérifier que les autres identifiants ne bougent pas.\n\nLa CNIL publie", 1)
	d := mustParse(t, "a.txt", inserted)
	if got, want := len(d.Items), len(a.Items)+1; got != want {
		t.Fatalf("%d items after inserting a paragraph, want %d", got, want)
	}
	old := map[string]bool{}
	for _, id := range ids(a) {
		old[id] = true
	}
	kept := 0
	for _, id := range ids(d) {
		if old[id] {
			kept++
		}
	}
	if kept != len(a.Items) {
		t.Errorf("inserting a paragraph kept %d of %d item ids", kept, len(a.Items))
	}
}

func ids(doc Document) []string {
	out := make([]string, len(doc.Items))
	for i, it := range doc.Items {
		out[i] = it.ID
	}
	return out
}

func TestParseDuplicateText(t *testing.T) {
	doc := mustParse(t, "x.txt", "date 2025-01 Titre\n\nMême texte ici.\n\nAutre texte.\n\nMême texte ici.\n")
	if got, want := doc.Items[2].ID, doc.Items[0].ID+"-2"; got != want {
		t.Errorf("second copy id = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		source string
		data   string
		format Format
		want   error
		line   int // expected LineError line, 0 for none
	}{
		{"raw without date line", "a.txt", "Bonjour\n\nUn paragraphe.", FormatDetect, ErrNoDate, 1},
		{"raw date word alone", "a.txt", "\n\ndate\n\nUn paragraphe.", FormatRaw, ErrNoDate, 3},
		{"raw month 13", "a.txt", "date 2025-13 Titre\n\nUn paragraphe.", FormatDetect, ErrBadDate, 1},
		{"raw february 30", "a.txt", "date 2024-02-30 Titre\n\nUn paragraphe.", FormatDetect, ErrBadDate, 1},
		{"raw no paragraphs", "a.txt", "date 2025-01 Titre\n\n  \n", FormatDetect, ErrEmpty, 0},
		{"empty input", "a.txt", "", FormatDetect, ErrEmpty, 0},
		{"markdown without date", "a.md", "# Veille\n\nUn paragraphe.", FormatDetect, ErrNoDate, 0},
		{"markdown bad front matter date", "a.md", "---\ndate: 2025-02-31\n---\n\nTexte.", FormatDetect, ErrBadDate, 2},
		{"markdown bad Date line", "a.md", "# Veille\n\nDate: 2025-00-10\n\nTexte.", FormatDetect, ErrBadDate, 3},
		{"markdown only headings", "a.md", "---\ndate: 2025-02\n---\n# Titre\n## Section\n", FormatDetect, ErrEmpty, 0},
		{"unknown format", "a.txt", "date 2025-01 X\n\nTexte.", Format("pdf"), ErrFormat, 0},
		{"NUL byte", "a.txt", "date 2025-01 X\n\nTe\x00xte.", FormatDetect, ErrEncoding, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := Parse(tt.source, []byte(tt.data), tt.format)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, %v; want error %v", docs, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.source) {
				t.Errorf("error %q does not name the source %q", err, tt.source)
			}
			le, isLine := errors.AsType[*LineError](err)
			switch {
			case tt.line == 0 && isLine:
				t.Errorf("got LineError %v, want a plain error", le)
			case tt.line != 0 && !isLine:
				t.Errorf("got %v, want a LineError at line %d", err, tt.line)
			case tt.line != 0 && (le.Line != tt.line || le.Source != tt.source):
				t.Errorf("LineError at %s:%d, want %s:%d", le.Source, le.Line, tt.source, tt.line)
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, source, data string
		want               Format
	}{
		{"txt extension wins", "x.TXT", `{"id":"a"}`, FormatRaw},
		{"md extension", "dir/x.md", "date 2025-01", FormatMarkdown},
		{"markdown extension", `C:\dir\x.markdown`, "", FormatMarkdown},
		{"jsonl extension", "x.jsonl", "", FormatJSONL},
		{"ndjson extension", "x.ndjson", "", FormatJSONL},
		{"sniff json", "upload", "\ufeff\n  {\"text\": \"a\"}\n", FormatJSONL},
		{"sniff raw date line", "upload", "  date 2025-01 Titre", FormatRaw},
		{"sniff front matter", "upload", "---\ndate: 2025-01-01\n---\n", FormatMarkdown},
		{"sniff title", "upload", "# Veille\n", FormatMarkdown},
		{"sniff section", "upload", "Intro\n\n## Section\n", FormatMarkdown},
		{"default raw", "upload", "Du texte sans indice.", FormatRaw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectFormat(tt.source, []byte(tt.data)); got != tt.want {
				t.Errorf("DetectFormat(%q) = %q, want %q", tt.source, got, tt.want)
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	utf16le := func(s string) []byte {
		out := []byte{0xFF, 0xFE}
		for _, u := range utf16.Encode([]rune(s)) {
			out = append(out, byte(u), byte(u>>8))
		}
		return out
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"BOM and CRLF", []byte("\ufeffa\r\nb\rc"), "a\nb\nc"},
		{"NFC", []byte("e\u0301t\u00e9"), "\u00e9t\u00e9"},
		{"NFC after plain runes", []byte("« déjà » – 5 € e\u0301"), "« déjà » – 5 € \u00e9"},
		{"NFC of a space", []byte("a\u2000b"), "a\u2002b"},
		{"Windows-1252", []byte{'d', 0xE9, 'j', 0xE0, ' ', 0x80, ' ', 0x93, 'x', 0x94}, "déjà € “x”"},
		{"UTF-16 with BOM", utf16le("Señor\r\n"), "Señor\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeText(tt.data)
			if err != nil || got != tt.want {
				t.Errorf("decodeText = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestPlainNFC checks every rune plainRune accepts against the norm
// package's tables: it must neither combine with the rune before it nor
// change under NFC, so that a text made of such runes and ASCII is NFC.
func TestPlainNFC(t *testing.T) {
	plain := 0
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if !plainRune(r) {
			continue
		}
		plain++
		s := string(r)
		if !norm.NFC.PropertiesString(s).BoundaryBefore() || !norm.NFC.IsNormalString(s) {
			t.Errorf("U+%04X is taken for plain, but NFC may change it or join it to the rune before", r)
		}
	}
	if plain < 700 {
		t.Errorf("only %d plain runes: the fast path would hardly serve", plain)
	}
	for _, s := range []string{"l’été, « 5 € » — déjà…", "e\u0301", "\u212b", "a\u2001"} {
		if got, want := plainNFC(s), norm.NFC.IsNormalString(s); got && !want {
			t.Errorf("plainNFC(%q) = true, but it is not NFC", s)
		}
	}
	if !plainNFC("l’été, « 5 € » — déjà…") {
		t.Error("plainNFC misses French text")
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2025-01", "2025-01", true},
		{" 2025-01-31 ", "2025-01-31", true},
		{"2024-02-29", "2024-02-29", true},
		{"2025/2/3", "2025-02-03", true},
		{"2025.12", "2025-12", true},
		{"2025-13", "", false},
		{"2025-00", "", false},
		{"2023-02-29", "", false},
		{"2025-04-31", "", false},
		{"2025-01-00", "", false},
		{"0000-01", "", false},
		{"25-01-01", "", false},
		{"2025-001", "", false},
		{"2025-01/02", "", false},
		{"2025-01-02-03", "", false},
		{"2025", "", false},
		{"janvier 2025", "", false},
		{"", "", false},
		{"2025-+1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.ok && (err != nil || got != tt.want) {
				t.Errorf("ParseDate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if !tt.ok && !errors.Is(err, ErrBadDate) {
				t.Errorf("ParseDate(%q) = %q, %v; want ErrBadDate", tt.in, got, err)
			}
		})
	}
}

func TestFindDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Veille IA — 10 février 2025", "2025-02-10"},
		{"Veille du 1er mars 2024", "2024-03-01"},
		{"Numéro de décembre 2023", "2023-12"},
		{"Édition 2025-02-10", "2025-02-10"},
		{"Lettre du 05/03/2025", "2025-03-05"},
		{"Bilan 2024-2025", ""},
		{"Mai 68 revisité", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := findDate(tt.in); got != tt.want {
				t.Errorf("findDate(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	text := "Introduction du numéro, sans titre particulier pour commencer la lecture.\r\n\r\nOpenAI annonce GPT-5 La nouvelle version du modèle est disponible dès aujourd’hui pour tous les abonnés payants.\n\nNVIDIA publie ses résultats\n\nLe chiffre d’affaires trimestriel dépasse encore les attentes des analystes."
	doc, err := ParseJSON("upload-1", "2025-08-07", []string{" OpenAI  annonce GPT-5 ", ""}, text)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Issue.Date != "2025-08-07" || doc.Issue.Source != "upload-1" {
		t.Errorf("issue = %+v", doc.Issue)
	}
	want := []piece{
		{"", "Introduction du numéro, sans titre particulier pour commencer la lecture."},
		{"OpenAI annonce GPT-5", "La nouvelle version du modèle est disponible dès aujourd’hui pour tous les abonnés payants."},
		{"NVIDIA publie ses résultats", "Le chiffre d’affaires trimestriel dépasse encore les attentes des analystes."},
	}
	var got []piece
	for _, it := range doc.Items {
		got = append(got, piece{it.Headline, it.Text})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items = %q\nwant %q", got, want)
	}
	if want := []string{"OpenAI annonce GPT-5", "NVIDIA publie ses résultats"}; !reflect.DeepEqual(doc.Issue.Headlines, want) {
		t.Errorf("Headlines = %q, want %q", doc.Issue.Headlines, want)
	}

	for _, tt := range []struct {
		name, date, text string
		want             error
	}{
		{"no date", " ", "Texte.", ErrNoDate},
		{"bad date", "2025-02-30", "Texte.", ErrBadDate},
		{"no text", "2025-02", " \n\n ", ErrEmpty},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseJSON("upload-2", tt.date, nil, tt.text); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "upload-2") {
				t.Errorf("ParseJSON = %v, want %v naming the source", err, tt.want)
			}
		})
	}
}

func TestSplitLong(t *testing.T) {
	sentence := strings.Repeat("mot ", 40) + "fin."
	long := strings.TrimSpace(strings.Repeat(sentence+" ", 3*MaxItemBytes/len(sentence)))
	doc, err := ParseJSON("long", "2025-01", nil, "Titre long\n\n"+long)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Items) < 3 {
		t.Fatalf("%d items, want the paragraph cut in 3 or more", len(doc.Items))
	}
	var parts []string
	for _, it := range doc.Items {
		if len(it.Text) > MaxItemBytes {
			t.Errorf("item of %d bytes", len(it.Text))
		}
		if !strings.HasSuffix(it.Text, "fin.") {
			t.Errorf("item not cut at a sentence end: ...%q", it.Text[len(it.Text)-20:])
		}
		if it.Headline != "Titre long" {
			t.Errorf("headline %q, want %q", it.Headline, "Titre long")
		}
		parts = append(parts, it.Text)
	}
	if strings.Join(parts, " ") != long {
		t.Error("parts do not join back into the paragraph")
	}

	unbroken := strings.Repeat("é", MaxItemBytes) // no space at all
	for _, p := range splitLong(unbroken) {
		if len(p) > MaxItemBytes || !utf8.ValidString(p) {
			t.Errorf("bad part of %d bytes", len(p))
		}
	}
}

func TestParseMarkdown(t *testing.T) {
	src := "---\ndate: 2025-02-10T08:00:00Z\n---\n" +
		"Date: 2025-03-01\n\n" +
		"## Un [lien](http://x) et du `code`\n\n" +
		"Texte avec **gras**, *italique*, _souligné_, snake_case_id et ~~barré~~ ![img](i.png) <br/> fin.\n\n" +
		"> Une citation\n> sur deux lignes.\n\n" +
		"1. premier\n2. second\n\n" +
		"__Titre en gras__\n\n" +
		"Dernier paragraphe.\n"
	doc := mustParse(t, "x.md", src)
	if doc.Issue.Date != "2025-02-10" {
		t.Errorf("date %q: the front matter should win over the Date line", doc.Issue.Date)
	}
	want := []piece{
		{"Un lien et du code", "Texte avec gras, italique, souligné, snake_case_id et barré fin."},
		{"Un lien et du code", "Une citation sur deux lignes."},
		{"Un lien et du code", "1. premier\n2. second"},
		{"Titre en gras", "Dernier paragraphe."},
	}
	var got []piece
	for _, it := range doc.Items {
		got = append(got, piece{it.Headline, it.Text})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items = %q\nwant %q", got, want)
	}
}

func TestParseFormat(t *testing.T) {
	for name, want := range map[string]Format{"": FormatDetect, "auto": FormatDetect, "raw": FormatRaw, "markdown": FormatMarkdown,
		"jsonl": FormatJSONL, "html": FormatHTML, "email": FormatEmail, "feed": FormatFeed} {
		if got, err := ParseFormat(name); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"pdf", "HTML", "md"} {
		if _, err := ParseFormat(name); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), strconv.Quote(name)) {
			t.Errorf("ParseFormat(%q): %v, want an ErrFormat naming it", name, err)
		}
	}
}

func TestReadIntoErrors(t *testing.T) {
	var buf bytes.Buffer
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "missing.txt"), dir} {
		if data, err := ReadInto(&buf, path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadInto(%s) = %d bytes, %v; want an error naming the path", path, len(data), err)
		}
	}
}
