package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestMyTasksListsOverdueFirstInClubTime(t *testing.T) {
	t.Parallel()
	h := setup(t)
	later := h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, DueAt: at(48 * time.Hour)})
	overdue := h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, ClientID: h.f.Clients[1], DueAt: at(-3 * time.Hour)})
	internal := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: "Order water", AssigneeID: h.f.Staff.ID})
	h.task(postgres.TaskCreateInput{AssigneeID: h.f.Colleague.ID, DueAt: at(time.Hour)}) // someone else's
	h.task(postgres.TaskCreateInput{DueAt: at(time.Hour)})                               // unassigned

	h.say(h.staff, "/tasks")
	text := h.lastText(h.staff)
	expect(t, "list", text, "My tasks", "3 tasks",
		// overdue: due 07:00 UTC = 09:00 in Kyiv, marked
		"1. Personal call · Template call · Ivan Sirko — ⚠️ Nov 26, 2026, 9:00 AM",
		"2. Personal call · Template call · Олена Петренко — Nov 28, 2026, 12:00 PM",
		"3. Internal task · Внутренняя задача · Order water — no due date")
	buttons := h.last(h.staff).Buttons()
	if buttons[0] != "1. Ivan Sirko" || buttons[1] != "2. Олена Петренко" || buttons[2] != "3. Order water" {
		t.Fatalf("task buttons: %q", buttons)
	}
	for i, id := range []int64{overdue.ID, later.ID, internal.ID} {
		_, d := h.buttonData(h.staff, buttons[i])
		if d != data("tc", id, "ma.0") {
			t.Fatalf("button %d data %q", i, d)
		}
	}

	// Filters edit the same message.
	msgs := h.sentCount(h.staff)
	h.tap(h.staff, "Overdue")
	expect(t, "overdue filter", h.lastText(h.staff), "Overdue · 1 task", "Ivan Sirko")
	expectNot(t, "overdue filter", h.lastText(h.staff), "Олена")
	h.tap(h.staff, "Today")
	expect(t, "today filter", h.lastText(h.staff), "Today · 1 task", "Ivan Sirko")
	h.clock.Advance(10 * time.Hour) // 22:00 in Kyiv: still today
	h.tap(h.staff, "• Today •")
	expect(t, "today late", h.lastText(h.staff), "1 task")
	h.clock.Advance(2 * time.Hour) // past midnight in Kyiv: a new day
	h.tap(h.staff, "• Today •")
	expect(t, "next day", h.lastText(h.staff), "0 tasks", "Nothing due today.")
	if got := h.sentCount(h.staff); got != msgs {
		t.Fatalf("filters sent new messages: %d, want %d", got, msgs)
	}
	h.noUnanswered()
}

func TestMyTasksPaging(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for i := 0; i < 23; i++ {
		h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["internal"], Title: fmt.Sprintf("Job %02d", i),
			AssigneeID: h.f.Staff.ID, DueAt: at(time.Duration(i+1) * time.Hour)})
	}
	h.say(h.staff, "/tasks")
	expect(t, "page 1", h.lastText(h.staff), "23 tasks", "page 1/3", "1. Internal task", "Job 00", "10. Internal")
	expectNot(t, "page 1", h.lastText(h.staff), "Job 10")
	if h.hasButton(h.staff, "« Back") {
		t.Fatal("first page offers Back")
	}
	h.tap(h.staff, "More »")
	expect(t, "page 2", h.lastText(h.staff), "page 2/3", "11. Internal task", "Job 10", "Job 19")
	h.tap(h.staff, "More »")
	expect(t, "page 3", h.lastText(h.staff), "page 3/3", "Job 22")
	if h.hasButton(h.staff, "More »") {
		t.Fatal("last page offers More")
	}
	h.tap(h.staff, "« Back")
	expect(t, "back to 2", h.lastText(h.staff), "page 2/3")

	// A page drawn before the list shrank shows the last page there is.
	pgtest.Exec(t, h.db, `UPDATE tasks SET status = 'cancelled' WHERE title <> 'Job 00'`)
	h.tap(h.staff, "More »")
	expect(t, "shrunk", h.lastText(h.staff), "1 task", "Job 00")

	// Forged paging data.
	for _, d := range []string{data("tl", "x", 0), data("tl", "a", "abc"), data("tl", "a", -1), data("tl"), "v0|tl|a|0", "garbage"} {
		h.tapData(h.staff, 0, d)
		if got := h.lastAnswer(); got != h.text("bot.err.stale", nil) {
			t.Fatalf("%q answered %q", d, got)
		}
	}
	h.noUnanswered()
}

func TestMyTasksInRussian(t *testing.T) {
	t.Parallel()
	h := setup(t)
	pgtest.Exec(t, h.db, `UPDATE staff SET language = 'ru' WHERE id = $1`, h.f.Staff.ID)
	h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, DueAt: at(-time.Hour)})
	for i := 0; i < 4; i++ {
		h.task(postgres.TaskCreateInput{AssigneeID: h.f.Staff.ID, DueAt: at(time.Hour)})
	}
	h.say(h.staff, "/tasks")
	text := h.lastText(h.staff)
	expect(t, "ru", text, "Мои задачи", "5 задач", "Личный звонок", "⚠️ 26 ноя 2026, 11:00")
	if !strings.Contains(strings.Join(h.last(h.staff).Buttons(), " "), "Сегодня") {
		t.Fatalf("filters not in Russian: %v", h.last(h.staff).Buttons())
	}
}

// A tap on a message Telegram no longer lets the bot edit (deleted, too
// old) gets the screen as a new message.
func TestListTapOnGoneMessage(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.task(postgresInput(h))
	h.say(h.staff, "/help")
	before := h.sentCount(h.staff)
	h.tapData(h.staff, 9999, data("tl", "a", 0))
	if got := h.sentCount(h.staff); got != before+1 {
		t.Fatalf("messages: %d, want %d", got, before+1)
	}
	expect(t, "list", h.lastText(h.staff), "My tasks", "1 task")
	h.noUnanswered()
}
