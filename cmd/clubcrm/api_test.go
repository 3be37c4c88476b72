package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// apiDo sends one request to the inbound API and returns the status, the
// Retry-After header and the decoded JSON body.
func apiDo(t *testing.T, method, url, key, contentType, idem string, body []byte) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: %d, body is not JSON: %q", method, url, resp.StatusCode, b)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), out
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// createKey runs `clubcrm apikey create` and returns the printed key.
func createKey(t *testing.T, env map[string]string, clubID int64, name string) string {
	t.Helper()
	out, _, err := runCmd(t, env, "apikey", "create", "--club", itoa(clubID), "--name", name)
	if err != nil {
		t.Fatalf("apikey create: %v", err)
	}
	key := strings.TrimSpace(out)
	if !strings.HasPrefix(key, "cck_") || strings.Contains(key, "\n") {
		t.Fatalf("apikey create printed %q, want one key", out)
	}
	return key
}

// joinStaff invites a person with the role and has them open the link in
// the fake Telegram.
func joinStaff(t *testing.T, tg *telegramtest.Server, db *postgres.DB, env map[string]string, clubID int64, role string, user models.User) domain.Staff {
	t.Helper()
	out, _, err := runCmd(t, env, "staff", "invite", "--club", itoa(clubID), "--role", role, "--name", user.FirstName)
	if err != nil {
		t.Fatalf("invite %s: %v", role, err)
	}
	code := regexp.MustCompile(`start=([A-Za-z0-9_-]+)`).FindStringSubmatch(out)
	if code == nil {
		t.Fatalf("no deep link in %q", out)
	}
	tg.SendText(user, "/start "+code[1])
	tg.WaitFor(t, func(c telegramtest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == user.ID }, 20*time.Second)
	s, _, err := db.StaffIdentify(context.Background(), user.ID)
	if err != nil {
		t.Fatalf("%s did not join: %v", user.FirstName, err)
	}
	return s
}

// TestInboundLeadOverHTTP sends leads to the running service's listener:
// refusals store nothing, an accepted lead becomes a client and a "call the
// new lead" task whose assignee is told in the messenger, a retried
// delivery changes nothing, another club's key sees nothing, and a lead
// whose response target passes unanswered reaches the managers once.
func TestInboundLeadOverHTTP(t *testing.T) {
	t.Parallel()
	tg := telegramtest.New(t)
	dbURL := pgtest.NewURL(t)
	resetSchema(t, dbURL)
	env := map[string]string{
		"DATABASE_URL": dbURL, "TELEGRAM_BOT_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": tg.URL,
		"TELEGRAM_BOT_USERNAME": telegramtest.BotUsername, "LOG_FORMAT": "text",
	}
	clk := clocktest.New(time.Now())
	base, logs := startServeClock(t, env, clk)
	db := openTestDB(t, dbURL)
	ctx := context.Background()
	club, err := db.ClubBySlug(ctx, "demo")
	if err != nil {
		t.Fatalf("demo club: %v", err)
	}
	manager := joinStaff(t, tg, db, env, club.ID, "manager", models.User{ID: 6001, FirstName: "Олена", LanguageCode: "uk"})
	admin := joinStaff(t, tg, db, env, club.ID, "staff", models.User{ID: 6002, FirstName: "Ірина", LanguageCode: "uk"})
	key := createKey(t, env, club.ID, "site form")
	leads := base + "/api/v1/leads"
	inbox := func() int { return pgtest.Count(t, db, `SELECT count(*) FROM inbox`) }

	// Refusals: each with its status and code, and nothing stored.
	good := []byte(`{"name":"Марина Коваленко","phone":"066 098 02 05","source":"site","utm_source":"google"}`)
	refusals := []struct {
		name, key, ctype string
		body             []byte
		status           int
		code             string
	}{
		{"no key", "", "application/json", good, 401, "api_key_required"},
		{"unknown key", "cck_nope", "application/json", good, 401, "api_key_invalid"},
		{"not JSON", key, "application/json", []byte(`{"name":`), 400, "json_invalid"},
		{"unknown field", key, "application/json", []byte(`{"phone":"0660980205","fone":"x"}`), 400, "json_invalid"},
		{"wrong type", key, "text/plain", good, 415, "json_required"},
		{"too large", key, "application/json", append([]byte(`{"comment":"`), bytes.Repeat([]byte("a"), 70<<10)...), 413, "body_too_large"},
		{"bad phone", key, "application/json", []byte(`{"name":"X","phone":"call me"}`), 422, "phone_invalid"},
		{"no phone", key, "application/json", []byte(`{"name":"X"}`), 422, "phone_required"},
	}
	for _, r := range refusals {
		code, _, body := apiDo(t, "POST", leads, r.key, r.ctype, "", r.body)
		if code != r.status || errCode(body) != r.code {
			t.Errorf("%s: %d %v, want %d %s", r.name, code, body, r.status, r.code)
		}
	}
	if n := inbox(); n != 0 {
		t.Fatalf("refused requests stored %d inbox rows", n)
	}

	// Accepted, then the same delivery retried: one event.
	code, _, first := apiDo(t, "POST", leads, key, "application/json", "lead-1", good)
	if code != 200 || first["status"] != "accepted" {
		t.Fatalf("lead: %d %v", code, first)
	}
	code, _, again := apiDo(t, "POST", leads, key, "application/json", "lead-1", good)
	if code != 200 || again["status"] != "duplicate" || again["id"] != first["id"] {
		t.Fatalf("retried lead: %d %v, want the first id %v as duplicate", code, again, first["id"])
	}

	// The assignee (the one "staff" member) is told at once, with the card.
	notice := tg.WaitFor(t, func(c telegramtest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() == admin.TelegramID && strings.Contains(c.Text(), "Марина Коваленко")
	}, 30*time.Second)
	if len(notice.Keyboard()) == 0 {
		t.Errorf("lead notice has no buttons: %q", notice.Text())
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM clients c JOIN client_phones p ON p.client_id = c.id WHERE p.phone = '+380660980205' AND c.status = 'lead'`); n != 1 {
		t.Errorf("clients with the lead's phone: %d, want 1", n)
	}
	taskID := int64(pgtest.Count(t, db, `SELECT task_id FROM leads`))
	// The demo plan's leads: section: call_new_lead, role staff, 15 minutes.
	newLead := templateByKey(t, db, club.ID, "call_new_lead")
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND template_id = $2 AND assignee_id = $3 AND due_at = created_at + interval '15 minutes'`, taskID, newLead.ID, admin.ID); n != 1 {
		t.Errorf("the lead's task is not a %q of the staff member due in 15 minutes", newLead.Key)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM inbox WHERE processed_at IS NOT NULL AND outcome = 'task_created' AND task_id = $1`, taskID); n != 1 {
		t.Errorf("inbox row not marked processed with its task")
	}
	// A second lead from the same phone (another delivery, another key):
	// the client has an open lead task, so no second task or client.
	code, _, second := apiDo(t, "POST", leads, key, "application/json", "lead-2", []byte(`{"name":"Марина","phone":"+380660980205"}`))
	if code != 200 || second["status"] != "accepted" {
		t.Fatalf("second lead: %d %v", code, second)
	}
	waitUntil(t, 30*time.Second, func() bool {
		return pgtest.Count(t, db, `SELECT count(*) FROM inbox WHERE processed_at IS NULL`) == 0
	})
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE client_id IS NOT NULL`); n != 1 {
		t.Errorf("tasks after a second lead of the same client: %d, want 1", n)
	}

	// The status of an event, for its club only.
	id := itoa(int64(first["id"].(float64)))
	if code, _, st := apiDo(t, "GET", base+"/api/v1/inbox/"+id, key, "", "", nil); code != 200 || st["status"] != "processed" || st["outcome"] != "task_created" {
		t.Errorf("inbox status: %d %v", code, st)
	}
	other, err := db.ClubCreate(ctx, domain.Club{Slug: "other", Name: "Other", TimeZone: "Europe/Kyiv", Language: domain.LangEN})
	if err != nil {
		t.Fatal(err)
	}
	otherKey := createKey(t, env, other.ID, "theirs")
	if code, _, st := apiDo(t, "GET", base+"/api/v1/inbox/"+id, otherKey, "", "", nil); code != 404 || errCode(st) != "not_found" {
		t.Errorf("another club's key: %d %v, want 404", code, st)
	}

	// The target passes with no result: the service's clock moves past it,
	// the deadline row falls due by itself (nothing is written to the
	// database), and the manager is told once, even when the row is handed
	// over again.
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'lead.escalate' AND available_at = created_at + interval '15 minutes' AND completed_at IS NULL`); n != 1 {
		t.Fatalf("escalation rows due at the target: %d, want 1", n)
	}
	clk.Advance(16 * time.Minute)
	esc := tg.WaitFor(t, func(c telegramtest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() == manager.TelegramID && strings.Contains(c.Text(), "Марина Коваленко")
	}, 30*time.Second)
	if !strings.Contains(esc.Text(), "Ірина") {
		t.Errorf("escalation does not name the assignee: %q", esc.Text())
	}
	waitUntil(t, 30*time.Second, func() bool {
		return pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'lead.escalate' AND completed_at IS NOT NULL`) == 1
	})
	// A duplicate of the deadline job (a second row: asynq would drop a
	// second hand-over of the same row by its TaskID) runs and sends nothing.
	pgtest.Exec(t, db, `INSERT INTO outbox (club_id, kind, payload) SELECT club_id, kind, payload FROM outbox WHERE kind = 'lead.escalate'`)
	waitUntil(t, 30*time.Second, func() bool {
		return pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'lead.escalate' AND completed_at IS NOT NULL`) == 2
	})
	if n := pgtest.Count(t, db, `SELECT count(*) FROM deliveries WHERE key LIKE 'lead-escalate:%'`); n != 1 {
		t.Errorf("escalation messages: %d, want 1 (one manager, once)", n)
	}
	escalations := 0
	for _, c := range tg.CallsTo("sendMessage") {
		if c.ChatID() == manager.TelegramID && strings.Contains(c.Text(), "Марина Коваленко") {
			escalations++
		}
	}
	if escalations != 1 {
		t.Errorf("the manager was told %d times, want once", escalations)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM leads WHERE escalated_at IS NOT NULL`); n != 1 {
		t.Errorf("leads marked escalated: %d", n)
	}

	// A revoked key is refused from then on.
	if _, _, err := runCmd(t, env, "apikey", "revoke", "--club", itoa(club.ID), "--id", "1"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if code, _, body := apiDo(t, "POST", leads, key, "application/json", "lead-3", good); code != 401 || errCode(body) != "api_key_invalid" {
		t.Errorf("revoked key: %d %v", code, body)
	}
	out, _, err := runCmd(t, env, "apikey", "list", "--club", itoa(club.ID))
	if err != nil || !strings.Contains(out, "revoked") || strings.Contains(out, key) {
		t.Errorf("apikey list: %v\n%s", err, out)
	}
	// The general report shows the lead's figures: one lead, escalated,
	// not answered yet (in English: the club's language is Russian); the
	// days before had no lead, so each count's change is "—".
	today := time.Now().In(time.UTC).Format("2006-01-02")
	rep, _, err := runCmd(t, env, "report", "general", "--club", itoa(club.ID), "--from", time.Now().AddDate(0, 0, -1).Format("2006-01-02"), "--to", time.Now().AddDate(0, 0, 1).Format("2006-01-02"), "--format", "text", "--lang", "en")
	if err != nil || !regexp.MustCompile(`(?m)^all\s+1 \(—\)\s+0 \(—\)\s+0 \(—\)\s+1 \(—\)\s`).MatchString(rep) || !strings.Contains(rep, "source: site") {
		t.Errorf("report on %s: %v\n%s", today, err, rep)
	}
	_ = logs
}

// TestInboundSurvivesWorkerDownAndRateLimits accepts leads while no worker
// runs (the API answered 200, nothing is processed yet: as if the worker
// had been killed after the answer), then starts a worker, twice: each lead
// is processed exactly once. The same process shows the per-key rate limit.
func TestInboundSurvivesWorkerDownAndRateLimits(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewURL(t)
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_FORMAT": "text", "API_RATE_PER_MINUTE": "4", "DEMO_CLUB": "false"}
	db := openTestDB(t, dbURL)
	ctx := context.Background()
	club, err := db.ClubCreate(ctx, domain.Club{Slug: "api", Name: "API club", TimeZone: "Europe/Kyiv", Language: domain.LangEN, PhoneCode: "380"})
	if err != nil {
		t.Fatal(err)
	}
	key := createKey(t, env, club.ID, "crm")

	// The scheduler role serves HTTP (and the API) but runs no worker.
	base, _, stop := startRole(t, env, "scheduler")
	for i, phone := range []string{"0660000001", "0660000002", "0660000003"} {
		code, _, body := apiDo(t, "POST", base+"/api/v1/leads", key, "application/json", "", []byte(`{"name":"Lead `+itoa(int64(i))+`","phone":"`+phone+`"}`))
		if code != 200 {
			t.Fatalf("lead %d: %d %v", i, code, body)
		}
	}
	// A flood: the fourth request of the minute passes (a duplicate, changing
	// nothing), the fifth is refused with Retry-After.
	if code, _, body := apiDo(t, "POST", base+"/api/v1/leads", key, "application/json", "", []byte(`{"name":"Lead 0","phone":"0660000001"}`)); code != 200 || body["status"] != "duplicate" {
		t.Fatalf("repeat: %d %v", code, body)
	}
	code, retry, body := apiDo(t, "POST", base+"/api/v1/leads", key, "application/json", "", []byte(`{"name":"Lead 9","phone":"0660000009"}`))
	if code != 429 || errCode(body) != "rate_limited" || retry == "" || retry == "0" {
		t.Fatalf("flood: %d Retry-After %q %v, want 429 with Retry-After", code, retry, body)
	}
	stop()
	if n := pgtest.Count(t, db, `SELECT count(*) FROM inbox WHERE processed_at IS NULL`); n != 3 {
		t.Fatalf("stored, unprocessed leads: %d, want 3", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks`); n != 0 {
		t.Fatalf("tasks before any worker ran: %d", n)
	}

	for run := 1; run <= 2; run++ {
		delete(env, "QUEUE_PREFIX") // a new Redis namespace: nothing survives there, only PostgreSQL
		_, _, stopWorker := startRole(t, env, "worker")
		waitUntil(t, 30*time.Second, func() bool {
			return pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE completed_at IS NULL AND kind = 'inbound.received'`) == 0
		})
		stopWorker()
		if n := pgtest.Count(t, db, `SELECT count(*) FROM inbox WHERE processed_at IS NOT NULL AND outcome = 'task_created'`); n != 3 {
			t.Errorf("run %d: processed leads: %d, want 3", run, n)
		}
		if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks`); n != 3 {
			t.Errorf("run %d: tasks: %d, want 3 (one per lead)", run, n)
		}
		if n := pgtest.Count(t, db, `SELECT count(*) FROM clients`); n != 3 {
			t.Errorf("run %d: clients: %d, want 3", run, n)
		}
		// Re-deliver every processed event as a new job: nothing changes.
		pgtest.Exec(t, db, `INSERT INTO outbox (club_id, kind, payload) SELECT club_id, 'inbound.received', jsonb_build_object('inbox_id', id) FROM inbox`)
	}
}
