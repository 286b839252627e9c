// Package dates finds a date expression in a French or English question,
// without a language model, and returns the range of issue dates it means
// together with the question stripped of it:
//
//	m, ok := dates.Parse("Qu'a annoncé Mistral en janvier 2025 ?", newest)
//	// m.Range = {From: "2025-01", To: "2025-01"}, m.Text = "Qu'a annoncé Mistral ?"
//
// Matching ignores case and accents and accepts typographic apostrophes and
// dashes. Parse returns the expression that starts first; the words before
// it that belong to it ("en", "in", "le", "au cours des", "depuis", "entre")
// are part of Phrase.
//
// # Precision
//
// A bound is "YYYY-MM" when the expression names months or longer periods
// (a month, season, quarter, half, year, "les trois derniers mois") and
// "YYYY-MM-DD" when it names days or weeks (a date, "hier", "la semaine
// dernière", thirds of a month). A month bound covers the whole month, so
// a year is "YYYY-01".."YYYY-12". An open bound is "".
//
// # Resolution
//
// All relative phrases use ref, the archive's newest issue date, as "today".
//
//   - A month, day, season, quarter or half without a year is the most recent
//     one that starts on or before ref: at ref 2025-08-15, "en janvier" is
//     2025-01, "en décembre" 2024-12, "le 1er mars" 2025-03-01, "Q4" 2024-10..12.
//     "le 29 février" goes back to the last leap year.
//   - Thirds: "début"/"early" is days 1–10 of a month or January–April of a
//     year, "mi"/"mid" days 11–20 or May–August, "fin"/"late"/"end of"
//     days 21 to the end or September–December.
//   - Seasons are meteorological: spring March–May, summer June–August,
//     autumn September–November, winter December of the year before to
//     February ("l'hiver 2025" is 2024-12..2025-02). "cet été" is this year's
//     summer; "l'été dernier" is the most recent summer that is already over.
//   - Quarters ("T1", "Q1", "premier trimestre") and halves ("S1", "H1",
//     "premier semestre", "first half") are calendar ones. "le dernier
//     trimestre" or "last quarter" without a year is the quarter before ref's.
//   - "ce/cette …", "this …" is the day, ISO week (Monday–Sunday), month,
//     quarter or year holding ref; "… dernier", "last …", "past …" the one
//     before; "… prochain", "next …" the one after, even though no issue is
//     dated there yet. "il y a N …" and "N … ago" are the period N units
//     back ("il y a deux mois" is 2025-06; "il y a un an" is 2024).
//   - "la semaine du X", "the week of X", X a day, is the ISO week that
//     holds X ("la semaine du 26 mars 2025" is 2025-03-24..30).
//   - Rolling windows end at ref: "les N derniers jours"/"the last N days"
//     is ref-(N-1)..ref; weeks count 7N days; months, quarters and years
//     count whole months including ref's month ("les trois derniers mois"
//     is 2025-06..2025-08). With no N, "ces derniers mois" means 3 months,
//     weeks 3 weeks, days 7 days, years 2 years. "récemment"/"recently" is
//     the last 3 months.
//   - "depuis X"/"since X"/"à partir de X" give From = X's start and an open
//     To; "depuis 3 mois" starts the window of "les 3 derniers mois".
//     "avant X"/"before X" give To = the bound just before X at X's
//     precision ("avant mars 2025" is To 2025-02, "avant le 27 janvier" To
//     01-26); "après X"/"after X" From = the bound just after X;
//     "jusqu'à X"/"until X" To = X's end, and so do the deadlines "by X"
//     and "d'ici X" ("what will OpenAI ship by the end of 2025" asks about
//     news from any time until then), and the targets "pour X"/"for X"
//     when X starts after ref's month ("Que prévoit OpenAI pour la fin de
//     l'année ?" asked in August); "pour 2024" asked in 2025 is 2024.
//   - "entre X et Y", "de X à Y", "from X to Y", "X–Y" span from X's start
//     to Y's end. X may take its year or month from Y ("de novembre à
//     février 2025" is 2024-11..2025-02, "du 3 au 10 mars" 03-03..03-10);
//     reversed ends are swapped. A list, "en 2024 et 2025", "in May or
//     June", is read as the span that holds all of it.
//
// # What is not a date
//
// A four-digit number is a year only if it is 1990–2100 and is preceded by
// a date word (en, in, depuis, since, pendant, during, pour, for, année,
// year, fin, début, entre, …), stands alone ("2024 ?"), or heads the
// question ("2024 : …"). It is never a year when glued to a word or a
// version ("GPT-4", "H20", "R1"), part of a decimal or thousands group
// ("5,6", "2 024", "100 000"), or followed by what it counts ("2000 puces",
// "en 2025 euros"). Day-month dates need a month name or a full numeric
// form, so "le 49.3", "24/7" and "1/3" are not dates. Month words that are
// also ordinary words ("may", "march", "sept", "Mars", "Jan") need a day, a
// year or a date preposition; "été" needs "l'", "en" or "cet" so that
// "a été" is not summer.
//
// # Text
//
// Text is the question without Phrase and without a preposition left
// dangling before it, with white space collapsed. A comma or colon that
// followed an opening phrase is dropped and the first letter is capitalised
// again if the question began with a capital; a pair of commas or
// parentheses around the phrase is removed with it. The final "?" keeps the
// spacing it had (French " ?" or English "?"). Text is "" when only the
// expression and punctuation were left.
package dates
