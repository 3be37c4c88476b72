package postgres_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// bulkWithCalls creates a bulk call of n clients assigned to f.Staff and
// fans it out; it returns the bulk call and its calls' ids.
func bulkWithCalls(t *testing.T, db *postgres.DB, f pgtest.Fixture, n int) (domain.Task, []int64) {
	t.Helper()
	ctx := context.Background()
	clients := append([]int64(nil), f.Clients...)
	for i := len(clients); i < n; i++ {
		var id int64
		if err := db.Pool().QueryRow(ctx, `INSERT INTO clients (club_id, name, status) VALUES ($1, 'Lead ' || $2::int, 'lead') RETURNING id`,
			f.Club.ID, i).Scan(&id); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, id)
	}
	bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"],
		Title: "Call the leads", ClientIDs: clients[:n], AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID})
	if err != nil {
		t.Fatal(err)
	}
	if fo, err := db.FanoutChunk(ctx, f.Club.ID, bulk.ID, 100, testNow); err != nil || !fo.Done || fo.Created != n {
		t.Fatalf("fan out: %+v %v", fo, err)
	}
	rows, err := db.Pool().Query(ctx, `SELECT id FROM tasks WHERE parent_id = $1 ORDER BY id`, bulk.ID)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return bulk, calls
}

// A bulk call's status follows its calls: no one sets it by hand, not even
// a manager, whatever button or forged data asks (issue 9, item 4: "Done"
// left a bulk call done with most of its calls open).
func TestBulkCallStatusIsNotSetByHand(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	bulk, calls := bulkWithCalls(t, db, f, 3)
	for _, to := range []domain.Status{domain.StatusDone, domain.StatusCancelled, domain.StatusInProgress} {
		_, err := db.TaskStatusSet(ctx, f.Club.ID, bulk.ID, f.Manager, to)
		if !errors.Is(err, domain.ErrInvalid) || domain.ErrorCode(err) != domain.CodeBulkStatusFollowsCalls {
			t.Errorf("set bulk call %s: %v, want bulk_status_follows_calls", to, err)
		}
	}
	if _, err := db.TaskTake(ctx, f.Club.ID, bulk.ID, f.Staff); domain.ErrorCode(err) != domain.CodeBulkStatusFollowsCalls {
		t.Errorf("take a bulk call: %v, want bulk_status_follows_calls", err)
	}
	// Taking one of its calls still puts it in progress; handing it to
	// someone else leaves that as it is.
	if _, err := db.TaskTake(ctx, f.Club.ID, calls[0], f.Staff); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TaskReassign(ctx, f.Club.ID, bulk.ID, f.Manager, f.Colleague.ID); err != nil {
		t.Fatal(err)
	}
	v, err := db.TaskGet(ctx, f.Club.ID, bulk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != domain.StatusInProgress || v.AssigneeID != f.Colleague.ID {
		t.Fatalf("bulk call: %s for %d, want in progress for the colleague", v.Status, v.AssigneeID)
	}
}

// Cancelling a bulk call's open calls cancels them all in one go, keeps the
// calls already made, and the bulk call follows: done.
func TestBulkCancelOpen(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	bulk, calls := bulkWithCalls(t, db, f, 5)
	if _, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: calls[0],
		ResultID: f.Results["thinking"], Actor: f.Staff}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TaskTake(ctx, f.Club.ID, calls[1], f.Staff); err != nil { // current, then cancelled
		t.Fatal(err)
	}
	if _, _, err := db.BulkCancelOpen(ctx, f.Club.ID, bulk.ID, f.Colleague); domain.ErrorCode(err) != domain.CodeTaskNotYours {
		t.Fatalf("a colleague cancels: %v, want task_not_yours", err)
	}
	if _, _, err := db.BulkCancelOpen(ctx, f.Club.ID, calls[2], f.Manager); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("cancel the calls of a call: %v, want not found", err)
	}
	s, n, err := db.BulkCancelOpen(ctx, f.Club.ID, bulk.ID, f.Staff)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 || s.Status != domain.StatusDone || s.Open != 0 || s.Done != 1 || s.Cancelled != 4 {
		t.Fatalf("after cancelling: %d cancelled, %+v", n, s)
	}
	if got := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE parent_id = $1 AND status = 'cancelled' AND cancelled_at IS NOT NULL`, bulk.ID); got != 4 {
		t.Fatalf("%d calls cancelled, want 4", got)
	}
	if got := pgtest.Count(t, db, `SELECT count(*) FROM staff WHERE current_task_id = $1`, calls[1]); got != 0 {
		t.Fatal("a cancelled call is still someone's current task")
	}
	if _, _, err := db.BulkCancelOpen(ctx, f.Club.ID, bulk.ID, f.Staff); domain.ErrorCode(err) != domain.CodeTaskClosed {
		t.Fatalf("cancel again: %v, want task_closed", err)
	}
	page, err := db.BulkCallsList(ctx, f.Club.ID, bulk.ID, 2, 2)
	if err != nil || page.Total != 5 || len(page.Lines) != 2 {
		t.Fatalf("calls list page: %+v %v", page, err)
	}
	// A manager reopens one of its calls: the bulk call follows, open again
	// (it used to stay done for ever).
	if _, err := db.TaskStatusSet(ctx, f.Club.ID, calls[2], f.Manager, domain.StatusInProgress); err != nil {
		t.Fatal(err)
	}
	v, err := db.TaskGet(ctx, f.Club.ID, bulk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != domain.StatusInProgress || v.DoneAt != nil {
		t.Fatalf("bulk call after a call reopened: %s (done at %v), want in progress", v.Status, v.DoneAt)
	}
}

// A bulk call still being fanned out cannot have its open calls cancelled:
// the calls still to be created would stay open.
func TestBulkCancelOpenWhileFanningOut(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"],
		Title: "Call the leads", ClientIDs: f.Clients, AuthorID: f.Manager.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.BulkCancelOpen(ctx, f.Club.ID, bulk.ID, f.Manager); domain.ErrorCode(err) != domain.CodeBulkFanningOut {
		t.Fatalf("cancel while fanning out: %v, want bulk_fanning_out", err)
	}
}

// Migration 00010 puts back in progress a bulk call closed by hand while
// calls were open (what "Done" on its card used to do), and leaves the
// others alone.
func TestMigrationBulkFollowsCalls(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	stuck, _ := bulkWithCalls(t, db, f, 3)
	finished, calls := bulkWithCalls(t, db, f, 2)
	for _, id := range calls {
		if _, err := db.TaskStatusSet(ctx, f.Club.ID, id, f.Manager, domain.StatusCancelled); err != nil {
			t.Fatal(err)
		}
	}
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, stuck.ID)
	src, err := fs.ReadFile(postgres.Migrations(), "00010_bulk_follows_calls.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, _, _ := strings.Cut(string(src), "-- +goose Down")
	pgtest.Exec(t, db, up)
	for id, want := range map[int64]domain.Status{stuck.ID: domain.StatusInProgress, finished.ID: domain.StatusDone} {
		v, err := db.TaskGet(ctx, f.Club.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != want {
			t.Errorf("bulk call %d after the migration: %s, want %s", id, v.Status, want)
		}
	}
}
