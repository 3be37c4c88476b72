package domain

import "time"

// DueClass is where an open task's due time puts it on a given day.
type DueClass int

// Due classes.
const (
	DueLater   DueClass = iota // due after today, or never
	DueToday                   // due later today: from now until the end of the local date
	DueOverdue                 // due before now, whatever its date
)

// DueDay is the one definition of "due today" and "overdue" every notice
// uses (the managers' digest, the mid-day summary, the morning lists): an
// open task is overdue when its due time is before Now, and due today when
// it is at or after Now and before End, the end of Now's local date. The two
// never overlap, so a task due at 08:30 and still open at 09:00 is counted
// once, as overdue, and "due today" is what is still ahead today. The store's
// queries repeat these predicates in SQL (due_at < Now; due_at >= Now AND
// due_at < End).
type DueDay struct {
	Now time.Time
	End time.Time // the first instant of the next local date
}

// DueDayAt is the due day of now in the club's zone loc (DST-correct: End
// is the next date's first instant, see LocalDay).
func DueDayAt(now time.Time, loc *time.Location) DueDay {
	_, end := LocalDay(now, loc)
	return DueDay{Now: now, End: end}
}

// Classify says whether a due time is overdue, due today or later.
func (d DueDay) Classify(due time.Time) DueClass {
	switch {
	case due.Before(d.Now):
		return DueOverdue
	case due.Before(d.End):
		return DueToday
	}
	return DueLater
}
