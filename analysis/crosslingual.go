package analysis

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Cross-lingual matching. The archive is French and many questions are
// English; apart from names and numbers, "How much did Meta invest in Scale
// AI?" shares almost no stem with "Meta investit 14,3 milliards de dollars
// dans Scale AI". [Expand] bridges the gap with a hand-written glossary of
// the English words of tech, business, finance, law and time that news
// questions use, each mapped to the French words a newsletter would write.
// Only query text is expanded: passages keep their own words, so stored
// vectors and index entries do not change.

// glossary maps English words and phrases to French ones, one entry a line:
// English forms separated by commas, "=", then French expressions separated
// by semicolons. An expression may be several words ("chiffre d'affaires");
// its content words are all added. English keys are written in their base
// form (see [englishForms] for the inflections found from it) and may be
// phrases of up to three words, which win over their single words. French
// expressions list the forms whose stems differ ("perdre; perd; perdu;
// perte"), since the stemmer does not join irregular verb forms.
const glossary = `
# Money, markets and finance
invest, investing = investir; investit; investi; investissement
investment = investissement; investir; investit
investor = investisseur
capital expenditure, capex = dépenses d'investissement
spend, spent = dépenser; dépensé; dépenses
spending = dépenses
money = argent; fonds
fund = fonds; financer
funding = financement; levée de fonds; financer
finance, financing = financer; financement
raise, raised = lever; lève; levé; levée
fundraising, funding round = levée de fonds; tour de table
round = tour de table; levée
seed, seed round = amorçage
series = série
venture capital, vc = capital-risque
valuation = valorisation; valoriser
value, valued = valeur; valoriser; valorise; valorisation
worth = valeur; valoriser; valorisation
market value, market capitalization, market cap = capitalisation boursière; valeur
market = marché
stock market, stock exchange = Bourse
stock = action; titre; Bourse
share = action; part
shares = actions; titres
shareholder = actionnaire
stake = participation; part
ipo, initial public offering = introduction en Bourse
go public, went public = entrer en Bourse; introduction en Bourse
listed = coté; Bourse
price = prix; cours
priced = prix; fixé
cost = coût; coûter; coûté
costly, expensive = cher; coûteux
cheap, inexpensive = bon marché; économique
lose = perdre; perd; perdu; perte
lost = perdre; perdu; perte; effacé
loss = perte
wipe, wiped = effacer; effaçant
drop, fall, fell, plunge, plunged, tumble, tumbled, slump = chute; chuter; baisse; plonger
crash = chute; krach
rise, rose, increase, jump, jumped, surge, surged = hausse; augmenter; monter
growth = croissance; hausse
revenue, revenues = chiffre d'affaires; revenus
sales = ventes; chiffre d'affaires
sale, sell, sold = vente; vendre; vendu
buy, bought, purchase = acheter; achat; racheter; rachat
acquire, acquisition, takeover = rachat; racheter; rachète; acquisition; acquérir
merger = fusion
deal = accord; contrat; opération
agreement = accord
offer, bid = offre
profit = bénéfice
earnings, results = résultats
quarter, quarterly = trimestre; trimestriel
fiscal = fiscal
annual, yearly = annuel
budget = budget
cash = numéraire; liquidités
debt, indebted = dette; endetté
charge = charge
record = record
billion, bn = milliard; milliards
million = million; millions
trillion = billion; mille milliards
thousand = mille
hundred = cent; centaines
percent, percentage = pourcentage; pour cent
half = moitié
dollar = dollar
euro = euro
tariff, tariffs, duties = droits de douane
trade = commerce
export = exporter; exportation
import = importer; importation
economy, economic = économie; économique
bubble = bulle
doubt, doubts = doute; douter

# Companies and people
company, firm, business = entreprise; société; groupe
startup, start-up = start-up; jeune pousse
group = groupe
maker, manufacturer = fabricant
chipmaker = fabricant de puces
lab, laboratory = laboratoire
subsidiary = filiale
nonprofit, non-profit = but non lucratif; fondation
for-profit = commerciale; lucratif
founder = fondateur; fondé
cofounder, co-founder = cofondateur
found, founded = fonder; fondé; fondée
ceo, chief executive = PDG; patron; directeur général
boss, head = patron; chef; tête; diriger
chief scientist = directeur scientifique
cto, chief technology officer = directeur technique
president = président
chairman = président; présidence
executive, executives = dirigeant; dirigeants
leader, leaders = dirigeant; dirigeants; chef
employee, staff, worker = salarié; employé; salariés; employés
team = équipe
researcher = chercheur
scientist = scientifique; chercheur
engineer = ingénieur
developer = développeur
designer = designer
hire, recruit = recruter; embaucher; embauche
poach, poached = débaucher; débauché
bonus = prime
pay, paid = payer; payé; verser; versé
salary = salaire
join, joined = rejoindre; rejoint; arrivée
leave, left, quit = quitter; départ
appoint, appointed = nommer; nommé
name, named = nommer; nommé; baptisé
lead, led = mener; mené; diriger; dirigé
run = diriger; fonctionner
replace = remplacer
partner = partenaire
partnership, alliance, ally = partenariat; alliance; allier; allie
joint venture = coentreprise
customer, client = client
board = conseil d'administration
division, unit = division; branche
user = utilisateur
users = utilisateurs
subscriber = abonné
subscription = abonnement
author = auteur
book = livre; ouvrage

# Technology and AI
ai, a.i = IA; intelligence artificielle
artificial intelligence = intelligence artificielle; IA
superintelligence = superintelligence
model = modèle
models = modèles
language model, llm = modèle de langage
reasoning = raisonnement; raisonner
think, thinking = réfléchir; réfléchit; réflexion
train = entraîner; entraîné
training = entraînement; entraîner
inference = inférence
chip = puce
chips = puces
gpu, graphics processor = processeur graphique; puce
processor = processeur
semiconductor = semi-conducteur; puce
compute, computing power = puissance de calcul; calcul
computing = calcul; informatique
data center, datacenter, data centre = centre de données
supercomputer = supercalculateur
server = serveur
cloud = cloud
capacity = capacité
power = puissance; électricité; énergie
energy, electricity = énergie; électricité
infrastructure = infrastructure
weights = poids
open-weight, open weights = poids ouverts; ouvert
open source = open source; ouvert
open = ouvert; ouvrir
closed = fermé
parameter = paramètre
token = jeton
context window = contexte
context = contexte
benchmark = test; classement
leaderboard, ranking = classement
score = score; résultat
agent = agent
assistant, chatbot = assistant
coding, programming = programmation; code
code = code
software = logiciel
app = application
application = application
smartphone, phone = smartphone; téléphone
device = appareil
glasses = lunettes
video = vidéo
image = image
voice, speech = voix; parole
transcription = transcription
translation = traduction
search engine = moteur de recherche
search = recherche
web = web
internet = internet
feature = fonction; fonctionnalité
interface = interface
update = mise à jour
upgrade = mise à jour; amélioration
version = version
family = famille
successor = successeur
predecessor = prédécesseur
generation = génération
safety = sûreté; sécurité
security = sécurité
safe = sûr; sûre
risk = risque
systemic = systémique
transparency = transparence
hallucination = hallucination
cyberattack, hack = attaque informatique; cyberattaque
cybersecurity = cybersécurité
privacy = vie privée; protection des données
data = données
personal data = données personnelles
data protection = protection des données
distillation = distillation
robot = robot
car = voiture

# Releases and announcements
release = sortir; sorti; sortie; publier; publié; lancer; lancement; dévoiler
launch = lancer; lancement; lance; dévoiler; présenter
unveil, unveiled = dévoiler; dévoile; présenter
introduce, introduced = présenter; présenté; lancer
present, presented = présenter; présenté
announce = annoncer; annonce
announcement = annonce
publish = publier; publié
available, availability = disponible; accessible
ship, shipped = livrer; livré
deliver, delivered = livrer; livré
deploy, deployment = déployer; déploiement
roll out, rolled out, rollout = déployer; déploiement; étendre
delay = retard; retarder; repousser; report
postpone = repousser; reporter; report
push back = repousser
new = nouveau; nouvelle
news = actualité; nouvelles; annonce
first = premier; première
second = deuxième; second
third = troisième
last = dernier; précédent
next = prochain; suivant
previous = précédent
latest = dernier
biggest, largest = plus gros; plus grand
largest ever, biggest ever = jamais; plus gros
fastest = plus rapide
free = gratuit; gratuite
paying = payant
pro = pro
confirm = confirmer
report = rapport; rapporter; selon
reportedly, according to = selon
say, said = affirmer; déclarer; dire
claim = affirmer; revendiquer
expect, expected = attendre; attendu; prévoir
plan = prévoir; prévoit; plan; projet
planned = prévu
promise, pledge = promettre; promesse; engagement
commit, commitment = engagement; engager
goal, aim, target = objectif
project = projet
program, programme = programme
initiative = initiative
event = événement
conference = conférence
keynote = conférence
summit = sommet
speech = discours
declaration = déclaration
statement = déclaration; communiqué
letter, open letter = lettre; lettre ouverte

# Law, regulation and politics
law = loi; droit
bill = projet de loi
regulation = règlement; régulation
regulate = réglementer; réguler
regulator, authority, watchdog = autorité; régulateur
rule = règle
guidelines = lignes directrices
code of practice = code de bonnes pratiques
obligation, obligations = obligation; obligations
requirement = exigence; obligation
require = exiger; imposer
apply = appliquer; application
enter into force, take effect, came into force = entrer en vigueur; application
comply, compliance = conformité; respecter
general-purpose = usage général
provider = fournisseur
signatory = signataire
sign = signer; signé; signature
refuse, refused, decline, declined, reject, rejected = refuser; refus; rejeter; rejeté
ban = interdire; interdit; interdiction; bloquer
prohibit, prohibited = interdire; interdit; interdiction
block = bloquer; blocage
suspend, suspension = suspendre; suspension
remove, removal, withdraw, withdrawal = retirer; retrait; retiré
allow, permit, authorize = autoriser; permettre
approve, approval = approuver; feu vert
restrict, restriction, restrictions = restriction; restrictions; restreindre
export controls = restrictions; exportation; licence
license, licence = licence
fine = amende; amendes; sanction
fined = amende; sanctionner; infliger
penalty, sanction = sanction; amende
court = tribunal; justice; cour
judge = juge
ruling, ruled = décision; estimer; jugement
lawsuit, suit, sue, sued, complaint = plainte; procès; poursuite
trial = procès
appeal = appel
antitrust, competition = concurrence; antitrust
competitor, rival = concurrent; rival
monopoly = monopole
copyright = droit d'auteur
fair use = usage équitable; fair use
pirated, piracy = piraté; piratage
illegal, unlawful = illégal; illicite
legal = légal; juridique
investigation, probe = enquête
accuse, accused = accuser; accuse
government = gouvernement
administration = administration
executive order = décret
order = décret; ordonner
revoke, repeal, rescind, scrap = abroger; abrogé; révoquer; abandonner; abandon
senate = Sénat
congress = Congrès
vote = vote; voter
moratorium = moratoire
action plan = plan d'action
policy = politique
minister = ministre
prime minister = Premier ministre
vice president = vice-président
election = élection
state = État
states = États
federal = fédéral
national security = sécurité nationale
agency = agence
commission = commission
european commission = Commission européenne
parliament = Parlement
country = pays
countries = pays
nation = nation; pays
world, global, worldwide = monde; mondial
international = international
domestic = national
sovereignty = souveraineté

# Places and peoples
united states, us, usa, america = États-Unis; américain
american = américain; américaine
white house = Maison Blanche
united kingdom, uk, britain = Royaume-Uni; britannique
british = britannique
european union, eu = Union européenne; UE; européen
europe = Europe; européen
european = européen; européenne
france = France
french = français; française
paris = Paris
germany = Allemagne
german = allemand
berlin = Berlin
italy = Italie
italian = italien; italienne
spain = Espagne
china = Chine
chinese = chinois; chinoise
beijing = Pékin
japan = Japon
japanese = japonais
south korea = Corée du Sud
korea = Corée
india = Inde
indian = indien
australia = Australie
canada = Canada
canadian = canadien
saudi arabia = Arabie saoudite
united arab emirates, uae, emirates = Émirats arabes unis; émirien
abu dhabi = Abou Dhabi
gulf = Golfe
brussels = Bruxelles
london = Londres
texas = Texas
louisiana = Louisiane
ohio = Ohio
california = Californie
silicon valley = Silicon Valley
wall street = Wall Street

# Time
january = janvier
february = février
march = mars
april = avril
may = mai
june = juin
july = juillet
august = août
september = septembre
october = octobre
november = novembre
december = décembre
monday = lundi
tuesday = mardi
wednesday = mercredi
thursday = jeudi
friday = vendredi
saturday = samedi
sunday = dimanche
day = jour
week = semaine
weekly = hebdomadaire
month = mois
monthly = mensuel
year = année; an
years = ans; années
date = date
today = aujourd'hui
yesterday = hier
tomorrow = demain
since = depuis
early = début
late = fin
end = fin
beginning, start = début
ago = il y a
session, trading day = séance
time = temps
long = long; longtemps
soon = bientôt; prochains mois
`

// glossaryOnce guards the parsed [glossary]: building it analyses a few
// thousand words, which the first English query pays rather than every
// process start.
var (
	glossaryOnce sync.Once
	translations map[string]translation // by English word or phrase, folded
	longestKey   int                    // most words in an English key
)

// translation is the French side of one glossary key.
type translation struct {
	words  []Token   // all French words, one per stem
	extra  []Token   // those whose stem differs from the key's own
	shares []float64 // of each of extra: see [Expansion.Shares]
}

func loadGlossary() {
	translations = make(map[string]translation)
	for _, line := range strings.Split(glossary, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		en, fr, ok := strings.Cut(line, "=")
		if !ok {
			panic("analysis: glossary line without '=': " + line)
		}
		var words []Token
		var shares []float64
		for _, expr := range strings.Split(fr, ";") {
			var content []Token
			for _, t := range Tokens(expr) {
				if t.Flags&Stop == 0 {
					content = append(content, Token{Term: t.Term, Stem: t.Stem, Kind: t.Kind})
				}
			}
			share := 1 / math.Sqrt(float64(len(content)))
			for _, w := range content {
				words, shares = mergeShare(words, shares, w, share)
			}
		}
		for _, key := range strings.Split(en, ",") {
			k := glossaryKey(key)
			tr := translations[k]
			tr.words = mergeWords(tr.words, words...)
			// A French word with the key's own stem ("Paris", "invest")
			// adds nothing the query does not hold already.
			for i, w := range words {
				if w.Stem != Stem(k) {
					tr.extra, tr.shares = mergeShare(tr.extra, tr.shares, w, shares[i])
				}
			}
			translations[k] = tr
			longestKey = max(longestKey, strings.Count(k, " ")+1)
		}
	}
}

// glossaryKey returns the folded terms of an English key joined by spaces,
// as they are looked up: "Open-weight" gives "open weight".
func glossaryKey(key string) string {
	var terms []string
	for _, t := range Tokens(key) {
		terms = append(terms, t.Term)
	}
	return strings.Join(terms, " ")
}

// mergeWords appends to dst the words of src whose stem it lacks: "investir;
// investit; investi" gives one word, as they would add the same feature.
// A key listed twice ("speech" is both a talk and the spoken word) gets
// both translations.
func mergeWords(dst []Token, src ...Token) []Token {
	for _, w := range src {
		if !slices.ContainsFunc(dst, func(d Token) bool { return d.Stem == w.Stem }) {
			dst = append(dst, w)
		}
	}
	return dst
}

// mergeShare is mergeWords for one word w and its share of a translation's
// weight, aligned with dst: a stem met again keeps the larger share.
func mergeShare(dst []Token, shares []float64, w Token, share float64) ([]Token, []float64) {
	if i := slices.IndexFunc(dst, func(d Token) bool { return d.Stem == w.Stem }); i >= 0 {
		shares[i] = max(shares[i], share)
		return dst, shares
	}
	return append(dst, w), append(shares, share)
}

// englishForms returns the possible base forms of a folded English word,
// the word itself first: "countries" gives "country", "released" gives
// "release", "banned" gives "ban", "training" gives "train". Most are not
// words; only those in the glossary matter.
func englishForms(term string) []string {
	forms := []string{term}
	n := len(term)
	if n < 4 {
		return forms
	}
	has := func(suffix string) bool { return strings.HasSuffix(term, suffix) }
	doubled := func(stem string) bool {
		k := len(stem)
		return k >= 3 && stem[k-1] == stem[k-2] && !strings.ContainsRune("aeiouls", rune(stem[k-1]))
	}
	switch {
	case has("ies") || has("ied"):
		forms = append(forms, term[:n-3]+"y")
	case has("es") || has("ed"):
		forms = append(forms, term[:n-1], term[:n-2])
		if doubled(term[:n-2]) {
			forms = append(forms, term[:n-3])
		}
	case has("ing"):
		forms = append(forms, term[:n-3], term[:n-3]+"e")
		if doubled(term[:n-3]) {
			forms = append(forms, term[:n-4])
		}
	case has("s") && !has("ss"):
		forms = append(forms, term[:n-1])
	}
	return forms
}

// Translate returns the folded French words that translate an English word
// or phrase of up to three words, such as "invested", "market value" or
// "data centers", or nil when the glossary does not know it. The words are
// folded but not stemmed, one per distinct stem: Translate("revenue") is
// ["chiffre", "affaires", "revenus"]. It is safe for concurrent use.
func Translate(english string) []string {
	glossaryOnce.Do(loadGlossary)
	terms := strings.Fields(glossaryKey(english))
	if len(terms) == 0 {
		return nil
	}
	tr, _ := lookup(terms)
	var out []string
	for _, w := range tr.words {
		out = append(out, w.Term)
	}
	return out
}

// lookup returns the translation of the phrase made of terms, trying the
// base forms of its last word.
func lookup(terms []string) (translation, bool) {
	head := strings.Join(terms[:len(terms)-1], " ")
	if head != "" {
		head += " "
	}
	for _, f := range englishForms(terms[len(terms)-1]) {
		if tr, ok := translations[head+f]; ok {
			return tr, true
		}
	}
	return translation{}, false
}

// Expansion holds the French words for one English word or phrase of a
// query, leaving out those with the same stem as the English key ("invest"
// and "investir" both stem to "invest"), which add nothing.
type Expansion struct {
	// Source is the English word or phrase as found, folded: "market value".
	Source string
	// Words are the French words, with Term, Stem and Kind set as [Tokens]
	// would set them and no offsets or flags. The slice is shared: callers
	// must not modify it.
	Words []Token
	// Shares, when set, are the parts of the source's weight that each of
	// Words carries when it is found alone, for a search that scores each
	// word apart: 1 for a French expression of one word, which is one way
	// to say the source, and 1/√n for each word of an expression of n
	// ("directeur général"); a word of several expressions keeps the
	// largest. The slice is shared: callers must not modify it.
	Shares []float64
}

// Expand returns the French words for the English words and phrases among
// toks, the tokens of a query as produced by [Tokens], in order. Phrases
// win over their words ("market value" before "market" and "value") and
// each token is used once. Numbers are never expanded; stopwords are, when
// the glossary has them: "ai" is a French stopword and the English "AI". Expand does not check the language: callers expand
// only queries that [Language] finds English, since many French words
// ("date", "action", "court") are keys too. It is safe for concurrent use.
func Expand(toks []Token) []Expansion {
	glossaryOnce.Do(loadGlossary)
	var out []Expansion
	terms := make([]string, 0, longestKey)
	for i := 0; i < len(toks); {
		used := 0
		for n := min(longestKey, len(toks)-i); n >= 1 && used == 0; n-- {
			if n == 1 && toks[i].Kind == Number {
				break
			}
			terms = terms[:0]
			for _, t := range toks[i : i+n] {
				terms = append(terms, t.Term)
			}
			if n == 1 && namePart(toks, i) {
				break
			}
			if tr, ok := lookup(terms); ok {
				used = n
				if len(tr.extra) > 0 {
					out = append(out, Expansion{Source: strings.Join(terms, " "), Words: tr.extra, Shares: tr.shares})
				}
			}
		}
		i += max(used, 1)
	}
	return out
}

// nameEnds are English words that end names of companies and products
// more often than they stand alone: "Mistral AI", "Scale AI", "Meta AI".
var nameEnds = wordSet("ai")

// namePart reports whether toks[i], a word of nameEnds, ends a name: it
// follows a capitalised word that is no function word. Expanding it would
// bring "intelligence artificielle" to every question naming Mistral AI.
func namePart(toks []Token, i int) bool {
	if i == 0 || !nameEnds[toks[i].Term] {
		return false
	}
	prev := toks[i-1]
	return prev.Flags&Capitalized != 0 && prev.Flags&(Stop|Question) == 0
}

// Language markers: function words that are frequent in questions of one
// language and rare or absent in the other. Words of both languages ("a",
// "on", "as", "plus", "son"…) are left out.
var (
	englishMarkers = wordSet(`
the of and to in is was were are did does do what which who whom whose when where why how much
many for with from by its it this that these those been has have had not after before about into
than their they he she his her will would could should can at be there any`)
	frenchMarkers = wordSet(`
le la les des du de un une et est sont dans pour par avec sur qui que quel quelle quels quelles
combien quand comment pourquoi au aux ce cette ces il elle ils elles pas ne ont en ou lors depuis
entre ete etait fait y leur leurs chez apres avant selon`)
)

// Language guesses whether text, typically a query, is English ("en") or
// French ("fr"). It counts the function words of each language, twice, and
// the English words the glossary translates, once; a word with a non-ASCII
// letter (é, à, ç…) counts once for French. Ties, including texts with no
// clue at all, give "fr", the language of the archive. It is meant for
// short texts and is safe for concurrent use.
func Language(text string) string {
	glossaryOnce.Do(loadGlossary)
	en, fr := 0, 0
	for _, t := range Tokens(text) {
		switch {
		case englishMarkers[t.Term]:
			en += 2
		case frenchMarkers[t.Term]:
			fr += 2
		case !isASCII(text[t.Start:t.End]):
			fr++
		case t.Kind == Word && englishOnly(t.Term):
			en++
		}
	}
	if en > fr {
		return "en"
	}
	return "fr"
}

// englishOnly reports whether term is an English glossary word that is not
// spelt the same as one of its own French translations ("investment" is,
// "date" and "million" are not).
func englishOnly(term string) bool {
	tr, ok := lookup([]string{term})
	return ok && !slices.ContainsFunc(tr.words, func(w Token) bool { return w.Term == term })
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
