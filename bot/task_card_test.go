package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestTaskCardFromList(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	// An earlier call to the same client, closed with a result: the history.
	old := h.task(postgres.TaskCreateInput{AssigneeID: h.f.Colleague.ID})
	if _, err := h.db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: h.f.Club.ID, TaskID: old.ID,
		ResultID: h.f.Results["thinking"], Actor: h.f.Colleague}); err != nil {
		t.Fatalf("record result: %v", err)
	}
	task := h.task(postgres.TaskCreateInput{AuthorID: h.f.Manager.ID, AssigneeID: h.f.Staff.ID,
		Title: "Invite to the yoga master class", Description: "Ask about <Saturday> & Sunday", DueAt: at(26 * time.Hour)})

	h.say(h.staff, "/tasks")
	list := h.last(h.staff)
	h.tap(h.staff, "1. Олена Петренко")
	card := h.last(h.staff)
	if card.ID != list.ID {
		t.Fatalf("the card opened in a new message %d, want the list's %d edited", card.ID, list.ID)
	}
	expect(t, "card", card.Text,
		"Invite to the yoga master class", "Personal call · Template call",
		"Client: Олена Петренко · +380", "Due: Nov 27, 2026, 2:00 PM",
		"Status: New · Staff alpha", "Ask about <Saturday> & Sunday",
		"History", "Template call: Result thinking (Colleague alpha)")
	for _, want := range []string{"▶️ Take", "✅ Enter result", "Status", "📅 Reschedule", "✏️ Edit", "⏰ Reminder", "« Back"} {
		if !h.hasButton(h.staff, want) {
			t.Fatalf("card lacks %q: %v", want, card.Buttons())
		}
	}
	if h.hasButton(h.staff, "🗑 Delete") {
		t.Fatal("staff may not delete a task the manager wrote, yet the card offers it")
	}
	_, d := h.buttonData(h.staff, "✅ Enter result")
	if d != data("rs", task.ID, "ma.0") {
		t.Fatalf("enter result data %q", d)
	}
	h.tap(h.staff, "« Back")
	expect(t, "back", h.lastText(h.staff), "My tasks", "1 task")
	if h.last(h.staff).ID != list.ID {
		t.Fatal("Back did not edit the same message")
	}

	// The manager sees Delete, and Assignee under Edit.
	h.say(h.manager, "/help")
	h.tapData(h.manager, 0, data("tc", task.ID))
	if !h.hasButton(h.manager, "🗑 Delete") {
		t.Fatalf("manager's card: %v", h.last(h.manager).Buttons())
	}
	h.noUnanswered()
}

func TestTaskCardRefusesForgedAndStale(t *testing.T) {
	t.Parallel()
	h := setup(t)
	other := pgtest.NewClub(t, h.db, "beta")
	theirs, err := h.db.TaskCreate(context.Background(), postgres.TaskCreateInput{ClubID: other.Club.ID,
		TemplateID: other.Templates["call"], ClientID: other.Clients[0], Title: "Secret of beta"})
	if err != nil {
		t.Fatalf("other club's task: %v", err)
	}
	mine := h.task(postgresInput(h))
	deleted := h.task(postgresInput(h))
	pgtest.Exec(t, h.db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted.ID)

	h.say(h.staff, "/help")
	before := h.sentCount(h.staff)
	notFound := h.text("bot.err.not_found", nil)
	stale := h.text("bot.err.stale", nil)
	cases := []struct {
		name, data, want string
	}{
		{"another club's task", data("tc", theirs.ID), notFound},
		{"a missing task", data("tc", 99999999), notFound},
		{"a deleted task", data("tc", deleted.ID), notFound},
		{"take another club's task", data("tk", theirs.ID), notFound},
		{"delete another club's task", data("dy", theirs.ID, "-"), notFound},
		{"status of another club's task", data("ss", theirs.ID, "cancelled", "-"), notFound},
		{"a word for an id", data("tc", "abc"), stale},
		{"a negative id", data("tc", -5), stale},
		{"no id", data("tc"), stale},
		{"an unknown status", data("ss", mine.ID, "archived", "-"), stale},
		{"an unknown action", data("zz", mine.ID), stale},
		{"an old layout", fmt.Sprintf("v0|tc|%d", mine.ID), stale},
		{"not callback data at all", "hello", stale},
	}
	for _, c := range cases {
		h.tapData(h.staff, 0, c.data)
		if got := h.lastAnswer(); got != c.want {
			t.Errorf("%s (%q): answered %q, want %q", c.name, c.data, got, c.want)
		}
	}
	if got := h.sentCount(h.staff); got != before {
		t.Fatalf("bad taps sent %d messages", got-before)
	}
	h.expectRows("another club's task changed", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND status = 'new' AND deleted_at IS NULL`, theirs.ID)
	for _, m := range h.tg.Sent(h.staff.ID) {
		expectNot(t, "chat", m.Text, "Secret of beta")
	}
	h.noUnanswered()
}

// A colleague's task card offers nothing to do, and is sent without empty
// keyboard rows (issue 9, item 9: it went out as [[],[],[]]); nor is any
// other keyboard (a list that fits one page has no paging row).
func TestColleaguesCardSendsNoEmptyRows(t *testing.T) {
	t.Parallel()
	h := setup(t)
	theirs := h.task(postgresInputFor(h, h.f.Colleague.ID))
	h.task(postgresInput(h))
	h.say(h.staff, "/help")
	h.tapData(h.staff, 0, data("tc", theirs.ID))
	expect(t, "colleague's card", h.lastText(h.staff), "Colleague alpha")
	if b := h.last(h.staff).Buttons(); len(b) != 0 {
		t.Fatalf("a colleague's card offers %v", b)
	}
	h.say(h.staff, "/tasks")
	h.tap(h.staff, "1. Олена Петренко")
	for _, m := range []string{"sendMessage", "editMessageText"} {
		for _, c := range h.tg.CallsTo(m) {
			var kb struct {
				Rows [][]json.RawMessage `json:"inline_keyboard"`
			}
			if raw, ok := c.Params["reply_markup"]; ok {
				if err := json.Unmarshal([]byte(raw), &kb); err != nil {
					t.Fatalf("%s reply_markup %s: %v", m, raw, err)
				}
			}
			for _, r := range kb.Rows {
				if len(r) == 0 {
					t.Errorf("%s sent an empty keyboard row: %s", m, c.Params["reply_markup"])
				}
			}
		}
	}
	h.noUnanswered()
}
