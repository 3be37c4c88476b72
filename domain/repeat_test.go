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
	next, ok := weekly.Next(due, due, 1, kyiv)
	if !ok || !next.Equal(time.Date(2026, 3, 30, 10, 0, 0, 0, kyiv)) {
		t.Errorf("weekly across DST: %v %v, want Mon 30 Mar 10:00 local", next, ok)
	}
	// Closed three weeks late: the missed slots are skipped.
	late := due.AddDate(0, 0, 20)
	if next, _ := weekly.Next(due, late, 1, kyiv); !next.Equal(time.Date(2026, 4, 13, 10, 0, 0, 0, kyiv)) {
		t.Errorf("late close: %v", next)
	}
	monThu := Repeat{Weekdays: map[time.Weekday]bool{time.Monday: true, time.Thursday: true}}
	if next, _ := monThu.Next(due, due, 1, kyiv); !next.Equal(time.Date(2026, 3, 26, 10, 0, 0, 0, kyiv)) {
		t.Errorf("mon/thu from Monday: %v, want Thursday", next)
	}
	if _, ok := (Repeat{EveryDays: 7, Times: 3}).Next(due, due, 3, kyiv); ok {
		t.Error("a third occurrence of three has a next one")
	}
	until := time.Date(2026, 3, 29, 0, 0, 0, 0, kyiv)
	if _, ok := (Repeat{EveryDays: 7, Until: &until}).Next(due, due, 1, kyiv); ok {
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
