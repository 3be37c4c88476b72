package domain

import (
	"fmt"
	"time"
)

// Repeat says how a recurring task comes back (a template's repeat rule:
// "order water" every week, "prepare the monthly report" every 30 days). As
// in Odoo, the next occurrence is created when the previous one is closed,
// so there is never more than one open occurrence, and a task nobody closes
// does not pile up copies.
type Repeat struct {
	EveryDays int                   // every N days (7 = weekly); 0 with Weekdays set
	Weekdays  map[time.Weekday]bool // on these weekdays; empty with EveryDays set
	Until     *time.Time            // the last day an occurrence may fall on (its year, month and day, read in the club's zone), nil: no end
	Times     int                   // how many occurrences in all, the first included; 0: no limit
}

// Validate checks the rule.
func (r Repeat) Validate() error {
	switch {
	case r.EveryDays < 0 || r.EveryDays > 366:
		return Invalid(CodeRepeatInvalid, "repeat every must be 1..366 days", nil)
	case r.EveryDays == 0 && len(r.Weekdays) == 0:
		return Invalid(CodeRepeatInvalid, "a repeat needs every (days) or weekdays", nil)
	case r.EveryDays > 0 && len(r.Weekdays) > 0:
		return Invalid(CodeRepeatInvalid, "a repeat has either every or weekdays, not both", nil)
	case r.Times < 0:
		return Invalid(CodeRepeatInvalid, "repeat times must not be negative", nil)
	}
	return nil
}

// Next returns when the occurrence after one due at prevDue falls due: on
// the rule's next day after prevDue in the club's zone, at the same local
// clock time when that is inside the club's working hours, else at that
// day's opening (hours.PlaceOnDay: the rule plans a day, so a slot at 22:00
// on "Mondays" is due Monday at opening, not Tuesday), DST-correct; never
// at or before now (a late close skips the missed slots). The bool is
// false once the rule's end date or number of occurrences is reached.
// occurrence is the number of the occurrence just closed (the first is 1).
func (r Repeat) Next(prevDue, now time.Time, occurrence int, hours WorkingHours, loc *time.Location) (time.Time, bool) {
	if r.Times > 0 && occurrence >= r.Times {
		return time.Time{}, false
	}
	slot := prevDue.In(loc)
	var next time.Time
	for i := 0; i < 10000; i++ {
		slot = r.step(slot)
		next = hours.PlaceOnDay(slot, loc)
		if next.After(now) {
			break
		}
	}
	if r.Until != nil {
		y, m, d := r.Until.Date()
		if next.In(loc).After(time.Date(y, m, d, 23, 59, 59, 0, loc)) {
			return time.Time{}, false
		}
	}
	return next, true
}

func (r Repeat) step(t time.Time) time.Time {
	if r.EveryDays > 0 {
		return t.AddDate(0, 0, r.EveryDays)
	}
	for i := 1; i <= 7; i++ {
		if n := t.AddDate(0, 0, i); r.Weekdays[n.Weekday()] {
			return n
		}
	}
	return t.AddDate(0, 0, 7) // unreachable with a valid rule
}

// ParseWeekday reads "mon".."sun" (or the full English name).
func ParseWeekday(s string) (time.Weekday, error) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		n := d.String()
		if s == n || len(s) == 3 && s == lower(n[:3]) || s == lower(n) {
			return d, nil
		}
	}
	return 0, Invalid(CodeWeekdayInvalid, fmt.Sprintf("%q is not a weekday (mon, tue, wed, thu, fri, sat, sun)", s), nil)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
