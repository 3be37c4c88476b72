package bot

import (
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestCurrentTask(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/current")
	expect(t, "none", h.lastText(h.staff), "You are not on any task now")
	h.tap(h.staff, "My tasks") // the way back to the list
	expect(t, "list", h.lastText(h.staff), "My tasks")

	task := h.task(postgresInput(h))
	h.say(h.staff, "/help")
	h.tapData(h.staff, 0, data("tk", task.ID))
	h.say(h.staff, "/current")
	expect(t, "current", h.lastText(h.staff), "Current task", "Template call", "Status: In progress")
	if !h.hasButton(h.staff, "✅ Enter result") || !h.hasButton(h.staff, "📅 Reschedule") {
		t.Fatalf("quick actions: %v", h.last(h.staff).Buttons())
	}
	// Closed meanwhile (say, by a manager): no longer current.
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled' WHERE id = $1`, task.ID)
	h.say(h.staff, "/current")
	expect(t, "closed", h.lastText(h.staff), "You are not on any task now")
	h.expectRows("the closed task stayed current", 1, `SELECT count(*) FROM staff WHERE id = $1 AND current_task_id IS NULL`, h.f.Staff.ID)
	h.noUnanswered()
}
