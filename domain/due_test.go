package domain

import (
	"testing"
	"time"
)

// "Due today" and "overdue" split the open tasks due before tonight without
// overlap, on ordinary and DST days.
func TestDueDayClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, zone, now, due string
		want                 DueClass
	}{
		{"earlier today is overdue, not due today", "Europe/Kyiv", "2026-11-26T07:00:00Z", "2026-11-26T06:30:00Z", DueOverdue},
		{"yesterday is overdue", "Europe/Kyiv", "2026-11-26T07:00:00Z", "2026-11-25T13:00:00Z", DueOverdue},
		{"right now is due today", "Europe/Kyiv", "2026-11-26T07:00:00Z", "2026-11-26T07:00:00Z", DueToday},
		{"tonight 23:59 is due today", "Europe/Kyiv", "2026-11-26T07:00:00Z", "2026-11-26T21:59:00Z", DueToday},
		{"local midnight is tomorrow", "Europe/Kyiv", "2026-11-26T07:00:00Z", "2026-11-26T22:00:00Z", DueLater},
		// 29 March 2026 in Kyiv has 23 hours: it ends at 21:00 UTC.
		{"spring-forward day, 23:30 EEST", "Europe/Kyiv", "2026-03-29T06:00:00Z", "2026-03-29T20:30:00Z", DueToday},
		{"spring-forward day, next date", "Europe/Kyiv", "2026-03-29T06:00:00Z", "2026-03-29T21:00:00Z", DueLater},
		// 6 September 2026 in Santiago starts at 01:00 (midnight is skipped)
		// and ends at the next midnight, 03:00 UTC.
		{"santiago, end of the short day", "America/Santiago", "2026-09-06T15:00:00Z", "2026-09-07T02:59:00Z", DueToday},
		{"santiago, next date", "America/Santiago", "2026-09-06T15:00:00Z", "2026-09-07T03:00:00Z", DueLater},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoad(t, c.zone)
			now, _ := time.Parse(time.RFC3339, c.now)
			due, _ := time.Parse(time.RFC3339, c.due)
			if got := DueDayAt(now, loc).Classify(due); got != c.want {
				t.Errorf("Classify(%s) at %s = %d, want %d", c.due, c.now, got, c.want)
			}
		})
	}
}
