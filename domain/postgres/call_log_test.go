package postgres_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
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

// A personal call closed with a result from its card (a follow-up call, a
// bulk-call subtask) is a call made: it used to write no call record, so the
// report's calls left out most of them. It is now recorded as outgoing with
// the result, once per result; /call keeps its one record with the direction
// asked, and a task of another type records none.
func TestPersonalCallClosedWithResultIsACall(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	create := func(tpl string, clients ...int64) domain.Task {
		t.Helper()
		in := postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates[tpl], AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID}
		if tpl == "bulk_call" {
			in.Title, in.ClientIDs = "Call the leads", clients
		} else {
			in.ClientID = clients[0]
		}
		task, err := db.TaskCreate(ctx, in)
		if err != nil {
			t.Fatalf("create %s: %v", tpl, err)
		}
		return task
	}
	record := func(taskID int64, result string) postgres.ResultRecorded {
		t.Helper()
		rec, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: taskID, ResultID: f.Results[result], Actor: f.Staff})
		if err != nil {
			t.Fatalf("record on task %d: %v", taskID, err)
		}
		return rec
	}

	call := create("call", f.Clients[0])
	rec := record(call.ID, "thinking")
	// A double tap records nothing more.
	if _, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: call.ID, ResultID: f.Results["thinking"], Actor: f.Staff}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second close: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM calls WHERE task_id = $1 AND task_result_id = $2 AND direction = 'out'
  AND staff_id = $3 AND client_id = $4 AND called_at = $5`, call.ID, rec.TaskResultID, f.Staff.ID, f.Clients[0], testNow); n != 1 {
		t.Errorf("personal call closed with a result: %d outgoing call records, want 1", n)
	}

	bulk := create("bulk_call", f.Clients...)
	if fo, err := db.FanoutChunk(ctx, f.Club.ID, bulk.ID, 100, testNow); err != nil || !fo.Done {
		t.Fatalf("fan out: %+v %v", fo, err)
	}
	var sub int64
	if err := db.Pool().QueryRow(ctx, `SELECT id FROM tasks WHERE parent_id = $1 ORDER BY id LIMIT 1`, bulk.ID).Scan(&sub); err != nil {
		t.Fatal(err)
	}
	record(sub, "thinking")

	check := create("check", f.Clients[1])
	record(check.ID, "thinking")

	logged, err := db.CallLog(ctx, postgres.CallLogInput{ClubID: f.Club.ID, Actor: f.Staff, ClientID: f.Clients[1], Direction: domain.CallIn, ResultID: f.Results["thinking"]})
	if err != nil {
		t.Fatal(err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM calls WHERE task_id = $1`, logged.Task.ID); n != 1 {
		t.Errorf("/call: %d call records, want 1", n)
	}

	day := report.Range{From: testNow.Add(-time.Hour), To: testNow.Add(time.Hour)}
	g, err := db.ReportGeneral(ctx, f.Club.ID, day, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// Out: the follow-up call and the bulk subtask; in: the /call.
	if g.CallsOut != 2 || g.CallsIn != 1 {
		t.Errorf("report calls in %d out %d, want 1 and 2", g.CallsIn, g.CallsOut)
	}
}

// The migration that makes closed personal calls calls backfills those closed
// before it: one outgoing call per result on a personal call, none for a
// result that already has its /call record, none on other tasks, and
// running it again adds nothing.
func TestResultCallsBackfill(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	src, err := fs.ReadFile(postgres.Migrations(), "00013_result_calls.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, _, _ := strings.Cut(strings.SplitN(string(src), "-- +goose Up", 2)[1], "-- +goose Down")
	task := func(tpl string) (taskID, resultRow int64) {
		t.Helper()
		tk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates[tpl], ClientID: f.Clients[0], AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID})
		if err != nil {
			t.Fatal(err)
		}
		// What closing it wrote before: the result, no call.
		if err := db.Pool().QueryRow(ctx, `INSERT INTO task_results (club_id, task_id, result_id, client_id, staff_id, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, f.Club.ID, tk.ID, f.Results["thinking"], f.Clients[0], f.Staff.ID, testNow).Scan(&resultRow); err != nil {
			t.Fatal(err)
		}
		return tk.ID, resultRow
	}
	call, callResult := task("call")
	logged, loggedResult := task("personal_call")
	pgtest.Exec(t, db, `INSERT INTO calls (club_id, direction, client_id, staff_id, task_id, called_at) VALUES ($1, 'in', $2, $3, $4, $5)`,
		f.Club.ID, f.Clients[0], f.Staff.ID, logged, testNow)
	check, _ := task("check")
	for run := 1; run <= 2; run++ {
		if _, err := db.Pool().Exec(ctx, up); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		for _, c := range []struct {
			what string
			sql  string
			args []any
			want int
		}{
			{"the backfilled call", `SELECT count(*) FROM calls WHERE task_id = $1 AND task_result_id = $2 AND direction = 'out' AND called_at = $3`, []any{call, callResult, testNow}, 1},
			{"the /call record, linked", `SELECT count(*) FROM calls WHERE task_id = $1 AND task_result_id = $2 AND direction = 'in'`, []any{logged, loggedResult}, 1},
			{"calls of the /call task", `SELECT count(*) FROM calls WHERE task_id = $1`, []any{logged}, 1},
			{"calls of the client task", `SELECT count(*) FROM calls WHERE task_id = $1`, []any{check}, 0},
		} {
			if n := pgtest.Count(t, db, c.sql, c.args...); n != c.want {
				t.Errorf("run %d: %s: %d rows, want %d", run, c.what, n, c.want)
			}
		}
	}
}
