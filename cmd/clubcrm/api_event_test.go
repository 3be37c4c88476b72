package main

import (
	"context"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestInboundEventsOverHTTP sends club-system events to the running service:
// each becomes a task per the demo plan's triggers:, a second event for the
// same client while the task is open (or the same event again) creates
// nothing, a condition not met and an unknown client (the rule refuses)
// are recorded with their reason, and malformed events are refused.
func TestInboundEventsOverHTTP(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewURL(t)
	resetSchema(t, dbURL)
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_FORMAT": "text"}
	base, _ := startServe(t, env)
	db := openTestDB(t, dbURL)
	ctx := context.Background()
	club, err := db.ClubBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	staffID := pgtest.Staff(t, db, club, pgtest.StaffOpts{Name: "Ірина", NoAccount: true}).ID
	clientID := pgtest.Client(t, db, club, pgtest.ClientOpts{Name: "Олена Коваленко", Phones: []string{"+380661112233"}}).ID
	key := createKey(t, env, club.ID, "club system")
	events := base + "/api/v1/events"
	post := func(body string) (int, map[string]any) {
		t.Helper()
		code, _, out := apiDo(t, "POST", events, key, "application/json", "", []byte(body))
		return code, out
	}

	for _, r := range []struct {
		body, code string
		status     int
	}{
		{`{"id":"e0","type":"lunch","client":{"phone":"0661112233"}}`, "event_type_unknown", 422},
		{`{"id":"e0","type":"not_visited","client":{"phone":"0661112233"}}`, "days_required", 422},
		{`{"id":"e0","type":"subscription_ending","client":{"phone":"0661112233"},"date":"03/05/2026"}`, "date_invalid", 422},
		{`{"id":"e0","type":"birthday","client":{"phone":"nope"}}`, "phone_invalid", 422},
		{`{"id":"e0","type":"birthday","client":{"phone":"0661112233"},"extra":1}`, "json_invalid", 400},
	} {
		if code, out := post(r.body); code != r.status || errCode(out) != r.code {
			t.Errorf("%s: %d %v, want %d %s", r.body, code, out, r.status, r.code)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM inbox`); n != 0 {
		t.Fatalf("refused events stored %d rows", n)
	}

	for _, b := range []string{
		`{"id":"e1","type":"trial_no_show","client":{"phone":"0661112233"}}`,
		`{"id":"e1","type":"trial_no_show","client":{"phone":"0661112233"}}`,        // the same delivery again
		`{"id":"e2","type":"trial_no_show","client":{"phone":"+380661112233"}}`,     // another event, task still open
		`{"id":"e3","type":"not_visited","days":7,"client":{"phone":"0661112233"}}`, // below min_days: 14
		`{"id":"e4","type":"not_visited","days":21,"client":{"phone":"0661112233"}}`,
		`{"id":"e5","type":"payment_overdue","date":"2026-03-01","client":{"phone":"0669999999"}}`, // unknown client: refused by the rule
		`{"id":"e6","type":"birthday","client":{"phone":"0661112233"}}`,                            // no rule in the demo plan
	} {
		if code, out := post(b); code != 200 {
			t.Fatalf("%s: %d %v", b, code, out)
		}
	}
	waitUntil(t, 30*time.Second, func() bool {
		return pgtest.Count(t, db, `SELECT count(*) FROM inbox WHERE processed_at IS NULL`) == 0
	})
	want := map[string]int{"task_created": 2, "open_task": 1, "condition_not_met": 1, "unknown_client": 1, "no_rule": 1}
	for outcome, n := range want {
		if got := pgtest.Count(t, db, `SELECT count(*) FROM inbox WHERE outcome = $1`, outcome); got != n {
			t.Errorf("events with outcome %s: %d, want %d", outcome, got, n)
		}
	}
	afterTrial := templateByKey(t, db, club.ID, "call_after_trial")
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE client_id = $1 AND template_id = $2 AND assignee_id = $3 AND due_at = created_at + interval '2 hours'`,
		clientID, afterTrial.ID, staffID); n != 1 {
		t.Errorf("trial_no_show tasks: %d, want one, due in 2 hours, for the staff member", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks`); n != 2 {
		t.Errorf("tasks: %d, want 2", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != 1 {
		t.Errorf("clients: %d, want 1 (the unknown one refused)", n)
	}
}
