package postgres_test

import (
	"context"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// Task control's lists: the open tasks nobody has, and everyone's open
// tasks past due; earliest due first, undated last, paged with the list's
// total. Closed, deleted and another club's tasks stay out.
func TestControlListsOrderPagingAndScope(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	task := func(clubID, tpl, assignee int64, due *time.Time) int64 {
		t.Helper()
		task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{
			ClubID: clubID, TemplateID: tpl, Title: "Order water", AuthorID: 0, AssigneeID: assignee, DueAt: due,
		})
		if err != nil {
			t.Fatalf("create task: %v", err)
		}
		return task.ID
	}
	at := func(d time.Duration) *time.Time { v := testNow.Add(d); return &v }
	internal := f.Templates["internal"]

	undated := task(f.Club.ID, internal, 0, nil)
	late2 := task(f.Club.ID, internal, 0, at(-2*time.Hour))
	future := task(f.Club.ID, internal, 0, at(3*time.Hour))
	late5 := task(f.Club.ID, internal, 0, at(-5*time.Hour))
	sameDue := task(f.Club.ID, internal, 0, at(3*time.Hour)) // ties go by id
	mineLate := task(f.Club.ID, internal, f.Staff.ID, at(-3*time.Hour))
	task(f.Club.ID, internal, f.Staff.ID, at(time.Hour)) // assigned, not due: in neither list
	done := task(f.Club.ID, internal, 0, at(-6*time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = $2 WHERE id = $1`, done, testNow)
	deleted := task(f.Club.ID, internal, 0, at(-7*time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET deleted_at = $2 WHERE id = $1`, deleted, testNow)
	task(other.Club.ID, other.Templates["internal"], 0, at(-8*time.Hour))

	tests := []struct {
		list          postgres.ControlList
		offset, limit int
		want          []int64
		total         int
	}{
		{postgres.ControlUnassigned, 0, 10, []int64{late5, late2, future, sameDue, undated}, 5},
		{postgres.ControlUnassigned, 1, 2, []int64{late2, future}, 5},
		{postgres.ControlUnassigned, 4, 2, []int64{undated}, 5},
		{postgres.ControlUnassigned, 5, 2, []int64{}, 0},
		{postgres.ControlOverdue, 0, 10, []int64{late5, mineLate, late2}, 3},
		{postgres.ControlOverdue, 2, 10, []int64{late2}, 3},
	}
	for _, tt := range tests {
		page, err := db.ControlListGet(ctx, f.Club.ID, tt.list, testNow, tt.offset, tt.limit)
		if err != nil {
			t.Fatalf("%s %d+%d: %v", tt.list, tt.offset, tt.limit, err)
		}
		ids := []int64{}
		for _, l := range page.Lines {
			ids = append(ids, l.ID)
		}
		if !reflect.DeepEqual(ids, tt.want) || page.Total != tt.total {
			t.Errorf("%s %d+%d: ids %v total %d, want %v total %d", tt.list, tt.offset, tt.limit, ids, page.Total, tt.want, tt.total)
		}
	}
	// The lines carry their names, as the list shows them.
	page, err := db.ControlListGet(ctx, f.Club.ID, postgres.ControlOverdue, testNow, 1, 1)
	if err != nil || len(page.Lines) != 1 {
		t.Fatalf("overdue line: %+v %v", page, err)
	}
	if l := page.Lines[0]; l.AssigneeID != f.Staff.ID || l.AssigneeName != f.Staff.Name || l.TemplateName == "" ||
		l.Title != "Order water" || l.Status != domain.StatusNew || l.DueAt == nil || !l.DueAt.Equal(*at(-3 * time.Hour)) {
		t.Errorf("overdue line %+v", l)
	}
}

// The unassigned list reads the club's open unassigned tasks through their
// own index (tasks_open_unassigned_due_idx), not by scanning every open task
// of the club through tasks_open_club_due_idx and filtering.
//
// The session plans every statement generically, as PostgreSQL does for a
// prepared statement (pgx prepares them) once it has run a few times: a
// "$2 = 'unassigned' OR …" shape cannot be pruned in a generic plan, so it
// would fall back to the scan of all open tasks. The plans are seen through
// the indexes' scan counters; the store has one connection, so its
// statistics can be flushed before they are read.
func TestControlUnassignedUsesItsIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u, err := url.Parse(pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("plan_cache_mode", "force_generic_plan") // a run-time parameter of the session
	u.RawQuery = q.Encode()
	db, err := postgres.Open(ctx, u.String(), postgres.WithMaxConns(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	club := repNewClub(t, db, "busy")
	if _, err := db.SyntheticFill(ctx, genSmall(club.id)); err != nil {
		t.Fatalf("fill: %v", err)
	}
	unassigned := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1 AND assignee_id IS NULL
AND status IN ('new', 'in_progress') AND deleted_at IS NULL`, club.id)
	if unassigned == 0 || unassigned*5 > pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1 AND status IN ('new', 'in_progress')`, club.id) {
		t.Fatalf("%d unassigned open tasks: the data does not tell a scan of all open tasks from one of the unassigned", unassigned)
	}

	scans := func() map[string]int {
		t.Helper()
		if _, err := db.Pool().Exec(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Pool().Query(ctx, `SELECT indexrelname::text, idx_scan::int FROM pg_stat_user_indexes
WHERE indexrelname IN ('tasks_open_unassigned_due_idx', 'tasks_open_club_due_idx')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var name string
			var n int
			if err := rows.Scan(&name, &n); err != nil {
				t.Fatal(err)
			}
			out[name] = n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}

	var mode string
	if err := db.Pool().QueryRow(ctx, `SHOW plan_cache_mode`).Scan(&mode); err != nil || mode != "force_generic_plan" {
		t.Fatalf("plan_cache_mode %q (%v)", mode, err)
	}
	before := scans()
	const calls = 4
	for i := range calls {
		page, err := db.ControlListGet(ctx, club.id, postgres.ControlUnassigned, genNow, i%2, 10)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != unassigned {
			t.Fatalf("total %d, want %d", page.Total, unassigned)
		}
	}
	after := scans()
	if _, ok := after["tasks_open_unassigned_due_idx"]; !ok {
		t.Fatal("there is no index tasks_open_unassigned_due_idx")
	}
	if n := after["tasks_open_unassigned_due_idx"] - before["tasks_open_unassigned_due_idx"]; n < calls {
		t.Errorf("tasks_open_unassigned_due_idx scanned %d times in %d lists", n, calls)
	}
	if n := after["tasks_open_club_due_idx"] - before["tasks_open_club_due_idx"]; n != 0 {
		t.Errorf("tasks_open_club_due_idx (every open task) scanned %d times in %d lists", n, calls)
	}
}
