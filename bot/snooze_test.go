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
	if got := h.lastAnswer(); got != "I'll remind you at Nov 26, 2026, 1:00 PM." {
		t.Fatalf("snooze answered %q", got)
	}
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM tasks WHERE id = $1 AND remind_at = $2`, task.ID, testNow.Add(time.Hour)); n != 1 {
		t.Fatal("reminder not moved")
	}
	h.tapData(h.staff, 0, data("sz", task.ID, "tm"))
	if got := h.lastAnswer(); got != "I'll remind you at Nov 27, 2026, 9:00 AM." {
		t.Fatalf("snooze till tomorrow answered %q", got)
	}
	if n := pgtest.Count(t, h.db, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled'`); n != 2 {
		t.Fatalf("task.rescheduled rows: %d", n)
	}
	h.tapData(h.staff, 0, data("sz", task.ID, "1y"))
	if got := h.lastAnswer(); got != h.text("bot.err.stale", nil) {
		t.Fatalf("unknown snooze answered %q", got)
	}
	colleagues := h.task(postgresInputFor(h, h.f.Colleague.ID))
	h.tapData(h.staff, 0, data("sz", colleagues.ID, "15"))
	if got := h.lastAnswer(); got != h.text("bot.err.task_not_yours", nil) {
		t.Fatalf("someone else's snooze answered %q", got)
	}
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled' WHERE id = $1`, task.ID)
	h.tapData(h.staff, 0, data("sz", task.ID, "15"))
	if got := h.lastAnswer(); got != h.text("bot.err.task_closed", nil) {
		t.Fatalf("closed task snooze answered %q", got)
	}
	h.noUnanswered()
}
