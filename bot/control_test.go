package bot

import (
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestTaskControl(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, DueAt: at(-2 * time.Hour)})
	h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, DueAt: at(2 * time.Hour)})
	done := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Done today", AssigneeID: h.f.Colleague.ID})
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'done', done_at = $2 WHERE id = $1`, done.ID, testNow.Add(-time.Hour))
	loose := h.task(postgres.TaskCreateInput{ClientID: h.f.Clients[1], DueAt: at(-24 * time.Hour)}) // unassigned, overdue
	pgtest.Exec(t, h.db, `UPDATE staff_identities SET unreachable_at = now() WHERE staff_id = $1`, h.f.Colleague.ID)

	h.say(h.manager, "/control")
	text := h.lastText(h.manager)
	expect(t, "summary", text, "Task control",
		"Staff alpha — open 2 · overdue 1 · done today 0",
		"Colleague alpha — open 0 · overdue 0 · done today 1 · 🚫 not reachable",
		"Unassigned: 1, of them overdue: 1")

	// Unassigned list → card → reassign → back to the list, all in one message.
	msg := h.last(h.manager).ID
	h.tap(h.manager, "Unassigned (1)")
	expect(t, "unassigned", h.lastText(h.manager), "Unassigned · 1 task", "Ivan Sirko")
	h.taps(h.manager, "1. Ivan Sirko", "✏️ Edit", "Assignee", "Staff alpha")
	if _, assignee, _ := h.taskRow(loose.ID); assignee != h.f.Staff.ID {
		t.Fatalf("reassigned to %d", assignee)
	}
	h.tap(h.manager, "« Back")
	expect(t, "unassigned after", h.lastText(h.manager), "Unassigned · 0 tasks")
	h.tap(h.manager, "« Back")
	expect(t, "summary after", h.lastText(h.manager), "Staff alpha — open 3 · overdue 2")
	if h.last(h.manager).ID != msg {
		t.Fatal("task control did not stay in one message")
	}
	h.tap(h.manager, "Overdue")
	expect(t, "overdue", h.lastText(h.manager), "Overdue · 2 tasks", "Staff alpha")
	h.tap(h.manager, "« Back")
	h.tap(h.manager, "Staff alpha (3)")
	expect(t, "staff list", h.lastText(h.manager), "Staff alpha · 3 tasks")

	// Staff cannot reach control, not even by forged buttons.
	for _, d := range []string{data("cs"), data("cl", "u", 0), data("cm", h.f.Manager.ID, 0)} {
		h.say(h.staff, "/help")
		h.tapData(h.staff, 0, d)
		if got := h.lastAnswer(); got != h.text("bot.err.managers_only", nil) {
			t.Fatalf("staff %q answered %q", d, got)
		}
	}
	// Another club's staff id shows nothing.
	other := pgtest.NewClub(t, h.db, "beta")
	h.tapData(h.manager, 0, data("cm", other.Staff.ID, 0))
	h.expectAnswer("other club's staff", h.text("bot.err.not_found", nil))
	h.noUnanswered()
}
