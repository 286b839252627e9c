package dates

// Word tables. Every key is folded: lower case, no accents, as produced by
// the lexer.

// unit is a calendar unit in relative phrases.
type unit uint8

const (
	uDay unit = iota + 1
	uWeek
	uMonth
	uQuarter
	uYear
)

var units = map[string]unit{
	"jour": uDay, "jours": uDay, "day": uDay, "days": uDay,
	"semaine": uWeek, "semaines": uWeek, "week": uWeek, "weeks": uWeek,
	"mois": uMonth, "month": uMonth, "months": uMonth,
	"trimestre": uQuarter, "trimestres": uQuarter, "quarter": uQuarter, "quarters": uQuarter,
	"an": uYear, "ans": uYear, "annee": uYear, "annees": uYear, "year": uYear, "years": uYear,
}

// Month ambiguity classes: how much context a month word needs when it has
// neither a day nor a year next to it.
const (
	mFree   = iota // always a month: "janvier", "September"
	mWeak          // needs a preposition, even "de"/"of", if capitalised a strong one: "mars" (the planet), "june"
	mStrong        // needs en/in/depuis/since/…: "may", "march", "sept" (seven), abbreviations
)

type monthWord struct {
	m, class int
	abbr     bool // may be followed by '.'
	fr       bool // French: never followed by its day ("mai 3" is not a date)
}

var months = map[string]monthWord{
	"janvier": {1, mFree, false, true}, "janv": {1, mStrong, true, true},
	"fevrier": {2, mFree, false, true}, "fevr": {2, mStrong, true, true}, "fev": {2, mStrong, true, true},
	"mars": {3, mWeak, false, true}, "avril": {4, mFree, false, true}, "avr": {4, mStrong, true, true},
	"mai": {5, mFree, false, true}, "juin": {6, mFree, false, true},
	"juillet": {7, mFree, false, true}, "juil": {7, mStrong, true, true},
	"aout": {8, mFree, false, true}, "septembre": {9, mFree, false, true}, "sept": {9, mStrong, true, true},
	"octobre": {10, mFree, false, true}, "novembre": {11, mFree, false, true}, "decembre": {12, mFree, false, true},

	"january": {1, mFree, false, false}, "jan": {1, mStrong, true, false},
	"february": {2, mFree, false, false}, "feb": {2, mStrong, true, false},
	"march": {3, mStrong, false, false}, "mar": {3, mStrong, true, false},
	"april": {4, mWeak, false, false}, "apr": {4, mStrong, true, false},
	"may":  {5, mStrong, false, false},
	"june": {6, mWeak, false, false}, "jun": {6, mStrong, true, false},
	"july": {7, mFree, false, false}, "jul": {7, mStrong, true, false},
	"august": {8, mWeak, false, false}, "aug": {8, mStrong, true, false},
	"september": {9, mFree, false, false}, "sep": {9, mStrong, true, false},
	"october": {10, mFree, false, false}, "oct": {10, mStrong, true, false},
	"november": {11, mFree, false, false}, "nov": {11, mStrong, true, false},
	"december": {12, mFree, false, false}, "dec": {12, mStrong, true, false},
}

var weekdays = set("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

// seasons maps to 1 spring, 2 summer, 3 autumn, 4 winter.
var seasons = map[string]int{
	"printemps": 1, "ete": 2, "automne": 3, "hiver": 4,
	"spring": 1, "summer": 2, "autumn": 3, "fall": 3, "winter": 4,
}

// parts maps the words for the beginning, middle and end of a period to its
// third; ofParts must be followed by de/of ("end of 2024", not "end 2024").
var parts = map[string]int{
	"debut": 1, "mi": 2, "milieu": 2, "fin": 3,
	"early": 1, "mid": 2, "late": 3,
	"beginning": 1, "start": 1, "middle": 2, "end": 3,
}

var ofParts = set("milieu", "beginning", "start", "middle", "end")

// ordinals for quarters and halves; -1 is "dernier"/"last".
var ordinals = map[string]int{
	"premier": 1, "premiere": 1, "1er": 1, "1re": 1, "1ere": 1, "first": 1, "1st": 1,
	"deuxieme": 2, "second": 2, "seconde": 2, "2e": 2, "2eme": 2, "2nd": 2,
	"troisieme": 3, "3e": 3, "3eme": 3, "third": 3, "3rd": 3,
	"quatrieme": 4, "4e": 4, "4eme": 4, "fourth": 4, "4th": 4,
	"dernier": -1, "derniere": -1, "last": -1,
}

// periods: quarter (3 months) or half year (6 months).
var periods = map[string]int{
	"trimestre": 3, "quarter": 3, "semestre": 6, "half": 6, "moitie": 6,
}

var counts = map[string]int{
	"un": 1, "une": 1, "one": 1, "a": 1,
	"deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4, "four": 4,
	"cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8,
	"neuf": 9, "nine": 9, "dix": 10, "ten": 10, "onze": 11, "eleven": 11,
	"douze": 12, "twelve": 12, "quinze": 15, "fifteen": 15,
	"vingt": 20, "twenty": 20, "trente": 30, "thirty": 30,
	"quelques": 3, "few": 3, "several": 3, "plusieurs": 3,
}

// pastWords follow a unit or count ("le mois dernier", "les trois derniers
// mois"); nextWords follow a unit ("l'année prochaine").
var pastWords = set("dernier", "derniere", "derniers", "dernieres", "passe", "passee",
	"passes", "passees", "precedent", "precedente", "precedents", "precedentes",
	"ecoule", "ecoulee", "ecoules", "ecoulees")

var nextWords = set("prochain", "prochaine", "prochains", "prochaines", "suivant", "suivante")

// strongPreps make a bare year or an ambiguous month a date ("en 2024",
// "in May"); weakPreps only admit mWeak months and are dropped with the phrase.
var strongPreps = set("en", "in", "pendant", "durant", "during", "courant", "pour", "for",
	"over", "throughout", "within", "au", "aux")

var weakPreps = set("de", "du", "des", "of", "on", "at", "dans", "sur")

var articles = set("le", "la", "les", "the", "ces", "ce", "cet", "cette")

// quantities after a number mean it counts something: "2000 puces",
// "en 2025 euros" are not years.
var quantities = set("puce", "puces", "chip", "chips", "gpu", "gpus", "cpu", "cpus", "tpu", "tpus",
	"euro", "euros", "eur", "dollar", "dollars", "usd", "livres", "yuans", "yens",
	"employe", "employes", "employees", "salaries", "personnes", "people", "persons",
	"utilisateurs", "users", "clients", "customers", "abonnes", "subscribers",
	"token", "tokens", "jetons", "parametres", "parameters", "params",
	"modeles", "models", "mots", "words", "pages", "lignes", "lines", "fois", "times",
	"km", "kg", "go", "gb", "mo", "mb", "to", "tb", "w", "kw", "mw", "gw", "watts",
	"heures", "hours", "h", "minutes", "min", "secondes", "seconds", "s", "ms",
	"exemplaires", "copies", "unites", "units", "cartes", "cards", "serveurs", "servers",
	"requetes", "requests", "images", "videos", "articles", "brevets", "patents",
	"startups", "entreprises", "companies", "projets", "projects", "pixels", "px",
	"million", "millions", "milliard", "milliards", "billion", "billions", "k", "m", "md", "mds", "b",
	"points", "pts", "postes", "jobs", "emplois", "licenciements", "layoffs")

// dangling prepositions are removed when they are left just before the phrase.
var dangling = set("en", "in", "de", "du", "d", "des", "during", "pendant", "durant", "depuis",
	"since", "of", "from", "for", "pour", "lors", "courant", "entre", "between", "avant",
	"apres", "after", "before", "until", "au", "aux", "on", "at", "dans", "sur")

// starters are the words that can begin a date expression; Parse skips
// every other word without trying the grammar.
var starters = set("entre", "between", "de", "du", "d", "from", "depuis", "since", "avant",
	"before", "apres", "after", "jusqu", "until", "till", "a", "starting", "prior",
	"hier", "yesterday", "today", "aujourd", "recemment", "recently", "dernierement",
	"lately", "il", "ce", "cet", "cette", "this", "last", "past", "previous", "next",
	"recent", "derniers", "dernieres", "ago", "annee", "year", "l", "des", "of", "on", "at")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

func init() {
	for _, m := range []map[string]bool{weekdays, strongPreps, weakPreps, articles} {
		for w := range m {
			starters[w] = true
		}
	}
	for w := range months {
		starters[w] = true
	}
	for w := range units {
		starters[w] = true
	}
	for w := range seasons {
		starters[w] = true
	}
	for w := range parts {
		starters[w] = true
	}
	for w := range ordinals {
		starters[w] = true
	}
	for w := range counts {
		starters[w] = true
	}
}
