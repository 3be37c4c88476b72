package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// ReminderDue is a pending reminder the scheduler's sweep found: a task that
// is open and not deleted, whose reminder time has come or is about to and
// has not been sent.
type ReminderDue struct {
	ClubID   int64
	TaskID   int64
	RemindAt time.Time
}

// ReminderListDue returns pending reminders with remind_at <= until, oldest
// first, at most limit of them after the (remindAt, taskID) position after
// (the zero ReminderDue for the first page). It reads the partial index
// tasks_reminder_pending_idx (remind_at, id), which holds only pending reminders, so its cost
// follows the number of reminders due, not the size of the table.
func (db *DB) ReminderListDue(ctx context.Context, until time.Time, after ReminderDue, limit int) ([]ReminderDue, error) {
	if limit <= 0 {
		return nil, domain.Invalid(domain.CodeLimitInvalid, fmt.Sprintf("limit %d is not positive", limit), nil)
	}
	rows, err := db.pool.Query(ctx, reminderListDueSQL, until, after.RemindAt, after.TaskID, limit)
	if err != nil {
		return nil, fmt.Errorf("reminders due: %w", mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ReminderDue, error) {
		var r ReminderDue
		err := row.Scan(&r.ClubID, &r.TaskID, &r.RemindAt)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("reminders due: %w", mapErr(err))
	}
	return out, nil
}

// ReminderListDueExplain returns EXPLAIN (ANALYZE, BUFFERS) of the sweep's
// first page, for the benchmark to show the index it uses.
func (db *DB) ReminderListDueExplain(ctx context.Context, until time.Time, limit int) (string, error) {
	return explain(ctx, db.pool, reminderListDueSQL, until, time.Time{}, int64(0), limit)
}

// The predicate repeats tasks_reminder_pending_idx's WHERE clause word for word
// so the planner can use the partial index, and the query reads nothing
// else: an index-only scan in index order that stops at LIMIT. (Joining
// clubs to leave out deleted ones made the planner hash-join and sort; a
// deleted club's reminder is instead marked and dropped by ReminderLoad,
// once.)
const reminderListDueSQL = `
SELECT t.club_id, t.id, t.remind_at
FROM tasks t
WHERE t.remind_at <= $1
  AND t.reminded_at IS NULL AND t.remind_at IS NOT NULL AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL
  AND (t.remind_at, t.id) > ($2, $3)
ORDER BY t.remind_at, t.id
LIMIT $4`

// ReminderToSend is a pending reminder a worker is about to send.
type ReminderToSend struct {
	Task TaskView
	// StaffID is who is reminded: the assignee, else the author (who set the
	// reminder on a task nobody has taken); 0 when neither exists.
	StaffID int64
}

// ReminderLoad returns the reminder of a task for remindAt if it is still
// to be sent: the task is open, not deleted, its reminder is still remindAt
// and not yet marked sent. Anything else (re-planned, closed, deleted, sent
// already, another club's task) is ErrNotFound: nothing to send. A deleted
// club's reminder is marked sent all the same, so the sweep stops finding
// it, and is ErrNotFound.
//
// It marks nothing: the reminder stays pending, and in the sweep, until
// ReminderMarkSent after the message went out. Marking it first would lose the
// reminder whenever Redis lost its job between the mark and the send (the
// sweep no longer sees a marked reminder). Two copies of the job running
// at once send once: they send under one delivery key.
func (db *DB) ReminderLoad(ctx context.Context, clubID, taskID int64, remindAt time.Time) (ReminderToSend, error) {
	var clubDeleted bool
	err := db.pool.QueryRow(ctx, `
SELECT c.deleted_at IS NOT NULL
FROM tasks t JOIN clubs c ON c.id = t.club_id
WHERE t.club_id = $1 AND t.id = $2 AND t.remind_at = $3 AND t.reminded_at IS NULL
  AND t.status IN ('new', 'in_progress') AND t.deleted_at IS NULL`, clubID, taskID, remindAt).Scan(&clubDeleted)
	if errors.Is(err, pgx.ErrNoRows) {
		return ReminderToSend{}, fmt.Errorf("reminder of task %d at %s: %w", taskID, remindAt.Format(time.RFC3339), domain.ErrNotFound)
	}
	if err != nil {
		return ReminderToSend{}, fmt.Errorf("load reminder of task %d: %w", taskID, mapErr(err))
	}
	if clubDeleted {
		if err := db.ReminderMarkSent(ctx, clubID, taskID, remindAt, db.clock.Now()); err != nil {
			return ReminderToSend{}, err
		}
		return ReminderToSend{}, fmt.Errorf("reminder of task %d: club %d deleted: %w", taskID, clubID, domain.ErrNotFound)
	}
	var r ReminderToSend
	r.Task, err = scanTaskView(db.pool.QueryRow(ctx, taskViewSelect+` WHERE t.club_id = $1 AND t.id = $2`, clubID, taskID))
	if err != nil {
		return ReminderToSend{}, fmt.Errorf("load reminder of task %d: %w", taskID, mapErr(err))
	}
	r.StaffID = r.Task.AssigneeID
	if r.StaffID == 0 {
		r.StaffID = r.Task.AuthorID
	}
	return r, nil
}

// ReminderMarkSent marks the reminder of a task for remindAt sent (or never to
// be sent: nobody to remind, a recipient gone), which takes it out of the
// sweep. The mark is max(now, remindAt), "reminded up to this moment": a
// reminder time at or before it counts as served; one after it (the
// reminder was moved later) does not, see ReminderReplan. A reminder
// re-planned meanwhile, or marked already, is left as it is.
func (db *DB) ReminderMarkSent(ctx context.Context, clubID, taskID int64, remindAt, now time.Time) error {
	if _, err := db.pool.Exec(ctx, `
UPDATE tasks SET reminded_at = greatest($4::timestamptz, remind_at)
WHERE club_id = $1 AND id = $2 AND remind_at = $3 AND reminded_at IS NULL`, clubID, taskID, remindAt, now); err != nil {
		return fmt.Errorf("mark reminder of task %d sent: %w", taskID, mapErr(err))
	}
	return nil
}

// ReminderPending is what re-planning a task's reminder needs to know.
type ReminderPending struct {
	ClubID   int64
	TaskID   int64
	RemindAt *time.Time // nil: no reminder to plan (none, sent, or the task is closed)
}

// ReminderReplan is run when a task's due date or reminder changed (outbox
// "task.rescheduled"). It returns the reminder still to be sent, if any, so
// the caller can plan an exact-time job for it.
//
// It also forgets marks that belong to an earlier schedule, in case the
// change did not clear them itself: a reminded_at before remind_at (the
// reminder was moved past the moment it was sent) and an
// overdue_notified_at before due_at (the due date was moved past the moment
// the assignee was told it was overdue). Both marks are stamped at or after
// the time they served, so a mark earlier than the current time cannot be
// for it. A deleted task or another club's is ErrNotFound.
func (db *DB) ReminderReplan(ctx context.Context, clubID, taskID int64) (ReminderPending, error) {
	p := ReminderPending{ClubID: clubID, TaskID: taskID}
	var (
		status     string
		remindAt   *time.Time
		remindedAt *time.Time
	)
	err := db.pool.QueryRow(ctx, `
UPDATE tasks SET
    reminded_at = CASE WHEN reminded_at < remind_at THEN NULL ELSE reminded_at END,
    overdue_notified_at = CASE WHEN overdue_notified_at < due_at THEN NULL ELSE overdue_notified_at END
WHERE club_id = $1 AND id = $2 AND deleted_at IS NULL
RETURNING status, remind_at, reminded_at`, clubID, taskID).Scan(&status, &remindAt, &remindedAt)
	if err != nil {
		return ReminderPending{}, fmt.Errorf("replan reminder of task %d: %w", taskID, mapErr(err))
	}
	if domain.Status(status).Open() && remindAt != nil && remindedAt == nil {
		p.RemindAt = remindAt
	}
	return p, nil
}

// TaskSnooze moves a task's reminder to until (a reminder's snooze buttons):
// it sets remind_at, clears reminded_at so the new time is reminded, and
// writes a "task.rescheduled" outbox row, in one transaction, with the same
// checks as TaskReminderSet (the actor may edit the task, it is open, until
// is in the future). until is kept to the second: reminders are planned to
// the second and their job ids carry it.
func (db *DB) TaskSnooze(ctx context.Context, clubID, taskID int64, actor domain.Staff, until time.Time) error {
	until = until.Truncate(time.Second)
	if _, err := db.TaskReminderSet(ctx, clubID, taskID, actor, &until); err != nil {
		return fmt.Errorf("snooze task %d: %w", taskID, err)
	}
	return nil
}

// explain runs EXPLAIN (ANALYZE, BUFFERS) of a query and returns the plan.
func explain(ctx context.Context, q querier, sql string, args ...any) (string, error) {
	rows, err := q.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		return "", fmt.Errorf("explain: %w", mapErr(err))
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("explain: %w", mapErr(err))
	}
	return strings.Join(lines, "\n"), nil
}
