package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// bulkCall creates a bulk call of n clients (the fixture's two and more)
// assigned to assignee, fans it out, and returns it with its calls' ids in
// the order they were created.
func (h *harness) bulkCall(n int, assignee int64) (domain.Task, []int64) {
	h.t.Helper()
	ctx := context.Background()
	clients := append([]int64(nil), h.f.Clients...)
	for i := len(clients); i < n; i++ {
		clients = append(clients, pgtest.Client(h.t, h.db, h.f.Club, pgtest.ClientOpts{Name: fmt.Sprintf("Lead %d", i)}).ID)
	}
	bulk := h.task(postgres.TaskCreateInput{TemplateID: h.f.Templates["bulk_call"], Title: "Call the leads",
		ClientIDs: clients[:n], AuthorID: h.f.Manager.ID, AssigneeID: assignee})
	if fo, err := h.db.FanoutChunk(ctx, h.f.Club.ID, bulk.ID, 1000, testNow); err != nil || !fo.Done {
		h.t.Fatalf("fan out: %+v %v", fo, err)
	}
	var calls []int64
	rows, err := h.db.Pool().Query(ctx, `SELECT id FROM tasks WHERE parent_id = $1 ORDER BY id`, bulk.ID)
	if err != nil {
		h.t.Fatalf("calls: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			h.t.Fatalf("calls: %v", err)
		}
		calls = append(calls, id)
	}
	return bulk, calls
}

// A bulk call's card offers what makes sense for a list (issue 9, item 4):
// its progress, its calls (paged), and cancelling the open ones after a
// confirmation. Never "Done", a result, Take or a status change by hand: a
// forged "done" changes nothing.
func TestBulkCallCard(t *testing.T) {
	t.Parallel()
	h := setup(t)
	bulk, calls := h.bulkCall(18, h.f.Staff.ID)
	for _, id := range calls[:3] {
		if _, err := h.db.ResultRecord(context.Background(), postgres.ResultRecordInput{ClubID: h.f.Club.ID, TaskID: id,
			ResultID: h.f.Results["thinking"], Actor: h.f.Staff}); err != nil {
			t.Fatalf("record result: %v", err)
		}
		// As the worker does on "result.recorded".
		if _, _, err := h.db.BulkParentSync(context.Background(), h.f.Club.ID, id, testNow); err != nil {
			t.Fatalf("sync: %v", err)
		}
	}

	h.say(h.manager, "/help")
	h.tapData(h.manager, 0, data("tc", bulk.ID))
	card := h.last(h.manager)
	expect(t, "bulk card", card.Text, "Call the leads", "Calls: 3 of 18 closed (3 done, 0 cancelled), 15 open")
	for _, no := range []string{"✅ Done", "✅ Enter result", "▶️ Take", "Status"} {
		if h.hasButton(h.manager, no) {
			t.Errorf("a bulk call's card offers %q: %v", no, card.Buttons())
		}
	}
	for _, want := range []string{"📋 Its calls", "✖️ Cancel open calls"} {
		if !h.hasButton(h.manager, want) {
			t.Errorf("a bulk call's card lacks %q: %v", want, card.Buttons())
		}
	}

	// "Done" from an old card, or forged: refused, nothing changes.
	h.tapData(h.manager, card.ID, data("ss", bulk.ID, "done", "-"))
	h.expectAnswer("done by hand", h.text("bot.err.bulk_status_follows_calls", nil))
	h.tapData(h.manager, card.ID, data("tk", bulk.ID))
	h.expectAnswer("take by hand", h.text("bot.err.bulk_status_follows_calls", nil))
	h.expectRows("bulk call by hand", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND status = 'in_progress'`, bulk.ID)

	// Its calls, ten a page, open ones first; a call's card returns here.
	h.tap(h.manager, "📋 Its calls")
	list := h.last(h.manager)
	if list.ID != card.ID {
		t.Fatal("the calls opened in a new message")
	}
	expect(t, "calls", list.Text, "Calls of «Call the leads»", "18 tasks", "page 1/2", "Lead 3 — no due date · New")
	expectNot(t, "calls page 1", list.Text, "Олена Петренко") // done: on the last page
	h.tap(h.manager, "More »")
	expect(t, "calls page 2", h.lastText(h.manager), "page 2/2", "Олена Петренко", "Done")
	var olena string
	for _, b := range h.last(h.manager).Buttons() {
		if strings.HasSuffix(b, ". Олена Петренко") {
			olena = b
		}
	}
	h.tap(h.manager, olena)
	expect(t, "a call's card", h.lastText(h.manager), "Call the leads", "Client: Олена Петренко")
	h.tap(h.manager, "« Back")
	expect(t, "back to the calls", h.lastText(h.manager), "Calls of «Call the leads»", "page 2/2")
	h.tap(h.manager, "« Call the leads")
	expect(t, "back to the bulk call", h.lastText(h.manager), "Calls: 3 of 18 closed")

	// Cancel the open calls: asked first; No changes nothing.
	h.tap(h.manager, "✖️ Cancel open calls")
	expect(t, "ask", h.lastText(h.manager), "Cancel the 15 open calls of «Call the leads»?")
	h.tap(h.manager, "No")
	h.expectRows("after No", 15, `SELECT count(*) FROM tasks WHERE parent_id = $1 AND status = 'new'`, bulk.ID)
	h.tap(h.manager, "✖️ Cancel open calls")
	h.tap(h.manager, "✖️ Yes, cancel them")
	h.expectAnswer("cancelled", "Open calls cancelled: 15.")
	h.expectRows("open calls", 0, `SELECT count(*) FROM tasks WHERE parent_id = $1 AND status IN ('new', 'in_progress')`, bulk.ID)
	h.expectRows("cancelled calls", 15, `SELECT count(*) FROM tasks WHERE parent_id = $1 AND status = 'cancelled'`, bulk.ID)
	h.expectRows("the bulk call follows", 1, `SELECT count(*) FROM tasks WHERE id = $1 AND status = 'done' AND done_at IS NOT NULL`, bulk.ID)
	expect(t, "card after", h.lastText(h.manager), "Status: Done", "Calls: 18 of 18 closed (3 done, 15 cancelled), 0 open")
	if h.hasButton(h.manager, "✖️ Cancel open calls") {
		t.Fatal("a finished bulk call still offers to cancel its calls")
	}
	// The confirmation tapped again: the bulk call is closed, nothing more.
	h.tapData(h.manager, 0, data("by", bulk.ID, "-"))
	h.expectAnswer("cancel twice", h.text("bot.err.task_closed", nil))

	// A colleague sees its calls, but cannot cancel them.
	h.say(h.colleague, "/help")
	other, _ := h.bulkCall(2, h.f.Staff.ID)
	h.tapData(h.colleague, 0, data("tc", other.ID))
	if h.hasButton(h.colleague, "✖️ Cancel open calls") || !h.hasButton(h.colleague, "📋 Its calls") {
		t.Fatalf("colleague's view of a bulk call: %v", h.last(h.colleague).Buttons())
	}
	h.tapData(h.colleague, 0, data("by", other.ID, "-"))
	h.expectAnswer("colleague cancels", h.text("bot.err.task_not_yours", nil))
	h.noUnanswered()
}

// "My tasks" lists a bulk call's calls, not the bulk call beside them as one
// more call to make.
func TestMyTasksListsBulkCallsCallsOnly(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.bulkCall(2, h.f.Staff.ID)
	h.say(h.staff, "/tasks")
	text := h.lastText(h.staff)
	expect(t, "my tasks", text, "2 tasks", "Олена Петренко", "Ivan Sirko")
	expectNot(t, "my tasks", text, "Bulk call")
	// Task control still shows it, to managers.
	h.say(h.manager, "/control")
	h.tapData(h.manager, 0, data("cm", h.f.Staff.ID, 0))
	if !strings.Contains(h.lastText(h.manager), "3 tasks") {
		t.Fatalf("control list: %q", h.lastText(h.manager))
	}
}
