// Command gen writes a synthetic French-like newsletter archive in veille's
// raw issue format, for the ingest benchmark (bench/ingest.sh).
//
//	go run ./bench/gen -out /tmp/veille-ingest/n100000 -n 100000
//
// It writes one issue a week, -per-issue paragraphs each (the last issue
// takes what is left), as DIR/YYYY-MM-DD.txt:
//
//	date 2003-05-12 Headline one / Headline two / …
//
//	Introduction paragraph …
//
//	Headline one
//
//	Paragraph …
//
// Paragraphs hold 60 to 160 words (mean about 105), in sentences of 6 to 28
// words drawn from a vocabulary of about 4,000 words: a few hundred common
// French words ranked roughly by frequency, then made-up words built from
// French syllables and suffixes, with Zipf-like frequencies, plus company
// and person names and figures ("5,6 millions de dollars", "17 %"). The
// output depends only on -n, -per-issue and -seed. A hidden file, .gen, records
// them, and the paragraph count, once every file is written; an existing
// folder whose .gen matches is left as it is.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

func main() {
	out := flag.String("out", "", "folder to write the issues into (required)")
	n := flag.Int("n", 100_000, "paragraphs to write (headline lines not counted)")
	perIssue := flag.Int("per-issue", 50, "paragraphs per issue")
	seed := flag.Uint64("seed", 1, "random seed")
	start := flag.String("start", "1990-01-01", "date of the first issue; one issue a week after it")
	flag.Parse()
	if *out == "" || *n < 1 || *perIssue < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*out, *n, *perIssue, *seed, *start); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string, n, perIssue int, seed uint64, start string) error {
	stamp := fmt.Sprintf("n=%d per-issue=%d seed=%d start=%s\n", n, perIssue, seed, start)
	marker := filepath.Join(out, ".gen")
	if b, err := os.ReadFile(marker); err == nil && string(b) == stamp {
		fmt.Fprintf(os.Stderr, "gen: %s already holds %d paragraphs\n", out, n)
		return nil
	}
	day, err := time.Parse(time.DateOnly, start)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	g := newGenerator(seed)
	files, words, bytes := 0, 0, 0
	for left := n; left > 0; left -= perIssue {
		k := min(perIssue, left)
		text, w := g.issue(day, k)
		name := filepath.Join(out, day.Format(time.DateOnly)+".txt")
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			return err
		}
		files++
		words += w
		bytes += len(text)
		day = day.AddDate(0, 0, 7)
	}
	fmt.Fprintf(os.Stderr, "gen: %d paragraphs in %d files, %d words (%.1f a paragraph), %.1f MB, into %s\n",
		n, files, words, float64(words)/float64(n), float64(bytes)/1e6, out)
	return os.WriteFile(marker, []byte(stamp), 0o644)
}

// generator draws words, sentences, paragraphs and issues.
type generator struct {
	r     *rand.Rand
	vocab []string   // by rank, most frequent first
	zipf  *rand.Zipf // ranks into vocab
	names []string   // companies and people, drawn uniformly
	seen  map[string]bool
}

func newGenerator(seed uint64) *generator {
	r := rand.New(rand.NewPCG(seed, 0x7665696c6c65)) // "veille"
	g := &generator{r: r, seen: map[string]bool{}}
	for _, w := range strings.Fields(commonWords) {
		g.addWord(w)
	}
	for len(g.vocab) < vocabSize {
		g.addWord(g.madeUpWord())
	}
	// s=1.07 gives the function words about the share they have in
	// French news text (the top 10 words about a fifth of the tokens).
	g.zipf = rand.NewZipf(r, 1.07, 2, uint64(len(g.vocab)-1))
	for _, c := range strings.Split(companies, ",") {
		g.names = append(g.names, strings.TrimSpace(c))
	}
	first, last := strings.Fields(firstNames), strings.Fields(lastNames)
	for range 400 {
		g.names = append(g.names, first[r.IntN(len(first))]+" "+last[r.IntN(len(last))])
	}
	return g
}

const vocabSize = 4000

func (g *generator) addWord(w string) {
	if !g.seen[w] {
		g.seen[w] = true
		g.vocab = append(g.vocab, w)
	}
}

// madeUpWord joins two or three French-like syllables and, often, a suffix.
func (g *generator) madeUpWord() string {
	var b strings.Builder
	k := 2 + g.r.IntN(2)
	for range k {
		b.WriteString(onsets[g.r.IntN(len(onsets))])
		b.WriteString(nuclei[g.r.IntN(len(nuclei))])
	}
	if g.r.IntN(3) > 0 {
		b.WriteString(suffixes[g.r.IntN(len(suffixes))])
	}
	return b.String()
}

// word returns one lower-case word, a name or a figure.
func (g *generator) word() string {
	switch x := g.r.IntN(100); {
	case x < 4:
		return g.names[g.r.IntN(len(g.names))]
	case x < 6:
		return g.figure()
	default:
		return g.vocab[g.zipf.Uint64()]
	}
}

// figure returns an amount, a percentage, a count or a year, French style.
func (g *generator) figure() string {
	switch g.r.IntN(6) {
	case 0:
		return fmt.Sprintf("%d,%d %s", 1+g.r.IntN(20), g.r.IntN(10), units[g.r.IntN(len(units))])
	case 1:
		return fmt.Sprintf("%d %s de dollars", 2+g.r.IntN(900), units[g.r.IntN(2)])
	case 2:
		return fmt.Sprintf("%d %%", 1+g.r.IntN(99))
	case 3:
		return fmt.Sprintf("%d %03d", 1+g.r.IntN(99), g.r.IntN(1000))
	case 4:
		return fmt.Sprintf("%d", 1950+g.r.IntN(80))
	default:
		return fmt.Sprintf("%d", 2+g.r.IntN(500))
	}
}

// sentence appends a sentence of about n words to b and returns the words
// written.
func (g *generator) sentence(b *strings.Builder, n int) int {
	toks := []string{openers[g.r.IntN(len(openers))]}
	written := 1
	for len(toks) < n {
		w := g.word()
		written += strings.Count(w, " ") + 1
		last := toks[len(toks)-1]
		if (last == "de" || last == "le" || last == "la") && startsWithVowel(w) {
			// Elide: "de entreprise" → "d’entreprise".
			toks[len(toks)-1] = last[:1] + "’" + w
			continue
		}
		toks = append(toks, w)
	}
	for i, t := range toks {
		if i > 0 {
			if i > 2 && i < len(toks)-2 && g.r.IntN(12) == 0 {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	b.WriteByte('.')
	return written
}

func startsWithVowel(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return strings.ContainsRune("aeiouéèêâîôh", r)
}

// paragraph returns a paragraph of 60 to 160 words, mean about 105.
func (g *generator) paragraph() (string, int) {
	// The sum of two uniforms: a triangle over [60, 160] peaking at 110,
	// skewed down a little by the cut at the last whole sentence.
	target := 60 + g.r.IntN(51) + g.r.IntN(51)
	var b strings.Builder
	words := 0
	for words < target {
		if words > 0 {
			b.WriteByte(' ')
		}
		n := min(6+g.r.IntN(23), max(target-words, 6))
		words += g.sentence(&b, n)
	}
	return b.String(), words
}

// headline returns a short title: a name, a verb phrase and a last content
// word, capitalised, with no sentence punctuation.
func (g *generator) headline() string {
	var parts []string
	if g.r.IntN(2) == 0 {
		parts = append(parts, g.names[g.r.IntN(len(g.names))])
	}
	parts = append(parts, verbs[g.r.IntN(len(verbs))])
	for range 1 + g.r.IntN(4) {
		parts = append(parts, g.vocab[100+g.r.IntN(len(g.vocab)-100)])
	}
	h := strings.Join(parts, " ")
	r, size := utf8.DecodeRuneInString(h)
	return string(unicode.ToUpper(r)) + h[size:]
}

// issue returns the text of an issue of k paragraphs dated day: one or two
// introduction paragraphs, then groups under 3 to 8 headlines.
func (g *generator) issue(day time.Time, k int) (string, int) {
	nh := min(3+g.r.IntN(6), k)
	heads := make([]string, nh)
	for i := range heads {
		heads[i] = g.headline()
	}
	intro := min(1+g.r.IntN(2), k-nh)
	var b strings.Builder
	b.WriteString("date " + day.Format(time.DateOnly) + " " + strings.Join(heads, " / ") + "\n")
	words := 0
	para := func() {
		p, w := g.paragraph()
		b.WriteString("\n" + p + "\n")
		words += w
	}
	for range intro {
		para()
	}
	rest := k - intro
	for i, h := range heads {
		b.WriteString("\n" + h + "\n")
		// Spread the paragraphs over the headlines, at least one each.
		share := rest / (nh - i)
		for range share {
			para()
		}
		rest -= share
	}
	return b.String(), words
}

var (
	onsets   = []string{"b", "c", "d", "f", "g", "j", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "pr", "tr", "gr", "br", "cl", "fl", "pl", "qu", "", "", "s", "r", "l"}
	nuclei   = []string{"a", "e", "i", "o", "u", "é", "è", "ou", "ai", "au", "eu", "on", "an", "in", "oi", "a", "e", "i", "o"}
	suffixes = []string{"tion", "ment", "eur", "ique", "age", "ité", "er", "ée", "eux", "isme", "iste", "ance", "ence", "ure", "oire", "able", "aux", "elle", "ette", "ier", "ise", "ant", "ents", "ions", "ait"}
	units    = []string{"millions", "milliards", "millions d’euros", "milliards d’euros", "mégawatts", "gigawatts"}
	openers  = []string{"Le", "La", "Les", "Selon", "Pour", "Dans", "En", "Depuis", "Après", "Ce", "Cette", "Un", "Une", "Il", "Elle", "Ils", "Mais", "Avec", "Sur", "Au", "Aux", "Lors", "Face", "Entre", "Outre"}
	verbs    = []string{"lève", "annonce", "rachète", "lance", "publie", "dévoile", "investit dans", "perd", "gagne", "recrute pour", "abandonne", "ouvre", "signe avec", "attaque", "prépare", "accélère sur", "mise sur", "renonce à", "double", "réduit"}
)

// commonWords are frequent French words, most frequent first (roughly).
const commonWords = `
de la le et les des à en un une du que qui pour dans est sur au par il plus pas ne a
se ce avec sont son elle sa ses aux ou été mais comme ont nous leur bien on tout fait
cette y être aussi deux même ans entre sans dont elles ils lui sous fois après peut très
encore avant où leurs années faire depuis contre était autre alors tous dit ces donc
selon avoir premier première grand grande nouveau nouvelle nouveaux nouvelles trois
dernier dernière entreprise entreprises groupe marché modèle modèles données intelligence
artificielle société sociétés milliards millions dollars euros prix part parts projet
projets service services outil outils calcul puces serveurs centre centres réseau
réseaux logiciel logiciels utilisateurs clients produit produits recherche chercheurs
laboratoire laboratoires langage langue texte images vidéo voix assistant agent agents
code programmation développeurs plateforme plateformes application applications
version versions lancement annonce accord accords contrat contrats partenariat levée
fonds investissement investisseurs valorisation capital chiffre affaires croissance
baisse hausse perte pertes bénéfice bénéfices action actions bourse séance semaine
mois année trimestre jour jours hier demain aujourd’hui début fin milieu moitié tiers
quart monde pays europe europe états gouvernement ministre président directeur patron
fondateur équipe équipes salariés emplois poste postes travail régulation loi règles
commission autorité autorités concurrence enquête amende procès justice tribunal
plainte droits auteur auteurs presse médias journalistes éditeurs contenu contenus
sécurité risques risque sûreté confiance public publique privé privée politique
stratégie objectif objectifs résultats performance performances tests test mesure
énergie électricité consommation centrales nucléaire gaz eau climat émissions coût
coûts dépenses budget capacité capacités puissance infrastructure infrastructures
déploiement usage usages adoption demande offre abonnement abonnés gratuit payant
ouvert fermé poids licence source sources lancé lancée présenté présentée annoncé
annoncée publié publiée racheté rachetée investi levé perdu gagné dépassé atteint
prévu prévue attendu attendue estimé estimée selon environ près presque moins
davantage beaucoup peu trop assez déjà toujours jamais souvent parfois seulement
notamment ainsi enfin pourtant cependant toutefois également surtout désormais
bientôt rapidement fortement largement plutôt vers chez malgré parmi pendant lors
durant jusqu’à grâce face quelques plusieurs chaque certains certaines autres tel
telle tels telles propre propres seul seule seuls principal principale principaux
important importante grands grandes petit petite petits meilleur meilleure meilleurs
mondial mondiale américain américaine américains chinois chinoise européen européenne
européens français française françaises britannique allemand japonais coréen indien
technologique technologiques numérique numériques industriel industrielle financier
financière économique économiques juridique stratégique commercial commerciale
géant géants concurrent concurrents rival rivaux leader acteur acteurs start-up
pépite licorne cofondateur chercheuse ingénieur ingénieurs étude rapport document
note lettre message réponse question questions débat critique critiques inquiétude
doute doutes pression tension tensions guerre course retard avance avantage écart
`

// companies are names of companies, products and institutions.
const companies = `OpenAI, Anthropic, Mistral AI, Google, DeepMind, Meta, Microsoft, Nvidia,
Amazon, Apple, xAI, DeepSeek, Alibaba, Baidu, Tencent, ByteDance, Samsung, TSMC, Intel, AMD,
Arm, Qualcomm, Hugging Face, Cohere, Perplexity, Scale AI, Databricks, Snowflake, Oracle,
SoftBank, Salesforce, IBM, Cerebras, Groq, CoreWeave, Kyutai, LightOn, Pleias, Aleph Alpha,
Stability AI, Midjourney, Runway, ElevenLabs, Synthesia, Dassault Systèmes, Orange, Free,
Bouygues, Thales, Capgemini, Atos, OVHcloud, Scaleway, BNP Paribas, Société Générale,
Commission européenne, Cnil, Arcom, Bpifrance, Maison Blanche, Congrès, Pentagone,
ChatGPT, Gemini, Claude, Llama, Le Chat, Copilot, Grok, Qwen, Stargate, Nasdaq`

const firstNames = `Sam Dario Arthur Demis Mark Satya Jensen Elon Liang Sundar Tim Lisa Pat
Mira Ilya Yann Clément Thomas Julien Marie Sophie Camille Léa Chloé Inès Hugo Louis Paul
Jean Pierre Nicolas Antoine Xavier Cédric Aurélie Fanny Laure Hélène Guillaume Mathieu
Alexandre Emmanuel Bruno Olivier Valérie Nathalie Isabelle Margrethe Ursula Thierry`

const lastNames = `Altman Amodei Mensch Hassabis Zuckerberg Nadella Huang Musk Wenfeng
Pichai Cook Su Gelsinger Murati Sutskever LeCun Delangue Lacroix Lample Martin Bernard
Dubois Durand Lefebvre Leroy Moreau Simon Laurent Michel Garcia David Bertrand Roux
Vincent Fournier Morel Girard André Mercier Dupont Lambert Bonnet François Martinez
Legrand Garnier Faure Rousseau Blanc Guerin Muller Henry Roussel Niel Breton Vestager`
