package report

import (
	"fmt"
	"time"

	"github.com/clubcrm/clubcrm/domain"
)

// Period names a reporting window relative to "now" in the club's time zone.
type Period string

// The periods the bot offers. Weeks start on Monday.
const (
	PeriodToday       Period = "today"
	PeriodYesterday   Period = "yesterday"
	PeriodThisWeek    Period = "this_week"
	PeriodLastWeek    Period = "last_week"
	PeriodThisMonth   Period = "this_month"
	PeriodLastMonth   Period = "last_month"
	PeriodThisQuarter Period = "this_quarter"
	PeriodLastQuarter Period = "last_quarter"
	PeriodThisYear    Period = "this_year"
	PeriodLastYear    Period = "last_year"
	PeriodCustom      Period = "custom" // explicit dates: use CustomRange
)

// Periods lists the periods in menu order.
var Periods = []Period{PeriodToday, PeriodYesterday, PeriodThisWeek, PeriodLastWeek, PeriodThisMonth, PeriodLastMonth,
	PeriodThisQuarter, PeriodLastQuarter, PeriodThisYear, PeriodLastYear, PeriodCustom}

// ParsePeriod validates a period name.
func ParsePeriod(s string) (Period, error) {
	for _, p := range Periods {
		if string(p) == s {
			return p, nil
		}
	}
	return "", domain.Invalid(domain.CodePeriodInvalid, fmt.Sprintf("period %q is not one of today, yesterday, this_week, last_week, this_month, last_month, this_quarter, last_quarter, this_year, last_year, custom", s), nil)
}

// Range is a half-open interval of instants [From, To). Both ends are local
// midnights of the club's zone, so a "day" is 23, 24 or 25 hours long
// depending on daylight saving time.
type Range struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Validate checks that the range is not empty or inverted.
func (r Range) Validate() error {
	if r.From.IsZero() || r.To.IsZero() || !r.From.Before(r.To) {
		return domain.Invalid(domain.CodeRangeInvalid, fmt.Sprintf("report range [%s, %s) is empty", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339)), nil)
	}
	return nil
}

// Dates returns the first and the last local date the range covers, for
// headers such as "1–31 March".
func (r Range) Dates(loc *time.Location) (first, last Date) {
	return DateOf(r.From.In(loc)), DateOf(r.To.Add(-time.Nanosecond).In(loc))
}

// Date is a calendar date without a time or zone ("civil date").
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateLayout is how dates are written on the command line and in callbacks.
const DateLayout = "2006-01-02"

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, domain.Invalid(domain.CodeDateInvalid, fmt.Sprintf("date %q is not YYYY-MM-DD", s), map[string]any{"date": s})
	}
	return DateOf(t), nil
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Before reports whether d is an earlier date than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// weekday of the date (the zone does not matter for a calendar date).
func (d Date) weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Start returns the first instant of the date in loc: its local midnight.
// Where a zone skips midnight itself (clocks jump from 23:59:59 to 01:00, as
// in America/Santiago or Asia/Beirut), time.Date may answer with an instant
// of the previous day; the day then starts at the transition instead.
func (d Date) Start(loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	if DateOf(t.In(loc)).Before(d) {
		_, end := t.ZoneBounds()
		if !end.IsZero() {
			t = end
		}
	}
	return t
}

// DayRange returns [first's midnight, the midnight after last) in loc: the
// local dates first..last inclusive.
func DayRange(first, last Date, loc *time.Location) Range {
	return Range{From: first.Start(loc), To: last.AddDays(1).Start(loc)}
}

// PeriodRange returns the range of a relative period at now in the club's
// zone. Weeks run Monday to Sunday; "this week" and "this month" include the
// days still to come (their end is the next week's or month's midnight), so
// the same period asked twice a day gives the same range. PeriodCustom and
// unknown periods give the zero Range, which Range.Validate rejects; custom
// dates go through CustomRange.
func PeriodRange(p Period, now time.Time, loc *time.Location) Range {
	today := DateOf(now.In(loc))
	monday := today.AddDays(-((int(today.weekday()) + 6) % 7))
	firstOfMonth := Date{today.Year, today.Month, 1}
	firstOfQuarter := Date{today.Year, today.Month - (today.Month-1)%3, 1}
	firstOfYear := Date{today.Year, 1, 1}
	switch p {
	case PeriodToday:
		return DayRange(today, today, loc)
	case PeriodYesterday:
		y := today.AddDays(-1)
		return DayRange(y, y, loc)
	case PeriodThisWeek:
		return DayRange(monday, monday.AddDays(6), loc)
	case PeriodLastWeek:
		return DayRange(monday.AddDays(-7), monday.AddDays(-1), loc)
	case PeriodThisMonth:
		return Range{From: firstOfMonth.Start(loc), To: addMonths(firstOfMonth, 1).Start(loc)}
	case PeriodLastMonth:
		return Range{From: addMonths(firstOfMonth, -1).Start(loc), To: firstOfMonth.Start(loc)}
	case PeriodThisQuarter:
		return Range{From: firstOfQuarter.Start(loc), To: addMonths(firstOfQuarter, 3).Start(loc)}
	case PeriodLastQuarter:
		return Range{From: addMonths(firstOfQuarter, -3).Start(loc), To: firstOfQuarter.Start(loc)}
	case PeriodThisYear:
		return Range{From: firstOfYear.Start(loc), To: addMonths(firstOfYear, 12).Start(loc)}
	case PeriodLastYear:
		return Range{From: addMonths(firstOfYear, -12).Start(loc), To: firstOfYear.Start(loc)}
	}
	return Range{}
}

// MaxCustomDays bounds a custom range, so a typo ("2062") cannot ask the
// database for decades.
const MaxCustomDays = 3 * 366

// CustomRange returns the range of the local dates from..to inclusive in loc.
// from after to, or a span over MaxCustomDays, is ErrInvalid.
func CustomRange(from, to Date, loc *time.Location) (Range, error) {
	if to.Before(from) {
		return Range{}, domain.Invalid(domain.CodeRangeInverted, fmt.Sprintf("start date %s is after end date %s", from, to), map[string]any{"from": from.String(), "to": to.String()})
	}
	if !to.Before(from.AddDays(MaxCustomDays)) {
		return Range{}, domain.Invalid(domain.CodeRangeTooLong, fmt.Sprintf("range %s..%s is longer than %d days", from, to, MaxCustomDays), map[string]any{"limit": MaxCustomDays})
	}
	return DayRange(from, to, loc), nil
}

func addMonths(d Date, n int) Date {
	return DateOf(time.Date(d.Year, d.Month+time.Month(n), d.Day, 12, 0, 0, 0, time.UTC))
}

// Previous is the period just before r to compare it with: the same number
// of calendar months when r runs from a first of the month to a first of
// the month (last month for a month, the quarter before for a quarter),
// otherwise the same number of local days.
func (r Range) Previous(loc *time.Location) Range {
	first, last := r.Dates(loc)
	end := last.AddDays(1)
	if first.Day == 1 && end.Day == 1 {
		months := (end.Year-first.Year)*12 + int(end.Month-first.Month)
		return Range{From: addMonths(first, -months).Start(loc), To: first.Start(loc)}
	}
	days := 0
	for d := first; !last.Before(d); d = d.AddDays(1) {
		days++
	}
	return DayRange(first.AddDays(-days), first.AddDays(-1), loc)
}
