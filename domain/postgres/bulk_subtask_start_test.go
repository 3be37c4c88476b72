package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// A bulk call is in progress as soon as one of its subtasks is: taken into
// work from its card or reminder, or moved to in progress. Both happen in
// the bot, with no outbox row, so the status must follow in the same
// transaction. A refused take (someone else's subtask) changes nothing.
func TestBulkCallInProgressWhenASubtaskStarts(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"take", "status", "refused take"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			db, f := setupTasks(t)
			ctx := context.Background()
			bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"],
				Title: "Call the leads", ClientIDs: f.Clients, AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID})
			if err != nil {
				t.Fatal(err)
			}
			if fo, err := db.FanoutChunk(ctx, f.Club.ID, bulk.ID, 100, testNow); err != nil || !fo.Done {
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
			want := domain.StatusInProgress
			switch how {
			case "take":
				_, err = db.TaskTake(ctx, f.Club.ID, subs[0], f.Staff)
			case "status":
				_, err = db.TaskStatusSet(ctx, f.Club.ID, subs[0], f.Staff, domain.StatusInProgress)
			case "refused take":
				if _, err := db.TaskTake(ctx, f.Club.ID, subs[0], f.Colleague); err == nil {
					t.Fatal("a colleague took someone else's subtask")
				}
				want = domain.StatusNew
			}
			if err != nil {
				t.Fatal(err)
			}
			v, err := db.TaskGet(ctx, f.Club.ID, bulk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != want {
				t.Fatalf("bulk call after a subtask's %s: status %s, want %s", how, v.Status, want)
			}
		})
	}
}
