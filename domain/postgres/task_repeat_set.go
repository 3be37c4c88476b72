package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// TaskRepeat is how a task repeats, as its card shows it.
type TaskRepeat struct {
	Rule domain.Repeat
	// Own is true for a repeat set on the task's series (task_repeats),
	// false for its template's rule (template_repeats).
	Own bool
	// Occurrence is the task's number in its series (the first is 1), for
	// Rule.NextAfter: whether the rule makes another after this task.
	Occurrence int
}

// TaskRepeatSet makes an open task repeat by rule: the task becomes the
// first occurrence of a series of its own (leaving its template's series,
// if it was in one), and closing it creates the next occurrence by rule,
// which wins over the template's (repeatNextTx). Setting it again replaces
// the rule, so a double tap stores it once. Only who may edit the task (its
// assignee, managers) may set it; a closed task is CodeTaskClosed.
func (db *DB) TaskRepeatSet(ctx context.Context, clubID, taskID int64, actor domain.Staff, rule domain.Repeat) error {
	if err := rule.Validate(); err != nil {
		return err
	}
	now := db.clock.Now()
	return db.inTx(ctx, func(tx pgx.Tx) error {
		t, err := taskRepeatLock(ctx, tx, clubID, taskID, actor)
		if err != nil {
			return err
		}
		// Leave the template's series (or an earlier repeat's): its rule
		// has no open occurrence left to follow.
		if _, err := tx.Exec(ctx, `
DELETE FROM task_repeats r USING tasks t
WHERE r.club_id = $1 AND t.club_id = $1 AND t.id = $2 AND r.series_id = t.series_id`, clubID, t.ID); err != nil {
			return fmt.Errorf("repeat task %d: %w", taskID, mapErr(err))
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET series_id = NULL, occurrence = 1, updated_at = $3 WHERE club_id = $1 AND id = $2`,
			clubID, t.ID, now); err != nil {
			return fmt.Errorf("repeat task %d: %w", taskID, mapErr(err))
		}
		every, days, month, times, until := repeatColumns(rule) // plan_apply_repeat.go
		if _, err := tx.Exec(ctx, `
INSERT INTO task_repeats (club_id, series_id, every_days, weekdays, month_day, until_date, times, set_by, set_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, 0), $9)
ON CONFLICT (club_id, series_id) DO UPDATE SET every_days = $3, weekdays = $4, month_day = $5, until_date = $6,
    times = $7, set_by = nullif($8, 0), set_at = $9`,
			clubID, t.ID, every, days, month, until, times, actor.ID, now); err != nil {
			return fmt.Errorf("repeat task %d: %w", taskID, mapErr(err))
		}
		return nil
	})
}

// TaskRepeatStop makes an open task stop repeating: its own rule is
// removed and the task leaves its series, so closing it creates nothing,
// whether the rule was its own or its template's. A task that does not
// repeat is left as it is. Rights and a closed task as for TaskRepeatSet.
func (db *DB) TaskRepeatStop(ctx context.Context, clubID, taskID int64, actor domain.Staff) error {
	now := db.clock.Now()
	return db.inTx(ctx, func(tx pgx.Tx) error {
		t, err := taskRepeatLock(ctx, tx, clubID, taskID, actor)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
DELETE FROM task_repeats r USING tasks t
WHERE r.club_id = $1 AND t.club_id = $1 AND t.id = $2 AND r.series_id = coalesce(t.series_id, t.id)`, clubID, t.ID); err != nil {
			return fmt.Errorf("stop repeating task %d: %w", taskID, mapErr(err))
		}
		if _, err := tx.Exec(ctx, `
UPDATE tasks SET series_id = NULL, occurrence = NULL, updated_at = $3
WHERE club_id = $1 AND id = $2 AND occurrence IS NOT NULL`, clubID, t.ID, now); err != nil {
			return fmt.Errorf("stop repeating task %d: %w", taskID, mapErr(err))
		}
		return nil
	})
}

// TaskRepeatGet returns how the task repeats: its series' own rule, else
// its template's; ok is false when it does not repeat.
func (db *DB) TaskRepeatGet(ctx context.Context, clubID, taskID int64) (TaskRepeat, bool, error) {
	var (
		own                       bool
		occurrence                int
		every, days, month, times *int
		until                     *time.Time
	)
	err := db.pool.QueryRow(ctx, `
SELECT tr.series_id IS NOT NULL, t.occurrence,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.every_days ELSE r.every_days END,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.weekdays::int ELSE r.weekdays::int END,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.month_day::int ELSE r.month_day::int END,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.times ELSE r.times END,
       CASE WHEN tr.series_id IS NOT NULL THEN tr.until_date ELSE r.until_date END
FROM tasks t
LEFT JOIN task_repeats tr ON tr.club_id = t.club_id AND tr.series_id = coalesce(t.series_id, t.id)
LEFT JOIN template_repeats r ON r.club_id = t.club_id AND r.template_id = t.template_id
WHERE t.club_id = $1 AND t.id = $2 AND t.occurrence IS NOT NULL AND (tr.series_id IS NOT NULL OR r.template_id IS NOT NULL)`,
		clubID, taskID).Scan(&own, &occurrence, &every, &days, &month, &times, &until)
	if errors.Is(err, pgx.ErrNoRows) {
		return TaskRepeat{}, false, nil
	}
	if err != nil {
		return TaskRepeat{}, false, fmt.Errorf("repeat of task %d: %w", taskID, mapErr(err))
	}
	return TaskRepeat{Rule: repeatRule(every, days, month, times, until), Own: own, Occurrence: occurrence}, true, nil
}

// taskRepeatLock locks the task whose repeat is being changed and checks
// the actor may edit it and that it is open.
func taskRepeatLock(ctx context.Context, tx pgx.Tx, clubID, taskID int64, actor domain.Staff) (domain.Task, error) {
	t, err := taskLock(ctx, tx, clubID, taskID)
	if err != nil {
		return domain.Task{}, err
	}
	if err := domain.CanActOnTask(actor, t, domain.ActionEdit); err != nil {
		return domain.Task{}, err
	}
	if !t.Status.Open() {
		return domain.Task{}, domain.Conflict(domain.CodeTaskClosed, fmt.Sprintf("task %d is already %s", t.ID, t.Status), map[string]any{"status": string(t.Status)})
	}
	if t.Type == domain.TypeBulkCall {
		return domain.Task{}, domain.Invalid(domain.CodeRepeatInvalid, "a bulk call does not repeat", nil)
	}
	return t, nil
}

// repeatRule reads a rule back from its columns.
func repeatRule(every, days, month, times *int, until *time.Time) domain.Repeat {
	rule := domain.Repeat{Until: until}
	if every != nil {
		rule.EveryDays = *every
	}
	if days != nil {
		rule.Weekdays = map[time.Weekday]bool{}
		for d := time.Sunday; d <= time.Saturday; d++ {
			if *days&(1<<int(d)) != 0 {
				rule.Weekdays[d] = true
			}
		}
	}
	if month != nil {
		rule.MonthDay = *month
	}
	if times != nil {
		rule.Times = *times
	}
	return rule
}
