package bot

import (
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// A form open while its chosen assignee leaves the club: Create must not
// hand them the task. The form stays on its summary with an alert saying
// something changed, and nothing is stored or announced.
func TestNewTaskAssigneeLeftWhileFormOpen(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.manager, "/new")
	h.taps(h.manager, "Внутренняя задача", "Colleague alpha", "Tomorrow", "10:00", "Skip")
	expect(t, "summary", h.lastText(h.manager), "Assignee: Colleague alpha", "Create this task?")

	pgtest.Exec(t, h.db, `UPDATE staff SET active = false WHERE id = $1`, h.f.Colleague.ID)
	h.tap(h.manager, "✅ Create")
	h.expectAnswer("create for someone who left", h.text("forms.changed", nil))
	h.expectRows("tasks for someone who left", 0, `SELECT count(*) FROM tasks WHERE club_id = $1`, h.f.Club.ID)
	h.expectRows("task.assigned rows", 0, `SELECT count(*) FROM outbox WHERE kind = 'task.assigned'`)
	if !h.hasButton(h.manager, "✅ Create") {
		t.Fatalf("the form should stay open on its summary: %q %v", h.lastText(h.manager), h.last(h.manager).Buttons())
	}
	h.noUnanswered()
}
