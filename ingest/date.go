package ingest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ParseDate validates a date written YYYY-MM or YYYY-MM-DD and returns it in
// that canonical form. It also accepts "/" or "." as separator and one-digit
// months and days, always year first: "2025/2/3" gives "2025-02-03". The
// month and day must exist ("2025-02-30" does not). Errors wrap [ErrBadDate].
func ParseDate(s string) (string, error) {
	t := strings.TrimSpace(s)
	sep := strings.IndexAny(t, "-/.")
	if sep < 0 {
		return "", fmt.Errorf("%w %s: want YYYY-MM or YYYY-MM-DD", ErrBadDate, quoteShort(s))
	}
	parts := strings.Split(t, t[sep:sep+1])
	if len(parts) > 3 || len(parts[0]) != 4 {
		return "", fmt.Errorf("%w %s: want YYYY-MM or YYYY-MM-DD", ErrBadDate, quoteShort(s))
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || (i > 0 && len(p) > 2) || p[0] == '+' {
			return "", fmt.Errorf("%w %s: want YYYY-MM or YYYY-MM-DD", ErrBadDate, quoteShort(s))
		}
		n[i] = v
	}
	year, month, day := n[0], n[1], n[2]
	if year < 1 {
		return "", fmt.Errorf("%w %s: year 0", ErrBadDate, quoteShort(s))
	}
	if month < 1 || month > 12 {
		return "", fmt.Errorf("%w %s: no month %d", ErrBadDate, quoteShort(s), month)
	}
	if len(parts) == 2 {
		return fmt.Sprintf("%04d-%02d", year, month), nil
	}
	// Day 0 of the next month is the last day of this one.
	if last := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day(); day < 1 || day > last {
		return "", fmt.Errorf("%w %s: no day %d in %04d-%02d", ErrBadDate, quoteShort(s), day, year, month)
	}
	return fmt.Sprintf("%04d-%02d-%02d", year, month, day), nil
}

// monthNumbers maps folded French and English month names to their number.
var monthNumbers = map[string]int{
	"janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
	"juillet": 7, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
	"july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}

var (
	isoDateRE = regexp.MustCompile(`\b\d{4}-\d{1,2}(?:-\d{1,2})?\b`)
	dmyDateRE = regexp.MustCompile(`\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b`)
)

// findDate looks for a valid date in free text such as a title: 2025-02-10,
// 10/02/2025 (day first, the French way), "10 février 2025" or
// "février 2025". It returns "" when there is none.
func findDate(s string) string {
	for _, m := range isoDateRE.FindAllString(s, -1) {
		if d, err := ParseDate(m); err == nil {
			return d
		}
	}
	for _, m := range dmyDateRE.FindAllStringSubmatch(s, -1) {
		if d, err := ParseDate(m[3] + "-" + m[2] + "-" + m[1]); err == nil {
			return d
		}
	}
	w := foldWords(s)
	for i := 0; i+1 < len(w); i++ {
		month, ok := monthNumbers[w[i]]
		if !ok || len(w[i+1]) != 4 {
			continue
		}
		ym := w[i+1] + "-" + strconv.Itoa(month)
		if i > 0 {
			day := w[i-1]
			if day == "1er" {
				day = "1"
			}
			if d, err := ParseDate(ym + "-" + day); err == nil {
				return d
			}
		}
		if d, err := ParseDate(ym); err == nil {
			return d
		}
	}
	return ""
}
