package bot

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestReschedule(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, DueAt: at(2 * time.Hour)})
	if _, err := h.db.TaskReminderSet(context.Background(), h.f.Club.ID, task.ID, h.f.Staff, at(time.Hour)); err != nil {
		t.Fatalf("reminder: %v", err)
	}
	h.openCard(h.staff, "1. Олена Петренко")
	h.tap(h.staff, "📅 Reschedule")
	// Due 14:00 Kyiv; +1 day keeps the wall-clock time.
	h.tap(h.staff, "+1 day (Nov 27, 2026, 2:00 PM)")
	h.expectAnswer("quick reschedule", "New due: Nov 27, 2026, 2:00 PM")
	expect(t, "card", h.lastText(h.staff), "Due: Nov 27, 2026, 2:00 PM", "Reminder: Nov 27, 2026, 1:00 PM")
	h.expectRows("task.rescheduled rows (reminder set, reschedule)", 2, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled' AND (payload->>'task_id')::bigint = $1`, task.ID)

	// Typed: unreadable, in the past, then right.
	h.tap(h.staff, "📅 Reschedule")
	h.tap(h.staff, "Type a date and time")
	expect(t, "prompt", h.lastText(h.staff), "for example 27.11.2026 10:00")
	h.say(h.staff, "next friday")
	expect(t, "unreadable", h.lastText(h.staff), "I can't read that")
	h.say(h.staff, "01.01.2020 10:00")
	expect(t, "past", h.lastText(h.staff), "already passed")
	h.say(h.staff, "30.11.2026 09:30")
	expect(t, "typed", h.lastText(h.staff), "Due date changed.", "Due: Nov 30, 2026, 9:30 AM")
	h.expectRows("typed due not stored in the club's zone", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND due_at = '2026-11-30 07:30:00+00'`, task.ID)
	// A reschedule button of a task closed meanwhile changes nothing.
	_, quick := h.buttonData(h.staff, "📅 Reschedule")
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled' WHERE id = $1`, task.ID)
	h.tapData(h.staff, 0, quick)
	h.expectAnswer("closed task reschedule", h.text("bot.err.task_closed", nil))
	h.tapData(h.staff, 0, data("rq", task.ID, "1d", "-"))
	h.expectAnswer("closed task quick reschedule", h.text("bot.err.task_closed", nil))
	h.tapData(h.staff, 0, data("rq", task.ID, "5y", "-"))
	h.expectAnswer("forged choice", h.text("bot.err.stale", nil))
	h.noUnanswered()
}

// The reschedule menu opens the calendar and the time picker: the new due
// time is picked with taps, in the card's message, and the card comes back
// with Back to the list it was opened from.
func TestRescheduleOnCalendar(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h)) // due tomorrow 12:00 Kyiv
	h.openCard(h.staff, "1. Олена Петренко")
	card := h.last(h.staff).ID
	h.tap(h.staff, "✏️ Edit")
	h.tap(h.staff, "Due date") // the edit menu's "Due date" is the reschedule menu
	h.tap(h.staff, "📅 Pick a date and time…")
	expect(t, "calendar", h.lastText(h.staff), "Due now: Nov 27, 2026, 12:00 PM", "Pick a date")
	if h.hasButton(h.staff, "25") || !h.hasButton(h.staff, "[26]") {
		t.Fatalf("past days are offered, or today is not: %v", h.last(h.staff).Buttons())
	}
	// Back from the calendar: the reschedule menu again.
	h.tap(h.staff, "« Back")
	if !h.hasButton(h.staff, "+1 day (Nov 28, 2026, 12:00 PM)") {
		t.Fatalf("back from the calendar: %q %v", h.lastText(h.staff), h.last(h.staff).Buttons())
	}
	h.tap(h.staff, "📅 Pick a date and time…")
	h.tap(h.staff, "›")
	expect(t, "next month", h.lastText(h.staff), "Pick a date")
	h.tap(h.staff, "3")
	expect(t, "time picker", h.lastText(h.staff), "Dec 3, 2026: pick a time")
	h.tap(h.staff, "18:30")

	h.expectAnswer("saved", "New due: Dec 3, 2026, 6:30 PM")
	last := h.last(h.staff)
	expect(t, "card", last.Text, "New due: Dec 3, 2026, 6:30 PM", "Due: Dec 3, 2026, 6:30 PM")
	if last.ID != card {
		t.Fatalf("the calendar moved to message %d; taps should edit the card's message %d", last.ID, card)
	}
	h.expectRows("due stored in the club's zone", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND due_at = '2026-12-03 16:30:00+00'`, task.ID)
	h.expectRows("task.rescheduled rows", 1, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled' AND (payload->>'task_id')::bigint = $1`, task.ID)
	if n := h.conversationCount(); n != 0 {
		t.Fatalf("%d forms left open", n)
	}
	h.tap(h.staff, "« Back")
	expect(t, "back to the list", h.lastText(h.staff), "My tasks", "1 task", "Dec 3, 2026, 6:30 PM")
	h.noUnanswered()
}

// Bad input on the due calendar changes nothing: a forged past day, a typed
// moment in the past, and a task closed while the calendar was on screen.
func TestRescheduleOnCalendarRefusals(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
	h.tap(h.staff, "📅 Reschedule")
	h.tap(h.staff, "📅 Pick a date and time…")

	h.tapData(h.staff, 0, h.formData("mf", "d", "20261125"))
	h.expectAnswer("a forged day in the past", h.text("forms.stale", nil))
	h.tapData(h.staff, 0, h.formData("mf", "t", "1000"))
	h.expectAnswer("a time before a date", h.text("forms.stale", nil))
	h.say(h.staff, "01.01.2026 10:00")
	expect(t, "typed moment in the past", h.lastText(h.staff), "already passed")
	// Typing is accepted like a tap: a date alone, then the time.
	h.say(h.staff, "28.11.2026")
	expect(t, "typed date", h.form(h.staff).Text, "Nov 28, 2026: pick a time")

	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, task.ID)
	h.tap(h.staff, "10:00")
	expect(t, "closed meanwhile", h.lastText(h.staff), "This task is already closed. Nothing was changed.")
	h.expectRows("due unchanged", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND due_at = $2`, task.ID, *task.DueAt)
	h.expectRows("outbox rows written by refused input", 0, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled'`)
	if n := h.conversationCount(); n != 0 {
		t.Fatalf("%d forms left open", n)
	}
	h.noUnanswered()
}
