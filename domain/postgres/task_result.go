package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// ResultRecordInput is a result being recorded on a task.
type ResultRecordInput struct {
	ClubID   int64
	TaskID   int64
	ResultID int64
	Actor    domain.Staff // who records it; rights are re-checked here
	Values   []domain.FieldValue
	// Call, when set, is the direction of the call the result closes. A
	// personal call without it is logged as outgoing (see resultCall).
	Call *domain.CallDirection
}

// ResultRecorded is what ResultRecord stored.
type ResultRecorded struct {
	TaskResultID int64
	Task         domain.Task
}

// ResultRecord closes a task with a result: it re-reads and locks the task,
// checks the actor's rights, that the result is allowed for the task's
// template, the status transition and the field values, then writes the task,
// the result history row, the field values, the call record of a personal
// call (see resultCall) and a "result.recorded" outbox row in one
// transaction. A task already closed is ErrConflict (code
// "task_closed"), so a double tap records once.
func (db *DB) ResultRecord(ctx context.Context, in ResultRecordInput) (ResultRecorded, error) {
	var out ResultRecorded
	now := db.clock.Now()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		t, err := taskLock(ctx, tx, in.ClubID, in.TaskID)
		if err != nil {
			return err
		}
		if err := domain.CanActOnTask(in.Actor, t, domain.ActionResult); err != nil {
			return err
		}
		if !t.Status.Open() {
			return domain.Conflict(domain.CodeTaskClosed, fmt.Sprintf("task %d is already %s", t.ID, t.Status), map[string]any{"status": string(t.Status)})
		}
		if err := domain.CheckTransition(domain.Transition{From: t.Status, To: domain.StatusDone, Type: t.Type, HasResult: true, ByManager: in.Actor.IsManager()}); err != nil {
			return err
		}
		trID, _, err := resultWriteTx(ctx, tx, resultWrite{
			Task: t, ResultID: in.ResultID, ActorID: in.Actor.ID, Values: in.Values, Call: in.Call,
		}, now)
		if err != nil {
			return err
		}
		t.Status, t.ResultID, t.DoneAt = domain.StatusDone, in.ResultID, &now
		if t.AssigneeID == 0 {
			t.AssigneeID = in.Actor.ID
		}
		out = ResultRecorded{TaskResultID: trID, Task: t}
		return nil
	})
	return out, err
}

// resultWrite is a result being written onto an open task.
type resultWrite struct {
	Task     domain.Task
	ResultID int64
	ActorID  int64
	Values   []domain.FieldValue
	Call     *domain.CallDirection // the call's direction if the form asked it (see resultCall)
}

// resultWriteTx checks that the result may close the task's template and
// that the values fit its fields, then closes the task with it: the history
// row, the field values, the task's status (assigning it to the actor if it
// was unassigned), the actor's current task cleared, the call record (see
// resultCall) and the "result.recorded" outbox row. The caller has locked the task and
// checked rights and the transition.
func resultWriteTx(ctx context.Context, tx pgx.Tx, w resultWrite, now time.Time) (taskResultID, callID int64, err error) {
	t := w.Task
	res, dicts, err := resultForTemplate(ctx, tx, t.ClubID, t.TemplateID, w.ResultID)
	if err != nil {
		return 0, 0, err
	}
	if err := domain.ValidateResultValues(res, dicts, w.Values); err != nil {
		return 0, 0, err
	}
	if err := tx.QueryRow(ctx, `
INSERT INTO task_results (club_id, task_id, result_id, client_id, staff_id, recorded_at)
VALUES ($1, $2, $3, nullif($4, 0), $5, $6) RETURNING id`,
		t.ClubID, t.ID, w.ResultID, t.ClientID, w.ActorID, now).Scan(&taskResultID); err != nil {
		return 0, 0, fmt.Errorf("record result: %w", mapErr(err))
	}
	if err := fieldValuesInsert(ctx, tx, t.ClubID, taskResultID, w.Values); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `
UPDATE tasks SET status = 'done', result_id = $3, done_at = $4, updated_at = $4,
       taken_at = coalesce(taken_at, $4), assignee_id = coalesce(assignee_id, $5), cancelled_at = NULL
WHERE club_id = $1 AND id = $2`, t.ClubID, t.ID, w.ResultID, now, w.ActorID); err != nil {
		return 0, 0, fmt.Errorf("record result: close task: %w", mapErr(err))
	}
	if _, err := tx.Exec(ctx, `UPDATE staff SET current_task_id = NULL WHERE club_id = $1 AND current_task_id = $2`, t.ClubID, t.ID); err != nil {
		return 0, 0, fmt.Errorf("record result: clear current task: %w", mapErr(err))
	}
	if dir, ok := resultCall(t, w.Call); ok {
		if err := tx.QueryRow(ctx, `
INSERT INTO calls (club_id, direction, client_id, staff_id, task_id, task_result_id, called_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id`, t.ClubID, string(dir), t.ClientID, w.ActorID, t.ID, taskResultID, now).Scan(&callID); err != nil {
			return 0, 0, fmt.Errorf("record result: log call: %w", mapErr(err))
		}
	}
	if _, err := outboxAdd(ctx, tx, t.ClubID, domain.OutboxResultRecorded,
		domain.OutboxPayload{TaskID: t.ID, TaskResultID: taskResultID, ActorID: w.ActorID}, now); err != nil {
		return 0, 0, err
	}
	if err := repeatNextTx(ctx, tx, t.ClubID, t.ID, now); err != nil { // task_repeat.go
		return 0, 0, err
	}
	return taskResultID, callID, nil
}

// resultCall says whether closing t with a result logs a call, and which
// way. A personal call closed with a result is a call made, whichever form
// closed it (its card, a bulk-call subtask, /call): outgoing unless the form
// says otherwise (asked carries the direction the form asked, nil when it
// asked none). Any other task logs a call only when the form asked one. A
// call needs a client. The record points at the result row, one per result,
// so the reports count every call made exactly once.
func resultCall(t domain.Task, asked *domain.CallDirection) (domain.CallDirection, bool) {
	switch {
	case t.ClientID == 0:
		return "", false
	case asked != nil:
		return *asked, true
	case t.Type == domain.TypePersonalCall:
		return domain.CallOut, true
	}
	return "", false
}

// taskLock reads a live task of the club FOR UPDATE.
func taskLock(ctx context.Context, tx pgx.Tx, clubID, taskID int64) (domain.Task, error) {
	t, err := scanTask(tx.QueryRow(ctx, `
SELECT `+taskColumns("")+`
FROM tasks WHERE club_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`, clubID, taskID))
	if err != nil {
		return domain.Task{}, fmt.Errorf("task %d: %w", taskID, mapErr(err))
	}
	return t, nil
}

// resultForTemplate loads a result allowed for a template, with its live
// fields and the dictionaries they use.
func resultForTemplate(ctx context.Context, q querier, clubID, templateID, resultID int64) (domain.Result, map[int64]domain.Dictionary, error) {
	r, err := scanResult(q.QueryRow(ctx, `
SELECT `+resultColumns+`
FROM results r JOIN template_results tr ON tr.result_id = r.id AND tr.club_id = r.club_id
WHERE r.club_id = $1 AND tr.template_id = $2 AND r.id = $3 AND r.archived_at IS NULL`, clubID, templateID, resultID))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, nil, domain.Invalid(domain.CodeResultNotAllowed, fmt.Sprintf("result %d cannot close this task", resultID), nil)
	}
	if err != nil {
		return r, nil, fmt.Errorf("load result %d: %w", resultID, mapErr(err))
	}
	rows, err := q.Query(ctx, `
SELECT `+fieldColumns+`
FROM result_fields WHERE club_id = $1 AND result_id = $2 AND archived_at IS NULL ORDER BY position, id`, clubID, resultID)
	if err != nil {
		return r, nil, fmt.Errorf("load fields of result %d: %w", resultID, mapErr(err))
	}
	r.Fields, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Field, error) { return scanField(row) })
	if err != nil {
		return r, nil, fmt.Errorf("load fields of result %d: %w", resultID, mapErr(err))
	}
	dicts := map[int64]domain.Dictionary{}
	for _, f := range r.Fields {
		if f.DictionaryID == 0 || dicts[f.DictionaryID].ID != 0 {
			continue
		}
		d, err := dictionaryGet(ctx, q, clubID, f.DictionaryID)
		if err != nil {
			return r, nil, err
		}
		dicts[d.ID] = d
	}
	return r, dicts, nil
}

// dictionaryGet loads a dictionary with all its values (archived ones too,
// flagged, so old answers still have names).
func dictionaryGet(ctx context.Context, q querier, clubID, id int64) (domain.Dictionary, error) {
	var d domain.Dictionary
	if err := q.QueryRow(ctx, `SELECT id, club_id, key, name, names, archived_at FROM dictionaries WHERE club_id = $1 AND id = $2`, clubID, id).Scan(
		&d.ID, &d.ClubID, &d.Key, &d.Name, &d.Names, &d.ArchivedAt); err != nil {
		return d, fmt.Errorf("dictionary %d: %w", id, mapErr(err))
	}
	rows, err := q.Query(ctx, `SELECT id, dictionary_id, key, name, names, position, archived_at FROM dictionary_values
WHERE club_id = $1 AND dictionary_id = $2 ORDER BY position, id`, clubID, id)
	if err != nil {
		return d, fmt.Errorf("dictionary %d values: %w", id, mapErr(err))
	}
	d.Values, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.DictValue, error) {
		var v domain.DictValue
		err := row.Scan(&v.ID, &v.DictionaryID, &v.Key, &v.Name, &v.Names, &v.Position, &v.ArchivedAt)
		return v, err
	})
	if err != nil {
		return d, fmt.Errorf("dictionary %d values: %w", id, mapErr(err))
	}
	return d, nil
}

// fieldValuesInsert stores a result's answers, one row per value.
func fieldValuesInsert(ctx context.Context, tx pgx.Tx, clubID, taskResultID int64, values []domain.FieldValue) error {
	var rows [][]any
	for _, v := range values {
		base := func() []any { return []any{clubID, taskResultID, v.FieldID, nil, nil, nil, nil, nil, nil} }
		switch {
		case v.Text != nil:
			r := base()
			r[3] = *v.Text
			rows = append(rows, r)
		case v.Number != nil:
			r := base()
			r[4] = *v.Number
			rows = append(rows, r)
		case v.Date != nil:
			r := base()
			d := time.Date(v.Date.Year(), v.Date.Month(), v.Date.Day(), 0, 0, 0, 0, time.UTC)
			r[5] = d
			rows = append(rows, r)
		case v.Time != nil:
			r := base()
			r[6] = *v.Time
			rows = append(rows, r)
		case v.Bool != nil:
			r := base()
			r[7] = *v.Bool
			rows = append(rows, r)
		default:
			for _, id := range v.ValueIDs {
				r := base()
				r[8] = id
				rows = append(rows, r)
			}
		}
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"task_field_values"},
		[]string{"club_id", "task_result_id", "field_id", "value_text", "value_number", "value_date", "value_time", "value_bool", "value_id"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("store field values: %w", mapErr(err))
	}
	return nil
}
