package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestTaskRepeatSet: a one-off task is made to repeat weekly, twice in
// all: closing it creates the next occurrence once, a week later at the
// same Kyiv time across the DST change, and closing that creates none. A
// task's own rule wins over its template's; stopping ends either. Another
// club's task, a closed one, a colleague's, a bulk call and a bad rule are
// refused and change nothing; setting twice stores one rule.
func TestTaskRepeatSet(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	due := time.Date(2026, 3, 23, 10, 0, 0, 0, kyiv)
	clk := clocktest.New(due.Add(-time.Hour))
	db := pgtest.New(t, postgres.WithClock(clk))
	ctx := context.Background()
	f := pgtest.NewClub(t, db, "trep")
	other := pgtest.NewClub(t, db, "trep-other")
	create := func(f pgtest.Fixture, template string) int64 {
		t.Helper()
		in := postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates[template], Title: "Order water",
			AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID, DueAt: &due}
		task, err := db.TaskCreate(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return task.ID
	}
	openOf := func(series int64) []domain.Task {
		t.Helper()
		rows, err := db.Pool().Query(ctx, `SELECT id, due_at FROM tasks WHERE club_id = $1 AND coalesce(series_id, id) = $2 AND status IN ('new', 'in_progress')`, f.Club.ID, series)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []domain.Task
		for rows.Next() {
			var x domain.Task
			if err := rows.Scan(&x.ID, &x.DueAt); err != nil {
				t.Fatal(err)
			}
			out = append(out, x)
		}
		return out
	}
	closeTask := func(id int64) {
		t.Helper()
		if _, err := db.TaskStatusSet(ctx, f.Club.ID, id, f.Staff, domain.StatusDone); err != nil {
			t.Fatal(err)
		}
	}
	weekly := domain.Repeat{EveryDays: 7, Times: 2}

	task := create(f, "internal")
	// Refusals first: none stores a rule.
	otherTask := create(other, "internal")
	for _, c := range []struct {
		name  string
		club  int64
		task  int64
		actor domain.Staff
		rule  domain.Repeat
		check func(error) bool
	}{
		{"another club's task", f.Club.ID, otherTask, f.Staff, weekly, func(err error) bool { return errors.Is(err, domain.ErrNotFound) }},
		{"a colleague's task", f.Club.ID, task, f.Colleague, weekly, func(err error) bool { return errors.Is(err, domain.ErrForbidden) }},
		{"no rule", f.Club.ID, task, f.Staff, domain.Repeat{Times: 2}, func(err error) bool { return domain.ErrorCode(err) == domain.CodeRepeatInvalid }},
	} {
		if err := db.TaskRepeatSet(ctx, c.club, c.task, c.actor, c.rule); !c.check(err) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM task_repeats`); n != 0 {
		t.Fatalf("refusals stored %d rules", n)
	}

	// Set twice (a double tap): one rule.
	for range 2 {
		if err := db.TaskRepeatSet(ctx, f.Club.ID, task, f.Staff, weekly); err != nil {
			t.Fatal(err)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM task_repeats WHERE club_id = $1 AND series_id = $2`, f.Club.ID, task); n != 1 {
		t.Fatalf("rules: %d, want 1", n)
	}
	if got, ok, err := db.TaskRepeatGet(ctx, f.Club.ID, task); err != nil || !ok || !got.Own || got.Rule.EveryDays != 7 || got.Rule.Times != 2 {
		t.Fatalf("repeat: %+v %v %v", got, ok, err)
	}
	closeTask(task)
	next := openOf(task)
	if want := time.Date(2026, 3, 30, 10, 0, 0, 0, kyiv); len(next) != 1 || !next[0].DueAt.Equal(want) {
		t.Fatalf("after the first close: %+v, want one occurrence due %v", next, want)
	}
	// The occurrence shows the same rule; closing it ends the series (2 times).
	if got, ok, _ := db.TaskRepeatGet(ctx, f.Club.ID, next[0].ID); !ok || got.Rule.EveryDays != 7 {
		t.Errorf("the next occurrence's repeat: %+v %v", got, ok)
	}
	closeTask(next[0].ID)
	if left := openOf(task); len(left) != 0 {
		t.Errorf("after the second of two: open %+v", left)
	}
	// A closed task cannot be made to repeat.
	if err := db.TaskRepeatSet(ctx, f.Club.ID, task, f.Staff, weekly); domain.ErrorCode(err) != domain.CodeTaskClosed {
		t.Errorf("closed task: %v", err)
	}

	// The task's own rule wins over its template's (daily).
	pgtest.Exec(t, db, `INSERT INTO template_repeats (template_id, club_id, every_days) VALUES ($1, $2, 1)`, f.Templates["internal"], f.Club.ID)
	daily := createCheck(t, db, f, due)
	if got, ok, _ := db.TaskRepeatGet(ctx, f.Club.ID, daily); !ok || got.Own || got.Rule.EveryDays != 1 {
		t.Fatalf("template repeat: %+v %v", got, ok)
	}
	if err := db.TaskRepeatSet(ctx, f.Club.ID, daily, f.Manager, domain.Repeat{EveryDays: 14}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TaskStatusSet(ctx, f.Club.ID, daily, f.Staff, domain.StatusDone); err != nil {
		t.Fatal(err)
	}
	if next := openOf(daily); len(next) != 1 || !next[0].DueAt.Equal(time.Date(2026, 4, 6, 10, 0, 0, 0, kyiv)) {
		t.Fatalf("own rule over the template's: %+v, want one due 6 April", next)
	}

	// Stopping: an own rule and a template's rule both end.
	stopped := openOf(daily)[0].ID
	if err := db.TaskRepeatStop(ctx, f.Club.ID, stopped, f.Staff); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.TaskRepeatGet(ctx, f.Club.ID, stopped); ok {
		t.Error("a stopped task still repeats")
	}
	closeTask(stopped)
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1 AND status = 'new' AND template_id = $2`, f.Club.ID, f.Templates["internal"]); n != 0 {
		t.Errorf("after stop and close: %d open", n)
	}
	byTemplate := createCheck(t, db, f, due)
	if err := db.TaskRepeatStop(ctx, f.Club.ID, byTemplate, f.Manager); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TaskStatusSet(ctx, f.Club.ID, byTemplate, f.Staff, domain.StatusDone); err != nil {
		t.Fatal(err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1 AND status = 'new' AND template_id = $2`, f.Club.ID, f.Templates["internal"]); n != 0 {
		t.Errorf("a template's series went on after stop: %d open", n)
	}
	// A bulk call does not repeat.
	bulk, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["bulk_call"], Title: "Promo",
		AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID, ClientIDs: f.Clients[:2], DueAt: &due})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.TaskRepeatSet(ctx, f.Club.ID, bulk.ID, f.Manager, weekly); domain.ErrorCode(err) != domain.CodeRepeatInvalid {
		t.Errorf("bulk call: %v", err)
	}
}

// createCheck creates an open internal task "Check" of the staff member.
func createCheck(t *testing.T, db *postgres.DB, f pgtest.Fixture, due time.Time) int64 {
	t.Helper()
	task, err := db.TaskCreate(context.Background(), postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Check",
		AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID, DueAt: &due})
	if err != nil {
		t.Fatal(err)
	}
	return task.ID
}

// A manager reopens an old occurrence after the series has moved on (its
// next occurrence was created, then cancelled) and closes it again: the
// close succeeds and creates nothing, since the series already has a later
// occurrence (before, it failed on the series' occurrence key, every time).
func TestRepeatReopenedOccurrenceClosesAgain(t *testing.T) {
	t.Parallel()
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	due := time.Date(2026, 10, 20, 10, 0, 0, 0, kyiv)
	db := pgtest.New(t, postgres.WithClock(clocktest.New(due.Add(-time.Hour))))
	ctx := context.Background()
	f := pgtest.NewClub(t, db, "trep-reopen")
	first, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water",
		AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID, DueAt: &due})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.TaskRepeatSet(ctx, f.Club.ID, first.ID, f.Staff, domain.Repeat{EveryDays: 7}); err != nil {
		t.Fatal(err)
	}
	set := func(id int64, who domain.Staff, to domain.Status) {
		t.Helper()
		if _, err := db.TaskStatusSet(ctx, f.Club.ID, id, who, to); err != nil {
			t.Fatalf("task %d → %s: %v", id, to, err)
		}
	}
	set(first.ID, f.Staff, domain.StatusDone)
	second := pgtest.Count(t, db, `SELECT id FROM tasks WHERE club_id = $1 AND series_id = $2 AND occurrence = 2`, f.Club.ID, first.ID)
	set(int64(second), f.Manager, domain.StatusCancelled)
	set(first.ID, f.Manager, domain.StatusInProgress) // reopen
	set(first.ID, f.Manager, domain.StatusDone)
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1 AND coalesce(series_id, id) = $2`, f.Club.ID, first.ID); n != 2 {
		t.Fatalf("series holds %d tasks, want the 2 it had", n)
	}
}
