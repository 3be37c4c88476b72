package bot

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
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

// "Take" on a reminder turns it into the task's card, and the reminder's
// snooze buttons stay on it while the task is open (issue 9, item 13: the
// card replaced them).
func TestReminderTakeKeepsSnooze(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	v, err := h.db.TaskGet(context.Background(), h.f.Club.ID, task.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A reminder as the worker draws it (jobs.ReminderMessage): open, the
	// next step with the reminder's origin, and the snooze row.
	msg := chat.Message{Text: "⏰ " + v.Title, Buttons: [][]chat.Button{
		chat.TaskNoticeButtons(h.cat, domain.LangEN, "reminder.button.open", v.Task, h.f.Staff, chat.OriginReminder),
		chat.SnoozeButtons(h.cat, domain.LangEN, v.ID),
	}}
	id, err := h.bot.Messenger().Send(context.Background(), chat.TelegramAddress(chat.DefaultBot, h.staff.ID), msg)
	if err != nil {
		t.Fatal(err)
	}
	h.tap(h.staff, "▶️ Take")
	card := h.last(h.staff)
	if card.ID != id {
		t.Fatalf("the card went to message %d, want the reminder %d", card.ID, id)
	}
	expect(t, "card", card.Text, "Status: In progress")
	for _, want := range []string{"✅ Enter result", "In 15 min", "In 1 h", "Tomorrow 09:00"} {
		if !h.hasButton(h.staff, want) {
			t.Fatalf("the card a reminder became lacks %q: %v", want, card.Buttons())
		}
	}
	if h.hasButton(h.staff, "« Back") {
		t.Fatalf("no list behind a reminder, yet Back: %v", card.Buttons())
	}
	h.tap(h.staff, "In 1 h")
	h.expectAnswer("snooze", "I'll remind you at Nov 26, 2026, 1:00 PM.")
	// A menu of the card and back: still the reminder's card.
	h.tap(h.staff, "Status")
	h.tap(h.staff, "« Back")
	if !h.hasButton(h.staff, "In 15 min") {
		t.Fatalf("back from the status menu lost the snooze buttons: %v", h.last(h.staff).Buttons())
	}
	// Closed: nothing left to snooze.
	h.taps(h.staff, "✅ Enter result", "Result thinking", "✅ Record result")
	if h.hasButton(h.staff, "In 15 min") {
		t.Fatalf("a closed task's card offers to snooze: %v", h.last(h.staff).Buttons())
	}
	h.noUnanswered()
}
