package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

func TestTaskReminderSet(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	due := testNow.Add(48 * time.Hour)
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["call"], ClientID: f.Clients[0], AuthorID: f.Staff.ID, AssigneeID: f.Staff.ID, DueAt: &due})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	// A reminder that already fired must fire again for the new time.
	pgtest.Exec(t, db, `UPDATE tasks SET remind_at = $2, reminded_at = $2 WHERE id = $1`, task.ID, testNow.Add(-time.Hour))

	at := due.Add(-time.Hour)
	got, err := db.TaskReminderSet(ctx, f.Club.ID, task.ID, f.Staff, &at)
	if err != nil {
		t.Fatalf("set: %v", err)
	}
	if got.RemindAt == nil || !got.RemindAt.Equal(at) {
		t.Fatalf("returned remind_at %v, want %v", got.RemindAt, at)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND remind_at = $2 AND reminded_at IS NULL`, task.ID, at); n != 1 {
		t.Fatalf("task row not updated")
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled' AND (payload->>'task_id')::bigint = $1`, task.ID); n != 1 {
		t.Fatalf("task.rescheduled rows = %d, want 1", n)
	}

	// Clearing it.
	if _, err := db.TaskReminderSet(ctx, f.Club.ID, task.ID, f.Staff, nil); err != nil {
		t.Fatalf("clear: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND remind_at IS NULL`, task.ID); n != 1 {
		t.Fatalf("reminder not cleared")
	}
}

func TestTaskReminderSetRefusesBadInput(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	mk := func(assignee int64) int64 {
		t.Helper()
		task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["internal"], Title: "Order water", AuthorID: f.Manager.ID, AssigneeID: assignee})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		return task.ID
	}
	mine, colleagues, done, deleted := mk(f.Staff.ID), mk(f.Colleague.ID), mk(f.Staff.ID), mk(f.Staff.ID)
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, done)
	pgtest.Exec(t, db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted)
	future, past := testNow.Add(time.Hour), testNow.Add(-time.Minute)
	cases := []struct {
		name   string
		clubID int64
		taskID int64
		actor  domain.Staff
		at     *time.Time
		want   error
	}{
		{"time already passed", f.Club.ID, mine, f.Staff, &past, domain.ErrInvalid},
		{"now is not the future", f.Club.ID, mine, f.Staff, &testNow, domain.ErrInvalid},
		{"a colleague's task", f.Club.ID, colleagues, f.Staff, &future, domain.ErrForbidden},
		{"a done task", f.Club.ID, done, f.Staff, &future, domain.ErrConflict},
		{"a deleted task", f.Club.ID, deleted, f.Staff, &future, domain.ErrNotFound},
		{"another club's actor", f.Club.ID, mine, other.Staff, &future, domain.ErrNotFound},
		{"another club's scope", other.Club.ID, mine, other.Manager, &future, domain.ErrNotFound},
		{"no such task", f.Club.ID, 999999, f.Staff, &future, domain.ErrNotFound},
	}
	for _, c := range cases {
		if _, err := db.TaskReminderSet(ctx, c.clubID, c.taskID, c.actor, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE remind_at IS NOT NULL`); n != 0 {
		t.Fatalf("refused input wrote %d reminders", n)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled'`); n != 0 {
		t.Fatalf("refused input wrote %d outbox rows", n)
	}
}

// A template's default reminder that would fall before now (due in 10
// minutes, reminder 15 minutes before) is not stored; one still ahead is.
func TestTaskCreateDropsAPastDefaultReminder(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	ctx := context.Background()
	pgtest.Exec(t, db, `UPDATE templates SET reminder_offset_min = -15 WHERE id = $1`, f.Templates["call"])
	for _, c := range []struct {
		due  time.Duration
		want *time.Time
	}{
		{10 * time.Minute, nil},
		{time.Hour, ptrTime(testNow.Add(45 * time.Minute))},
	} {
		due := testNow.Add(c.due)
		task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: f.Club.ID, TemplateID: f.Templates["call"], ClientID: f.Clients[0],
			AuthorID: f.Staff.ID, AssigneeID: f.Staff.ID, DueAt: &due})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		var stored *time.Time
		if err := db.Pool().QueryRow(ctx, `SELECT remind_at FROM tasks WHERE id = $1`, task.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		for what, got := range map[string]*time.Time{"returned": task.RemindAt, "stored": stored} {
			if (got == nil) != (c.want == nil) || (got != nil && !got.Equal(*c.want)) {
				t.Errorf("due in %s: %s reminder %v, want %v", c.due, what, got, c.want)
			}
		}
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
