package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// FollowupOutcome says what FollowupCreate did.
type FollowupOutcome string

// Follow-up outcomes.
const (
	FollowupCreated FollowupOutcome = "created" // the next task was created now
	FollowupExisted FollowupOutcome = "existed" // an earlier run created it
	FollowupNoRule  FollowupOutcome = "no_rule" // the chain ends here
	// FollowupTooDeep: the chain reached domain.MaxChainDepth and was cut.
	FollowupTooDeep FollowupOutcome = "too_deep"
	// FollowupUnfit: the rule's next template cannot take this task's client
	// (a client task after an internal one, a bulk call); nothing is created.
	FollowupUnfit FollowupOutcome = "unfit"
)

// Followup is the result of running a recorded result's workflow.
type Followup struct {
	Outcome  FollowupOutcome
	Task     domain.Task // the next task, for created and existed
	ClosedID int64       // the task the result closed
	ParentID int64       // the closed task's bulk call, 0 if none
	ResultID int64
}

// FollowupCreate runs the workflow of one recorded result: it finds the
// club's live rule for (the closed task's template, the result) and creates
// the next task, once. The insert is ON CONFLICT DO NOTHING on the task's
// source_result_id (unique), so however often and however concurrently this
// runs for one result, one follow-up exists; a later run returns it with
// FollowupExisted. The reads before it need no transaction: what they decide
// is only ever inserted once.
//
// A created task that has an assignee gets a "task.assigned" outbox row in
// the same transaction (TaskResultID set, so the notice reads as a next
// step): telling the person goes through the outbox like every other
// assignment, so it survives a lost Redis, and the workflow never waits for
// Telegram's rate limits.
//
// What the next task is, and whether there is one, is domain.NextTask's
// decision; this loads what it needs, calls it, resolves the assignee
// (domain.ResolveAssignee; an inactive choice leaves it unassigned, visible
// in task control) and writes. A result, task or club that no longer exists
// is ErrNotFound.
func (db *DB) FollowupCreate(ctx context.Context, clubID, taskResultID int64, now time.Time) (Followup, error) {
	var (
		out                                  Followup
		closedBy, author, assignee, clientID int64
		templateID                           int64
		depth                                int
		zone                                 string
		hours                                domain.WorkingHours
		recordedAt                           time.Time
	)
	err := db.pool.QueryRow(ctx, `
SELECT t.id, coalesce(t.parent_id, 0), tr.result_id, coalesce(tr.staff_id, 0), coalesce(t.author_id, 0),
       coalesce(t.assignee_id, 0), coalesce(t.client_id, 0), t.template_id, t.chain_depth, c.time_zone,
       c.work_open_min, c.work_close_min, tr.recorded_at
FROM task_results tr
JOIN tasks t ON t.club_id = tr.club_id AND t.id = tr.task_id
JOIN clubs c ON c.id = tr.club_id
WHERE tr.club_id = $1 AND tr.id = $2 AND t.deleted_at IS NULL AND c.deleted_at IS NULL`, clubID, taskResultID).Scan(
		&out.ClosedID, &out.ParentID, &out.ResultID, &closedBy, &author, &assignee, &clientID, &templateID, &depth, &zone,
		&hours.Open, &hours.Close, &recordedAt)
	if err != nil {
		return Followup{}, fmt.Errorf("follow-up of result %d: %w", taskResultID, mapErr(err))
	}
	rule, err := db.WorkflowRuleFind(ctx, clubID, templateID, out.ResultID)
	if errors.Is(err, domain.ErrNotFound) {
		out.Outcome = FollowupNoRule
		return out, nil
	}
	if err != nil {
		return Followup{}, fmt.Errorf("follow-up of result %d: %w", taskResultID, err)
	}
	next, err := db.TemplateGet(ctx, clubID, rule.NextTemplateID)
	if err != nil {
		return Followup{}, fmt.Errorf("follow-up of result %d: %w", taskResultID, err)
	}
	loc, err := domain.LoadLocation(zone)
	if err != nil {
		return Followup{}, fmt.Errorf("follow-up of result %d: club zone: %w", taskResultID, err)
	}
	plan := domain.NextTask(rule, next, domain.ClosedTask{ClubID: clubID, ClientID: clientID, ChainDepth: depth},
		recordedAt, hours, loc, now)
	switch plan.Verdict {
	case domain.FollowupRetired:
		out.Outcome = FollowupNoRule
		return out, nil
	case domain.FollowupTooDeep:
		out.Outcome = FollowupTooDeep
		return out, nil
	case domain.FollowupUnfit:
		out.Outcome = FollowupUnfit
		return out, nil
	}
	t := plan.Task
	t.AssigneeID, err = db.followupAssignee(ctx, clubID, rule, domain.AssigneeInput{ClosedBy: closedBy, Author: author, Assignee: assignee})
	if err != nil {
		return Followup{}, fmt.Errorf("follow-up of result %d: %w", taskResultID, err)
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
INSERT INTO tasks (club_id, task_type, template_id, title, client_id, source_result_id, chain_depth,
                   assignee_id, status, due_at, remind_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, nullif($5, 0), $6, $7, nullif($8, 0), 'new', $9, $10, $11, $11)
ON CONFLICT (club_id, source_result_id) WHERE source_result_id IS NOT NULL DO NOTHING
RETURNING id, created_at, updated_at`,
			clubID, string(t.Type), t.TemplateID, t.Title, t.ClientID, taskResultID, plan.ChainDepth,
			t.AssigneeID, t.DueAt, t.RemindAt, now).Scan(&t.ID, &t.CreatedAt, &t.UpdatedAt)
		if err != nil {
			return err
		}
		if t.AssigneeID == 0 {
			return nil
		}
		_, err = outboxAdd(ctx, tx, clubID, domain.OutboxTaskAssigned,
			domain.OutboxPayload{TaskID: t.ID, StaffID: t.AssigneeID, TaskResultID: taskResultID}, now)
		return err
	})
	switch {
	case err == nil:
		out.Outcome, out.Task = FollowupCreated, t
		return out, nil
	case errors.Is(err, pgx.ErrNoRows):
		out.Outcome = FollowupExisted
		if out.Task, err = db.taskBySourceResult(ctx, clubID, taskResultID); err != nil {
			return Followup{}, err
		}
		return out, nil
	default:
		return Followup{}, fmt.Errorf("follow-up of result %d: %w", taskResultID, mapErr(err))
	}
}

// followupAssignee applies the rule's assignee choice; someone no longer
// active gets nobody (0), so the task shows as unassigned in task control.
func (db *DB) followupAssignee(ctx context.Context, clubID int64, rule domain.WorkflowRule, in domain.AssigneeInput) (int64, error) {
	var err error
	switch rule.Assignee {
	case domain.AssignRole:
		in.LeastRoled, err = db.StaffLeastLoaded(ctx, clubID, rule.AssigneeRole)
		if errors.Is(err, domain.ErrNotFound) {
			in.LeastRoled, err = 0, nil
		}
	case domain.AssignStaff:
		in.NamedOK, err = db.staffActive(ctx, clubID, rule.AssigneeStaff)
	}
	if err != nil {
		return 0, err
	}
	id := domain.ResolveAssignee(rule, in)
	if id == 0 {
		return 0, nil
	}
	active, err := db.staffActive(ctx, clubID, id)
	if err != nil || !active {
		return 0, err
	}
	return id, nil
}

// staffActive reports whether a staff member of the club is active; one who
// does not exist is not.
func (db *DB) staffActive(ctx context.Context, clubID, staffID int64) (bool, error) {
	var active bool
	err := db.pool.QueryRow(ctx, `SELECT active FROM staff WHERE club_id = $1 AND id = $2`, clubID, staffID).Scan(&active)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("staff %d: %w", staffID, mapErr(err))
	}
	return active, nil
}

// taskBySourceResult returns the follow-up created for a recorded result.
func (db *DB) taskBySourceResult(ctx context.Context, clubID, taskResultID int64) (domain.Task, error) {
	t, err := scanTask(db.pool.QueryRow(ctx, `
SELECT `+taskColumns("")+`
FROM tasks WHERE club_id = $1 AND source_result_id = $2`, clubID, taskResultID))
	if err != nil {
		return t, fmt.Errorf("follow-up of result %d: %w", taskResultID, mapErr(err))
	}
	return t, nil
}
