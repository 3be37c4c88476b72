package bot

import (
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// The snooze buttons of a reminder (sent by the workers) move the reminder.
func TestSnoozeReminder(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.say(h.staff, "/help")
	h.tapData(h.staff, 0, data("sz", task.ID, "60"))
	h.expectAnswer("snooze", "I'll remind you at Nov 26, 2026, 1:00 PM.")
	h.expectRows("reminder not moved", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND remind_at = $2`, task.ID, testNow.Add(time.Hour))
	h.tapData(h.staff, 0, data("sz", task.ID, "tm"))
	h.expectAnswer("snooze till tomorrow", "I'll remind you at Nov 27, 2026, 9:00 AM.")
	h.expectRows("task.rescheduled rows", 2, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled'`)
	h.tapData(h.staff, 0, data("sz", task.ID, "1y"))
	h.expectAnswer("unknown snooze", h.text("bot.err.stale", nil))
	colleagues := h.task(postgresInputFor(h, h.f.Colleague.ID))
	h.tapData(h.staff, 0, data("sz", colleagues.ID, "15"))
	h.expectAnswer("someone else's snooze", h.text("bot.err.task_not_yours", nil))
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled' WHERE id = $1`, task.ID)
	h.tapData(h.staff, 0, data("sz", task.ID, "15"))
	h.expectAnswer("closed task snooze", h.text("bot.err.task_closed", nil))
	h.noUnanswered()
}
