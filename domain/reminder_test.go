package domain

import (
	"errors"
	"testing"
	"time"
)

func TestReminderAt(t *testing.T) {
	t.Parallel()
	kyiv := mustLoad(t, "Europe/Kyiv")
	due := time.Date(2026, 3, 29, 10, 0, 0, 0, kyiv) // spring forward was at 03:00 that night
	cases := []struct {
		preset string
		want   time.Time
	}{
		{ReminderAtDue, due},
		{Reminder15Minutes, due.Add(-15 * time.Minute)},
		{ReminderHour, due.Add(-time.Hour)},
		// a day before is 10:00 on the 28th local, 23 hours earlier across the change
		{ReminderDay, time.Date(2026, 3, 28, 10, 0, 0, 0, kyiv)},
	}
	for _, c := range cases {
		got, err := ReminderAt(due, c.preset)
		if err != nil {
			t.Fatalf("ReminderAt(%s): %v", c.preset, err)
		}
		if !got.Equal(c.want) {
			t.Errorf("ReminderAt(%s) = %s, want %s", c.preset, got, c.want)
		}
	}
	if d := due.Sub(mustReminderAt(t, due, ReminderDay)); d != 23*time.Hour {
		t.Errorf("a day before across spring forward is %s, want 23h", d)
	}
	if len(ReminderPresets) != 4 {
		t.Errorf("%d presets, want 4", len(ReminderPresets))
	}
	for _, p := range ReminderPresets {
		if _, err := ReminderAt(due, p.Key); err != nil {
			t.Errorf("preset %s: %v", p.Key, err)
		}
	}
}

func mustReminderAt(t *testing.T, due time.Time, preset string) time.Time {
	t.Helper()
	r, err := ReminderAt(due, preset)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReminderAtBadInput(t *testing.T) {
	t.Parallel()
	for _, preset := range []string{"", "2h", "DUE", "due ", "1d|x"} {
		if _, err := ReminderAt(time.Now(), preset); !errors.Is(err, ErrInvalid) || ErrorCode(err) != CodeReminderPresetInvalid {
			t.Errorf("ReminderAt(%q) error = %v, want reminder_preset_invalid", preset, err)
		}
	}
	if _, err := ReminderAt(time.Time{}, ReminderAtDue); ErrorCode(err) != CodeReminderNeedsDue {
		t.Errorf("zero due: error = %v, want reminder_needs_due", err)
	}
}

func TestSnoozeUntil(t *testing.T) {
	t.Parallel()
	kyiv := mustLoad(t, "Europe/Kyiv")
	ny := mustLoad(t, "America/New_York")
	cases := []struct {
		name string
		kind string
		now  string
		loc  *time.Location
		want string
	}{
		{"15 minutes", Snooze15Minutes, "2026-05-04T10:00:00Z", kyiv, "2026-05-04T10:15:00Z"},
		{"an hour", SnoozeHour, "2026-05-04T10:00:00Z", kyiv, "2026-05-04T11:00:00Z"},
		{"tomorrow, ordinary", SnoozeTomorrow, "2026-05-04T10:00:00Z", kyiv, "2026-05-05T06:00:00Z"},
		// 23:30 UTC on the 4th is already the 5th in Kyiv: tomorrow is the 6th
		{"tomorrow, late evening local", SnoozeTomorrow, "2026-05-04T23:30:00Z", kyiv, "2026-05-06T06:00:00Z"},
		// Saturday 28 March 12:00 EET → Sunday 29 March 09:00 EEST (UTC+3)
		{"tomorrow is spring forward", SnoozeTomorrow, "2026-03-28T10:00:00Z", kyiv, "2026-03-29T06:00:00Z"},
		// Saturday 24 October EEST → Sunday 25 October 09:00 EET (UTC+2)
		{"tomorrow is fall back", SnoozeTomorrow, "2026-10-24T10:00:00Z", kyiv, "2026-10-25T07:00:00Z"},
		{"new york fall back", SnoozeTomorrow, "2026-10-31T20:00:00Z", ny, "2026-11-01T14:00:00Z"},
		{"early morning: tomorrow, not today", SnoozeTomorrow, "2026-05-04T03:00:00Z", kyiv, "2026-05-05T06:00:00Z"},
	}
	for _, c := range cases {
		got, err := SnoozeUntil(c.kind, utcTime(t, c.now), c.loc)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if want := utcTime(t, c.want); !got.Equal(want) {
			t.Errorf("%s: SnoozeUntil(%s, %s) = %s, want %s", c.name, c.kind, c.now, got.UTC().Format(time.RFC3339), c.want)
		}
	}
}

func TestSnoozeUntilBadInput(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	for _, kind := range []string{"", "0", "-15", "30", "tomorrow", "TM", "15|1"} {
		if _, err := SnoozeUntil(kind, now, time.UTC); !errors.Is(err, ErrInvalid) {
			t.Errorf("SnoozeUntil(%q) error = %v, want ErrInvalid", kind, err)
		}
	}
	if _, err := SnoozeUntil(SnoozeTomorrow, now, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("tomorrow without a zone: error = %v, want ErrInvalid", err)
	}
}

func TestReminderLate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		after time.Duration
		late  bool
	}{{0, false}, {5 * time.Second, false}, {LateAfter, false}, {LateAfter + time.Second, true}, {time.Hour, true}} {
		if got := ReminderLate(at, at.Add(c.after)); got != c.late {
			t.Errorf("ReminderLate(+%s) = %v, want %v", c.after, got, c.late)
		}
	}
}

// A template's reminder is dropped when it would fall before the task
// exists, and kept when it is still ahead.
func TestDefaultReminder(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 22, 34, 0, 0, time.UTC) // 00:34 in Kyiv
	dur := func(d time.Duration) *time.Duration { return &d }
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	cases := []struct {
		name   string
		due    *time.Time
		offset *time.Duration
		want   *time.Time
	}{
		{"due in 10 min, remind 15 min before: in the past, dropped", at(10 * time.Minute), dur(-15 * time.Minute), nil},
		{"exactly now: dropped", at(15 * time.Minute), dur(-15 * time.Minute), nil},
		{"still ahead: kept", at(20 * time.Minute), dur(-15 * time.Minute), at(5 * time.Minute)},
		{"after due: kept", at(time.Hour), dur(30 * time.Minute), at(90 * time.Minute)},
		{"no offset", at(time.Hour), nil, nil},
		{"no due", nil, dur(-15 * time.Minute), nil},
	}
	for _, c := range cases {
		got := DefaultReminder(c.due, c.offset, now)
		if (got == nil) != (c.want == nil) || (got != nil && !got.Equal(*c.want)) {
			t.Errorf("%s: DefaultReminder = %v, want %v", c.name, got, c.want)
		}
	}
}
