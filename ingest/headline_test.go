package ingest

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// known builds a headline set from first-line headlines.
func known(headlines ...string) *headlineSet {
	var hs headlineSet
	for _, h := range headlines {
		hs.add(h)
	}
	return &hs
}

func TestSplitStart(t *testing.T) {
	tests := []struct {
		name     string
		known    []string
		text     string
		headline string // "" when the paragraph must not be split
	}{
		{
			name:     "generic title before a determiner",
			text:     "OpenAI annonce GPT-5 La nouvelle version du modèle arrive pour tous les abonnés dès cette semaine.",
			headline: "OpenAI annonce GPT-5",
		},
		{
			name:     "seed: title before La",
			text:     "Meta en alerte face à DeepSeek La percée de DeepSeek pousse Meta à réagir rapidement. Selont The Information, l’entreprise aurait mobilisé plusieurs équipes.",
			headline: "Meta en alerte face à DeepSeek",
		},
		{
			name:     "seed: title with a colon before a participle",
			text:     "High-Flyer Capital Management : le créateur de DeepSeek Basée à Hangzhou, High-Flyer Capital Management est un fonds quantitatif chinois fondé en 2015.",
			headline: "High-Flyer Capital Management : le créateur de DeepSeek",
		},
		{
			name:     "preposition followed by a name",
			text:     "Nvidia dépasse les 4 000 milliards de capitalisation Selon Bloomberg, le fabricant de puces est devenu la première entreprise à franchir ce seuil.",
			headline: "Nvidia dépasse les 4 000 milliards de capitalisation",
		},
		{
			name:     "elided opener",
			text:     "Anthropic ouvre un bureau à Paris L’entreprise américaine recrute une cinquantaine de personnes d’ici la fin de l’année.",
			headline: "Anthropic ouvre un bureau à Paris",
		},
		{
			name:     "English title",
			text:     "Google ships Gemini 2 The new model is available today in the Gemini app and through the API for developers.",
			headline: "Google ships Gemini 2",
		},
		{
			name:     "known headline then opener",
			known:    []string{"Paul McCartney dénonce un « Far West »"},
			text:     "Paul McCartney dénonce un « Far West » Dans une interview à la BBC, le musicien s’en prend aux propositions du gouvernement.",
			headline: "Paul McCartney dénonce un « Far West »",
		},
		{
			name:     "known headline extended up to its question mark",
			known:    []string{"DeepSeek bouscule Meta et Open AI"},
			text:     "DeepSeek bouscule Meta et Open AI avec son modèle « frugal »? La startup chinoise a révélé son modèle R1 en début de semaine.",
			headline: "DeepSeek bouscule Meta et Open AI avec son modèle « frugal »?",
		},
		{
			name:  "funding sentence is not a title",
			text:  "Mistral AI lève 600 millions d'euros auprès de General Catalyst. La startup parisienne confirme ainsi son statut de champion européen.",
			known: []string{"Mistral AI lève des fonds"},
		},
		{
			name: "funding sentence without period",
			text: "Mistral AI lève 600 millions d'euros auprès de plusieurs fonds américains et européens pour financer ses calculs",
		},
		{
			name: "product name after a determiner",
			text: "Mistral AI Le Chat dépasse le million de téléchargements en deux semaines sur les magasins d’applications.",
		},
		{
			name: "newspaper name",
			text: "Le quotidien américain The Information révèle que Meta a mobilisé plusieurs équipes pour analyser DeepSeek.",
		},
		{
			name: "newspaper after a preposition",
			text: "Selon Le Monde, OpenAI prépare une version de ChatGPT dédiée aux administrations européennes.",
		},
		{
			name: "comma before the opener",
			text: "Sur le plan du code, DeepSeek s’est appuyée sur des technologies ouvertes comme PyTorch et Llama.",
		},
		{
			name: "opener after a function word",
			text: "Le fonds investit dans En Marche numérique, un programme de formation lancé par plusieurs régions françaises.",
		},
		{
			name: "two-word title is too short",
			text: "Nvidia triomphe La valorisation du groupe a encore progressé de dix pour cent cette semaine à Wall Street.",
		},
		{
			name: "rest too short to be a sentence",
			text: "OpenAI annonce GPT-5 La suite bientôt.",
		},
		{
			name: "quoted name",
			text: "Interrogé par « Le Figaro », le ministre a défendu le projet de loi sur l’intelligence artificielle.",
		},
		{
			name: "sentence starting with a quote",
			text: "« Nous allons tout changer » La formule du patron d’OpenAI a fait le tour des réseaux sociaux en quelques heures.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rest, ok := known(tt.known...).splitStart(tt.text)
			if tt.headline == "" {
				if ok {
					t.Fatalf("split into %q | %q, want no split", h, rest)
				}
				return
			}
			if !ok || h != tt.headline {
				t.Fatalf("splitStart = %q, %v; want %q", h, ok, tt.headline)
			}
			if h+" "+rest != tt.text {
				t.Errorf("headline and rest %q do not rebuild the text", rest)
			}
		})
	}
}

func TestSplitEnd(t *testing.T) {
	tests := []struct {
		name     string
		known    []string
		text     string
		headline string
	}{
		{
			name:     "seed: name, colon, question",
			text:     "L’entreprise s’est distinguée en construisant plusieurs supercalculateurs pour ses projets de recherche en IA. QuantumLight : les VC remplacés par l’IA?",
			headline: "QuantumLight : les VC remplacés par l’IA?",
		},
		{
			name:     "colon without final punctuation",
			text:     "Le modèle a été publié sous licence libre et téléchargé des milliers de fois. Robotique : Figure AI prend son indépendance",
			headline: "Robotique : Figure AI prend son indépendance",
		},
		{
			name:     "known headline",
			known:    []string{"Trump favorable à un accord avec Oracle"},
			text:     "Le fonds a investi dans douze startups en deux ans, reste à suivre ses performances. Trump favorable à un accord avec Oracle pour TikTok?",
			headline: "Trump favorable à un accord avec Oracle pour TikTok?",
		},
		{
			name: "rhetorical question stays",
			text: "Les géants américains investissent des centaines de milliards dans leurs centres de données. Qui peut encore rivaliser avec eux ?",
		},
		{
			name: "exclamation stays",
			text: "En deux ans, QuantumLight a investi dans 12 startups, reste à suivre les performances obtenues. Rendez vous au prochain épisode!",
		},
		{
			name: "sentence without period stays",
			text: "Le régulateur a publié ses recommandations sur l’entraînement des modèles. Il insiste sur le droit d’opposition",
		},
		{
			name: "abbreviation is no sentence end",
			text: "Le projet a été présenté devant le conseil des ministres par le porte-parole M. Dupont : une révolution attendue",
		},
		{
			name: "colon inside a long last sentence",
			text: "Le projet a été présenté devant le conseil des ministres. Le constat est simple : les entreprises européennes manquent de puissance de calcul et de capitaux pour rivaliser",
		},
		{
			name: "too little before the tail",
			text: "Un texte court. Groq : la vitesse?",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, h, ok := known(tt.known...).splitEnd(tt.text)
			if tt.headline == "" {
				if ok {
					t.Fatalf("split into %q | %q, want no split", body, h)
				}
				return
			}
			if !ok || h != tt.headline {
				t.Fatalf("splitEnd = %q, %v; want %q", h, ok, tt.headline)
			}
			if body+" "+h != tt.text {
				t.Errorf("body %q and headline do not rebuild the text", body)
			}
		})
	}
}

func TestStandalone(t *testing.T) {
	hs := known("DeepSeek bouscule Meta et Open AI", "Paul McCartney dénonce un « Far West »", "gpt-oss : OpenAI revient aux modèles ouverts")
	tests := []struct {
		text string
		want bool
	}{
		{"gpt-oss : OpenAI revient aux modèles ouverts", true},
		{"DeepSeek bouscule Meta et Open AI avec son modèle « frugal »?", true},
		{"Paul McCartney dénonce un « Far West » numérique lié à l’IA", true},
		{"Trump favorable à un accord avec Oracle pour l’acquisition de TikTok?", true},
		{"Andreessen Horowitz ferme son bureau londonien pour se recentrer sur le marché américain", true},
		{"La CNIL publie ses recommandations", true},
		{"Bonne lecture et à très vite !", false},
		{"Rendez-vous au prochain numéro.", false},
		{"Une phrase courte qui finit mal par de", false},
		{"Merci", false},
		{"Source : Les Echos", false},
		{"Par Jeanne Martin", false},
		{"minuscule au début de la ligne", false},
		{"DeepSeek bouscule Meta et Open AI. Le modèle est gratuit.", false},
		{"Donald Trump mise sur une réglementation allégée, tandis que la Chine propulse DeepSeek au sommet en un temps record ?", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := hs.standalone(tt.text); got != tt.want {
				t.Errorf("standalone = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFirstLineHeadline(t *testing.T) {
	hs := known("Les assistants de code")
	tests := []struct {
		name, first, next string
		want              bool
	}{
		{"known", "Les assistants de code en entreprise", "Les directions informatiques restent prudentes sur la confidentialité.", true},
		{"short title", "Nouveau record pour Nvidia", "Le fabricant de puces a dépassé toutes les attentes des analystes ce trimestre, porté par ses ventes.", true},
		{"hard-wrapped sentence", "La startup chinoise DeepSeek a révélé en début de semaine son modèle", "R1, qui rivalise significativement avec le modèle o1 d’OpenAI sur plusieurs", false},
		{"next line lower case", "Nouveau record pour Nvidia", "porté par les ventes de puces destinées aux centres de données du monde entier.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hs.firstLineHeadline(tt.first, tt.next); got != tt.want {
				t.Errorf("firstLineHeadline = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHeadlineSetAdd(t *testing.T) {
	hs := known("DeepSeek bouscule Meta et Open AI", "Sommet pour l’action sur l’IA : l’Europe étouffée")
	hs.add("DEEPSEEK bouscule Méta et Open-AI avec son modèle")
	hs.add("Sommet pour l'action")
	hs.add("Meta en alerte")
	hs.add("  ")
	want := []string{"DeepSeek bouscule Meta et Open AI", "Sommet pour l’action sur l’IA : l’Europe étouffée", "Meta en alerte"}
	if !slices.Equal(hs.list, want) {
		t.Errorf("list = %q, want %q", hs.list, want)
	}
}

func TestFoldWords(t *testing.T) {
	got := strings.Join(foldWords("L’Europe étouffée « frugal »? Open-AI ÇA"), " ")
	if want := "l europe etouffee frugal open ai ca"; got != want {
		t.Errorf("foldWords = %q, want %q", got, want)
	}
}

// TestFoldWordsTable checks that folding rune by rune from foldedRunes
// gives what folding the whole text through foldNFD gives: every rune up to
// U+3100 alone, between letters, after an accented letter and before a
// combining mark; then random texts of letters, accented letters, marks
// (U+0301, U+0327, U+0345), punctuation, Greek, Hangul and invalid bytes.
func TestFoldWordsTable(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := foldWords(s), strings.Fields(foldNFD(s)); !slices.Equal(got, want) {
			t.Fatalf("foldWords(%q) = %q, want %q", s, got, want)
		}
	}
	for r := rune(0); r <= 0x3100; r++ {
		c := string(r)
		for _, s := range []string{c, "a" + c + "b", "é" + c, c + "\u0301", "E\u0301" + c, c + "\u0327e"} {
			check(s)
		}
	}
	pool := []string{"a", "Z", "é", "É", "ç", "œ", "Æ", "ß", "ǅ", "\u0301", "\u0327", "\u0345", "’", "«", " ", "\u00a0", "…", "–", "ά", "한", "\xff", "\xe2\x80", "9", "İ"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pool[r.IntN(len(pool))])
		}
		check(b.String())
	}
}

// FuzzFoldWords compares foldWords with the fold of the whole text through
// foldNFD, on any text.
func FuzzFoldWords(f *testing.F) {
	for _, s := range []string{"L’Europe étouffée « frugal »? Open-AI ÇA", "E\u0301cole", "\xffé", "ǅemal Ἀθῆναι 한국"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := foldWords(s), strings.Fields(foldNFD(s)); !slices.Equal(got, want) {
			t.Fatalf("foldWords(%q) = %q, want %q", s, got, want)
		}
	})
}

// seedPath is the real issue from the archive that the raw format is
// modelled on; it lives outside the repository.
const seedPath = "/work/shared/seed/000_5b026b8465187955.txt"

func TestSeedIssue(t *testing.T) {
	data, err := os.ReadFile(seedPath)
	if os.IsNotExist(err) {
		t.Skipf("%s absent", seedPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Parse(filepath.Base(seedPath), data, FormatDetect)
	if err != nil {
		t.Fatal(err)
	}
	doc := docs[0]
	if doc.Issue.Date != "2025-01" {
		t.Errorf("date %q, want 2025-01", doc.Issue.Date)
	}
	for _, h := range []string{
		"Meta en alerte face à DeepSeek",
		"High-Flyer Capital Management : le créateur de DeepSeek",
		"QuantumLight : les VC remplacés par l’IA?",
		"Trump favorable à un accord avec Oracle pour l’acquisition de TikTok?",
	} {
		if !slices.Contains(doc.Issue.Headlines, h) {
			t.Errorf("headline %q not found in %q", h, doc.Issue.Headlines)
		}
	}
	deepseek := "DeepSeek bouscule Meta et Open AI avec son modèle « frugal »?"
	for _, prefix := range []string{"La startup chinoise", "Un chiffre qui", "Sur le plan du code", "Ce qui est vérifiable"} {
		if got := headlineOf(t, doc, prefix); got != deepseek {
			t.Errorf("paragraph %q has headline %q, want %q", prefix, got, deepseek)
		}
	}
	for prefix, want := range map[string]string{
		"Donald Trump mise":          "",
		"La percée de DeepSeek":      "Meta en alerte face à DeepSeek",
		"Basée à Hangzhou":           "High-Flyer Capital Management : le créateur de DeepSeek",
		"Avec QuantumLight":          "QuantumLight : les VC remplacés par l’IA?",
		"Dans une interview":         "Paul McCartney dénonce un « Far West » numérique lié à l’IA",
		"Andreessen Horowitz (a16z)": "Andreessen Horowitz ferme son bureau londonien pour se recentrer sur le marché américain",
	} {
		if got := headlineOf(t, doc, prefix); got != want {
			t.Errorf("paragraph %q has headline %q, want %q", prefix, got, want)
		}
	}
	for _, it := range doc.Items {
		if strings.HasSuffix(it.Text, "QuantumLight : les VC remplacés par l’IA?") {
			t.Errorf("glued headline left at the end of %q", it.Text)
		}
	}
}

// TestCollapseFastPath checks that collapse, which returns most paragraphs
// as they are, agrees with joining their fields, and moreWordsThan with
// counting them.
func TestCollapseFastPath(t *testing.T) {
	for _, s := range []string{"", " ", "a", "a b", " a b", "a b ", "a  b", "a\tb", "a\nb", "a\u00a0b", "é b c", "a b\u2003c", "« a »", "a\xc2", "a\xe2\x80"} {
		if got, want := collapse(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("collapse(%q) = %q, want %q", s, got, want)
		}
		for n := range 4 {
			if got, want := moreWordsThan(s, n), len(strings.Fields(s)) > n; got != want {
				t.Errorf("moreWordsThan(%q, %d) = %v, want %v", s, n, got, want)
			}
		}
	}
	// Every rune up to U+3100 (past the last white space, U+3000) inside a
	// text, at either end and beside a space.
	for r := rune(0); r <= 0x3100; r++ {
		c := string(r)
		for _, s := range []string{"a" + c + "b", c + "ab", "ab" + c, "a " + c + "b", c} {
			if got, want := collapsed(s), s == strings.Join(strings.Fields(s), " "); got != want {
				t.Fatalf("collapsed(%q) = %v, want %v", s, got, want)
			}
		}
	}
}

// TestSplitWindows checks that splitStart and splitEnd, which look at the
// first or last words of a paragraph before splitting all of it, decide as
// a split of every word does, on random paragraphs of title-like and
// sentence-like words around the window sizes, and that lastFields agrees
// with strings.Fields.
func TestSplitWindows(t *testing.T) {
	vocab := strings.Fields(`OpenAI annonce GPT-5 La le la de du Le nouvelle version modèle arrive pour tous
		les abonnés. cette semaine. Meta en alerte face à DeepSeek percée pousse réagir? rapidement! « Mistral »
		lève 600 millions d’euros. L’entreprise Selon The Information, M. Dupont : Qu’en 2025 fondé Basée Hangzhou,`)
	r := rand.New(rand.NewPCG(1, 2))
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[r.IntN(len(vocab))]
		}
		return strings.Join(w, " ")
	}
	starts, ends := 0, 0
	for range 20000 {
		hs := known(text(1+r.IntN(4)), text(2+r.IntN(30)))
		para := text(1 + r.IntN(70))
		if r.IntN(3) == 0 {
			para = hs.list[r.IntN(len(hs.list))] + " " + para
		}
		words := strings.Fields(para)
		if got := lastFields(" "+para+"\u00a0", 16); !slices.Equal(got, words[max(0, len(words)-16):]) {
			t.Fatalf("lastFields(%q) = %q", para, got)
		}
		h, rest, ok := hs.splitStart(para)
		var wh, wrest string
		cut := hs.startCut(words)
		wok := cut > 0 && looksLikeSentence(words[cut:])
		if wok {
			wh, wrest = strings.Join(words[:cut], " "), strings.Join(words[cut:], " ")
		}
		if ok {
			starts++
		}
		if h != wh || rest != wrest || ok != wok {
			t.Fatalf("splitStart(%q) = %q, %q, %v; splitting every word: %q, %q, %v", para, h, rest, ok, wh, wrest, wok)
		}
		body, h, ok := hs.splitEnd(para)
		var wbody string
		wh = ""
		k, wok := hs.endTitle(words)
		wok = wok && k+1 >= minSentenceWords
		if wok {
			wbody, wh = strings.Join(words[:k+1], " "), strings.Join(words[k+1:], " ")
		}
		if ok {
			ends++
		}
		if body != wbody || h != wh || ok != wok {
			t.Fatalf("splitEnd(%q) = %q, %q, %v; splitting every word: %q, %q, %v", para, body, h, ok, wbody, wh, wok)
		}
	}
	if starts < 100 || ends < 100 {
		t.Errorf("%d paragraphs split at the start, %d at the end: too few to compare", starts, ends)
	}
}
