package dates

import "time"

// day is one bound of a range. d == 0 gives month precision (the bound covers
// the whole month); y == 0 marks an open bound.
type day struct{ y, m, d int }

// span is a resolved range; either bound may be open but not both.
type span struct{ from, to day }

// open is the zero day, an open bound.
var open day

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// addMonths moves the month (y, m) by n months.
func addMonths(y, m, n int) (int, int) {
	t := y*12 + m - 1 + n
	ny := t / 12
	if t%12 < 0 {
		ny--
	}
	return ny, t - ny*12 + 1
}

func addDays(d day, n int) day {
	t := time.Date(d.y, time.Month(d.m), d.d+n, 0, 0, 0, 0, time.UTC)
	return day{t.Year(), int(t.Month()), t.Day()}
}

func monthOf(y, m int) day { return day{y, m, 0} }

func monthSpan(y, m int) span { return span{monthOf(y, m), monthOf(y, m)} }

// monthsSpan covers n months starting with (y, m).
func monthsSpan(y, m, n int) span {
	ty, tm := addMonths(y, m, n-1)
	return span{monthOf(y, m), monthOf(ty, tm)}
}

func yearSpan(y int) span { return monthsSpan(y, 1, 12) }

func daySpan(d day) span { return span{d, d} }

// first and last give a bound at day precision.
func (d day) first() day {
	if d.d == 0 {
		return day{d.y, d.m, 1}
	}
	return d
}

func (d day) last() day {
	if d.d == 0 {
		return day{d.y, d.m, daysIn(d.y, d.m)}
	}
	return d
}

// key orders days at day precision.
func (d day) key() int { return (d.y*13+d.m)*32 + d.d }

// before is the bound just before d at d's precision; after the one just after.
func before(d day) day {
	if d.d == 0 {
		return monthOf(addMonths(d.y, d.m, -1))
	}
	return addDays(d, -1)
}

func after(d day) day {
	if d.d == 0 {
		return monthOf(addMonths(d.y, d.m, 1))
	}
	return addDays(d, 1)
}

// hull is the smallest span holding a and b, so that a reversed pair such as
// "entre 2025 et 2023" still gives From ≤ To.
func hull(a, b span) span {
	s := span{a.from, b.to}
	if b.from.first().key() < a.from.first().key() {
		s.from = b.from
	}
	if a.to.last().key() > b.to.last().key() {
		s.to = a.to
	}
	return s
}

func (d day) valid() bool {
	if d.y == 0 {
		return true
	}
	if d.y < 1 || d.y > 9999 || d.m < 1 || d.m > 12 {
		return false
	}
	return d.d == 0 || (d.d >= 1 && d.d <= daysIn(d.y, d.m))
}

func (s span) valid() bool {
	if s.from.y == 0 && s.to.y == 0 || !s.from.valid() || !s.to.valid() {
		return false
	}
	return s.from.y == 0 || s.to.y == 0 || s.from.first().key() <= s.to.last().key()
}

// String formats d as "YYYY-MM", "YYYY-MM-DD" or "" for an open bound.
func (d day) String() string {
	if d.y == 0 {
		return ""
	}
	var b [10]byte
	put(b[0:4], d.y)
	b[4] = '-'
	put(b[5:7], d.m)
	if d.d == 0 {
		return string(b[:7])
	}
	b[7] = '-'
	put(b[8:10], d.d)
	return string(b[:])
}

// put writes n right-aligned in b with leading zeros.
func put(b []byte, n int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

// clock holds the reference date and the periods derived from it.
type clock struct{ ref day }

func (c clock) month() day { return monthOf(c.ref.y, c.ref.m) }

// monday is the first day of the reference date's ISO week.
func (c clock) monday() day {
	t := time.Date(c.ref.y, time.Month(c.ref.m), c.ref.d, 0, 0, 0, 0, time.UTC)
	return addDays(c.ref, -((int(t.Weekday()) + 6) % 7))
}

// weekOf is the ISO week, Monday to Sunday, that holds the day d.
func weekOf(d day) span {
	t := time.Date(d.y, time.Month(d.m), d.d, 0, 0, 0, 0, time.UTC)
	mon := addDays(d, -((int(t.Weekday()) + 6) % 7))
	return span{mon, addDays(mon, 6)}
}

// shift is the period of unit u that is k periods away from the one holding ref
// (k = -1: "last month", 0: "this month", 1: "next month").
func (c clock) shift(u unit, k int) span {
	switch u {
	case uDay:
		return daySpan(addDays(c.ref, k))
	case uWeek:
		mon := addDays(c.monday(), 7*k)
		return span{mon, addDays(mon, 6)}
	case uMonth:
		return monthSpan(addMonths(c.ref.y, c.ref.m, k))
	case uQuarter:
		y, m := addMonths(c.ref.y, c.ref.m-(c.ref.m-1)%3, 3*k)
		return monthsSpan(y, m, 3)
	default:
		return yearSpan(c.ref.y + k)
	}
}

// lastN is the rolling window of n units that ends with ref: days and weeks
// count days back from ref, months, quarters and years count whole months
// including the reference month.
func (c clock) lastN(u unit, n int) span {
	switch u {
	case uDay:
		return span{addDays(c.ref, -(n - 1)), c.ref}
	case uWeek:
		return span{addDays(c.ref, -(7*n - 1)), c.ref}
	}
	months := n
	switch u {
	case uQuarter:
		months *= 3
	case uYear:
		months *= 12
	}
	y, m := addMonths(c.ref.y, c.ref.m, -(months - 1))
	return span{monthOf(y, m), c.month()}
}

// recent returns the year of the most recent period that starts on or
// before the reference month, given the month the period starts in for year
// y as start(y).
func (c clock) recent(start func(y int) day) int {
	ref := c.month().key()
	for y := c.ref.y + 1; ; y-- {
		if start(y).key() <= ref {
			return y
		}
	}
}

// season s (1 spring … 4 winter) of year y, by meteorological seasons; the
// winter of y runs from December y-1 to February y.
func seasonSpan(s, y int) span {
	if s == 4 {
		return monthsSpan(y-1, 12, 3)
	}
	return monthsSpan(y, 3*s, 3)
}

// monthThird is third t (1–3) of a month: days 1–10, 11–20 or 21–end.
func monthThird(y, m, t int) span {
	switch t {
	case 1:
		return span{day{y, m, 1}, day{y, m, 10}}
	case 2:
		return span{day{y, m, 11}, day{y, m, 20}}
	}
	return span{day{y, m, 21}, day{y, m, daysIn(y, m)}}
}

// yearThird is third t (1–3) of a year: January–April, May–August or
// September–December.
func yearThird(y, t int) span { return monthsSpan(y, 4*t-3, 4) }
