package domain

import (
	"testing"
	"time"
)

// TestRepeatNextMonthly: a calendar-month rule falls on its day of every
// month (a day the month lacks is its last day, and the day comes back in
// longer months), or on the last day; at the same local clock time across
// DST, inside working hours; never at or before now; ended by until and
// times like the other rules.
func TestRepeatNextMonthly(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	ny, _ := time.LoadLocation("America/New_York")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	hours := WorkingHours{Open: 9 * 60, Close: 21 * 60}
	on15 := Repeat{MonthDay: 15}
	on31 := Repeat{MonthDay: 31}
	on30 := Repeat{MonthDay: 30}
	last := Repeat{MonthDay: LastDayOfMonth}
	for _, c := range []struct {
		name      string
		rule      Repeat
		prev, now time.Time
		loc       *time.Location
		want      time.Time
	}{
		{"15th to 15th", on15, at(kyiv, 2026, 1, 15, 10, 0), at(kyiv, 2026, 1, 15, 10, 0), kyiv, at(kyiv, 2026, 2, 15, 10, 0)},
		{"first due before the day: the same month", on15, at(kyiv, 2026, 1, 6, 10, 0), at(kyiv, 2026, 1, 6, 10, 0), kyiv, at(kyiv, 2026, 1, 15, 10, 0)},
		{"first due after the day: next month", on15, at(kyiv, 2026, 1, 20, 10, 0), at(kyiv, 2026, 1, 20, 10, 0), kyiv, at(kyiv, 2026, 2, 15, 10, 0)},
		{"across spring DST: same local time", on15, at(kyiv, 2026, 3, 15, 10, 0), at(kyiv, 2026, 3, 15, 10, 0), kyiv, at(kyiv, 2026, 4, 15, 10, 0)},
		{"across autumn DST: same local time", on15, at(kyiv, 2026, 10, 15, 10, 0), at(kyiv, 2026, 10, 15, 10, 0), kyiv, at(kyiv, 2026, 11, 15, 10, 0)},
		{"31st in a 30-day month: its last day", on31, at(kyiv, 2026, 3, 31, 10, 0), at(kyiv, 2026, 3, 31, 10, 0), kyiv, at(kyiv, 2026, 4, 30, 10, 0)},
		{"31st comes back after a 30-day month", on31, at(kyiv, 2026, 4, 30, 10, 0), at(kyiv, 2026, 4, 30, 10, 0), kyiv, at(kyiv, 2026, 5, 31, 10, 0)},
		{"31st in February", on31, at(kyiv, 2026, 1, 31, 10, 0), at(kyiv, 2026, 1, 31, 10, 0), kyiv, at(kyiv, 2026, 2, 28, 10, 0)},
		{"30th in a leap February", on30, at(kyiv, 2028, 1, 30, 10, 0), at(kyiv, 2028, 1, 30, 10, 0), kyiv, at(kyiv, 2028, 2, 29, 10, 0)},
		{"30th comes back in March", on30, at(kyiv, 2026, 2, 28, 10, 0), at(kyiv, 2026, 2, 28, 10, 0), kyiv, at(kyiv, 2026, 3, 30, 10, 0)},
		{"last day: February", last, at(kyiv, 2026, 1, 31, 10, 0), at(kyiv, 2026, 1, 31, 10, 0), kyiv, at(kyiv, 2026, 2, 28, 10, 0)},
		{"last day: 30-day month", last, at(kyiv, 2026, 3, 31, 10, 0), at(kyiv, 2026, 3, 31, 10, 0), kyiv, at(kyiv, 2026, 4, 30, 10, 0)},
		{"last day: first due mid-month", last, at(kyiv, 2026, 4, 3, 10, 0), at(kyiv, 2026, 4, 3, 10, 0), kyiv, at(kyiv, 2026, 4, 30, 10, 0)},
		{"last day over the year's end", last, at(kyiv, 2026, 12, 31, 10, 0), at(kyiv, 2026, 12, 31, 10, 0), kyiv, at(kyiv, 2027, 1, 31, 10, 0)},
		{"closed two months late: the missed slots are skipped", on15, at(kyiv, 2026, 1, 15, 10, 0), at(kyiv, 2026, 3, 20, 12, 0), kyiv, at(kyiv, 2026, 4, 15, 10, 0)},
		{"outside working hours: that day's opening", on15, at(kyiv, 2026, 1, 15, 22, 0), at(kyiv, 2026, 1, 15, 23, 0), kyiv, at(kyiv, 2026, 2, 15, 9, 0)},
		{"New York, 8th across spring forward", Repeat{MonthDay: 8}, at(ny, 2026, 2, 8, 10, 0), at(ny, 2026, 2, 8, 10, 0), ny, at(ny, 2026, 3, 8, 10, 0)},
		{"the zone's date, not UTC's", on15, time.Date(2026, 1, 14, 23, 30, 0, 0, time.UTC), time.Date(2026, 1, 14, 23, 30, 0, 0, time.UTC), kyiv, at(kyiv, 2026, 2, 15, 9, 0)},
	} {
		got, ok := c.rule.Next(c.prev, c.now, 1, hours, c.loc)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%s: %v %v, want %v", c.name, got.In(c.loc), ok, c.want.In(c.loc))
		}
	}
	until := time.Date(2026, 4, 29, 0, 0, 0, 0, time.UTC)
	if _, ok := (Repeat{MonthDay: LastDayOfMonth, Until: &until}).Next(at(kyiv, 2026, 3, 31, 10, 0), at(kyiv, 2026, 3, 31, 10, 0), 1, hours, kyiv); ok {
		t.Error("an occurrence after the end date")
	}
	if _, ok := (Repeat{MonthDay: 15, Times: 2}).Next(at(kyiv, 2026, 3, 15, 10, 0), at(kyiv, 2026, 3, 15, 10, 0), 2, hours, kyiv); ok {
		t.Error("a second occurrence of two has a next one")
	}
	for _, bad := range []Repeat{
		{MonthDay: 32}, {MonthDay: -2}, {MonthDay: 15, EveryDays: 30},
		{MonthDay: 15, Weekdays: map[time.Weekday]bool{time.Monday: true}},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
	for _, good := range []Repeat{{MonthDay: 1}, {MonthDay: 31}, {MonthDay: LastDayOfMonth}} {
		if err := good.Validate(); err != nil {
			t.Errorf("%+v: %v", good, err)
		}
	}
}
