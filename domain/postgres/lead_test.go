package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/inbound"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func leadAdd(t *testing.T, db *postgres.DB, clubID int64, key string, l inbound.Lead) int64 {
	t.Helper()
	it, _, err := db.InboxAdd(context.Background(), postgres.InboxAddInput{ClubID: clubID, Kind: inbound.KindLead, IdemKey: key, Payload: l})
	if err != nil {
		t.Fatal(err)
	}
	return it.ID
}

func TestLeadProcessAndEscalate(t *testing.T) {
	t.Parallel()
	clk := clocktest.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	db := pgtest.New(t, postgres.WithClock(clk))
	ctx := context.Background()
	f := pgtest.NewClub(t, db, "leads")
	// The plan's leads: section: template "call", role staff, 20 minutes.
	pgtest.Exec(t, db, `INSERT INTO lead_settings (club_id, template_id, assignee_role, response_target_min) VALUES ($1, $2, 'staff', 20)`,
		f.Club.ID, f.Templates["call"])

	// Two new leads go to the two staff members in turn (fewest open tasks).
	var tasks []int64
	for i, phone := range []string{"+380661110001", "+380661110002"} {
		id := leadAdd(t, db, f.Club.ID, "k"+phone, inbound.Lead{Name: "Lead", Phone: phone, Source: "site"})
		res, err := db.LeadProcess(ctx, f.Club.ID, id)
		if err != nil || res.Outcome != postgres.LeadTaskCreated {
			t.Fatalf("lead %d: %+v %v", i, res, err)
		}
		again, err := db.LeadProcess(ctx, f.Club.ID, id)
		if err != nil || !again.Again || again.TaskID != res.TaskID {
			t.Fatalf("second run of lead %d: %+v %v", i, again, err)
		}
		tasks = append(tasks, res.TaskID)
	}
	if n := pgtest.Count(t, db, `SELECT count(DISTINCT assignee_id) FROM tasks WHERE id = ANY($1) AND template_id = $2`, tasks, f.Templates["call"]); n != 2 {
		t.Errorf("two leads went to %d people, want the two staff members in turn", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = ANY($1) AND due_at = $2`, tasks, clk.Now().Add(20*time.Minute)); n != 2 {
		t.Errorf("tasks due at the target: %d", n)
	}
	// A known client's phone matches them: no new client.
	known := pgtest.Count(t, db, `SELECT count(*) FROM clients`)
	id := leadAdd(t, db, f.Club.ID, "known", inbound.Lead{Name: "Олена", Phone: clientPhone(t, db, f.Clients[0])})
	if res, err := db.LeadProcess(ctx, f.Club.ID, id); err != nil || res.ClientID != f.Clients[0] {
		t.Fatalf("known client: %+v %v", res, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != known {
		t.Errorf("a lead of a known client created a client")
	}

	// Past the target: the first lead was answered in time, the second not.
	r, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: tasks[0], ResultID: f.Results["thinking"], Actor: assigneeOf(t, db, f.Club.ID, tasks[0])})
	if err != nil {
		t.Fatalf("record: %v (%+v)", err, r)
	}
	clk.Advance(21 * time.Minute)
	if esc, err := db.LeadEscalate(ctx, f.Club.ID, tasks[0]); err != nil || esc.Due {
		t.Errorf("answered lead: %+v %v, want no escalation", esc, err)
	}
	esc, err := db.LeadEscalate(ctx, f.Club.ID, tasks[1])
	if err != nil || !esc.Due || len(esc.Managers) != 1 || esc.Managers[0] != f.Manager.ID {
		t.Fatalf("unanswered lead: %+v %v, want the manager", esc, err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'lead.escalate' AND available_at = created_at + interval '20 minutes'`); n != 3 {
		t.Errorf("escalation rows due at the target: %d, want 3 (one per task)", n)
	}

	// A plan that refuses unknown phones: stored, processed, no client, no task.
	pgtest.Exec(t, db, `UPDATE lead_settings SET unknown_phone = 'refuse' WHERE club_id = $1`, f.Club.ID)
	id = leadAdd(t, db, f.Club.ID, "stranger", inbound.Lead{Name: "X", Phone: "+380669999999"})
	if res, err := db.LeadProcess(ctx, f.Club.ID, id); err != nil || res.Outcome != postgres.LeadRefused || res.TaskID != 0 {
		t.Errorf("refused lead: %+v %v", res, err)
	}
	// Another club cannot process this club's inbox row.
	other := pgtest.NewClub(t, db, "other")
	if _, err := db.LeadProcess(ctx, other.Club.ID, id); err == nil {
		t.Errorf("another club processed this club's lead")
	}
}

func clientPhone(t *testing.T, db *postgres.DB, clientID int64) string {
	t.Helper()
	var p string
	if err := db.Pool().QueryRow(context.Background(), `SELECT phone FROM client_phones WHERE client_id = $1 LIMIT 1`, clientID).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func assigneeOf(t *testing.T, db *postgres.DB, clubID, taskID int64) domain.Staff {
	t.Helper()
	v, err := db.TaskGet(context.Background(), clubID, taskID)
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.StaffGet(context.Background(), clubID, v.AssigneeID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlanApplyLeads(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	text := planText(t, "pl") + "leads:\n  template: call\n  assignee: {role: manager}\n  response_target: 1h\n"
	ch := planApply(t, db, text)
	if n := pgtest.Count(t, db, `SELECT count(*) FROM lead_settings l JOIN templates t ON t.id = l.template_id
WHERE t.key = 'call' AND l.assignee_role = 'manager' AND l.response_target_min = 60 AND l.unknown_phone = 'create'`); n != 1 {
		t.Fatalf("lead settings not stored; changes %v", ch.Lines)
	}
	if ch := planApply(t, db, text); !ch.Empty() {
		t.Errorf("second apply changed %v", ch.Lines)
	}
	if ch := planApply(t, db, planText(t, "pl")); !hasLine(ch.Lines, "leads: back to the defaults") {
		t.Errorf("apply without leads: %v", ch.Lines)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM lead_settings`); n != 0 {
		t.Errorf("lead settings left: %d", n)
	}
}

func TestPlanApplyPhoneAndTriggers(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	text := planText(t, "pt") + "phone:\n  provider: generic\n  callback_target: 45m\ntriggers:\n  - {event: birthday, template: check, due_offset: 1d}\n"
	ch := planApply(t, db, text)
	if !hasLine(ch.Lines, "phone: set") || !hasLine(ch.Lines, "trigger birthday: created") {
		t.Fatalf("changes: %v", ch.Lines)
	}
	if ch := planApply(t, db, text); !ch.Empty() {
		t.Errorf("second apply changed %v", ch.Lines)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM phone_settings WHERE callback_target_min = 45 AND provider = 'generic'`); n != 1 {
		t.Errorf("phone settings not stored")
	}
	// A line naming someone who is not staff of the club is refused, naming the line.
	staffless := strings.Replace(text, "  callback_target: 45m\n", "  callback_target: 45m\n  lines:\n    - {line: \"901\", staff: 999}\n", 1)
	if _, err := planTry(db, staffless); err == nil || !strings.Contains(err.Error(), `phone line "901": staff 999`) {
		t.Errorf("line of a stranger: %v", err)
	}
	ch = planApply(t, db, planText(t, "pt"))
	if !hasLine(ch.Lines, "phone: removed") || !hasLine(ch.Lines, "trigger birthday: removed") {
		t.Errorf("apply without the sections: %v", ch.Lines)
	}
}
