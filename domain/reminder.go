package domain

import (
	"fmt"
	"time"
)

// ReminderPreset is one of the reminder times the bot offers for a task with
// a due time. Key is short and callback-safe.
type ReminderPreset struct {
	Key    string
	Before time.Duration // how long before the due time; see ReminderAt for "1d"
}

// Reminder preset keys.
const (
	ReminderAtDue     = "due"
	Reminder15Minutes = "15m"
	ReminderHour      = "1h"
	ReminderDay       = "1d"
)

// ReminderPresets lists the presets in menu order: at the due time, 15
// minutes, an hour and a day before.
var ReminderPresets = []ReminderPreset{
	{Key: ReminderAtDue, Before: 0},
	{Key: Reminder15Minutes, Before: 15 * time.Minute},
	{Key: ReminderHour, Before: time.Hour},
	{Key: ReminderDay, Before: 24 * time.Hour},
}

// ReminderAt returns the reminder time of a preset for a task due at due.
// "A day before" is the same wall-clock time on the previous calendar day in
// due's location, not 24 hours earlier, so across a DST change a 10:00 task
// is still reminded at 10:00 the day before: pass due in the club's zone.
func ReminderAt(due time.Time, preset string) (time.Time, error) {
	if due.IsZero() {
		return time.Time{}, Invalid(CodeReminderNeedsDue, "a reminder preset needs a due time", nil)
	}
	if preset == ReminderDay {
		return due.AddDate(0, 0, -1), nil
	}
	for _, p := range ReminderPresets {
		if p.Key == preset {
			return due.Add(-p.Before), nil
		}
	}
	return time.Time{}, Invalid(CodeReminderPresetInvalid, fmt.Sprintf("reminder preset %q is not one of due, 15m, 1h, 1d", preset), map[string]any{"preset": preset})
}

// Snooze kinds carried by the reminder's buttons ("sz|<task>|<kind>").
const (
	Snooze15Minutes = "15"
	SnoozeHour      = "60"
	SnoozeTomorrow  = "tm"
)

// SnoozeMorningHour is the local hour "tomorrow" snoozes to.
const SnoozeMorningHour = 9

// SnoozeUntil returns when a snoozed reminder fires again: 15 minutes or an
// hour after now, or tomorrow at 09:00 in the club's zone loc (DST-correct:
// the local date after now's, at 09:00 wall-clock time, see LocalTime).
func SnoozeUntil(kind string, now time.Time, loc *time.Location) (time.Time, error) {
	switch kind {
	case Snooze15Minutes:
		return now.Add(15 * time.Minute), nil
	case SnoozeHour:
		return now.Add(time.Hour), nil
	case SnoozeTomorrow:
		if loc == nil {
			return time.Time{}, Invalid(CodeTimeZoneInvalid, "snooze until tomorrow needs the club's time zone", nil)
		}
		y, m, d := now.In(loc).Date()
		return LocalTime(y, m, d+1, SnoozeMorningHour, 0, loc), nil
	}
	return time.Time{}, Invalid(CodeSnoozeInvalid, fmt.Sprintf("snooze %q is not one of 15, 60, tm", kind), map[string]any{"kind": kind})
}

// LateAfter is how long after its time a reminder counts as late: it is then
// sent marked late (the scheduler or the workers were down), so the person
// knows the time in it has passed.
const LateAfter = time.Minute

// ReminderLate reports whether a reminder for remindAt sent at now is late.
func ReminderLate(remindAt, now time.Time) bool { return now.Sub(remindAt) > LateAfter }

// DefaultReminder is the reminder a task gets without anyone setting one:
// its template's reminder offset from the due time, for a task created in
// the bot and for a workflow follow-up alike. It is nil when there is no due
// time or no offset, and nil when the computed time is not after now: a
// reminder nobody asked for must not arrive at once marked late ("it was set
// for 00:29") for a task created at 00:34. A reminder a person sets in the
// past is refused instead (TaskReminderSet), and one a person set earlier is
// moved to now when its task is rescheduled (TaskReschedule): they asked.
func DefaultReminder(due *time.Time, offset *time.Duration, now time.Time) *time.Time {
	if due == nil || offset == nil {
		return nil
	}
	r := due.Add(*offset)
	if !r.After(now) {
		return nil
	}
	return &r
}
