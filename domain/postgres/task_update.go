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

// taskChange runs change on a task in one transaction: it re-reads and locks
// the task (another club's or a deleted task is ErrNotFound), checks the
// actor may do action (domain.CanActOnTask), and lets change validate and
// write. Every change made from a button goes through here, so a stale
// button meets the task as it is now, not as it was when the button was
// drawn.
func (db *DB) taskChange(ctx context.Context, clubID, taskID int64, actor domain.Staff, action domain.TaskAction,
	change func(tx pgx.Tx, t *domain.Task, now time.Time) error) (domain.Task, error) {
	now := db.clock.Now()
	var t domain.Task
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if t, err = taskLock(ctx, tx, clubID, taskID); err != nil {
			return err
		}
		if err := domain.CanActOnTask(actor, t, action); err != nil {
			return err
		}
		if err := change(tx, &t, now); err != nil {
			return err
		}
		t.UpdatedAt = now
		return nil
	})
	if err != nil {
		return domain.Task{}, err
	}
	return t, nil
}

func taskClosed(t domain.Task) error {
	return domain.Conflict(domain.CodeTaskClosed, fmt.Sprintf("task %d is already %s", t.ID, t.Status), map[string]any{"status": string(t.Status)})
}

// clearCurrent drops the task from whoever has it as their current task.
func clearCurrent(ctx context.Context, tx pgx.Tx, clubID, taskID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE staff SET current_task_id = NULL WHERE club_id = $1 AND current_task_id = $2`, clubID, taskID); err != nil {
		return fmt.Errorf("clear current task %d: %w", taskID, mapErr(err))
	}
	return nil
}

// TaskStatusSet changes a task's status by the rules of
// domain.CheckTransition. Closing a client task needs a result, so "done"
// for one is refused here (code "result_required"): it goes through
// ResultRecord. Reopening (done or cancelled → in progress) is for managers.
// Leaving work (done, cancelled, back to new) clears it as anyone's current
// task.
func (db *DB) TaskStatusSet(ctx context.Context, clubID, taskID int64, actor domain.Staff, to domain.Status) (domain.Task, error) {
	if _, err := domain.ParseStatus(string(to)); err != nil {
		return domain.Task{}, err
	}
	return db.taskChange(ctx, clubID, taskID, actor, domain.ActionChangeStatus, func(tx pgx.Tx, t *domain.Task, now time.Time) error {
		if err := domain.CheckTransition(domain.Transition{From: t.Status, To: to, Type: t.Type, ByManager: actor.IsManager()}); err != nil {
			return err
		}
		var err error
		switch to {
		case domain.StatusInProgress:
			// Starting (from new) or reopening: someone is on it now.
			_, err = tx.Exec(ctx, `
UPDATE tasks SET status = 'in_progress', assignee_id = coalesce(assignee_id, $3), taken_at = coalesce(taken_at, $4),
       done_at = NULL, cancelled_at = NULL, updated_at = $4
WHERE club_id = $1 AND id = $2`, clubID, t.ID, actor.ID, now)
			if t.AssigneeID == 0 {
				t.AssigneeID = actor.ID
			}
			t.DoneAt = nil
		case domain.StatusNew:
			_, err = tx.Exec(ctx, `UPDATE tasks SET status = 'new', taken_at = NULL, updated_at = $3 WHERE club_id = $1 AND id = $2`, clubID, t.ID, now)
		case domain.StatusDone:
			_, err = tx.Exec(ctx, `
UPDATE tasks SET status = 'done', done_at = $3, assignee_id = coalesce(assignee_id, $4), updated_at = $3
WHERE club_id = $1 AND id = $2`, clubID, t.ID, now, actor.ID)
			t.DoneAt = &now
		case domain.StatusCancelled:
			_, err = tx.Exec(ctx, `UPDATE tasks SET status = 'cancelled', cancelled_at = $3, updated_at = $3 WHERE club_id = $1 AND id = $2`, clubID, t.ID, now)
		}
		if err != nil {
			return fmt.Errorf("set status of task %d: %w", t.ID, mapErr(err))
		}
		if to != domain.StatusInProgress {
			if err := clearCurrent(ctx, tx, clubID, t.ID); err != nil {
				return err
			}
		}
		t.Status = to
		if to == domain.StatusDone {
			if err := repeatNextTx(ctx, tx, clubID, t.ID, now); err != nil { // task_repeat.go
				return err
			}
		}
		return bulkParentFollow(ctx, tx, *t, now)
	})
}

// bulkParentFollow brings a subtask's bulk call in line with its subtasks
// in the caller's transaction. Only a recorded result asks the workers to
// do it (outbox "result.recorded"); without this a bulk call whose last
// open subtask is cancelled or deleted would stay in progress for ever, and
// one whose subtask is taken (TaskTake) or started would stay new. A bulk
// call that was deleted is left alone.
func bulkParentFollow(ctx context.Context, tx pgx.Tx, t domain.Task, now time.Time) error {
	if t.ParentID == 0 {
		return nil
	}
	if _, err := bulkStatusTx(ctx, tx, t.ClubID, t.ParentID, now, true); err != nil && !errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("task %d: %w", t.ID, err)
	}
	return nil
}

// TaskDelete deletes a task softly (deleted_at): it disappears from lists,
// search and cards, and stays in the database for reports' history.
func (db *DB) TaskDelete(ctx context.Context, clubID, taskID int64, actor domain.Staff) error {
	_, err := db.taskChange(ctx, clubID, taskID, actor, domain.ActionDelete, func(tx pgx.Tx, t *domain.Task, now time.Time) error {
		if _, err := tx.Exec(ctx, `UPDATE tasks SET deleted_at = $3, updated_at = $3 WHERE club_id = $1 AND id = $2`, clubID, t.ID, now); err != nil {
			return fmt.Errorf("delete task %d: %w", t.ID, mapErr(err))
		}
		if err := clearCurrent(ctx, tx, clubID, t.ID); err != nil {
			return err
		}
		return bulkParentFollow(ctx, tx, *t, now)
	})
	return err
}

// TaskReschedule moves an open task's due time (nil removes it). A reminder
// moves with it, keeping its distance to the due time; the reminder and the
// overdue notice are armed again; a "task.rescheduled" outbox row asks the
// scheduler side to re-plan. A due time in the past is refused (code
// "due_in_past").
func (db *DB) TaskReschedule(ctx context.Context, clubID, taskID int64, actor domain.Staff, due *time.Time) (domain.Task, error) {
	return db.taskChange(ctx, clubID, taskID, actor, domain.ActionEdit, func(tx pgx.Tx, t *domain.Task, now time.Time) error {
		if !t.Status.Open() {
			return taskClosed(*t)
		}
		if due != nil && due.Before(now) {
			return domain.Invalid(domain.CodeDueInPast, "the new due time has already passed", nil)
		}
		remind := t.RemindAt
		if remind != nil && t.DueAt != nil && due != nil {
			r := remind.Add(due.Sub(*t.DueAt))
			if r.Before(now) {
				r = now
			}
			remind = &r
		}
		if _, err := tx.Exec(ctx, `
UPDATE tasks SET due_at = $3, remind_at = $4, reminded_at = NULL, overdue_notified_at = NULL, updated_at = $5
WHERE club_id = $1 AND id = $2`, clubID, t.ID, due, remind, now); err != nil {
			return fmt.Errorf("reschedule task %d: %w", t.ID, mapErr(err))
		}
		if _, err := outboxAdd(ctx, tx, clubID, domain.OutboxTaskRescheduled, domain.OutboxPayload{TaskID: t.ID, ActorID: actor.ID}, now); err != nil {
			return err
		}
		t.DueAt, t.RemindAt = due, remind
		return nil
	})
}

// TaskEditInput is an edit of a task's text; nil fields stay as they are.
type TaskEditInput struct {
	Title       *string
	Description *string
}

// TaskEdit changes a task's title and/or description, validated by
// domain.Task.ValidateText (too long: code "too_long" with the limit).
func (db *DB) TaskEdit(ctx context.Context, clubID, taskID int64, actor domain.Staff, in TaskEditInput) (domain.Task, error) {
	return db.taskChange(ctx, clubID, taskID, actor, domain.ActionEdit, func(tx pgx.Tx, t *domain.Task, now time.Time) error {
		// Checked under the row lock: a form opened before someone closed
		// the task must not rewrite the closed task's history.
		if !t.Status.Open() {
			return taskClosed(*t)
		}
		if in.Title != nil {
			t.Title = strings.TrimSpace(*in.Title)
		}
		if in.Description != nil {
			t.Description = strings.TrimSpace(*in.Description)
		}
		if err := t.ValidateText(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET title = $3, description = $4, updated_at = $5 WHERE club_id = $1 AND id = $2`,
			clubID, t.ID, t.Title, t.Description, now); err != nil {
			return fmt.Errorf("edit task %d: %w", t.ID, mapErr(err))
		}
		return nil
	})
}

// TaskReassign hands a task to another active staff member of the club
// (assigneeID 0 leaves it unassigned, for anyone to take). Only managers and
// owners hand tasks out (domain.CanActOnTask). The new assignee is told
// through a "task.assigned" outbox row unless they are the actor; the
// previous assignee loses it as their current task.
func (db *DB) TaskReassign(ctx context.Context, clubID, taskID int64, actor domain.Staff, assigneeID int64) (domain.Task, error) {
	return db.taskChange(ctx, clubID, taskID, actor, domain.ActionReassign, func(tx pgx.Tx, t *domain.Task, now time.Time) error {
		if !t.Status.Open() {
			return taskClosed(*t)
		}
		if assigneeID == t.AssigneeID {
			return domain.Conflict(domain.CodeAssigneeUnchanged, "the task already has this assignee", nil)
		}
		if assigneeID != 0 {
			var active bool
			err := tx.QueryRow(ctx, `SELECT active FROM staff WHERE club_id = $1 AND id = $2`, clubID, assigneeID).Scan(&active)
			if err != nil {
				return fmt.Errorf("reassign task %d: staff %d: %w", t.ID, assigneeID, mapErr(err))
			}
			if !active {
				return fmt.Errorf("reassign task %d: staff %d left: %w", t.ID, assigneeID, domain.ErrNotFound)
			}
		}
		// An in-progress task handed to someone else waits for them to take
		// it; a bulk call's status stays as its calls make it.
		if _, err := tx.Exec(ctx, `
UPDATE tasks SET assignee_id = nullif($3, 0), updated_at = $4,
       status = CASE WHEN task_type = 'bulk_call' THEN status ELSE 'new' END,
       taken_at = CASE WHEN task_type = 'bulk_call' THEN taken_at END
WHERE club_id = $1 AND id = $2`, clubID, t.ID, assigneeID, now); err != nil {
			return fmt.Errorf("reassign task %d: %w", t.ID, mapErr(err))
		}
		if err := clearCurrent(ctx, tx, clubID, t.ID); err != nil {
			return err
		}
		if assigneeID != 0 && assigneeID != actor.ID {
			if _, err := outboxAdd(ctx, tx, clubID, domain.OutboxTaskAssigned,
				domain.OutboxPayload{TaskID: t.ID, StaffID: assigneeID, ActorID: actor.ID}, now); err != nil {
				return err
			}
		}
		t.AssigneeID = assigneeID
		if t.Type != domain.TypeBulkCall {
			t.Status = domain.StatusNew
		}
		return nil
	})
}
