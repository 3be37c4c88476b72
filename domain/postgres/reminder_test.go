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

// reminderTask inserts an internal task of f's club assigned to assignee
// (0: unassigned) with a reminder at remindAt, and returns its id.
func reminderTask(t *testing.T, db *postgres.DB, f pgtest.Fixture, assignee int64, remindAt time.Time) int64 {
	t.Helper()
	var id int64
	err := db.Pool().QueryRow(context.Background(), `
INSERT INTO tasks (club_id, task_type, template_id, title, author_id, assignee_id, due_at, remind_at)
VALUES ($1, 'internal', $2, 'Order water', $3, nullif($4, 0), $5, $6) RETURNING id`,
		f.Club.ID, f.Templates["internal"], f.Manager.ID, assignee, remindAt.Add(time.Hour), remindAt).Scan(&id)
	if err != nil {
		t.Fatalf("insert task: %v", err)
	}
	return id
}

func TestReminderListDue(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()

	early := reminderTask(t, db, f, f.Staff.ID, testNow.Add(-time.Hour))     // missed: still due
	atNow := reminderTask(t, db, f, f.Staff.ID, testNow)                     // due now
	edge := reminderTask(t, db, f, 0, testNow.Add(time.Minute))              // exactly at until: included
	otherClub := reminderTask(t, db, other, other.Staff.ID, testNow)         // every club is swept
	reminderTask(t, db, f, f.Staff.ID, testNow.Add(time.Minute+time.Second)) // after until
	sent := reminderTask(t, db, f, f.Staff.ID, testNow)
	done := reminderTask(t, db, f, f.Staff.ID, testNow)
	cancelled := reminderTask(t, db, f, f.Staff.ID, testNow)
	deleted := reminderTask(t, db, f, f.Staff.ID, testNow)
	pgtest.Exec(t, db, `UPDATE tasks SET reminded_at = remind_at WHERE id = $1`, sent)
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, done)
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, cancelled)
	pgtest.Exec(t, db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted)

	until := testNow.Add(time.Minute)
	got, err := db.ReminderListDue(ctx, until, postgres.ReminderDue{}, 100)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	want := []int64{early, atNow, otherClub, edge} // by remind_at, then id
	if len(got) != len(want) {
		t.Fatalf("got %d reminders %+v, want %d", len(got), got, len(want))
	}
	for i, r := range got {
		if r.TaskID != want[i] {
			t.Errorf("reminder %d is task %d, want %d", i, r.TaskID, want[i])
		}
	}
	if got[0].ClubID != f.Club.ID || !got[0].RemindAt.Equal(testNow.Add(-time.Hour)) {
		t.Errorf("first reminder %+v", got[0])
	}

	// Paging: two at a time, resuming after the last of each page.
	var paged []int64
	after := postgres.ReminderDue{}
	for {
		page, err := db.ReminderListDue(ctx, until, after, 2)
		if err != nil {
			t.Fatalf("page: %v", err)
		}
		for _, r := range page {
			paged = append(paged, r.TaskID)
		}
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1]
	}
	if len(paged) != len(want) {
		t.Fatalf("paged %v, want %v", paged, want)
	}
	for i := range want {
		if paged[i] != want[i] {
			t.Fatalf("paged %v, want %v", paged, want)
		}
	}

	if _, err := db.ReminderListDue(ctx, until, postgres.ReminderDue{}, 0); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("limit 0: error = %v, want ErrInvalid", err)
	}
}

func TestReminderLoadAndSent(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	at := testNow.Add(-10 * time.Second)
	id := reminderTask(t, db, f, f.Staff.ID, at)

	c, err := db.ReminderLoad(ctx, f.Club.ID, id, at)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if c.StaffID != f.Staff.ID || c.Task.ID != id || c.Task.Title != "Order water" {
		t.Fatalf("load = %+v", c)
	}
	// Loading marks nothing: until it is sent, the reminder stays pending
	// and in the sweep, so a job lost with Redis is planned again.
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at IS NULL`, id); n != 1 {
		t.Fatalf("loading marked the reminder")
	}
	if again, err := db.ReminderLoad(ctx, f.Club.ID, id, at); err != nil || again.StaffID != f.Staff.ID {
		t.Fatalf("second load = %+v, %v", again, err)
	}
	if err := db.ReminderMarkSent(ctx, f.Club.ID, id, at, testNow); err != nil {
		t.Fatalf("sent: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at = $2`, id, testNow); n != 1 {
		t.Fatalf("reminded_at not stamped with now")
	}
	// Sent: nothing more to load, and marking it again keeps the first mark.
	if _, err := db.ReminderLoad(ctx, f.Club.ID, id, at); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("load after sent: %v, want ErrNotFound", err)
	}
	if err := db.ReminderMarkSent(ctx, f.Club.ID, id, at, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at = $2`, id, testNow); n != 1 {
		t.Fatalf("second mark moved the first")
	}

	// The stamp is never before the reminder time (a worker clock running
	// slightly behind): "reminded up to" covers the reminder.
	ahead := reminderTask(t, db, f, f.Staff.ID, testNow.Add(time.Minute))
	if err := db.ReminderMarkSent(ctx, f.Club.ID, ahead, testNow.Add(time.Minute), testNow); err != nil {
		t.Fatalf("sent ahead: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at = remind_at`, ahead); n != 1 {
		t.Fatalf("stamp before remind_at")
	}

	// An unassigned task reminds its author.
	unassigned := reminderTask(t, db, f, 0, at)
	if c, err := db.ReminderLoad(ctx, f.Club.ID, unassigned, at); err != nil || c.StaffID != f.Manager.ID {
		t.Fatalf("unassigned: %+v, %v", c, err)
	}

	// Nothing to send: re-planned, closed, deleted, another club's.
	replanned := reminderTask(t, db, f, f.Staff.ID, at)
	pgtest.Exec(t, db, `UPDATE tasks SET remind_at = remind_at + interval '15 minutes' WHERE id = $1`, replanned)
	done := reminderTask(t, db, f, f.Staff.ID, at)
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, done)
	cancelled := reminderTask(t, db, f, f.Staff.ID, at)
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, cancelled)
	deleted := reminderTask(t, db, f, f.Staff.ID, at)
	pgtest.Exec(t, db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted)
	foreign := reminderTask(t, db, other, other.Staff.ID, at)
	gone := pgtest.NewClub(t, db, "gamma")
	goneTask := reminderTask(t, db, gone, gone.Staff.ID, at)
	pgtest.Exec(t, db, `UPDATE clubs SET deleted_at = now() WHERE id = $1`, gone.Club.ID)
	for name, c := range map[string]struct{ club, task int64 }{
		"deleted club": {gone.Club.ID, goneTask},
		"re-planned":   {f.Club.ID, replanned}, "done": {f.Club.ID, done}, "cancelled": {f.Club.ID, cancelled},
		"deleted": {f.Club.ID, deleted}, "another club's task": {f.Club.ID, foreign}, "no such task": {f.Club.ID, 1 << 40},
	} {
		if _, err := db.ReminderLoad(ctx, c.club, c.task, at); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: error = %v, want ErrNotFound", name, err)
		}
		// Marking another club's task, or a re-planned time, changes nothing.
		if err := db.ReminderMarkSent(ctx, c.club, c.task, at, testNow); err != nil {
			t.Errorf("%s: sent: %v", name, err)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = ANY($1) AND reminded_at IS NOT NULL`,
		[]int64{replanned, foreign}); n != 0 {
		t.Errorf("%d tasks marked for a reminder they do not have", n)
	}
	// A deleted club's reminder is marked on load: the sweep forgets it.
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND reminded_at IS NOT NULL`, goneTask); n != 1 {
		t.Errorf("a deleted club's reminder was not marked")
	}
}

func TestReminderReplan(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()

	pending := reminderTask(t, db, f, f.Staff.ID, testNow.Add(time.Hour))
	r, err := db.ReminderReplan(ctx, f.Club.ID, pending)
	if err != nil || r.RemindAt == nil || !r.RemindAt.Equal(testNow.Add(time.Hour)) || r.ClubID != f.Club.ID || r.TaskID != pending {
		t.Fatalf("pending: %+v, %v", r, err)
	}

	// Sent at 10:00, then moved to 11:00 without clearing the mark: the mark
	// is forgotten and the new time is pending.
	moved := reminderTask(t, db, f, f.Staff.ID, testNow.Add(time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET reminded_at = $2 WHERE id = $1`, moved, testNow)
	if r, err := db.ReminderReplan(ctx, f.Club.ID, moved); err != nil || r.RemindAt == nil {
		t.Fatalf("moved later: %+v, %v", r, err)
	}
	// Sent, and only the due date changed: still sent, nothing to plan.
	sent := reminderTask(t, db, f, f.Staff.ID, testNow.Add(-time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET reminded_at = $2 WHERE id = $1`, sent, testNow.Add(-time.Hour))
	if r, err := db.ReminderReplan(ctx, f.Club.ID, sent); err != nil || r.RemindAt != nil {
		t.Fatalf("sent: %+v, %v", r, err)
	}
	// Told it was overdue at 10:00, then the due date moved to tomorrow: told again when that passes.
	overdue := reminderTask(t, db, f, f.Staff.ID, testNow.Add(-2*time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET overdue_notified_at = $2, due_at = $3 WHERE id = $1`, overdue, testNow, testNow.Add(24*time.Hour))
	stillOverdue := reminderTask(t, db, f, f.Staff.ID, testNow.Add(-2*time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET overdue_notified_at = $2, due_at = $3 WHERE id = $1`, stillOverdue, testNow, testNow.Add(-time.Minute))
	for _, id := range []int64{overdue, stillOverdue} {
		if _, err := db.ReminderReplan(ctx, f.Club.ID, id); err != nil {
			t.Fatalf("replan %d: %v", id, err)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND overdue_notified_at IS NULL`, overdue); n != 1 {
		t.Errorf("overdue mark of a moved due date kept")
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND overdue_notified_at IS NOT NULL`, stillOverdue); n != 1 {
		t.Errorf("overdue mark of a due date moved earlier lost")
	}

	closed := reminderTask(t, db, f, f.Staff.ID, testNow.Add(time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, closed)
	if r, err := db.ReminderReplan(ctx, f.Club.ID, closed); err != nil || r.RemindAt != nil {
		t.Fatalf("closed: %+v, %v", r, err)
	}
	deleted := reminderTask(t, db, f, f.Staff.ID, testNow.Add(time.Hour))
	pgtest.Exec(t, db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, deleted)
	foreign := reminderTask(t, db, other, other.Staff.ID, testNow.Add(time.Hour))
	for name, id := range map[string]int64{"deleted": deleted, "another club's": foreign} {
		if _, err := db.ReminderReplan(ctx, f.Club.ID, id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: error = %v, want ErrNotFound", name, err)
		}
	}
}

func TestTaskSnooze(t *testing.T) {
	t.Parallel()
	db, f := setupTasks(t)
	other := pgtest.NewClub(t, db, "beta")
	ctx := context.Background()
	id := reminderTask(t, db, f, f.Staff.ID, testNow.Add(-time.Minute))
	pgtest.Exec(t, db, `UPDATE tasks SET reminded_at = $2 WHERE id = $1`, id, testNow)

	until := testNow.Add(15*time.Minute + 300*time.Millisecond)
	if err := db.TaskSnooze(ctx, f.Club.ID, id, f.Staff, until); err != nil {
		t.Fatalf("snooze: %v", err)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE id = $1 AND remind_at = $2 AND reminded_at IS NULL`,
		id, testNow.Add(15*time.Minute)); n != 1 {
		t.Fatalf("task not snoozed to the whole second with the mark cleared")
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled' AND (payload->>'task_id')::bigint = $1`, id); n != 1 {
		t.Fatalf("task.rescheduled rows = %d, want 1", n)
	}

	colleagues := reminderTask(t, db, f, f.Colleague.ID, testNow)
	done := reminderTask(t, db, f, f.Staff.ID, testNow)
	pgtest.Exec(t, db, `UPDATE tasks SET status = 'done', done_at = now() WHERE id = $1`, done)
	cases := []struct {
		name  string
		club  int64
		task  int64
		actor domain.Staff
		until time.Time
		want  error
	}{
		{"into the past", f.Club.ID, id, f.Staff, testNow.Add(-time.Minute), domain.ErrInvalid},
		{"a colleague's task", f.Club.ID, colleagues, f.Staff, testNow.Add(time.Hour), domain.ErrForbidden},
		{"a done task", f.Club.ID, done, f.Staff, testNow.Add(time.Hour), domain.ErrConflict},
		{"another club's actor", f.Club.ID, id, other.Staff, testNow.Add(time.Hour), domain.ErrNotFound},
		{"forged task id", f.Club.ID, 1 << 40, f.Staff, testNow.Add(time.Hour), domain.ErrNotFound},
	}
	for _, c := range cases {
		if err := db.TaskSnooze(ctx, c.club, c.task, c.actor, c.until); !errors.Is(err, c.want) {
			t.Errorf("%s: error = %v, want %v", c.name, err, c.want)
		}
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'task.rescheduled'`); n != 1 {
		t.Errorf("refused snoozes wrote outbox rows: %d in all", n)
	}
}
