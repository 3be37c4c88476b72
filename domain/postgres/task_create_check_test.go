package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// A task is assigned only to an active staff member of its club: a form
// opened before someone left, or a forged id, must not hand them work. One
// who left is ErrNotFound, as in TaskReassign; an id that is not the club's
// staff is ErrInvalid, as before. Neither writes anything.
func TestTaskCreateRefusesAssigneeNotActiveHere(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	pgtest.Exec(t, db, `UPDATE staff SET active = false WHERE id = $1`, f.Colleague.ID)

	tests := []struct {
		name     string
		assignee int64
		want     error
	}{
		{"left the club", f.Colleague.ID, domain.ErrNotFound},
		{"another club's", other.Staff.ID, domain.ErrInvalid},
		{"no such staff", 999_999, domain.ErrInvalid},
	}
	for _, tt := range tests {
		before := pgtest.Count(t, db, `SELECT count(*) FROM tasks`)
		outbox := pgtest.Count(t, db, `SELECT count(*) FROM outbox`)
		_, err := db.TaskCreate(ctx, postgres.TaskCreateInput{
			ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water",
			AuthorID: f.Manager.ID, AssigneeID: tt.assignee,
		})
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
		if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks`); n != before {
			t.Errorf("%s: %d tasks written", tt.name, n-before)
		}
		if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox`); n != outbox {
			t.Errorf("%s: %d outbox rows written", tt.name, n-outbox)
		}
	}

	// Active staff and no assignee at all still work.
	for _, assignee := range []int64{f.Staff.ID, 0} {
		if _, err := db.TaskCreate(ctx, postgres.TaskCreateInput{
			ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water", AuthorID: f.Manager.ID, AssigneeID: assignee,
		}); err != nil {
			t.Errorf("assignee %d: %v", assignee, err)
		}
	}
}

// A template retired, or an assignee let go, while a task is being created
// from them: the creation reads the row under a share lock, so it waits for
// the change and refuses, instead of reading the row as it was before and
// storing a task on a retired template or for someone who has left.
func TestTaskCreateWaitsForConcurrentChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change string                     // run in a transaction left open while the task is created
		row    func(pgtest.Fixture) int64 // the change's $1
		check  func(err error) bool
	}{
		{"template retired", `UPDATE templates SET archived_at = now() WHERE id = $1`,
			func(f pgtest.Fixture) int64 { return f.Templates["internal"] },
			func(err error) bool { return domain.ErrorCode(err) == domain.CodeTemplateArchived }},
		{"assignee left", `UPDATE staff SET active = false WHERE id = $1`,
			func(f pgtest.Fixture) int64 { return f.Colleague.ID },
			func(err error) bool { return errors.Is(err, domain.ErrNotFound) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, f := setupTasks(t)
			ctx := context.Background()
			change, err := db.Pool().Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer change.Rollback(ctx) //nolint:errcheck
			if _, err := change.Exec(ctx, tt.change, tt.row(f)); err != nil {
				t.Fatal(err)
			}

			created := make(chan error, 1)
			done := make(chan struct{})
			go func() {
				_, err := db.TaskCreate(ctx, postgres.TaskCreateInput{
					ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water",
					AuthorID: f.Manager.ID, AssigneeID: f.Colleague.ID,
				})
				created <- err
				close(done)
			}()
			// Either the creation waits for the change, or it went ahead
			// reading the old row; commit the change in both cases.
			waitLockWaiters(t, db, false, 1, done)
			if err := change.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-created; !tt.check(err) {
				t.Errorf("created with the change committed meanwhile: got %v", err)
			}
			if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE club_id = $1`, f.Club.ID); n != 0 {
				t.Errorf("%d tasks written", n)
			}
		})
	}
}
