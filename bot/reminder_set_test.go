package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// remindAt reads a task's reminder straight from PostgreSQL.
func (h *harness) remindAt(taskID int64) *time.Time {
	h.t.Helper()
	var at *time.Time
	if err := h.db.Pool().QueryRow(context.Background(), `SELECT remind_at FROM tasks WHERE id = $1`, taskID).Scan(&at); err != nil {
		h.t.Fatalf("read reminder: %v", err)
	}
	return at
}

func TestReminderPresets(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h)) // due tomorrow at 12:00 Kyiv
	pgtest.Exec(t, h.db, `UPDATE tasks SET reminded_at = now() WHERE id = $1`, task.ID)
	h.openCard(h.staff, "1. Олена Петренко")
	card := h.last(h.staff).ID
	h.tap(h.staff, "⏰ Reminder")
	buttons := strings.Join(h.last(h.staff).Buttons(), " | ")
	expect(t, "choices", buttons, "At the due time | 15 minutes before | 1 hour before | 📅 Pick a date and time…")
	expectNot(t, "a day before is now: not offered", buttons, "1 day before", "No reminder")

	h.tap(h.staff, "1 hour before")
	if at := h.remindAt(task.ID); at == nil || !at.Equal(task.DueAt.Add(-time.Hour)) {
		t.Fatalf("remind_at = %v, want an hour before %v", at, task.DueAt)
	}
	expect(t, "toast", h.lastAnswer(), "Reminder set for Nov 27, 2026, 11:00 AM")
	if last := h.last(h.staff); last.ID != card || !strings.Contains(last.Text, "Reminder") {
		t.Fatalf("the card should be shown again in place: %d %q", last.ID, last.Text)
	}
	h.expectRows("reminded_at not cleared: the new time would never be reminded", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at IS NULL`, task.ID)
	h.expectRows("task.rescheduled rows", 1, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled'`)

	h.tap(h.staff, "⏰ Reminder")
	h.tap(h.staff, "🔕 No reminder")
	if at := h.remindAt(task.ID); at != nil {
		t.Fatalf("reminder not removed: %v", at)
	}
	h.noUnanswered()
}

func TestReminderCustom(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
	h.taps(h.staff, "⏰ Reminder", "📅 Pick a date and time…", "Today")
	expectNot(t, "past times are not offered", strings.Join(h.last(h.staff).Buttons(), " "), "09:00", "12:00")
	h.tap(h.staff, "Type a time…")
	h.say(h.staff, "11:00")
	expect(t, "an hour ago", h.lastText(h.staff), "already passed")
	h.say(h.staff, "18:45")
	expect(t, "done", h.lastText(h.staff), "Reminder set for Nov 26, 2026, 6:45 PM")
	want := time.Date(2026, 11, 26, 16, 45, 0, 0, time.UTC)
	if at := h.remindAt(task.ID); at == nil || !at.Equal(want) {
		t.Fatalf("remind_at = %v, want %v", at, want)
	}
	if h.conversationCount() != 0 {
		t.Fatal("the reminder form is still open")
	}
}

func TestReminderStaleAndForged(t *testing.T) {
	t.Parallel()
	h := setup(t)
	other := pgtest.NewClub(t, h.db, "beta")
	task := h.task(postgresInput(h))
	theirs, err := h.db.TaskCreate(context.Background(), postgres.TaskCreateInput{ClubID: other.Club.ID, TemplateID: other.Templates["internal"], Title: "Theirs"})
	if err != nil {
		t.Fatal(err)
	}
	h.openCard(h.staff, "1. Олена Петренко")
	h.tap(h.staff, "⏰ Reminder")

	h.tapData(h.staff, 0, data("rm", task.ID, "-", "zz"))
	expect(t, "unknown preset", h.lastAnswer(), "out of date")
	h.tapData(h.staff, 0, data("rm", theirs.ID, "-", "1h"))
	expect(t, "another club's task", h.lastAnswer(), "no longer exists")

	// Closed by someone else while the choices were on screen.
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, task.ID)
	h.tap(h.staff, "1 hour before")
	expect(t, "closed meanwhile", h.lastAnswer(), "already closed")
	if at := h.remindAt(task.ID); at != nil {
		t.Fatalf("a stale button set a reminder: %v", at)
	}
	h.expectRows("outbox rows written by stale buttons", 0, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled'`)
	h.noUnanswered()
}

// A reminder set on a card opened from a list (a preset, or on the
// calendar) brings the card back with Back to that list.
func TestReminderReturnsToTheList(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
	h.tap(h.staff, "⏰ Reminder")
	h.tap(h.staff, "1 hour before")
	if !h.hasButton(h.staff, "« Back") {
		t.Fatalf("the card after a preset has no Back: %v", h.last(h.staff).Buttons())
	}
	h.taps(h.staff, "⏰ Reminder", "📅 Pick a date and time…", "Tomorrow", "09:00")
	expect(t, "card", h.lastText(h.staff), "Reminder set for Nov 27, 2026, 9:00 AM", "Reminder: Nov 27, 2026, 9:00 AM")
	want := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	if at := h.remindAt(task.ID); at == nil || !at.Equal(want) {
		t.Fatalf("remind_at = %v, want %v", at, want)
	}
	h.tap(h.staff, "« Back")
	expect(t, "the list again", h.lastText(h.staff), "My tasks", "1 task")
	h.noUnanswered()
}
