// Package synth writes the synthetic French-like newsletter archive of the
// load benchmark: issues of paragraphs about the newsletter's subjects, and
// the short queries its clients send. The same seed gives the same text, so
// bench/load and the Go benchmarks of the search path measure the same
// archive.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// words is a small French vocabulary of the newsletter's subjects; names
// and numbers are drawn apart, since the embedder weighs them more.
var (
	nouns = strings.Fields(`modèle laboratoire entreprise marché puce calcul donnée réseau
		serveur centre énergie électricité investissement financement milliard million
		régulation autorité commission tribunal procès licence brevet chercheur ingénieur
		startup fonds valorisation action bourse usine fonderie semi-conducteur mémoire
		processeur accélérateur entraînement inférence raisonnement agent assistant
		moteur recherche publicité navigateur téléphone application plateforme abonnement
		contrat partenariat accord rachat fusion licenciement embauche salaire grève
		sécurité vulnérabilité attaque fuite confidentialité vie privée image vidéo voix
		traduction robot voiture conduite drone satellite fusée câble fibre antenne
		climat carbone émission refroidissement eau nucléaire solaire batterie lithium
		université école étudiant enseignant médecin hôpital diagnostic médicament
		gouvernement ministre président député sénat loi décret sanction export douane`)
	verbs = strings.Fields(`annonce publie lance présente dévoile rachète investit lève
		recrute licencie ferme ouvre signe conteste attaque défend accuse condamne
		autorise interdit retarde accélère double réduit dépasse rattrape entraîne
		déploie teste compare mesure estime affirme reconnaît dément prévoit promet`)
	adjectives = strings.Fields(`nouveau grand petit rapide lent puissant ouvert fermé
		européen américain chinois français allemand japonais coréen indien mondial
		gratuit payant récent ancien premier dernier principal massif discret
		inattendu prudent ambitieux coûteux économique stratégique technique juridique`)
	names = strings.Fields(`Mistral OpenAI Anthropic Google Meta Nvidia AMD Intel TSMC
		Samsung Apple Microsoft Amazon DeepSeek Alibaba Baidu Huawei Tencent ByteDance
		Qualcomm Arm ASML Broadcom Oracle IBM Salesforce Cohere Hugging Face Kyutai
		Scaleway OVHcloud Orange Thales Dassault Bruxelles Paris Berlin Londres Pékin
		Washington Tokyo Séoul Taïwan Californie Texas Abilene Arizona Bercy Matignon`)
	links = strings.Fields(`selon après malgré avant pendant depuis contre avec sans pour`)
)

// Gen writes French-like text from the vocabulary. It is not safe for
// concurrent use.
type Gen struct{ Rng *rand.Rand }

// New returns a generator seeded with (seed, stream).
func New(seed, stream uint64) Gen { return Gen{rand.New(rand.NewPCG(seed, stream))} }

func (g Gen) pick(list []string) string { return list[g.Rng.IntN(len(list))] }

// Sentence returns one sentence of 9 to 20 words ending with a '.'.
func (g Gen) Sentence() string {
	var b strings.Builder
	b.WriteString(capitalise(g.pick([]string{"le", "la", "un", "une", "ce"})))
	n := 8 + g.Rng.IntN(12)
	for i := range n {
		b.WriteByte(' ')
		switch r := g.Rng.IntN(20); {
		case r < 7:
			b.WriteString(g.pick(nouns))
		case r < 10:
			b.WriteString(g.pick(adjectives))
		case r < 13 && i > 0:
			b.WriteString(g.pick(verbs))
		case r < 16:
			b.WriteString(g.pick(names))
		case r < 17:
			b.WriteString(strconv.Itoa(1 + g.Rng.IntN(2000)))
		default:
			b.WriteString(g.pick(links))
		}
	}
	b.WriteByte('.')
	return b.String()
}

// Paragraph returns two to five sentences.
func (g Gen) Paragraph() string {
	s := make([]string, 2+g.Rng.IntN(4))
	for i := range s {
		s[i] = g.Sentence()
	}
	return strings.Join(s, " ")
}

func (g Gen) headline() string {
	return fmt.Sprintf("%s %s %s %s", g.pick(names), g.pick(verbs), g.pick([]string{"un", "le", "son"}), g.pick(nouns))
}

func capitalise(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// Issue returns one raw issue of n paragraphs: the date and headline line,
// then, for each of four news items, its headline alone on a line and its
// paragraphs. The number makes the headline line, hence the issue id,
// unique.
func (g Gen) Issue(number, n int, date string) string {
	heads := make([]string, 4)
	for i := range heads {
		heads[i] = g.headline()
	}
	heads[0] += fmt.Sprintf(" (n° %d)", number)
	var b strings.Builder
	fmt.Fprintf(&b, "date %s %s\n", date, strings.Join(heads, " / "))
	for i := range n {
		if i%(n/len(heads)+1) == 0 {
			fmt.Fprintf(&b, "\n%s\n", heads[min(i/(n/len(heads)+1), len(heads)-1)])
		}
		fmt.Fprintf(&b, "\n%s\n", g.Paragraph())
	}
	return b.String()
}

// Date returns a random YYYY-MM-DD date from 2019 to 2025.
func (g Gen) Date() string {
	return fmt.Sprintf("%d-%02d-%02d", 2019+g.Rng.IntN(7), 1+g.Rng.IntN(12), 1+g.Rng.IntN(28))
}

// Query returns a search query: a name and one to three nouns.
func (g Gen) Query() string {
	n := 2 + g.Rng.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		if i == 0 {
			parts[i] = g.pick(names)
		} else {
			parts[i] = g.pick(nouns)
		}
	}
	return strings.Join(parts, " ")
}

// Question returns a question for the ask route.
func (g Gen) Question() string {
	return fmt.Sprintf("Que %s %s à propos du %s ?", g.pick(names), g.pick(verbs), g.pick(nouns))
}
