package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// TaskTake puts a task into work for actor: status in progress, assigned to
// actor, taken now, and the actor's current task. The take is one
// conditional UPDATE re-checking domain.MayTake in SQL (takeCondition), so
// when two people tap "take" at once exactly one wins; the other gets
// ErrConflict with code "task_taken" and the winner's name in Args["name"]. Taking a task one already has in
// progress just makes it current again. Taking a bulk call's subtask puts
// the bulk call in progress, in the same transaction.
//
// Other outcomes: another club's or a deleted task is ErrNotFound; a bulk
// call, whose status follows its calls, ErrInvalid
// "bulk_status_follows_calls"; a closed
// task ErrConflict "task_closed"; a new task assigned to someone else is
// ErrForbidden "task_not_yours" for staff.
func (db *DB) TaskTake(ctx context.Context, clubID, taskID int64, actor domain.Staff) (domain.Task, error) {
	if !actor.Active || actor.ClubID != clubID {
		return domain.Task{}, fmt.Errorf("take task %d: %w", taskID, domain.ErrNotFound)
	}
	now := db.clock.Now()
	var t domain.Task
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		t, err = scanTask(tx.QueryRow(ctx, `
UPDATE tasks SET status = 'in_progress', assignee_id = $3, taken_at = $4, updated_at = $4
WHERE club_id = $1 AND id = $2 AND deleted_at IS NULL AND `+takeCondition("$3", "$5")+`
RETURNING `+taskColumns(""),
			clubID, taskID, actor.ID, now, actor.IsManager()))
		if errors.Is(err, pgx.ErrNoRows) {
			// Not taken: say why, from the row as it is now.
			t, err = takeRefusal(ctx, tx, clubID, taskID, actor)
			if err != nil {
				return err
			}
		} else if err != nil {
			return fmt.Errorf("take task %d: %w", taskID, mapErr(err))
		} else {
			// A subtask taken puts its bulk call in progress; nothing else
			// (no outbox row) would tell it.
			if err := bulkParentFollow(ctx, tx, t, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE staff SET current_task_id = $3 WHERE club_id = $1 AND id = $2`, clubID, actor.ID, t.ID); err != nil {
			return fmt.Errorf("take task %d: set current: %w", taskID, mapErr(err))
		}
		return nil
	})
	if err != nil {
		return domain.Task{}, err
	}
	return t, nil
}

// takeCondition is domain.MayTake written as SQL over a tasks row, for the
// conditional UPDATE that settles a race between two takes: actor is the
// placeholder of the actor's staff id, manager that of actor.IsManager().
// It follows MayTake case by case (not a bulk call; new and unassigned, own
// or a manager; in progress and unassigned), and
// TestTakeConditionMatchesMayTake checks that the two agree on every
// combination of type, status, assignee and role.
func takeCondition(actor, manager string) string {
	return `(task_type <> 'bulk_call'
  AND (status = 'new' AND (assignee_id IS NULL OR assignee_id = ` + actor + ` OR ` + manager + `)
       OR status = 'in_progress' AND assignee_id IS NULL))`
}

// takeRefusal explains why the conditional take changed nothing, from the
// row as it is now (domain.DecideTake). It returns the task (and no error)
// only when the actor already has it in progress.
func takeRefusal(ctx context.Context, tx pgx.Tx, clubID, taskID int64, actor domain.Staff) (domain.Task, error) {
	t, err := taskLock(ctx, tx, clubID, taskID)
	if err != nil {
		return domain.Task{}, err
	}
	verdict, err := domain.DecideTake(actor, t)
	switch verdict {
	case domain.TakeAlreadyYours:
		return t, nil
	case domain.TakeTakenByOther:
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM staff WHERE club_id = $1 AND id = $2`, clubID, t.AssigneeID).Scan(&name); err != nil {
			return domain.Task{}, fmt.Errorf("take task %d: who took it: %w", taskID, mapErr(err))
		}
		return domain.Task{}, domain.Conflict(domain.CodeTaskTaken, fmt.Sprintf("task %d is already taken by %s", t.ID, name), map[string]any{"name": name})
	case domain.TakeNow:
		// A change committed between the UPDATE and the lock made the task
		// takable again (say, its assignee removed): refuse this once, the
		// next tap takes it.
		return domain.Task{}, fmt.Errorf("take task %d: %w: refused for no known reason", taskID, domain.ErrConflict)
	}
	return domain.Task{}, err
}
