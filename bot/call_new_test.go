package bot

import (
	"context"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestNewCallLogsTheCall(t *testing.T) {
	t.Parallel()
	h := setup(t)
	h.say(h.staff, "/call петренко")
	expect(t, "search done from the command", h.lastText(h.staff), "New call", "Clients matching “петренко”")
	h.tap(h.staff, h.clientLabel(h.f.Clients[0]))
	expect(t, "direction", h.lastText(h.staff), "Who called?")
	h.tap(h.staff, "📥 Incoming")
	expect(t, "results of the call template", h.lastText(h.staff), "Олена Петренко · 📥 Incoming", "How did it end?")
	h.tap(h.staff, "Result refusal")
	h.tap(h.staff, "Reason schedule")
	expect(t, "summary", h.lastText(h.staff), "Result: Result refusal", "Reason: Reason schedule", "Log this call?")
	h.tap(h.staff, "✅ Log call")
	expect(t, "logged", h.lastText(h.staff), "Call with Олена Петренко logged: Result refusal")

	var taskID, trID int64
	err := h.db.Pool().QueryRow(context.Background(), `
SELECT t.id, r.id FROM tasks t JOIN task_results r ON r.task_id = t.id
WHERE t.club_id = $1 AND t.task_type = 'personal_call' AND t.status = 'done' AND t.client_id = $2
  AND t.assignee_id = $3 AND t.result_id = $4 AND t.template_id = $5`,
		h.f.Club.ID, h.f.Clients[0], h.f.Staff.ID, h.f.Results["refusal"], h.f.Templates["personal_call"]).Scan(&taskID, &trID)
	if err != nil {
		t.Fatalf("completed call task: %v", err)
	}
	checks := map[string]string{
		"call record":  `SELECT count(*) FROM calls WHERE task_id = $1 AND direction = 'in'`,
		"reason value": `SELECT count(*) FROM task_field_values v JOIN task_results r ON r.id = v.task_result_id WHERE r.task_id = $1`,
		"outbox row":   `SELECT count(*) FROM outbox WHERE kind = 'result.recorded' AND (payload->>'task_id')::bigint = $1`,
	}
	for what, sql := range checks {
		if n := pgtest.Count(t, h.db, sql, taskID); n != 1 {
			t.Errorf("%s: %d rows", what, n)
		}
	}
	h.noUnanswered()
}

func TestNewCallWithANewClientAndBadInput(t *testing.T) {
	t.Parallel()
	h := setup(t)
	other := pgtest.NewClub(t, h.db, "beta")
	h.say(h.staff, "/call")
	h.tapData(h.staff, 0, h.formData("cf", "cl", other.Clients[0]))
	expect(t, "another club's client", h.lastAnswer(), "out of date")
	h.tap(h.staff, "➕ New client")
	h.say(h.staff, "Mykola")
	h.say(h.staff, "+48 601 234 567")
	h.tapData(h.staff, 0, h.formData("cf", "dir", "sideways"))
	expect(t, "a third direction", h.lastAnswer(), "out of date")
	h.tap(h.staff, "« Back")
	expect(t, "back to the client, the new one offered", h.lastText(h.staff), "Clients matching “Mykola”")
	h.tap(h.staff, "Mykola · +48601234567")
	h.tap(h.staff, "📤 Outgoing")
	h.tapData(h.staff, 0, h.formData("cf", "r", other.Results["thinking"]))
	expect(t, "another club's result", h.lastAnswer(), "out of date")
	h.tap(h.staff, "Result thinking")
	h.restart()
	h.doubleTap(h.staff, "✅ Log call")
	h.expectRows("calls logged", 1, `SELECT count(*) FROM calls c JOIN clients k ON k.id = c.client_id WHERE k.name = 'Mykola' AND c.direction = 'out'`)
	h.expectRows("tasks", 1, `SELECT count(*) FROM tasks`)
	h.noUnanswered()
}
