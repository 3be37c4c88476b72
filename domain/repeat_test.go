package domain

import (
	"testing"
	"time"
)

func TestRepeatNext(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	due := time.Date(2026, 3, 23, 10, 0, 0, 0, kyiv) // Monday, a week before DST starts (Mar 29)
	weekly := Repeat{EveryDays: 7}
	next, ok := weekly.Next(due, due, 1, DefaultWorkingHours, kyiv)
	if !ok || !next.Equal(time.Date(2026, 3, 30, 10, 0, 0, 0, kyiv)) {
		t.Errorf("weekly across DST: %v %v, want Mon 30 Mar 10:00 local", next, ok)
	}
	// Closed three weeks late: the missed slots are skipped.
	late := due.AddDate(0, 0, 20)
	if next, _ := weekly.Next(due, late, 1, DefaultWorkingHours, kyiv); !next.Equal(time.Date(2026, 4, 13, 10, 0, 0, 0, kyiv)) {
		t.Errorf("late close: %v", next)
	}
	monThu := Repeat{Weekdays: map[time.Weekday]bool{time.Monday: true, time.Thursday: true}}
	if next, _ := monThu.Next(due, due, 1, DefaultWorkingHours, kyiv); !next.Equal(time.Date(2026, 3, 26, 10, 0, 0, 0, kyiv)) {
		t.Errorf("mon/thu from Monday: %v, want Thursday", next)
	}
	if _, ok := (Repeat{EveryDays: 7, Times: 3}).Next(due, due, 3, DefaultWorkingHours, kyiv); ok {
		t.Error("a third occurrence of three has a next one")
	}
	until := time.Date(2026, 3, 29, 0, 0, 0, 0, kyiv)
	if _, ok := (Repeat{EveryDays: 7, Until: &until}).Next(due, due, 1, DefaultWorkingHours, kyiv); ok {
		t.Error("an occurrence after the end date")
	}
	for _, bad := range []Repeat{{}, {EveryDays: 7, Weekdays: map[time.Weekday]bool{1: true}}, {EveryDays: 400}, {EveryDays: 1, Times: -1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
	if d, err := ParseWeekday("thu"); err != nil || d != time.Thursday {
		t.Errorf("thu: %v %v", d, err)
	}
}

// TestRepeatNextWorkingHours: an occurrence keeps its rule's day and lands
// inside the club's working hours (a slot before opening or at or after
// closing is due at that day's opening), DST days included.
func TestRepeatNextWorkingHours(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	ny, _ := time.LoadLocation("America/New_York")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	nineToNine := WorkingHours{Open: 9 * 60, Close: 21 * 60}
	earlyBird := WorkingHours{Open: 3*60 + 30, Close: 12 * 60} // opens inside Kyiv's skipped hour on 2026-03-29
	mon := Repeat{Weekdays: map[time.Weekday]bool{time.Monday: true}}
	daily := Repeat{EveryDays: 1}
	for _, c := range []struct {
		name      string
		rule      Repeat
		prev, now time.Time
		hours     WorkingHours
		loc       *time.Location
		want      time.Time
	}{
		{"inside stays", Repeat{EveryDays: 7}, at(kyiv, 2026, 3, 23, 10, 0), at(kyiv, 2026, 3, 23, 10, 0), nineToNine, kyiv, at(kyiv, 2026, 3, 30, 10, 0)},
		{"before opening: that day's opening", Repeat{EveryDays: 7}, at(kyiv, 2026, 3, 23, 0, 36), at(kyiv, 2026, 3, 23, 10, 0), nineToNine, kyiv, at(kyiv, 2026, 3, 30, 9, 0)},
		{"after closing: the rule's day, at opening", mon, at(kyiv, 2026, 3, 23, 22, 0), at(kyiv, 2026, 3, 23, 23, 0), nineToNine, kyiv, at(kyiv, 2026, 3, 30, 9, 0)},
		{"at closing is outside", mon, at(kyiv, 2026, 3, 23, 21, 0), at(kyiv, 2026, 3, 23, 21, 30), nineToNine, kyiv, at(kyiv, 2026, 3, 30, 9, 0)},
		{"placed before now: the next slot", daily, at(kyiv, 2026, 3, 23, 22, 0), at(kyiv, 2026, 3, 24, 12, 0), nineToNine, kyiv, at(kyiv, 2026, 3, 25, 9, 0)},
		{"opening in the skipped hour: when the clocks jump", daily, at(kyiv, 2026, 3, 28, 1, 0), at(kyiv, 2026, 3, 28, 1, 0), earlyBird, kyiv, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},
		{"fall back: same local opening", daily, at(kyiv, 2026, 10, 24, 6, 0), at(kyiv, 2026, 10, 24, 6, 0), nineToNine, kyiv, at(kyiv, 2026, 10, 25, 9, 0)},
		{"New York spring forward, opening 02:00 skipped", daily, at(ny, 2026, 3, 7, 1, 30), at(ny, 2026, 3, 7, 12, 0), WorkingHours{Open: 2 * 60, Close: 10 * 60}, ny, time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		{"close at 24:00", daily, at(kyiv, 2026, 3, 23, 23, 30), at(kyiv, 2026, 3, 23, 23, 45), WorkingHours{Open: 8 * 60, Close: 24 * 60}, kyiv, at(kyiv, 2026, 3, 24, 23, 30)},
	} {
		got, ok := c.rule.Next(c.prev, c.now, 1, c.hours, c.loc)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%s: %v %v, want %v", c.name, got.In(c.loc), ok, c.want.In(c.loc))
		}
	}
	// The end date is checked on the placed time: a Monday slot at 22:00
	// placed at 09:00 on the last allowed day is still an occurrence.
	until := time.Date(2026, 3, 30, 0, 0, 0, 0, kyiv)
	if _, ok := (Repeat{Weekdays: mon.Weekdays, Until: &until}).Next(at(kyiv, 2026, 3, 23, 22, 0), at(kyiv, 2026, 3, 23, 23, 0), 1, nineToNine, kyiv); !ok {
		t.Error("the occurrence on the end date was dropped")
	}
}

// TestRepeatNextAfter: an occurrence without a due time counts from now;
// the end date is Kyiv's whole last day, the 25-hour autumn DST day too.
func TestRepeatNextAfter(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	now := time.Date(2026, 3, 23, 10, 0, 0, 0, kyiv)
	if next, ok := (Repeat{EveryDays: 7}).NextAfter(nil, now, 1, DefaultWorkingHours, kyiv); !ok || !next.Equal(now.AddDate(0, 0, 7)) {
		t.Errorf("no due time: %v %v, want a week from now", next, ok)
	}
	// Open until midnight; Kyiv falls back at 04:00 on 25 October 2026.
	late := WorkingHours{Open: 8 * 60, Close: 24 * 60}
	until := time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)
	due := time.Date(2026, 10, 24, 23, 30, 0, 0, kyiv)
	rule := Repeat{EveryDays: 1, Until: &until}
	if next, ok := rule.NextAfter(&due, due, 1, late, kyiv); !ok || !next.Equal(time.Date(2026, 10, 25, 23, 30, 0, 0, kyiv)) {
		t.Errorf("23:30 on the last (DST) day: %v %v", next, ok)
	}
	last := time.Date(2026, 10, 25, 23, 30, 0, 0, kyiv)
	if next, ok := rule.NextAfter(&last, last, 2, late, kyiv); ok {
		t.Errorf("after the last day: %v", next)
	}
}
