package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

var testNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func setupTasks(t *testing.T) (*postgres.DB, pgtest.Fixture) {
	t.Helper()
	db := pgtest.New(t, postgres.WithClock(clocktest.New(testNow)))
	return db, pgtest.NewClub(t, db, "alpha")
}

func TestTaskCreateAndGet(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	due := testNow.Add(48 * time.Hour)
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{
		ClubID: f.Club.ID, TemplateID: f.Templates["call"], ClientID: f.Clients[0],
		AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID, DueAt: &due,
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	v, err := db.TaskGet(ctx, f.Club.ID, task.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if v.Title != "Template call" || v.ClientName != "Олена Петренко" || v.AssigneeName != f.Staff.Name || v.Status != domain.StatusNew || v.ClientPhone == "" {
		t.Fatalf("view: %+v", v)
	}
	// Assigned by someone else: the assignee must be told, through the outbox.
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'task.assigned' AND (payload->>'task_id')::bigint = $1`, task.ID); n != 1 {
		t.Fatalf("task.assigned outbox rows = %d, want 1", n)
	}
	// Assigned to oneself: nobody to tell.
	own, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water", AuthorID: f.Staff.ID, AssigneeID: f.Staff.ID})
	if err != nil {
		t.Fatalf("internal: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE (payload->>'task_id')::bigint = $1`, own.ID); n != 0 {
		t.Fatalf("self-assigned task wrote %d outbox rows", n)
	}
}

func TestTaskCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	long := make([]rune, domain.MaxTitleLen+1)
	for i := range long {
		long[i] = 'ж'
	}
	cases := []struct {
		name string
		in   postgres.TaskCreateInput
		want error
	}{
		{"personal call without client", postgres.TaskCreateInput{TemplateID: f.Templates["call"]}, domain.ErrInvalid},
		{"internal task with client", postgres.TaskCreateInput{TemplateID: f.Templates["internal"], ClientID: f.Clients[0]}, domain.ErrInvalid},
		{"bulk call with one client", postgres.TaskCreateInput{TemplateID: f.Templates["bulk_call"], ClientIDs: []int64{f.Clients[0], f.Clients[0]}}, domain.ErrInvalid},
		{"bulk call with another club's client", postgres.TaskCreateInput{TemplateID: f.Templates["bulk_call"], ClientIDs: []int64{f.Clients[0], other.Clients[0]}}, domain.ErrNotFound},
		{"another club's template", postgres.TaskCreateInput{TemplateID: other.Templates["call"], ClientID: f.Clients[0]}, domain.ErrNotFound},
		{"another club's client", postgres.TaskCreateInput{TemplateID: f.Templates["call"], ClientID: other.Clients[0]}, domain.ErrInvalid},
		{"another club's assignee", postgres.TaskCreateInput{TemplateID: f.Templates["internal"], AssigneeID: other.Staff.ID}, domain.ErrInvalid},
		{"over-long title", postgres.TaskCreateInput{TemplateID: f.Templates["internal"], Title: string(long)}, domain.ErrInvalid},
	}
	before := pgtest.Count(t, db, "SELECT count(*) FROM tasks")
	for _, c := range cases {
		c.in.ClubID = f.Club.ID
		if _, err := db.TaskCreate(ctx, c.in); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if after := pgtest.Count(t, db, "SELECT count(*) FROM tasks"); after != before {
		t.Fatalf("bad input wrote %d tasks", after-before)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox"); n != 0 {
		t.Fatalf("bad input wrote %d outbox rows", n)
	}
}

func TestBulkCallStoresClientsAndOutbox(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	task, err := db.TaskCreate(context.Background(), postgres.TaskCreateInput{
		ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"], ClientIDs: f.Clients, AuthorID: f.Manager.ID, ProgressChat: chat.TelegramAddress(chat.DefaultBot, 5), ProgressMessageID: 7,
	})
	if err != nil {
		t.Fatalf("bulk: %v", err)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM bulk_call_clients WHERE task_id = $1", task.ID); n != 2 {
		t.Fatalf("bulk clients = %d", n)
	}
	if n := pgtest.Count(t, db, "SELECT total FROM bulk_calls WHERE task_id = $1 AND progress_message_id = 7", task.ID); n != 2 {
		t.Fatalf("bulk_calls total = %d", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE kind = 'bulk.created'"); n != 1 {
		t.Fatalf("bulk.created rows = %d", n)
	}
}

func TestResultRecord(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["call"], ClientID: f.Clients[0], AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID})
	if err != nil {
		t.Fatal(err)
	}
	in := postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: task.ID, ResultID: f.Results["refusal"], Actor: f.Staff}

	// Required field missing: nothing is written.
	if _, err := db.ResultRecord(ctx, in); domain.ErrorCode(err) != domain.CodeFieldRequired {
		t.Fatalf("missing required field: %v", err)
	}
	// Another club's staff: not found, nothing revealed.
	other := pgtest.NewClub(t, db, "beta")
	forged := in
	forged.Actor = other.Manager
	forged.Values = []domain.FieldValue{{FieldID: f.ReasonField, ValueIDs: []int64{f.Reasons["far"]}}}
	if _, err := db.ResultRecord(ctx, forged); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("other club's actor: %v", err)
	}
	// A colleague cannot close someone else's task.
	colleague := forged
	colleague.Actor = f.Colleague
	if _, err := db.ResultRecord(ctx, colleague); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("colleague: %v", err)
	}
	// A result of the other club.
	wrongResult := forged
	wrongResult.Actor = f.Staff
	wrongResult.ResultID = other.Results["refusal"]
	if _, err := db.ResultRecord(ctx, wrongResult); domain.ErrorCode(err) != domain.CodeResultNotAllowed {
		t.Fatalf("other club's result: %v", err)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM task_results"); n != 0 {
		t.Fatalf("refused results wrote %d rows", n)
	}

	in.Values = forged.Values
	dir := domain.CallOut
	in.Call = &dir
	got, err := db.ResultRecord(ctx, in)
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	if got.Task.Status != domain.StatusDone {
		t.Fatalf("status %s", got.Task.Status)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM task_field_values WHERE task_result_id = $1 AND value_id = $2", got.TaskResultID, f.Reasons["far"]); n != 1 {
		t.Fatalf("field values = %d", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE kind = 'result.recorded' AND (payload->>'task_result_id')::bigint = $1", got.TaskResultID); n != 1 {
		t.Fatalf("result.recorded rows = %d", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM calls WHERE task_id = $1 AND direction = 'out'", task.ID); n != 1 {
		t.Fatalf("calls = %d", n)
	}
	// Recording again (a double tap) is a conflict and writes nothing.
	if _, err := db.ResultRecord(ctx, in); domain.ErrorCode(err) != domain.CodeTaskClosed {
		t.Fatalf("second record: %v", err)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM task_results"); n != 1 {
		t.Fatalf("task_results = %d after double record", n)
	}
}

func TestResultRecordConcurrentDoubleTap(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["call"], ClientID: f.Clients[0], AssigneeID: f.Staff.ID})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: task.ID, ResultID: f.Results["thinking"], Actor: f.Staff})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if domain.ErrorCode(err) != domain.CodeTaskClosed {
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of 8 concurrent records succeeded, want 1", ok)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM outbox WHERE kind = 'result.recorded'"); n != 1 {
		t.Fatalf("outbox rows = %d", n)
	}
}
