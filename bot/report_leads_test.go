package bot

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/inbound"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestReportLeadsInTheBot: two leads arrived through the API this morning;
// the first was answered (a result on its task) 10 minutes later, within
// the club's 20-minute response target, the second not yet. In October one
// lead arrived and was never answered. The manager's /report says so in
// one line, each count compared with October as the other headline
// figures are (the median is not), as the CLI, CSV, XLSX and JSON reports
// do; a period without leads, then or before, has no such line, nor has a
// club that takes no leads.
func TestReportLeadsInTheBot(t *testing.T) {
	t.Parallel()
	h := reportSetup(t)
	ctx := context.Background()
	pgtest.Exec(t, h.db, `INSERT INTO lead_settings (club_id, template_id, assignee_role, response_target_min) VALUES ($1, $2, 'staff', 20)`,
		h.f.Club.ID, h.f.Templates["call"])
	var tasks []int64
	for i, ago := range []time.Duration{40 * 24 * time.Hour, 30 * time.Minute, 20 * time.Minute} {
		h.clock.Set(testNow.Add(-ago))
		it, _, err := h.db.InboxAdd(ctx, postgres.InboxAddInput{ClubID: h.f.Club.ID, Kind: inbound.KindLead,
			IdemKey: "lead" + string(rune('a'+i)), Payload: inbound.Lead{Name: "Lead", Phone: "+38066222000" + string(rune('1'+i)), Source: "site"}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := h.db.LeadProcess(ctx, h.f.Club.ID, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, res.TaskID)
	}
	// The first of this morning's leads is answered 10 minutes after it came.
	h.clock.Set(testNow.Add(-20 * time.Minute))
	var assignee int64
	if err := h.db.Pool().QueryRow(ctx, `SELECT assignee_id FROM tasks WHERE id = $1`, tasks[1]).Scan(&assignee); err != nil {
		t.Fatal(err)
	}
	actor := h.f.Staff
	if assignee == h.f.Colleague.ID {
		actor = h.f.Colleague
	}
	if _, err := h.db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: h.f.Club.ID, TaskID: tasks[1], ResultID: h.f.Results["thinking"], Actor: actor}); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(testNow)

	h.say(h.manager, "/report")
	expect(t, "this month", h.lastText(h.manager), "📥 Leads: 2 (↑100%) · answered 1 (—) · in target 1 (—) · escalated 0 (—) · median 10 min")
	h.tap(h.manager, "Yesterday")
	expectNot(t, "yesterday", h.lastText(h.manager), "Leads:")
	h.noUnanswered()

	none := reportSetup(t)
	none.say(none.manager, "/report")
	expectNot(t, "a club without leads", none.lastText(none.manager), "Leads:")
	expect(t, "a club without leads", none.lastText(none.manager), "Calls made")
	none.noUnanswered()
}
