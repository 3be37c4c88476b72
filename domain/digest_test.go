package domain

import (
	"testing"
	"time"
)

// Walking every minute of a DST day, the digest becomes due exactly once per
// local date (false → true once), at the expected instant.
func TestDigestDueOncePerDay(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		zone string
		date string // local date whose digest we watch
		hour int
		want string // UTC instant it becomes due
	}{
		{"kyiv spring forward 09:00", "Europe/Kyiv", "2026-03-29", 9, "2026-03-29T06:00:00Z"},
		{"kyiv spring forward, skipped 03:00", "Europe/Kyiv", "2026-03-29", 3, "2026-03-29T01:00:00Z"},
		{"kyiv fall back 09:00", "Europe/Kyiv", "2026-10-25", 9, "2026-10-25T07:00:00Z"},
		{"kyiv fall back, repeated 03:00", "Europe/Kyiv", "2026-10-25", 3, "2026-10-25T00:00:00Z"},
		{"new york spring forward 09:00", "America/New_York", "2026-03-08", 9, "2026-03-08T13:00:00Z"},
		{"new york spring forward, skipped 02:00", "America/New_York", "2026-03-08", 2, "2026-03-08T07:00:00Z"},
		{"new york fall back, repeated 01:00", "America/New_York", "2026-11-01", 1, "2026-11-01T05:00:00Z"},
		{"moscow 09:00", "Europe/Moscow", "2026-03-29", 9, "2026-03-29T06:00:00Z"},
		{"moscow midnight", "Europe/Moscow", "2026-10-25", 0, "2026-10-24T21:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoad(t, c.zone)
			d, _ := time.Parse(time.DateOnly, c.date)
			start := LocalTime(d.Year(), d.Month(), d.Day(), 0, 0, loc)
			end := LocalTime(d.Year(), d.Month(), d.Day()+1, 0, 0, loc)
			flips := 0
			var firstDue time.Time
			prev := false
			for now := start; now.Before(end); now = now.Add(time.Minute) {
				due, at := DigestDue(now, loc, c.hour)
				if due && !prev {
					flips++
					firstDue = now
					if !at.Equal(now) {
						t.Errorf("due from %s but at = %s", now, at)
					}
				}
				if !due && prev {
					t.Fatalf("due went back to false at %s", now)
				}
				prev = due
			}
			if flips != 1 {
				t.Fatalf("became due %d times on %s, want 1", flips, c.date)
			}
			if want := utcTime(t, c.want); !firstDue.Equal(want) {
				t.Errorf("due from %s, want %s", firstDue.UTC().Format(time.RFC3339), c.want)
			}
		})
	}
}
