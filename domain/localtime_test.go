package domain

import (
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func utcTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

func TestLocalTime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		zone      string
		date      string
		hour, min int
		want      string // UTC
	}{
		{"ordinary day", "Europe/Kyiv", "2026-03-10", 9, 0, "2026-03-10T07:00:00Z"},
		{"kyiv spring forward, skipped hour", "Europe/Kyiv", "2026-03-29", 3, 0, "2026-03-29T01:00:00Z"},
		{"kyiv spring forward, inside the gap", "Europe/Kyiv", "2026-03-29", 3, 30, "2026-03-29T01:00:00Z"},
		{"kyiv spring forward, after the gap", "Europe/Kyiv", "2026-03-29", 9, 0, "2026-03-29T06:00:00Z"},
		{"kyiv fall back, repeated hour: first pass", "Europe/Kyiv", "2026-10-25", 3, 0, "2026-10-25T00:00:00Z"},
		{"kyiv fall back, repeated half hour", "Europe/Kyiv", "2026-10-25", 3, 30, "2026-10-25T00:30:00Z"},
		{"kyiv fall back, after", "Europe/Kyiv", "2026-10-25", 9, 0, "2026-10-25T07:00:00Z"},
		{"new york spring forward, skipped hour", "America/New_York", "2026-03-08", 2, 0, "2026-03-08T07:00:00Z"},
		{"new york fall back, repeated hour: first pass", "America/New_York", "2026-11-01", 1, 0, "2026-11-01T05:00:00Z"},
		{"new york fall back, after", "America/New_York", "2026-11-01", 9, 0, "2026-11-01T14:00:00Z"},
		{"moscow has no DST", "Europe/Moscow", "2026-03-29", 3, 0, "2026-03-29T00:00:00Z"},
		{"moscow autumn", "Europe/Moscow", "2026-10-25", 3, 0, "2026-10-25T00:00:00Z"},
		{"midnight skipped (Santiago)", "America/Santiago", "2026-09-06", 0, 0, "2026-09-06T04:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoad(t, c.zone)
			d, err := time.Parse(time.DateOnly, c.date)
			if err != nil {
				t.Fatal(err)
			}
			got := LocalTime(d.Year(), d.Month(), d.Day(), c.hour, c.min, loc)
			if want := utcTime(t, c.want); !got.Equal(want) {
				t.Errorf("LocalTime(%s %02d:%02d %s) = %s (%s), want %s", c.date, c.hour, c.min, c.zone, got.UTC().Format(time.RFC3339), got.In(loc), c.want)
			}
		})
	}
}

// Every hour of every day of a year in each zone maps to exactly one instant
// of that local date at or after the hour, and the instants never go back as
// the hour grows (a skipped hour shares its instant with the next one).
func TestLocalTimeWholeYear(t *testing.T) {
	t.Parallel()
	for _, zone := range []string{"Europe/Kyiv", "America/New_York", "Europe/Moscow", "Australia/Lord_Howe", "UTC"} {
		loc := mustLoad(t, zone)
		for day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() == 2026; day = day.AddDate(0, 0, 1) {
			var prev time.Time
			for h := 0; h < 24; h++ {
				got := LocalTime(day.Year(), day.Month(), day.Day(), h, 0, loc)
				y, m, d := got.In(loc).Date()
				if y != day.Year() || m != day.Month() || d != day.Day() {
					t.Fatalf("%s %s %02d:00 → %s, another date", zone, day.Format(time.DateOnly), h, got.In(loc))
				}
				if got.In(loc).Hour() < h {
					t.Fatalf("%s %s %02d:00 → %s, before the hour", zone, day.Format(time.DateOnly), h, got.In(loc))
				}
				if h > 0 && got.Before(prev) {
					t.Fatalf("%s %s: %02d:00 → %s is before %02d:00 → %s", zone, day.Format(time.DateOnly), h, got, h-1, prev)
				}
				prev = got
			}
		}
	}
}

func TestLocalDay(t *testing.T) {
	t.Parallel()
	cases := []struct {
		zone, now, start, end string // now, start and end in UTC
	}{
		{"Europe/Kyiv", "2026-11-26T10:00:00Z", "2026-11-25T22:00:00Z", "2026-11-26T22:00:00Z"},
		// spring forward at 03:00: a 23-hour day
		{"Europe/Kyiv", "2026-03-29T10:00:00Z", "2026-03-28T22:00:00Z", "2026-03-29T21:00:00Z"},
		// midnight skipped (00:00 -04 → 01:00 -03): the day starts at the jump
		{"America/Santiago", "2026-09-06T15:00:00Z", "2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z"},
		// midnight skipped (00:00 +02 → 01:00 +03)
		{"Africa/Cairo", "2026-04-24T09:00:00Z", "2026-04-23T22:00:00Z", "2026-04-24T21:00:00Z"},
		// the day before Cairo's jump ends at it
		{"Africa/Cairo", "2026-04-23T09:00:00Z", "2026-04-22T22:00:00Z", "2026-04-23T22:00:00Z"},
	}
	for _, c := range cases {
		start, end := LocalDay(utcTime(t, c.now), mustLoad(t, c.zone))
		if !start.Equal(utcTime(t, c.start)) || !end.Equal(utcTime(t, c.end)) {
			t.Errorf("%s %s: got [%s, %s), want [%s, %s)", c.zone, c.now, start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), c.start, c.end)
		}
	}
}
