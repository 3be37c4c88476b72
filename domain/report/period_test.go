package report_test

import (
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/report"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The expected instants are written out by hand from the tz rules: Kyiv is
// UTC+2 in winter and UTC+3 in summer; in 2026 summer time starts on Sunday
// 29 March (a 23-hour day) and ends on Sunday 25 October (a 25-hour day).
func TestPeriodRange(t *testing.T) {
	t.Parallel()
	kyiv := mustLoc(t, "Europe/Kyiv")
	tests := []struct {
		name     string
		p        report.Period
		now      string // UTC
		loc      *time.Location
		from, to string // UTC
	}{
		{"today winter", report.PeriodToday, "2026-01-15T10:00:00Z", kyiv, "2026-01-14T22:00:00Z", "2026-01-15T22:00:00Z"},
		{"today just after local midnight", report.PeriodToday, "2026-01-14T22:30:00Z", kyiv, "2026-01-14T22:00:00Z", "2026-01-15T22:00:00Z"},
		{"today just before local midnight", report.PeriodToday, "2026-01-14T21:30:00Z", kyiv, "2026-01-13T22:00:00Z", "2026-01-14T22:00:00Z"},
		{"today spring forward is 23h", report.PeriodToday, "2026-03-29T09:00:00Z", kyiv, "2026-03-28T22:00:00Z", "2026-03-29T21:00:00Z"},
		{"today fall back is 25h", report.PeriodToday, "2026-10-25T09:00:00Z", kyiv, "2026-10-24T21:00:00Z", "2026-10-25T22:00:00Z"},
		{"yesterday across spring forward", report.PeriodYesterday, "2026-03-29T21:30:00Z", kyiv, "2026-03-28T22:00:00Z", "2026-03-29T21:00:00Z"},
		{"yesterday on new year", report.PeriodYesterday, "2026-01-01T08:00:00Z", kyiv, "2025-12-30T22:00:00Z", "2025-12-31T22:00:00Z"},
		// 2026-03-29 is a Sunday: the week is Mon 23 .. Sun 29 March, 167 hours.
		{"this week ending on DST Sunday", report.PeriodThisWeek, "2026-03-29T09:00:00Z", kyiv, "2026-03-22T22:00:00Z", "2026-03-29T21:00:00Z"},
		{"this week on a Monday", report.PeriodThisWeek, "2026-03-30T07:00:00Z", kyiv, "2026-03-29T21:00:00Z", "2026-04-05T21:00:00Z"},
		{"last week on a Monday", report.PeriodLastWeek, "2026-03-30T07:00:00Z", kyiv, "2026-03-22T22:00:00Z", "2026-03-29T21:00:00Z"},
		{"this week: Sunday 23:30 local is still the old week", report.PeriodThisWeek, "2026-01-18T21:30:00Z", kyiv, "2026-01-11T22:00:00Z", "2026-01-18T22:00:00Z"},
		{"this month March", report.PeriodThisMonth, "2026-03-15T12:00:00Z", kyiv, "2026-02-28T22:00:00Z", "2026-03-31T21:00:00Z"},
		{"last month February", report.PeriodLastMonth, "2026-03-15T12:00:00Z", kyiv, "2026-01-31T22:00:00Z", "2026-02-28T22:00:00Z"},
		{"last month across a year", report.PeriodLastMonth, "2026-01-10T12:00:00Z", kyiv, "2025-11-30T22:00:00Z", "2025-12-31T22:00:00Z"},
		{"this month October (25h day inside)", report.PeriodThisMonth, "2026-10-31T21:59:00Z", kyiv, "2026-09-30T21:00:00Z", "2026-10-31T22:00:00Z"},
		{"this month at 00:30 on the 1st", report.PeriodThisMonth, "2026-04-30T21:30:00Z", kyiv, "2026-04-30T21:00:00Z", "2026-05-31T21:00:00Z"},
		// Quarters and years: calendar ones, local midnights (Kyiv is UTC+3 in summer).
		{"this quarter in May", report.PeriodThisQuarter, "2026-05-15T12:00:00Z", kyiv, "2026-03-31T21:00:00Z", "2026-06-30T21:00:00Z"},
		{"last quarter in January", report.PeriodLastQuarter, "2026-01-10T12:00:00Z", kyiv, "2025-09-30T21:00:00Z", "2025-12-31T22:00:00Z"},
		{"this year", report.PeriodThisYear, "2026-05-15T12:00:00Z", kyiv, "2025-12-31T22:00:00Z", "2026-12-31T22:00:00Z"},
		{"last year at 00:30 on 1 January", report.PeriodLastYear, "2025-12-31T22:30:00Z", kyiv, "2024-12-31T22:00:00Z", "2025-12-31T22:00:00Z"},
		{"today UTC", report.PeriodToday, "2026-03-29T09:00:00Z", time.UTC, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := report.PeriodRange(tc.p, utc(tc.now), tc.loc)
			if !r.From.Equal(utc(tc.from)) || !r.To.Equal(utc(tc.to)) {
				t.Fatalf("PeriodRange(%s, %s) = [%s, %s), want [%s, %s)", tc.p, tc.now,
					r.From.UTC().Format(time.RFC3339), r.To.UTC().Format(time.RFC3339), tc.from, tc.to)
			}
			if err := r.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestRangePrevious(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	d := func(y int, m time.Month, day int) report.Date { return report.Date{Year: y, Month: m, Day: day} }
	for _, tc := range []struct {
		name               string
		from, to           report.Date
		wantFrom, wantLast report.Date
	}{
		{"March after February (28 days)", d(2026, 3, 1), d(2026, 3, 31), d(2026, 2, 1), d(2026, 2, 28)},
		{"a quarter", d(2026, 4, 1), d(2026, 6, 30), d(2026, 1, 1), d(2026, 3, 31)},
		{"a week", d(2026, 3, 23), d(2026, 3, 29), d(2026, 3, 16), d(2026, 3, 22)},
		{"a day across the new year", d(2026, 1, 1), d(2026, 1, 1), d(2025, 12, 31), d(2025, 12, 31)},
	} {
		r, err := report.CustomRange(tc.from, tc.to, kyiv)
		if err != nil {
			t.Fatal(err)
		}
		first, last := r.Previous(kyiv).Dates(kyiv)
		if first != tc.wantFrom || last != tc.wantLast {
			t.Errorf("%s: previous = %s..%s, want %s..%s", tc.name, first, last, tc.wantFrom, tc.wantLast)
		}
	}
}

func TestPeriodRangeDayLengths(t *testing.T) {
	t.Parallel()
	kyiv := mustLoc(t, "Europe/Kyiv")
	for now, want := range map[string]time.Duration{
		"2026-03-29T12:00:00Z": 23 * time.Hour,
		"2026-10-25T12:00:00Z": 25 * time.Hour,
		"2026-06-10T12:00:00Z": 24 * time.Hour,
	} {
		r := report.PeriodRange(report.PeriodToday, utc(now), kyiv)
		if got := r.To.Sub(r.From); got != want {
			t.Errorf("day of %s lasts %s, want %s", now, got, want)
		}
	}
}

func TestPeriodRangeCustomAndUnknown(t *testing.T) {
	t.Parallel()
	for _, p := range []report.Period{report.PeriodCustom, "fortnight", ""} {
		r := report.PeriodRange(p, utc("2026-03-29T12:00:00Z"), time.UTC)
		if r != (report.Range{}) {
			t.Errorf("PeriodRange(%q) = %v, want the zero range", p, r)
		}
		if err := r.Validate(); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("zero range Validate = %v, want ErrInvalid", err)
		}
	}
}

// America/Santiago skipped midnight on 2024-09-08 (00:00 → 01:00, UTC-4 →
// UTC-3): that day starts at 01:00 local, 04:00 UTC, and lasts 23 hours.
func TestDateStartWhenMidnightIsSkipped(t *testing.T) {
	t.Parallel()
	scl := mustLoc(t, "America/Santiago")
	d := report.Date{Year: 2024, Month: time.September, Day: 8}
	if got, want := d.Start(scl), utc("2024-09-08T04:00:00Z"); !got.Equal(want) {
		t.Fatalf("start of %s in Santiago = %s, want %s", d, got.UTC(), want)
	}
	r := report.DayRange(d, d, scl)
	if got := r.To.Sub(r.From); got != 23*time.Hour {
		t.Fatalf("%s lasts %s in Santiago, want 23h", d, got)
	}
	prev := report.DayRange(d.AddDays(-1), d.AddDays(-1), scl)
	if !prev.To.Equal(r.From) || prev.To.Sub(prev.From) != 24*time.Hour {
		t.Fatalf("previous day = [%s, %s), want 24h ending at %s", prev.From.UTC(), prev.To.UTC(), r.From.UTC())
	}
}

func TestCustomRange(t *testing.T) {
	t.Parallel()
	kyiv := mustLoc(t, "Europe/Kyiv")
	d := func(s string) report.Date {
		x, err := report.ParseDate(s)
		if err != nil {
			t.Fatalf("ParseDate(%q): %v", s, err)
		}
		return x
	}
	r, err := report.CustomRange(d("2026-03-01"), d("2026-03-31"), kyiv)
	if err != nil {
		t.Fatalf("CustomRange: %v", err)
	}
	if !r.From.Equal(utc("2026-02-28T22:00:00Z")) || !r.To.Equal(utc("2026-03-31T21:00:00Z")) {
		t.Fatalf("March = [%s, %s)", r.From.UTC(), r.To.UTC())
	}
	first, last := r.Dates(kyiv)
	if first.String() != "2026-03-01" || last.String() != "2026-03-31" {
		t.Fatalf("Dates = %s..%s, want 2026-03-01..2026-03-31", first, last)
	}
	one, err := report.CustomRange(d("2026-10-25"), d("2026-10-25"), kyiv)
	if err != nil || one.To.Sub(one.From) != 25*time.Hour {
		t.Fatalf("one DST day = %v, %v; want 25h", one, err)
	}

	if _, err := report.CustomRange(d("2026-03-02"), d("2026-03-01"), kyiv); domain.ErrorCode(err) != domain.CodeRangeInverted {
		t.Fatalf("inverted range error = %v, want range_inverted", err)
	}
	if _, err := report.CustomRange(d("2020-01-01"), d("2026-01-01"), kyiv); domain.ErrorCode(err) != domain.CodeRangeTooLong {
		t.Fatalf("six-year range error = %v, want range_too_long", err)
	}
	for _, bad := range []string{"", "2026-02-30", "2026-13-01", "01.03.2026", "2026-3-1", "2026-03-01T00:00"} {
		if _, err := report.ParseDate(bad); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("ParseDate(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestParsePeriodAndFilter(t *testing.T) {
	t.Parallel()
	for _, p := range report.Periods {
		if got, err := report.ParsePeriod(string(p)); err != nil || got != p {
			t.Errorf("ParsePeriod(%q) = %q, %v", p, got, err)
		}
	}
	if _, err := report.ParsePeriod("week"); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("ParsePeriod(week) error = %v, want ErrInvalid", err)
	}
	bad := []report.Filter{{StaffID: -1}, {TemplateID: -5}, {Type: "meeting"}}
	for _, f := range bad {
		if err := f.Validate(); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Filter%+v.Validate = %v, want ErrInvalid", f, err)
		}
	}
	if err := (report.Filter{StaffID: 3, TemplateID: 4, Type: domain.TypeClientTask}).Validate(); err != nil {
		t.Errorf("good filter: %v", err)
	}
}
