package report_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/report"
)

// segs writes segments as "from..to" in loc, whole months marked "month".
func segs(loc *time.Location, ss []report.Segment) string {
	var out []string
	for _, s := range ss {
		x := s.From.In(loc).Format("2006-01-02T15:04-07:00") + ".." + s.To.In(loc).Format("2006-01-02T15:04-07:00")
		if s.Month {
			x += " month"
		}
		out = append(out, x)
	}
	return strings.Join(out, "\n")
}

func day(t *testing.T, s string) report.Date {
	t.Helper()
	d, err := report.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSegments(t *testing.T) {
	for _, tc := range []struct {
		name, zone, first, last string
		want                    []string
	}{
		{"months with the clocks going forward and back", "Europe/Kyiv", "2026-02-10", "2026-05-19", []string{
			"2026-02-10T00:00+02:00..2026-03-01T00:00+02:00",
			"2026-03-01T00:00+02:00..2026-04-01T00:00+03:00 month",
			"2026-04-01T00:00+03:00..2026-05-01T00:00+03:00 month",
			"2026-05-01T00:00+03:00..2026-05-20T00:00+03:00",
		}},
		{"exactly one month, 745 hours long", "Europe/Kyiv", "2026-10-01", "2026-10-31", []string{
			"2026-10-01T00:00+03:00..2026-11-01T00:00+02:00 month",
		}},
		{"within one month", "Europe/Kyiv", "2026-03-05", "2026-03-30", []string{
			"2026-03-05T00:00+02:00..2026-03-31T00:00+03:00",
		}},
		{"the last day of a month to the first of the next", "Europe/Kyiv", "2026-01-31", "2026-02-01", []string{
			"2026-01-31T00:00+02:00..2026-02-02T00:00+02:00",
		}},
		{"a month and a half from a first", "Europe/Kyiv", "2026-01-01", "2026-02-14", []string{
			"2026-01-01T00:00+02:00..2026-02-01T00:00+02:00 month",
			"2026-02-01T00:00+02:00..2026-02-15T00:00+02:00",
		}},
		{"from mid-month to a month's end", "Europe/Kyiv", "2026-01-15", "2026-02-28", []string{
			"2026-01-15T00:00+02:00..2026-02-01T00:00+02:00",
			"2026-02-01T00:00+02:00..2026-03-01T00:00+02:00 month",
		}},
		{"a day of 25 hours", "Europe/Kyiv", "2026-10-25", "2026-10-25", []string{
			"2026-10-25T00:00+03:00..2026-10-26T00:00+02:00",
		}},
		{"a quarter-hour zone across mid-months", "Asia/Kathmandu", "2026-06-15", "2026-08-10", []string{
			"2026-06-15T00:00+05:45..2026-07-01T00:00+05:45",
			"2026-07-01T00:00+05:45..2026-08-01T00:00+05:45 month",
			"2026-08-01T00:00+05:45..2026-08-11T00:00+05:45",
		}},
		{"a half-hour zone, a month and a day", "Asia/Kolkata", "2026-04-01", "2026-05-01", []string{
			"2026-04-01T00:00+05:30..2026-05-01T00:00+05:30 month",
			"2026-05-01T00:00+05:30..2026-05-02T00:00+05:30",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoc(t, tc.zone)
			r := report.DayRange(day(t, tc.first), day(t, tc.last), loc)
			got := report.Segments(r, loc)
			if g, w := segs(loc, got), strings.Join(tc.want, "\n"); g != w {
				t.Errorf("Segments(%s..%s):\n%s\nwant\n%s", tc.first, tc.last, g, w)
			}
			checkCover(t, r, got)
		})
	}
}

// checkCover checks that segments are in order and cover r exactly.
func checkCover(t *testing.T, r report.Range, ss []report.Segment) {
	t.Helper()
	at := r.From
	for _, s := range ss {
		if !s.From.Equal(at) || !s.From.Before(s.To) {
			t.Errorf("segment %v..%v does not follow %v", s.From, s.To, at)
		}
		at = s.To
	}
	if !at.Equal(r.To) {
		t.Errorf("segments end at %v, the range at %v", at, r.To)
	}
}

func TestSegmentsOfAYear(t *testing.T) {
	for _, zone := range []string{"Asia/Kathmandu", "Europe/Kyiv", "Asia/Kolkata"} {
		loc := mustLoc(t, zone)
		r := report.PeriodRange(report.PeriodThisYear, time.Date(2026, 5, 5, 12, 0, 0, 0, loc), loc)
		got := report.Segments(r, loc)
		checkCover(t, r, got)
		if len(got) != 12 {
			t.Fatalf("%s: the year is %d segments, want 12 months:\n%s", zone, len(got), segs(loc, got))
		}
		for i, s := range got {
			want := time.Date(2026, time.Month(i+1), 1, 0, 0, 0, 0, loc)
			if !s.Month || !s.From.Equal(want) {
				t.Errorf("%s: segment %d is %s, want the month from %s", zone, i, segs(loc, got[i:i+1]), want)
			}
		}
	}
	// Kathmandu's midnight is 18:15 UTC: on a quarter hour, as report_dirty's bins.
	loc := mustLoc(t, "Asia/Kathmandu")
	if got := report.Segments(report.DayRange(day(t, "2026-01-01"), day(t, "2026-01-31"), loc), loc)[0].From.UTC(); got != time.Date(2025, 12, 31, 18, 15, 0, 0, time.UTC) {
		t.Errorf("January in Kathmandu starts at %s UTC", got)
	}
}

func TestSplitStored(t *testing.T) {
	loc := mustLoc(t, "Europe/Kyiv")
	all := report.Segments(report.DayRange(day(t, "2026-01-15"), day(t, "2026-05-10"), loc), loc)
	month := func(s string) time.Time { return day(t, s).Start(loc) }
	for _, tc := range []struct {
		name   string
		stored []string
		months string
		raw    []string
	}{
		{"none stored: one raw stretch", nil, "", []string{"2026-01-15T00:00+02:00..2026-05-11T00:00+03:00"}},
		{"every month stored", []string{"2026-02-01", "2026-03-01", "2026-04-01"}, "2026-02 2026-03 2026-04", []string{
			"2026-01-15T00:00+02:00..2026-02-01T00:00+02:00",
			"2026-05-01T00:00+03:00..2026-05-11T00:00+03:00",
		}},
		{"one in two: raw stretches apart", []string{"2026-02-01", "2026-04-01"}, "2026-02 2026-04", []string{
			"2026-01-15T00:00+02:00..2026-02-01T00:00+02:00",
			"2026-03-01T00:00+02:00..2026-04-01T00:00+03:00",
			"2026-05-01T00:00+03:00..2026-05-11T00:00+03:00",
		}},
		{"the first only: the rest one raw stretch", []string{"2026-02-01"}, "2026-02", []string{
			"2026-01-15T00:00+02:00..2026-02-01T00:00+02:00",
			"2026-03-01T00:00+02:00..2026-05-11T00:00+03:00",
		}},
		{"the last only: joined to the edge before it", []string{"2026-04-01"}, "2026-04", []string{
			"2026-01-15T00:00+02:00..2026-04-01T00:00+03:00",
			"2026-05-01T00:00+03:00..2026-05-11T00:00+03:00",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored := map[time.Time]bool{}
			for _, s := range tc.stored {
				stored[month(s)] = true
			}
			months, raw := report.SplitStored(all, func(start time.Time) bool { return stored[start] })
			var names []string
			for _, m := range months {
				names = append(names, m.In(loc).Format("2006-01"))
			}
			if g := strings.Join(names, " "); g != tc.months {
				t.Errorf("stored months %q, want %q", g, tc.months)
			}
			if g, w := segs(loc, raw), strings.Join(tc.raw, "\n"); g != w {
				t.Errorf("raw stretches:\n%s\nwant\n%s", g, w)
			}
		})
	}
	// A raw stretch that is not a month never counts as stored.
	asked := 0
	report.SplitStored(all, func(time.Time) bool { asked++; return true })
	if asked != 3 {
		t.Errorf("SplitStored asked about %d segments, want the 3 whole months", asked)
	}
}

func ExampleSegments() {
	loc, _ := time.LoadLocation("Europe/Kyiv")
	r := report.DayRange(report.Date{Year: 2026, Month: 3, Day: 20}, report.Date{Year: 2026, Month: 4, Day: 30}, loc)
	for _, s := range report.Segments(r, loc) {
		fmt.Println(s.From.In(loc).Format("Jan 2 15:04 MST"), "-", s.To.In(loc).Format("Jan 2 15:04 MST"), s.Month)
	}
	// Output:
	// Mar 20 00:00 EET - Apr 1 00:00 EEST false
	// Apr 1 00:00 EEST - May 1 00:00 EEST true
}
