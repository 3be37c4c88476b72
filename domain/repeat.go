package domain

import (
	"fmt"
	"time"
)

// Repeat says how a recurring task comes back (a template's repeat rule:
// "order water" every week, "prepare the monthly report" on the last day of
// every month). As
// in Odoo, the next occurrence is created when the previous one is closed,
// so there is never more than one open occurrence, and a task nobody closes
// does not pile up copies.
type Repeat struct {
	EveryDays int                   // every N days (7 = weekly); 0 with Weekdays or MonthDay set
	Weekdays  map[time.Weekday]bool // on these weekdays; empty with EveryDays or MonthDay set
	// MonthDay is a calendar-month rule: on this day of every month, 1..31
	// (a month without it: its last day), or LastDayOfMonth; 0: none.
	MonthDay int
	Until    *time.Time // the last day an occurrence may fall on (its year, month and day, read in the club's zone), nil: no end
	Times    int        // how many occurrences in all, the first included; 0: no limit
}

// LastDayOfMonth is Repeat.MonthDay for "on the last day of every month".
const LastDayOfMonth = -1

// Validate checks the rule.
func (r Repeat) Validate() error {
	rules := 0
	for _, set := range []bool{r.EveryDays != 0, len(r.Weekdays) > 0, r.MonthDay != 0} {
		if set {
			rules++
		}
	}
	switch {
	case r.EveryDays < 0 || r.EveryDays > 366:
		return Invalid(CodeRepeatInvalid, "repeat every must be 1..366 days", nil)
	case r.MonthDay != LastDayOfMonth && (r.MonthDay < 0 || r.MonthDay > 31):
		return Invalid(CodeRepeatInvalid, "repeat monthly must be a day of the month, 1..31, or last", nil)
	case rules == 0:
		return Invalid(CodeRepeatInvalid, "a repeat needs every (days), weekdays or monthly (a day of the month)", nil)
	case rules > 1:
		return Invalid(CodeRepeatInvalid, "a repeat has one of every, weekdays and monthly, not several", nil)
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

// NextAfter is Next for an occurrence due at due (nil: it has no due
// time, and the rule counts from now): when the occurrence after it falls
// due, and false when the rule makes none (its end date or number of
// occurrences is reached). It is the one reading of "does this task repeat
// after this occurrence": closing the task creates what it returns
// (postgres repeatNextTx), and the bot's card says the task repeats only
// when it returns true, so the card never promises an occurrence that
// closing would not create.
func (r Repeat) NextAfter(due *time.Time, now time.Time, occurrence int, hours WorkingHours, loc *time.Location) (time.Time, bool) {
	base := now
	if due != nil {
		base = *due
	}
	return r.Next(base, now, occurrence, hours, loc)
}

func (r Repeat) step(t time.Time) time.Time {
	if r.EveryDays > 0 {
		return t.AddDate(0, 0, r.EveryDays)
	}
	if r.MonthDay != 0 {
		return r.stepMonth(t)
	}
	for i := 1; i <= 7; i++ {
		if n := t.AddDate(0, 0, i); r.Weekdays[n.Weekday()] {
			return n
		}
	}
	return t.AddDate(0, 0, 7) // unreachable with a valid rule
}

// stepMonth is the rule's first day after t's date, in t's location, at
// t's clock time (LocalTime: DST-correct, a time the clocks skip is the
// moment they jump): this month's day if it is still ahead, else next
// month's. A month shorter than the rule's day has it on its last day.
func (r Repeat) stepMonth(t time.Time) time.Time {
	y, m, d := t.Date()
	day := r.dayIn(y, m)
	if day <= d {
		m++
		if m > time.December {
			y, m = y+1, time.January
		}
		day = r.dayIn(y, m)
	}
	return LocalTime(y, m, day, t.Hour(), t.Minute(), t.Location()).In(t.Location())
}

// dayIn is the rule's day in month m of year y.
func (r Repeat) dayIn(y int, m time.Month) int {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if r.MonthDay == LastDayOfMonth || r.MonthDay > last {
		return last
	}
	return r.MonthDay
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
