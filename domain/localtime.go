package domain

import "time"

// LocalTime returns the first instant at which the wall clock in loc shows
// the given date and hour:minute, the rule every "at 09:00 club time" in the
// product follows. time.Date leaves the two DST edge cases unspecified (and
// really does pick differently per zone), so they are decided here:
//
//   - a time that occurs twice (fall back: 03:30 in Kyiv on 2026-10-25) is
//     its first occurrence;
//   - a time that does not exist (spring forward: 03:00 in Kyiv on
//     2026-03-29, 02:00 in New York on 2026-03-08) is the moment the clocks
//     jump, the first instant whose wall clock is past it, so an event
//     planned for a skipped hour still happens that day, as early as it can.
func LocalTime(year int, month time.Month, day, hour, min int, loc *time.Location) time.Time {
	wall := time.Date(year, month, day, hour, min, 0, 0, time.UTC)
	// The offsets in force a day and a half either side cover any transition
	// on this date (zones change offset at most a few times a year).
	var best time.Time
	for _, probe := range []time.Time{wall.Add(-36 * time.Hour), wall, wall.Add(36 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		c := wall.Add(-time.Duration(off) * time.Second)
		if sameWall(c.In(loc), wall) && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if !best.IsZero() {
		return best
	}
	// In a gap: under the offset from before the jump the wall time maps to
	// an instant just after it; the zone period holding that instant starts
	// at the jump.
	_, before := wall.Add(-36 * time.Hour).In(loc).Zone()
	c := wall.Add(-time.Duration(before) * time.Second).In(loc)
	start, _ := c.ZoneBounds()
	if start.IsZero() {
		return c
	}
	return start
}

func sameWall(t, wall time.Time) bool {
	y, m, d := t.Date()
	wy, wm, wd := wall.Date()
	return y == wy && m == wm && d == wd && t.Hour() == wall.Hour() && t.Minute() == wall.Minute()
}

// LocalDay returns the bounds [start, end) of now's date in loc: its first
// instant and the next date's. Either midnight may not exist (clocks jump
// from 00:00 to 01:00 in America/Santiago, Africa/Cairo), where time.Date
// can answer with an hour of the neighbouring day; LocalTime starts the date
// at the jump instead.
func LocalDay(now time.Time, loc *time.Location) (start, end time.Time) {
	y, m, d := now.In(loc).Date()
	return LocalTime(y, m, d, 0, 0, loc), LocalTime(y, m, d+1, 0, 0, loc)
}
