package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// TaskReminderSet sets a task's reminder to remindAt, or removes it (nil). In
// one transaction it re-reads and locks the task, checks the actor may edit
// it and that it is still open, writes remind_at, clears reminded_at (so the
// new time is reminded once, even if an earlier one already was), and adds a
// "task.rescheduled" outbox row for the scheduler side to re-plan. A time not
// after now is refused (code "reminder_in_past"); a closed task is
// ErrConflict (code "task_closed"); another club's or a deleted task is
// ErrNotFound.
func (db *DB) TaskReminderSet(ctx context.Context, clubID, taskID int64, actor domain.Staff, remindAt *time.Time) (domain.Task, error) {
	now := db.clock.Now()
	if remindAt != nil && !remindAt.After(now) {
		return domain.Task{}, domain.Invalid(domain.CodeReminderInPast, "the reminder time has already passed", nil)
	}
	var t domain.Task
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		t, err = taskLock(ctx, tx, clubID, taskID)
		if err != nil {
			return err
		}
		if err := domain.CanActOnTask(actor, t, domain.ActionEdit); err != nil {
			return err
		}
		if !t.Status.Open() {
			return domain.Conflict(domain.CodeTaskClosed, fmt.Sprintf("task %d is already %s", t.ID, t.Status), map[string]any{"status": string(t.Status)})
		}
		if _, err := tx.Exec(ctx, `
UPDATE tasks SET remind_at = $3, reminded_at = NULL, updated_at = $4
WHERE club_id = $1 AND id = $2`, clubID, taskID, remindAt, now); err != nil {
			return fmt.Errorf("set reminder of task %d: %w", taskID, mapErr(err))
		}
		if _, err := outboxAdd(ctx, tx, clubID, domain.OutboxTaskRescheduled,
			domain.OutboxPayload{TaskID: taskID, ActorID: actor.ID}, now); err != nil {
			return err
		}
		t.RemindAt, t.UpdatedAt = remindAt, now
		return nil
	})
	if err != nil {
		return domain.Task{}, err
	}
	return t, nil
}
