package bot

import (
	"slices"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestTakeIntoWork(t *testing.T) {
	t.Parallel()
	h := setup(t)
	task := h.task(postgresInput(h))
	h.openCard(h.staff, "1. Олена Петренко")
	h.tap(h.staff, "▶️ Take")
	h.expectAnswer("take", h.text("bot.take.done", nil))
	expect(t, "card after take", h.lastText(h.staff), "Status: In progress · Staff alpha")
	if h.hasButton(h.staff, "▶️ Take") {
		t.Fatal("the card still offers Take")
	}
	if status, assignee, _ := h.taskRow(task.ID); status != "in_progress" || assignee != h.f.Staff.ID {
		t.Fatalf("task is %s/%d", status, assignee)
	}
	h.expectRows("taken task is not the current one", 1, `SELECT count(*) FROM staff WHERE id = $1 AND current_task_id = $2`, h.f.Staff.ID, task.ID)
	h.expectRows("taken_at not set", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND taken_at IS NOT NULL`, task.ID)

	// A second tap on the same (old) button: it is already theirs.
	h.tapData(h.staff, 0, data("tk", task.ID))
	h.expectAnswer("re-take", h.text("bot.take.done", nil))
	// The colleague cannot take it from them.
	h.say(h.colleague, "/help")
	h.tapData(h.colleague, 0, data("tk", task.ID))
	h.expectAnswer("colleague's take", "Already taken by Staff alpha.")
	if _, assignee, _ := h.taskRow(task.ID); assignee != h.f.Staff.ID {
		t.Fatal("the colleague's tap changed the assignee")
	}
	h.noUnanswered()
}

// Two people tap "Take" on the same unassigned task at the same moment: one
// gets it, the other is told who did, and the task has one assignee.
func TestTakeDoubleTap(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for round := 0; round < 5; round++ {
		task := h.task(postgres.TaskCreateInput{DueAt: at(0)})
		h.say(h.staff, "/help")
		h.say(h.colleague, "/help")
		answered := len(h.tg.CallsTo("answerCallbackQuery"))
		a := h.tg.Tap(h.staff, h.last(h.staff).ID, data("tk", task.ID))
		b := h.tg.Tap(h.colleague, h.last(h.colleague).ID, data("tk", task.ID))
		h.handled.wait(t, a)
		h.handled.wait(t, b)
		status, assignee, _ := h.taskRow(task.ID)
		if status != "in_progress" || (assignee != h.f.Staff.ID && assignee != h.f.Colleague.ID) {
			t.Fatalf("round %d: task is %s/%d", round, status, assignee)
		}
		winner := "Staff alpha"
		if assignee == h.f.Colleague.ID {
			winner = "Colleague alpha"
		}
		// This round's two answers, in either order: the winner's and the
		// loser's, who is told who won.
		var got []string
		for _, c := range h.tg.CallsTo("answerCallbackQuery")[answered:] {
			got = append(got, c.Params["text"])
		}
		slices.Sort(got)
		want := []string{"Already taken by " + winner + ".", h.text("bot.take.done", nil)}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: the taps were answered %q, want %q", round, got, want)
		}
		if n := pgtest.Count(t, h.db, `SELECT count(*) FROM staff WHERE current_task_id = $1`, task.ID); n != 1 {
			t.Fatalf("round %d: %d people have the task as current", round, n)
		}
		pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled' WHERE id = $1`, task.ID)
	}
	h.noUnanswered()
}

func TestTakeRefusals(t *testing.T) {
	t.Parallel()
	h := setup(t)
	closed := h.task(postgresInput(h))
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled' WHERE id = $1`, closed.ID)
	deleted := h.task(postgresInput(h))
	pgtest.Exec(t, h.db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted.ID)
	colleagues := h.task(postgres.TaskCreateInput{AssigneeID: h.f.Colleague.ID})

	h.say(h.staff, "/help")
	for _, c := range []struct{ name, data, want string }{
		{"closed", data("tk", closed.ID), h.text("bot.err.task_closed", nil)},
		{"deleted", data("tk", deleted.ID), h.text("bot.err.not_found", nil)},
		{"someone else's", data("tk", colleagues.ID), h.text("bot.err.task_not_yours", nil)},
	} {
		h.tapData(h.staff, 0, c.data)
		if got := h.lastAnswer(); got != c.want {
			t.Errorf("%s: answered %q, want %q", c.name, got, c.want)
		}
	}
	if status, assignee, _ := h.taskRow(colleagues.ID); status != "new" || assignee != h.f.Colleague.ID {
		t.Fatalf("colleague's task became %s/%d", status, assignee)
	}
	// A manager may take anyone's new task.
	h.say(h.manager, "/help")
	h.tapData(h.manager, 0, data("tk", colleagues.ID))
	if status, assignee, _ := h.taskRow(colleagues.ID); status != "in_progress" || assignee != h.f.Manager.ID {
		t.Fatalf("manager's take: %s/%d", status, assignee)
	}
	h.noUnanswered()
}
