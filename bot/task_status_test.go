package bot

import (
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

func TestStatusChanges(t *testing.T) {
	t.Parallel()
	h := setup(t)
	internal := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Buy stationery",
		AuthorID: h.f.Staff.ID, AssigneeID: h.f.Staff.ID, DueAt: at(0)})
	call := h.task(postgresInput(h))

	// An internal task closes with "Done" straight from the card.
	h.openCard(h.staff, "1. Buy stationery")
	msg := h.last(h.staff).ID
	h.tap(h.staff, "Status")
	expect(t, "status menu", h.lastText(h.staff), "Now: New. Change to:")
	if !h.hasButton(h.staff, "In progress") || !h.hasButton(h.staff, "Cancel the task") || h.hasButton(h.staff, "Reopen") {
		t.Fatalf("status menu of a new task: %v", h.last(h.staff).Buttons())
	}
	h.tap(h.staff, "In progress")
	expect(t, "in progress", h.lastText(h.staff), "Status: In progress")
	h.tap(h.staff, "✅ Done")
	expect(t, "done", h.lastText(h.staff), "Status: Done")
	if h.last(h.staff).ID != msg {
		t.Fatal("status changes did not edit the card")
	}
	if status, _, _ := h.taskRow(internal.ID); status != "done" {
		t.Fatalf("internal task is %s", status)
	}
	h.expectRows("a done task stayed current", 0, `SELECT count(*) FROM staff WHERE id = $1 AND current_task_id IS NOT NULL`, h.f.Staff.ID)
	// Staff cannot reopen; the closed card's status button is not there.
	if h.hasButton(h.staff, "Status") {
		t.Fatal("staff are offered status changes on a closed task")
	}
	h.tapData(h.staff, 0, data("ss", internal.ID, "in_progress", "-"))
	h.expectAnswer("staff reopen", h.text("bot.err.reopen_managers_only", nil))

	// A client task cannot be closed without a result.
	h.tapData(h.staff, 0, data("ss", call.ID, "done", "-"))
	h.expectAnswer("closing a call", h.text("bot.err.result_required", nil))
	if status, _, _ := h.taskRow(call.ID); status != "new" {
		t.Fatalf("call became %s", status)
	}

	// The manager reopens the internal task and cancels the call.
	h.say(h.manager, "/help")
	h.tapData(h.manager, 0, data("tc", internal.ID))
	h.tap(h.manager, "Status")
	h.tap(h.manager, "Reopen")
	if status, _, _ := h.taskRow(internal.ID); status != "in_progress" {
		t.Fatalf("reopened task is %s", status)
	}
	h.expectRows("reopen kept done_at", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND done_at IS NULL`, internal.ID)
	h.tapData(h.manager, 0, data("ss", call.ID, "cancelled", "-"))
	if status, _, _ := h.taskRow(call.ID); status != "cancelled" {
		t.Fatalf("cancelled call is %s", status)
	}
	// A stale "Cancel" on the now cancelled call changes nothing.
	h.tapData(h.staff, 0, data("ss", call.ID, "cancelled", "-"))
	h.expectAnswer("stale cancel", h.text("bot.err.status_unchanged", nil))
	h.noUnanswered()
}

func TestDeleteTask(t *testing.T) {
	t.Parallel()
	h := setup(t)
	own := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "My own note",
		AuthorID: h.f.Staff.ID, AssigneeID: h.f.Staff.ID})
	managers := h.task(postgresInput(h))

	h.openCard(h.staff, "2. My own note")
	h.tap(h.staff, "🗑 Delete")
	expect(t, "confirm", h.lastText(h.staff), "Delete the task “My own note”?")
	h.tap(h.staff, "No")
	expect(t, "kept", h.lastText(h.staff), "My own note", "Status: New")
	h.tap(h.staff, "🗑 Delete")
	h.tap(h.staff, "🗑 Yes, delete")
	expect(t, "deleted", h.lastText(h.staff), "Task deleted.")
	if _, _, deleted := h.taskRow(own.ID); !deleted {
		t.Fatal("task not deleted")
	}
	h.tap(h.staff, "« Back")
	expectNot(t, "list after delete", h.lastText(h.staff), "My own note")
	// Confirming again (a stale button) says it is gone.
	h.tapData(h.staff, 0, data("dy", own.ID, "ma.0"))
	h.expectAnswer("second delete", h.text("bot.err.not_found", nil))
	// Staff cannot delete what the manager wrote, even with forged data.
	h.tapData(h.staff, 0, data("dy", managers.ID, "-"))
	h.expectAnswer("forged delete", h.text("bot.err.task_not_yours", nil))
	if _, _, deleted := h.taskRow(managers.ID); deleted {
		t.Fatal("forged delete deleted the task")
	}
	h.noUnanswered()
}
