package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestEditTitleAndDescription(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.say(h.staff, "/tasks")
	h.tap(h.staff, "1. Олена Петренко")
	card := h.last(h.staff).ID
	h.tap(h.staff, "✏️ Edit")
	h.tap(h.staff, "Title")
	expect(t, "prompt", h.lastText(h.staff), "Send the new title (at most 200 characters). Now: Template call")

	// Over the limit: refused with the limit, nothing stored, the form waits.
	h.say(h.staff, strings.Repeat("я", 201))
	expect(t, "too long", h.lastText(h.staff), "Too long: 201 characters, at most 200")
	h.say(h.staff, "   ")
	expect(t, "empty", h.lastText(h.staff), "The text is empty")
	h.say(h.staff, "Call about the <b>summer</b> camp")
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM tasks WHERE id = $1 AND title = 'Call about the <b>summer</b> camp'`, task.ID); n != 1 {
		t.Fatal("title not saved")
	}
	expect(t, "card", h.lastText(h.staff), "✓ Saved.", "Call about the <b>summer</b> camp")
	if prompt := h.tg.Sent(h.staff.ID)[0]; prompt.ID != card || len(prompt.Keyboard) != 0 {
		t.Fatalf("the prompt (message %d) kept its buttons: %v", prompt.ID, prompt.Buttons())
	}
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM conversations`); n != 0 {
		t.Fatal("the form stayed open")
	}
	// Text after the form ends is not taken as a title.
	h.say(h.staff, "another title?")
	expect(t, "after", h.lastText(h.staff), "Choose a command")

	h.tapData(h.staff, card, data("et", task.ID, "d", "ma.0"))
	h.say(h.staff, strings.Repeat("x", 2001))
	expect(t, "long description", h.lastText(h.staff), "at most 2000")
	h.say(h.staff, "Mother prefers evenings")
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM tasks WHERE id = $1 AND description = 'Mother prefers evenings'`, task.ID); n != 1 {
		t.Fatal("description not saved")
	}
	// Cancel leaves everything as it was.
	h.tapData(h.staff, card, data("et", task.ID, "t", "ma.0"))
	h.tap(h.staff, "Cancel")
	h.say(h.staff, "should not be a title")
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM tasks WHERE id = $1 AND title LIKE 'Call about%'`, task.ID); n != 1 {
		t.Fatal("cancelled edit changed the title")
	}
	// Forged field.
	h.tapData(h.staff, card, data("et", task.ID, "x", "-"))
	if got := h.lastAnswer(); got != h.text("bot.err.stale", nil) {
		t.Fatalf("forged field answered %q", got)
	}
	h.noUnanswered()
}

// A form survives a restart: the conversation is in PostgreSQL, so a new
// bot instance takes the next message as the answer.
func TestEditSurvivesRestart(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.say(h.staff, "/tasks")
	h.tap(h.staff, "1. Олена Петренко")
	h.tap(h.staff, "✏️ Edit")
	h.tap(h.staff, "Title")
	h.restart()
	h.say(h.staff, "Renamed after a restart")
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM tasks WHERE id = $1 AND title = 'Renamed after a restart'`, task.ID); n != 1 {
		t.Fatalf("the new instance did not continue the form; chat: %q", h.lastText(h.staff))
	}
	expect(t, "card", h.lastText(h.staff), "✓ Saved.")
}

// A form left too long expires: the text is not taken, the old buttons are
// stale, and nothing changes.
func TestEditFormExpires(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.say(h.staff, "/tasks")
	h.tap(h.staff, "1. Олена Петренко")
	h.tap(h.staff, "✏️ Edit")
	h.tap(h.staff, "Title")
	h.clock.advance(conversationTTL + time.Minute)
	h.say(h.staff, "Too late")
	expect(t, "expired", h.lastText(h.staff), "Choose a command")
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM tasks WHERE id = $1 AND title = 'Template call'`, task.ID); n != 1 {
		t.Fatal("an expired form changed the title")
	}
}

func TestReschedule(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, DueAt: at(2 * time.Hour)})
	if _, err := h.db.TaskReminderSet(context.Background(), h.f.Club.ID, task.ID, h.f.Staff, at(time.Hour)); err != nil {
		t.Fatalf("reminder: %v", err)
	}
	h.say(h.staff, "/tasks")
	h.tap(h.staff, "1. Олена Петренко")
	h.tap(h.staff, "📅 Reschedule")
	// Due 14:00 Kyiv; +1 day keeps the wall-clock time.
	h.tap(h.staff, "+1 day (Nov 27, 2026, 2:00 PM)")
	if got := h.lastAnswer(); got != "New due: Nov 27, 2026, 2:00 PM" {
		t.Fatalf("answer %q", got)
	}
	expect(t, "card", h.lastText(h.staff), "Due: Nov 27, 2026, 2:00 PM", "Reminder: Nov 27, 2026, 1:00 PM")
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled' AND (payload->>'task_id')::bigint = $1`, task.ID); n != 2 {
		t.Fatalf("task.rescheduled rows: %d, want 2 (reminder set, reschedule)", n)
	}

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
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM tasks WHERE id = $1 AND due_at = '2026-11-30 07:30:00+00'`, task.ID); n != 1 {
		t.Fatal("typed due not stored in the club's zone")
	}
	// A reschedule button of a task closed meanwhile changes nothing.
	_, quick := h.buttonData(h.staff, "📅 Reschedule")
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled' WHERE id = $1`, task.ID)
	h.tapData(h.staff, 0, quick)
	if got := h.lastAnswer(); got != h.text("bot.err.task_closed", nil) {
		t.Fatalf("closed task reschedule answered %q", got)
	}
	h.tapData(h.staff, 0, data("rq", task.ID, "1d", "-"))
	if got := h.lastAnswer(); got != h.text("bot.err.task_closed", nil) {
		t.Fatalf("closed task quick reschedule answered %q", got)
	}
	h.tapData(h.staff, 0, data("rq", task.ID, "5y", "-"))
	if got := h.lastAnswer(); got != h.text("bot.err.stale", nil) {
		t.Fatalf("forged choice answered %q", got)
	}
	h.noUnanswered()
}

func TestReassign(t *testing.T) {
	t.Parallel()
	h := setup(t)
	other := pgtest.NewClub(t, h.db, "beta")
	task := h.task(postgresInput(h))

	// Staff have no Assignee under Edit, and forged data is refused.
	h.say(h.staff, "/help")
	h.tapData(h.staff, 0, data("tc", task.ID))
	h.tap(h.staff, "✏️ Edit")
	if h.hasButton(h.staff, "Assignee") {
		t.Fatal("staff are offered reassignment")
	}
	h.tapData(h.staff, 0, data("as", task.ID, h.f.Colleague.ID, "-"))
	if got := h.lastAnswer(); got != h.text("bot.err.task_not_yours", nil) {
		t.Fatalf("staff reassign answered %q", got)
	}

	h.say(h.manager, "/help")
	h.tapData(h.manager, 0, data("tc", task.ID))
	h.tap(h.manager, "✏️ Edit")
	h.tap(h.manager, "Assignee")
	h.tap(h.manager, "Colleague alpha")
	expect(t, "card", h.lastText(h.manager), "Status: New · Colleague alpha")
	if _, assignee, _ := h.taskRow(task.ID); assignee != h.f.Colleague.ID {
		t.Fatalf("assignee %d", assignee)
	}
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM outbox WHERE kind = 'task.assigned' AND (payload->>'staff_id')::bigint = $1`, h.f.Colleague.ID); n != 1 {
		t.Fatal("no task.assigned outbox row for the new assignee")
	}
	// Someone of another club cannot be made the assignee.
	h.tapData(h.manager, 0, data("as", task.ID, other.Staff.ID, "-"))
	if got := h.lastAnswer(); got != h.text("bot.err.not_found", nil) {
		t.Fatalf("other club's staff answered %q", got)
	}
	// Same assignee again: a stale tap.
	h.tapData(h.manager, 0, data("as", task.ID, h.f.Colleague.ID, "-"))
	if got := h.lastAnswer(); got != h.text("bot.err.assignee_unchanged", nil) {
		t.Fatalf("same assignee answered %q", got)
	}
	if _, assignee, _ := h.taskRow(task.ID); assignee != h.f.Colleague.ID {
		t.Fatal("a refused reassign changed the assignee")
	}
	h.noUnanswered()
}
