package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestCallTemplatePrefersTheDefault(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	tpl, err := db.CallTemplate(ctx, f.Club.ID)
	if err != nil || tpl.ID != f.Templates["personal_call"] || tpl.Type != domain.TypePersonalCall {
		t.Fatalf("call template = %+v, %v; want the default personal call %d", tpl, err, f.Templates["personal_call"])
	}
	// Default retired: another personal-call template stands in.
	pgtest.Exec(t, db, `UPDATE templates SET archived_at = now() WHERE id = $1`, f.Templates["personal_call"])
	if tpl, err = db.CallTemplate(ctx, f.Club.ID); err != nil || tpl.ID != f.Templates["call"] {
		t.Fatalf("fallback = %+v, %v; want %d", tpl, err, f.Templates["call"])
	}
	pgtest.Exec(t, db, `UPDATE templates SET archived_at = now() WHERE task_type = 'personal_call'`)
	if _, err := db.CallTemplate(ctx, f.Club.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("no call template: %v", err)
	}
}

func TestCallLog(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	got, err := db.CallLog(ctx, postgres.CallLogInput{
		ClubID: f.Club.ID, Actor: f.Staff, ClientID: f.Clients[0], Direction: domain.CallIn,
		ResultID: f.Results["refusal"],
		Values:   []domain.FieldValue{{FieldID: f.ReasonField, ValueIDs: []int64{f.Reasons["far"]}}},
	})
	if err != nil {
		t.Fatalf("call log: %v", err)
	}
	if got.Task.Status != domain.StatusDone || got.Task.Type != domain.TypePersonalCall || got.Task.TemplateID != f.Templates["personal_call"] {
		t.Fatalf("task = %+v", got.Task)
	}
	checks := []struct {
		what string
		sql  string
		args []any
	}{
		{"a done task of the staff member", `SELECT count(*) FROM tasks WHERE id = $1 AND status = 'done' AND assignee_id = $2 AND author_id = $2 AND result_id = $3 AND done_at IS NOT NULL`, []any{got.Task.ID, f.Staff.ID, f.Results["refusal"]}},
		{"the result history row", `SELECT count(*) FROM task_results WHERE id = $1 AND task_id = $2 AND client_id = $3`, []any{got.TaskResultID, got.Task.ID, f.Clients[0]}},
		{"the field value", `SELECT count(*) FROM task_field_values WHERE task_result_id = $1 AND value_id = $2`, []any{got.TaskResultID, f.Reasons["far"]}},
		{"the call record", `SELECT count(*) FROM calls WHERE id = $1 AND direction = 'in' AND task_id = $2 AND staff_id = $3`, []any{got.CallID, got.Task.ID, f.Staff.ID}},
		{"one result.recorded outbox row", `SELECT count(*) FROM outbox WHERE kind = 'result.recorded' AND (payload->>'task_result_id')::bigint = $1`, []any{got.TaskResultID}},
	}
	for _, c := range checks {
		if n := pgtest.Count(t, db, c.sql, c.args...); n != 1 {
			t.Errorf("%s: %d rows, want 1", c.what, n)
		}
	}
}

func TestCallLogIsAllOrNothing(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	ok := postgres.CallLogInput{ClubID: f.Club.ID, Actor: f.Staff, ClientID: f.Clients[0], Direction: domain.CallOut, ResultID: f.Results["thinking"]}
	cases := []struct {
		name string
		edit func(*postgres.CallLogInput)
		want error
	}{
		{"required field missing", func(in *postgres.CallLogInput) { in.ResultID = f.Results["refusal"] }, domain.ErrInvalid},
		{"value of another club's dictionary", func(in *postgres.CallLogInput) {
			in.ResultID = f.Results["refusal"]
			in.Values = []domain.FieldValue{{FieldID: f.ReasonField, ValueIDs: []int64{other.Reasons["far"]}}}
		}, domain.ErrInvalid},
		{"another club's result", func(in *postgres.CallLogInput) { in.ResultID = other.Results["thinking"] }, domain.ErrInvalid},
		{"another club's client", func(in *postgres.CallLogInput) { in.ClientID = other.Clients[0] }, domain.ErrInvalid},
		{"another club's template", func(in *postgres.CallLogInput) { in.TemplateID = other.Templates["personal_call"] }, domain.ErrNotFound},
		{"not a call template", func(in *postgres.CallLogInput) { in.TemplateID = f.Templates["check"] }, domain.ErrInvalid},
		{"bad direction", func(in *postgres.CallLogInput) { in.Direction = "sideways" }, domain.ErrInvalid},
		{"another club's actor", func(in *postgres.CallLogInput) { in.Actor = other.Staff }, domain.ErrNotFound},
	}
	for _, c := range cases {
		in := ok
		c.edit(&in)
		if _, err := db.CallLog(ctx, in); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	for _, table := range []string{"tasks", "task_results", "task_field_values", "calls", "outbox"} {
		if n := pgtest.Count(t, db, "SELECT count(*) FROM "+table); n != 0 {
			t.Errorf("refused calls left %d rows in %s", n, table)
		}
	}
}

// A bulk call in a club whose default personal-call template was retired
// still fans out, into the club's other live personal-call template: the
// same choice a call logged on the spot makes.
func TestFanoutUsesTheClubsPersonalCallTemplate(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"], ClientIDs: f.Clients, AuthorID: f.Manager.ID})
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, db, `UPDATE templates SET archived_at = now() WHERE id = $1`, f.Templates["personal_call"])
	if _, err := db.FanoutChunk(ctx, f.Club.ID, bulk.ID, 100, testNow); err != nil {
		t.Fatalf("fan out: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE parent_id = $1 AND template_id = $2`, bulk.ID, f.Templates["call"]); n != 2 {
		t.Fatalf("subtasks on the club's other personal-call template = %d, want 2", n)
	}
}
