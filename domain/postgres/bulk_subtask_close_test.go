package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// A bulk call is done when every subtask is done or cancelled. Only a
// recorded result asks the workers to re-count (outbox "result.recorded");
// a subtask cancelled or deleted from the bot asks nothing, so when the
// last open subtask is cancelled rather than called, the bulk call stayed in
// progress for ever. Its status must follow in the same transaction.
func TestBulkCallDoneWhenLastSubtaskIsCancelledOrDeleted(t *testing.T) {
	t.Parallel()
	for _, last := range []string{"cancelled", "deleted"} {
		t.Run(last, func(t *testing.T) {
			t.Parallel()
			db, f := setupTasks(t)
			ctx := context.Background()
			bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"],
				Title: "Call the leads", ClientIDs: f.Clients, AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID})
			if err != nil {
				t.Fatal(err)
			}
			if fo, err := db.FanoutChunk(ctx, f.Club.ID, bulk.ID, 100, testNow); err != nil || !fo.Done || fo.Created != 2 {
				t.Fatalf("fan out: %+v %v", fo, err)
			}
			rows, err := db.Pool().Query(ctx, `SELECT id FROM tasks WHERE parent_id = $1 ORDER BY id`, bulk.ID)
			if err != nil {
				t.Fatal(err)
			}
			subs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil || len(subs) != 2 {
				t.Fatalf("subtasks %v: %v", subs, err)
			}
			// The first subtask is called and closed with a result; the
			// worker syncs the bulk call as it does for result.recorded.
			rec, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: f.Club.ID, TaskID: subs[0],
				ResultID: f.Results["thinking"], Actor: f.Staff})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.BulkParentSync(ctx, f.Club.ID, rec.Task.ID, testNow); err != nil {
				t.Fatal(err)
			}
			// The second is dropped.
			switch last {
			case "cancelled":
				_, err = db.TaskStatusSet(ctx, f.Club.ID, subs[1], f.Manager, domain.StatusCancelled)
			case "deleted":
				err = db.TaskDelete(ctx, f.Club.ID, subs[1], f.Manager)
			}
			if err != nil {
				t.Fatal(err)
			}
			v, err := db.TaskGet(ctx, f.Club.ID, bulk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != domain.StatusDone || v.DoneAt == nil {
				t.Fatalf("bulk call after its last open subtask was %s: status %s, want done", last, v.Status)
			}
		})
	}
}
