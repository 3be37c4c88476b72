package domain

import (
	"fmt"
	"time"
)

// WorkingHours is when a club is open, as local wall-clock minutes since
// midnight: from Open until Close (Close may be 24:00, the end of the day).
// Follow-ups planned a day or more ahead land inside them, so a result
// recorded at 00:36 with "+5 days" does not make a call due at 00:36.
type WorkingHours struct {
	Open  int // minutes since local midnight, 0..1439
	Close int // minutes since local midnight, Open+1..1440
}

// DefaultWorkingHours are 09:00-21:00, for a club whose plan names none.
var DefaultWorkingHours = WorkingHours{Open: 9 * 60, Close: 21 * 60}

// ParseWorkingHours reads "HH:MM-HH:MM" ("09:00-21:00"); closing may be
// "24:00" and must come after opening (a club open past midnight writes
// "24:00": the next day's early hours are outside its working hours).
func ParseWorkingHours(s string) (WorkingHours, error) {
	var oh, om, ch, cm int
	var rest string
	n, _ := fmt.Sscanf(s, "%d:%d-%d:%d%s", &oh, &om, &ch, &cm, &rest)
	w := WorkingHours{Open: oh*60 + om, Close: ch*60 + cm}
	if n != 4 || len(s) != len("09:00-21:00") || om < 0 || om > 59 || cm < 0 || cm > 59 || oh < 0 || ch < 0 || w.Validate() != nil {
		return WorkingHours{}, Invalid(CodeWorkingHoursInvalid,
			fmt.Sprintf("working hours %q must be opening-closing as HH:MM-HH:MM, e.g. \"09:00-21:00\", closing after opening and at most 24:00", s),
			map[string]any{"hours": s})
	}
	return w, nil
}

// Validate checks 0 <= Open < Close <= 24:00.
func (w WorkingHours) Validate() error {
	if w.Open < 0 || w.Open >= w.Close || w.Close > 24*60 {
		return Invalid(CodeWorkingHoursInvalid, fmt.Sprintf("working hours %s: opening must come before closing, within 00:00-24:00", w), nil)
	}
	return nil
}

// String is "09:00-21:00".
func (w WorkingHours) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.Open/60, w.Open%60, w.Close/60, w.Close%60)
}

// Place moves t into working hours in the club's zone loc: a time before
// opening moves to that day's opening, a time at or after closing to the
// next day's opening, a time inside stays as it is. Opening and closing
// are wall-clock times of t's local date, found by LocalTime, so DST days
// are handled as everywhere else: an opening inside a skipped hour is the
// moment the clocks jump, a repeated one its first pass, and a date whose
// midnight does not exist (America/Santiago) still has its opening.
func (w WorkingHours) Place(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	open := LocalTime(y, m, d, w.Open/60, w.Open%60, loc)
	if t.Before(open) {
		return open
	}
	if closing := LocalTime(y, m, d, w.Close/60, w.Close%60, loc); !t.Before(closing) {
		return LocalTime(y, m, d+1, w.Open/60, w.Open%60, loc)
	}
	return t
}

// PlaceOnDay moves t into working hours without leaving its local date in
// loc: a time before opening or at or after closing becomes that day's
// opening (found by LocalTime, so an opening in a skipped hour is the
// moment the clocks jump). Recurring tasks use it: their rule names the
// day ("on Mondays"), so unlike Place it never moves to the next day.
func (w WorkingHours) PlaceOnDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	open := LocalTime(y, m, d, w.Open/60, w.Open%60, loc)
	if t.Before(open) || !t.Before(LocalTime(y, m, d, w.Close/60, w.Close%60, loc)) {
		return open
	}
	return t
}
