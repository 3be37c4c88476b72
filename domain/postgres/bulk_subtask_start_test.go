package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
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

// A bulk call is fanned out a moment after it is created, before any
// statistics cover its clients: the chunk query must still walk the primary
// key in order from the last client done, not sort every remaining client
// on every chunk.
func TestFanoutChunkPlanWithoutStatistics(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	var clients []int64
	rows, err := db.Pool().Query(ctx, `
INSERT INTO clients (club_id, name) SELECT $1, 'Client ' || g FROM generate_series(1, 20000) g RETURNING id`, f.Club.ID)
	if err != nil {
		t.Fatal(err)
	}
	if clients, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"],
		Title: "Call everyone", ClientIDs: clients, AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := db.FanoutChunkPlan(ctx, f.Club.ID, bulk.ID, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plan, "Sort") || !strings.Contains(plan, "Index Only Scan using bulk_call_clients_pkey") {
		t.Errorf("chunk plan on a fresh bulk call is not an ordered walk of the primary key:\n%s", plan)
	}
}

// BenchmarkFanoutFresh fans out a bulk call of N clients right after
// creating it (no statistics cover its rows yet), chunk by chunk as the
// worker does, and reports the time per 2,000-subtask chunk.
//
//	go test ./domain/postgres -run '^$' -bench FanoutFresh -benchtime=1x
func BenchmarkFanoutFresh(b *testing.B) {
	for _, n := range []int{10_000, 50_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				db := pgtest.New(b, postgres.WithClock(clocktest.New(testNow)))
				f := pgtest.NewClub(b, db, "alpha")
				ctx := context.Background()
				rows, err := db.Pool().Query(ctx, `
INSERT INTO clients (club_id, name) SELECT $1, 'Client ' || g FROM generate_series(1, $2) g RETURNING id`, f.Club.ID, n)
				if err != nil {
					b.Fatal(err)
				}
				clients, err := pgx.CollectRows(rows, pgx.RowTo[int64])
				if err != nil {
					b.Fatal(err)
				}
				bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"],
					Title: "Call everyone", ClientIDs: clients, AuthorID: f.Manager.ID})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start, chunks := time.Now(), 0
				for done := false; !done; chunks++ {
					fo, err := db.FanoutChunk(ctx, f.Club.ID, bulk.ID, 2000, testNow)
					if err != nil {
						b.Fatal(err)
					}
					done = fo.Done
				}
				elapsed := time.Since(start)
				b.StopTimer()
				b.ReportMetric(float64(elapsed.Milliseconds())/float64(chunks), "ms/chunk")
				b.ReportMetric(float64(n)/elapsed.Seconds(), "subtasks/s")
			}
		})
	}
}
