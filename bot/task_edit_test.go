package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestEditTitleAndDescription(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
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
	h.expectRows("title not saved", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND title = 'Call about the <b>summer</b> camp'`, task.ID)
	expect(t, "card", h.lastText(h.staff), "✓ Saved.", "Call about the <b>summer</b> camp")
	if prompt := h.tg.Sent(h.staff.ID)[0]; prompt.ID != card || len(prompt.Keyboard) != 0 {
		t.Fatalf("the prompt (message %d) kept its buttons: %v", prompt.ID, prompt.Buttons())
	}
	h.expectRows("the form stayed open", 0, `SELECT count(*) FROM conversations WHERE expires_at > $1`, h.clock.Now())
	// Text after the form ends is not taken as a title.
	h.say(h.staff, "another title?")
	expect(t, "after", h.lastText(h.staff), "Choose a command")

	h.tapData(h.staff, card, data("et", task.ID, "d", "ma.0"))
	h.say(h.staff, strings.Repeat("x", 2001))
	expect(t, "long description", h.lastText(h.staff), "at most 2000")
	h.say(h.staff, "Mother prefers evenings")
	h.expectRows("description not saved", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND description = 'Mother prefers evenings'`, task.ID)
	// Cancel leaves everything as it was.
	h.tapData(h.staff, card, data("et", task.ID, "t", "ma.0"))
	h.tap(h.staff, "Cancel")
	h.say(h.staff, "should not be a title")
	h.expectRows("cancelled edit changed the title", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND title LIKE 'Call about%'`, task.ID)
	// Forged field.
	h.tapData(h.staff, card, data("et", task.ID, "x", "-"))
	h.expectAnswer("forged field", h.text("bot.err.stale", nil))
	h.noUnanswered()
}

// A form survives a restart: the conversation is in PostgreSQL, so a new
// bot instance takes the next message as the answer.
func TestEditSurvivesRestart(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
	h.taps(h.staff, "✏️ Edit", "Title")
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
	h.openCard(h.staff, "1. Олена Петренко")
	h.taps(h.staff, "✏️ Edit", "Title")
	h.clock.Advance(conversationTTL + time.Minute)
	h.say(h.staff, "Too late")
	expect(t, "expired", h.lastText(h.staff), "Choose a command")
	h.expectRows("an expired form changed the title", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND title = 'Template call'`, task.ID)
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
	h.expectAnswer("staff reassign", h.text("bot.err.task_not_yours", nil))

	h.say(h.manager, "/help")
	h.tapData(h.manager, 0, data("tc", task.ID))
	h.taps(h.manager, "✏️ Edit", "Assignee", "Colleague alpha")
	expect(t, "card", h.lastText(h.manager), "Status: New · Colleague alpha")
	if _, assignee, _ := h.taskRow(task.ID); assignee != h.f.Colleague.ID {
		t.Fatalf("assignee %d", assignee)
	}
	h.expectRows("no task.assigned outbox row for the new assignee", 1, `SELECT count(*) FROM outbox WHERE kind = 'task.assigned' AND (payload->>'staff_id')::bigint = $1`, h.f.Colleague.ID)
	// Someone of another club cannot be made the assignee.
	h.tapData(h.manager, 0, data("as", task.ID, other.Staff.ID, "-"))
	h.expectAnswer("other club's staff", h.text("bot.err.not_found", nil))
	// Same assignee again: a stale tap.
	h.tapData(h.manager, 0, data("as", task.ID, h.f.Colleague.ID, "-"))
	h.expectAnswer("same assignee", h.text("bot.err.assignee_unchanged", nil))
	if _, assignee, _ := h.taskRow(task.ID); assignee != h.f.Colleague.ID {
		t.Fatal("a refused reassign changed the assignee")
	}
	h.noUnanswered()
}
