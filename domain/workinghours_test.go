package domain

import (
	"testing"
	"time"
)

func TestParseWorkingHours(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]WorkingHours{
		"09:00-21:00": {540, 1260},
		"00:00-24:00": {0, 1440},
		"07:30-22:15": {450, 1335},
	} {
		got, err := ParseWorkingHours(s)
		if err != nil || got != want || got.String() != s {
			t.Errorf("ParseWorkingHours(%q) = %v (%s), %v; want %v", s, got, got, err, want)
		}
	}
	for _, s := range []string{"", "9-21", "9:00-21:00", "21:00-09:00", "09:00-09:00", "09:00-24:01", "09:60-21:00", "09:00-21:00x", "-1:00-21:00", "09:00 - 21:00"} {
		if _, err := ParseWorkingHours(s); ErrorCode(err) != CodeWorkingHoursInvalid {
			t.Errorf("ParseWorkingHours(%q) = %v, want working_hours_invalid", s, err)
		}
	}
}

// Day-based follow-ups land inside working hours in the club's zone, on
// ordinary and DST days; offsets under a day stay exact.
func TestNextDueWithinWorkingHours(t *testing.T) {
	t.Parallel()
	day := DefaultWorkingHours // 09:00-21:00
	cases := []struct {
		name    string
		zone    string
		hours   WorkingHours
		now     string // RFC 3339 with the zone's offset
		offset  time.Duration
		working bool
		want    string
	}{
		{"00:36 +5 days is 09:00", "Europe/Kyiv", day, "2026-12-02T00:36:00+02:00", 5 * 24 * time.Hour, false, "2026-12-07T09:00:00+02:00"},
		{"inside hours stays", "Europe/Kyiv", day, "2026-12-02T14:10:00+02:00", 24 * time.Hour, false, "2026-12-03T14:10:00+02:00"},
		{"at closing moves to next opening", "Europe/Kyiv", day, "2026-12-02T21:00:00+02:00", 24 * time.Hour, false, "2026-12-04T09:00:00+02:00"},
		{"22:30 +1 day is the day after at 09:00", "Europe/Kyiv", day, "2026-12-02T22:30:00+02:00", 24 * time.Hour, false, "2026-12-04T09:00:00+02:00"},
		{"1d12h landing at 02:00 moves to 09:00", "Europe/Kyiv", day, "2026-12-02T14:00:00+02:00", 36 * time.Hour, false, "2026-12-04T09:00:00+02:00"},
		{"2 hours stay exact at night", "Europe/Kyiv", day, "2026-12-02T23:30:00+02:00", 2 * time.Hour, false, "2026-12-03T01:30:00+02:00"},
		{"30 minutes stay exact", "Europe/Kyiv", day, "2026-12-02T00:36:00+02:00", 30 * time.Minute, false, "2026-12-02T01:06:00+02:00"},
		{"Friday 22:00 +1 working day: Monday after closing, Tuesday 09:00", "Europe/Kyiv", day, "2026-11-27T22:00:00+02:00", 24 * time.Hour, true, "2026-12-01T09:00:00+02:00"},
		{"Thursday 22:00 +1 working day: Friday after closing skips the weekend", "Europe/Kyiv", day, "2026-11-26T22:00:00+02:00", 24 * time.Hour, true, "2026-11-30T09:00:00+02:00"},
		// Kyiv springs forward at 03:00 on 29 March 2026: an opening at
		// 03:30 does not exist that day and is the jump, 04:00 EEST.
		{"opening in the spring-forward gap", "Europe/Kyiv", WorkingHours{210, 1260}, "2026-03-28T01:00:00+02:00", 24 * time.Hour, false, "2026-03-29T04:00:00+03:00"},
		{"spring-forward day, early morning to 09:00 EEST", "Europe/Kyiv", day, "2026-03-28T00:36:00+02:00", 24 * time.Hour, false, "2026-03-29T09:00:00+03:00"},
		// Kyiv falls back at 04:00 on 25 October 2026: 03:30 happens twice;
		// the opening is its first pass (EEST).
		{"opening in the repeated fall-back hour", "Europe/Kyiv", WorkingHours{210, 1260}, "2026-10-24T01:00:00+03:00", 24 * time.Hour, false, "2026-10-25T03:30:00+03:00"},
		{"fall-back day, after closing to next opening", "Europe/Kyiv", day, "2026-10-24T23:00:00+03:00", 24 * time.Hour, false, "2026-10-26T09:00:00+02:00"},
		// Santiago skips midnight on 6 September 2026 (00:00 -04 is 01:00 -03).
		{"santiago: opening at a midnight that does not exist", "America/Santiago", WorkingHours{0, 1320}, "2026-09-05T23:30:00-04:00", 24 * time.Hour, false, "2026-09-07T00:00:00-03:00"},
		{"santiago: day after a skipped midnight", "America/Santiago", WorkingHours{0, 1320}, "2026-09-04T22:30:00-04:00", 24 * time.Hour, false, "2026-09-06T01:00:00-03:00"},
		{"santiago: 00:30 on the skipped-midnight day", "America/Santiago", day, "2026-09-05T00:30:00-04:00", 24 * time.Hour, false, "2026-09-06T09:00:00-03:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoad(t, c.zone)
			now, err := time.Parse(time.RFC3339, c.now)
			if err != nil {
				t.Fatal(err)
			}
			want, err := time.Parse(time.RFC3339, c.want)
			if err != nil {
				t.Fatal(err)
			}
			if got := NextDue(now, c.offset, c.working, c.hours, loc); !got.Equal(want) {
				t.Errorf("NextDue(%s, %s) = %s, want %s", c.now, c.offset, got.In(loc).Format(time.RFC3339), c.want)
			}
		})
	}
}
