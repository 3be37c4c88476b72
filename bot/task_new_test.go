package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// clientLabel is how the client step shows a client: "name · phone".
func (h *harness) clientLabel(id int64) string {
	h.t.Helper()
	c, err := h.db.ClientGet(context.Background(), h.f.Club.ID, id)
	if err != nil {
		h.t.Fatalf("client %d: %v", id, err)
	}
	return briefOf(c).label()
}

func TestNewTaskForAClient(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/new")
	expect(t, "templates grouped by type", strings.Join(h.last(h.staff).Buttons(), " | "),
		"— Personal call — | Личный звонок клиенту | Template call | — Bulk call — | Обзвон клиентов", "— Internal task — | Внутренняя задача")
	form := h.last(h.staff).ID
	h.tap(h.staff, "Template call")
	h.say(h.staff, "олена")
	h.taps(h.staff, h.clientLabel(h.f.Clients[0]), "Me", "Tomorrow", "10:00", "Skip")
	expect(t, "summary", h.lastText(h.staff), "Template call", "Client: Олена Петренко", "Assignee: Staff alpha", "Due: Nov 27, 2026, 10:00 AM", "Create this task?")
	h.tap(h.staff, "✅ Create")

	expect(t, "created", h.lastText(h.staff), "Task created.", "Template call", "Олена Петренко")
	if h.last(h.staff).ID == form {
		t.Fatal("the search reply should have moved the form below the typed text")
	}
	due := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) // 10:00 in Kyiv
	h.expectRows("task rows", 1, `SELECT count(*) FROM tasks WHERE template_id = $1 AND client_id = $2 AND assignee_id = $3 AND author_id = $3
AND due_at = $4 AND status = 'new' AND description = ''`, h.f.Templates["call"], h.f.Clients[0], h.f.Staff.ID, due)
	if h.conversationCount() != 0 {
		t.Fatal("the form is still open")
	}
	h.noUnanswered()
}

func TestNewTaskCreatesClientOnTheSpot(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/new")
	h.tap(h.staff, "Template check")
	h.say(h.staff, "Petro")
	expect(t, "no match", h.lastText(h.staff), "No client matches “Petro”")
	h.tap(h.staff, "➕ New client")
	h.say(h.staff, strings.Repeat("Петро", 41))
	expect(t, "over-long name", h.lastText(h.staff), "the limit is 200 characters")
	h.say(h.staff, "Petro Sahaidachny")
	h.say(h.staff, "phone?")
	expect(t, "not a phone", h.lastText(h.staff), "does not look like a phone number")
	// Olena's number typed the local way: offer Olena instead of a duplicate.
	olena := h.clientPhone(h.f.Clients[0])
	h.say(h.staff, "0"+olena[4:])
	expect(t, "phone taken", h.lastText(h.staff), olena+" already belongs to Олена Петренко")
	h.say(h.staff, "066 123 45 67")
	h.tap(h.staff, "Me")
	h.tap(h.staff, "No due date")
	h.say(h.staff, "Send the timetable")
	h.tap(h.staff, "✅ Create")
	expect(t, "created", h.lastText(h.staff), "Task created.", "Petro Sahaidachny")
	var clientID int64
	if err := h.db.Pool().QueryRow(context.Background(), `SELECT client_id FROM client_phones WHERE club_id = $1 AND phone = '+380661234567'`, h.f.Club.ID).Scan(&clientID); err != nil {
		t.Fatalf("new client's phone: %v", err)
	}
	h.expectRows("task for the new client", 1, `SELECT count(*) FROM tasks WHERE client_id = $1 AND due_at IS NULL AND description = 'Send the timetable' AND task_type = 'client_task'`, clientID)
	h.expectRows("clients (no duplicate of Olena)", 3, `SELECT count(*) FROM clients WHERE club_id = $1`, h.f.Club.ID)
}

func TestNewTaskUsesTheClientWhosePhoneWasTyped(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/new")
	h.tap(h.staff, "Template call")
	h.tap(h.staff, "➕ New client")
	h.say(h.staff, "Olena P.")
	h.say(h.staff, h.clientPhone(h.f.Clients[0]))
	h.tap(h.staff, "Use Олена Петренко")
	expect(t, "assignee step", h.lastText(h.staff), "Who will do it?")
	h.taps(h.staff, "Colleague alpha", "In a week", "Type a time…")
	h.say(h.staff, "9.15")
	h.tap(h.staff, "Skip")
	h.tap(h.staff, "✅ Create")
	due := time.Date(2026, 12, 3, 7, 15, 0, 0, time.UTC)
	h.expectRows("task for Olena, assigned to the colleague", 1, `SELECT count(*) FROM tasks WHERE client_id = $1 AND assignee_id = $2 AND due_at = $3`, h.f.Clients[0], h.f.Colleague.ID, due)
	// Assigned to someone else: they are told, through the outbox.
	h.expectRows("task.assigned rows", 1, `SELECT count(*) FROM outbox WHERE kind = 'task.assigned'`)
}

func TestNewBulkCall(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for _, c := range []struct{ name, status, group string }{
		{"Lapsed Yoga 1", "lapsed", "Yoga"}, {"Lapsed Yoga 2", "lapsed", "Yoga"}, {"Lapsed Dance", "lapsed", "Dance"}, {"Active Yoga", "active", "Yoga"},
	} {
		pgtest.Client(t, h.db, h.f.Club, pgtest.ClientOpts{Name: c.name, Status: domain.ClientStatus(c.status), Groups: []string{c.group}})
	}
	h.say(h.staff, "/new")
	h.tap(h.staff, "Обзвон клиентов")
	expect(t, "everyone at first", h.lastText(h.staff), "Selected: 6 clients")
	h.tap(h.staff, "▫️ Lapsed")
	expect(t, "lapsed", h.lastText(h.staff), "Selected: 3 clients")
	h.tap(h.staff, "▫️ Yoga")
	expect(t, "lapsed in yoga", h.lastText(h.staff), "Selected: 2 clients")
	h.taps(h.staff, "▫️ Dance", "✓ Yoga", "▫️ Active")
	expect(t, "lapsed or active, in dance", h.lastText(h.staff), "Selected: 1 client.")
	h.tap(h.staff, "Done")
	expect(t, "too few", h.lastAnswer(), "at least 2 clients; this choice selects 1")
	h.taps(h.staff, "✓ Dance", "▫️ Yoga", "Done", "Me", "Tomorrow", "09:00", "Skip")
	expect(t, "summary", h.lastText(h.staff), "Clients: 3")
	h.tap(h.staff, "✅ Create")

	var taskID, progressMsg int64
	if err := h.db.Pool().QueryRow(context.Background(), `SELECT task_id, progress_message_id FROM bulk_calls WHERE club_id = $1 AND total = 3 AND progress_chat = $2`,
		h.f.Club.ID, chat.TelegramAddress(chat.DefaultBot, h.staff.ID).String()).Scan(&taskID, &progressMsg); err != nil {
		t.Fatalf("bulk call row: %v", err)
	}
	var progress string
	for _, m := range h.tg.Sent(h.staff.ID) {
		if m.ID == progressMsg {
			progress = m.Text
		}
	}
	expect(t, "progress message", progress, "Creating 0 of 3 calls…")
	h.expectRows("bulk clients", 3, `SELECT count(*) FROM bulk_call_clients b JOIN clients c ON c.id = b.client_id WHERE b.task_id = $1 AND 'Yoga' = ANY(c.groups)`, taskID)
	h.expectRows("bulk.created rows", 1, `SELECT count(*) FROM outbox WHERE kind = 'bulk.created' AND (payload->>'task_id')::bigint = $1`, taskID)
	expect(t, "the form turned into the card", h.form(h.staff).Text, "Task created.", "Bulk call")
}

func TestNewTaskRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := setup(t)
	other := pgtest.NewClub(t, h.db, "beta")
	h.say(h.staff, "/new")
	h.tapData(h.staff, 0, h.formData("nf", "t", other.Templates["internal"]))
	expect(t, "another club's template", h.lastAnswer(), "out of date")
	pgtest.Exec(t, h.db, `UPDATE templates SET archived_at = now() WHERE id = $1`, h.f.Templates["check"])
	h.tapData(h.staff, 0, h.formData("nf", "t", h.f.Templates["check"]))
	expect(t, "retired template", h.lastAnswer(), "out of date")
	h.tap(h.staff, "Внутренняя задача")
	h.tapData(h.staff, 0, h.formData("nf", "a", other.Staff.ID))
	expect(t, "another club's staff", h.lastAnswer(), "out of date")
	h.say(h.staff, "me")
	expect(t, "typing instead of tapping", h.lastText(h.staff), "choose with the buttons")
	h.tap(h.staff, "Me")
	// The due date: not in the past, and a real date.
	h.tapData(h.staff, 0, h.formData("nf", "d", "20261125"))
	expect(t, "yesterday", h.lastAnswer(), "out of date")
	h.say(h.staff, "31.02.2027 10:00")
	expect(t, "31 February", h.lastText(h.staff), "That is not a date")
	h.say(h.staff, "26.11.2026 11:00")
	expect(t, "an hour ago", h.lastText(h.staff), "already passed")
	h.say(h.staff, "26.11.2026 18:00")
	h.say(h.staff, strings.Repeat("x", 2001))
	expect(t, "over-long description", h.lastText(h.staff), "the limit is 2000 characters")
	h.say(h.staff, "Order water")
	// A double tap on Create creates one task.
	h.doubleTap(h.staff, "✅ Create")
	h.expectRows("tasks after a double tap", 1, `SELECT count(*) FROM tasks WHERE club_id = $1 AND description = 'Order water'`, h.f.Club.ID)
	h.expectRows("typed due not stored", 1, `SELECT count(*) FROM tasks WHERE club_id = $1 AND due_at = '2026-11-26 16:00:00+00' AND task_type = 'internal'`, h.f.Club.ID)
	h.noUnanswered()
}

func TestNewTaskBackAndRestart(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/new")
	h.tap(h.staff, "Template call")
	h.tap(h.staff, "« Back")
	expect(t, "back to templates", h.lastText(h.staff), "What kind of task?")
	h.tap(h.staff, "Внутренняя задача")
	h.restart()
	h.taps(h.staff, "Me", "Tomorrow", "« Back")
	expect(t, "back to the calendar", h.lastText(h.staff), "Pick a date")
	h.tap(h.staff, "« Back")
	expect(t, "back to the assignee", h.lastText(h.staff), "Who will do it?")
	h.tap(h.staff, "« Back")
	expect(t, "internal tasks have no client step", h.lastText(h.staff), "What kind of task?")
	h.tap(h.staff, "Cancel")
	expect(t, "cancelled", h.lastText(h.staff), "Cancelled")
	h.expectRows("tasks after a cancelled form", 0, `SELECT count(*) FROM tasks`)
}

// A manager creates a task for the club with nobody assigned: it waits in
// the unassigned list, and nobody is notified.
func TestNewTaskUnassignedByManager(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.manager, "/new")
	h.taps(h.manager, "Внутренняя задача", "Nobody (unassigned)", "Tomorrow", "10:00", "Skip")
	expect(t, "summary", h.lastText(h.manager), "Assignee: not assigned", "Due: Nov 27, 2026, 10:00 AM")
	h.tap(h.manager, "✅ Create")
	expect(t, "card", h.lastText(h.manager), "Task created.", "Status: New · not assigned")

	h.expectRows("unassigned task", 1, `SELECT count(*) FROM tasks WHERE club_id = $1 AND task_type = 'internal' AND assignee_id IS NULL
AND author_id = $2 AND due_at = '2026-11-27 08:00:00+00' AND status = 'new'`, h.f.Club.ID, h.f.Manager.ID)
	h.expectRows("task.assigned rows", 0, `SELECT count(*) FROM outbox WHERE kind = 'task.assigned'`)
	h.say(h.manager, "/control")
	expect(t, "task control", h.lastText(h.manager), "Unassigned: 1, of them overdue: 0")
	h.noUnanswered()
}

// Staff may leave a task unassigned too (domain.CanActOnTask lets anyone of
// the club take an unassigned task): a colleague then takes it.
func TestNewTaskUnassignedByStaff(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/new")
	h.tap(h.staff, "Template call")
	h.say(h.staff, "олена")
	h.tap(h.staff, h.clientLabel(h.f.Clients[0]))
	h.tapData(h.staff, 0, h.formData("nf", "a", -1))
	h.expectAnswer("a forged negative assignee", h.text("forms.stale", nil))
	h.taps(h.staff, "Nobody (unassigned)", "No due date", "Skip", "✅ Create")
	var taskID int64
	if err := h.db.Pool().QueryRow(context.Background(), `SELECT id FROM tasks WHERE club_id = $1 AND client_id = $2 AND author_id = $3 AND assignee_id IS NULL`,
		h.f.Club.ID, h.f.Clients[0], h.f.Staff.ID).Scan(&taskID); err != nil {
		t.Fatalf("unassigned task by staff: %v", err)
	}
	expect(t, "card", h.lastText(h.staff), "Task created.", "Status: New · not assigned")
	if !h.hasButton(h.staff, "▶️ Take") {
		t.Fatalf("an unassigned task's card offers no Take: %v", h.last(h.staff).Buttons())
	}

	h.say(h.colleague, "/help")
	h.tapData(h.colleague, 0, data("tk", taskID))
	h.expectAnswer("colleague takes it", h.text("bot.take.done", nil))
	if status, assignee, _ := h.taskRow(taskID); status != "in_progress" || assignee != h.f.Colleague.ID {
		t.Fatalf("taken task is %s/%d", status, assignee)
	}
	h.noUnanswered()
}

// The groups of a bulk call are paged: every group can be reached, and a
// group ticked on one page stays ticked across pages.
func TestNewBulkCallGroupPages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	for i := 1; i <= 25; i++ {
		pgtest.Client(t, h.db, h.f.Club, pgtest.ClientOpts{Name: fmt.Sprintf("Client %02d", i), Groups: []string{fmt.Sprintf("Group %02d", i)}})
	}
	pgtest.Client(t, h.db, h.f.Club, pgtest.ClientOpts{Name: "Client 23b", Groups: []string{"Group 23"}})
	h.say(h.staff, "/new")
	h.tap(h.staff, "Обзвон клиентов")
	buttons := strings.Join(h.last(h.staff).Buttons(), " | ")
	expect(t, "page 1", buttons, "▫️ Group 01", "▫️ Group 10", "1/3", "›")
	expectNot(t, "page 1", buttons, "Group 11", "‹")

	h.tap(h.staff, "›")
	h.tap(h.staff, "›")
	buttons = strings.Join(h.last(h.staff).Buttons(), " | ")
	expect(t, "page 3", buttons, "▫️ Group 21", "▫️ Group 25", "3/3", "‹")
	expectNot(t, "page 3", buttons, "Group 20", "›")
	h.tap(h.staff, "▫️ Group 23")
	expect(t, "count", h.lastText(h.staff), "Selected: 2 clients")
	h.tap(h.staff, "‹")
	expectNot(t, "page 2", strings.Join(h.last(h.staff).Buttons(), " | "), "Group 23")
	h.tap(h.staff, "›")
	if !h.hasButton(h.staff, "✓ Group 23") {
		t.Fatalf("the ticked group lost its tick across pages: %v", h.last(h.staff).Buttons())
	}
	// A page past the end, or a group index past the list: stale buttons.
	h.tapData(h.staff, 0, h.formData("nf", "gp", 3))
	h.expectAnswer("a page past the end", h.text("forms.stale", nil))
	h.tapData(h.staff, 0, h.formData("nf", "g", 26))
	h.expectAnswer("a group past the list", h.text("forms.stale", nil))

	h.taps(h.staff, "Done", "Me", "No due date", "Skip")
	expect(t, "summary", h.lastText(h.staff), "Clients: 2")
	h.tap(h.staff, "✅ Create")
	h.expectRows("bulk clients from the third page", 2, `SELECT count(*) FROM bulk_call_clients b JOIN clients c ON c.id = b.client_id
WHERE b.club_id = $1 AND c.groups = ARRAY['Group 23']`, h.f.Club.ID)
	h.expectRows("bulk clients in all", 2, `SELECT count(*) FROM bulk_call_clients WHERE club_id = $1`, h.f.Club.ID)
	h.noUnanswered()
}

// The template reminds 45 minutes before due. Due at 12:30 with the form
// confirmed at 12:00, that reminder would have been at 11:45, before the
// task existed: none is set, and the summary promises none. Due tomorrow at
// 10:00, the summary shows the 09:15 reminder the task then gets.
func TestNewTaskSummaryShowsTheReminderItSets(t *testing.T) {
	t.Parallel()
	h := setup(t)
	pgtest.Exec(t, h.db, `UPDATE templates SET reminder_offset_min = -45 WHERE id = $1`, h.f.Templates["call"])
	for _, c := range []struct {
		day, time string
		due       time.Time
		reminder  string // in the summary; "" for none
		remind    *time.Time
	}{
		{"Today", "12:30", time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC), "", nil},
		{"Tomorrow", "10:00", time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), "Reminder: Nov 27, 2026, 9:15 AM", ptr(time.Date(2026, 11, 27, 7, 15, 0, 0, time.UTC))},
	} {
		h.say(h.staff, "/new")
		h.tap(h.staff, "Template call")
		h.say(h.staff, "олена")
		h.taps(h.staff, h.clientLabel(h.f.Clients[0]), "Me", c.day, c.time, "Skip")
		summary := h.lastText(h.staff)
		expect(t, c.day+" summary", summary, "Due: ")
		if c.reminder == "" && strings.Contains(summary, "Reminder") {
			t.Errorf("%s: the summary promises a reminder that will not be set:\n%s", c.day, summary)
		}
		if c.reminder != "" {
			expect(t, c.day+" summary", summary, c.reminder)
		}
		h.tap(h.staff, "✅ Create")
		expect(t, "created", h.lastText(h.staff), "Task created.")
		if c.remind == nil {
			h.expectRows(c.day+": task without a reminder", 1, `SELECT count(*) FROM tasks WHERE due_at = $1 AND remind_at IS NULL`, c.due)
		} else {
			h.expectRows(c.day+": task with the reminder shown", 1, `SELECT count(*) FROM tasks WHERE due_at = $1 AND remind_at = $2`, c.due, *c.remind)
		}
	}
}
