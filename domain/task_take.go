package domain

import "fmt"

// MayTake is the one definition of whether actor may take t as it is now
// (put it in progress, assigned to themselves): not a bulk call (its status
// follows its calls), and either new and unassigned, the actor's own, or the
// actor a manager; or in progress with nobody on it.
//
// The store re-checks this rule in SQL, inside the conditional UPDATE that
// settles two people taking at once (postgres.takeCondition, written case by
// case from this function; TestTakeConditionMatchesMayTake checks that the
// two agree on every combination). Change both together.
func MayTake(actor Staff, t Task) bool {
	if t.Type == TypeBulkCall {
		return false
	}
	switch t.Status {
	case StatusNew:
		return t.AssigneeID == 0 || t.AssigneeID == actor.ID || actor.IsManager()
	case StatusInProgress:
		return t.AssigneeID == 0
	}
	return false
}

// TakeVerdict is what DecideTake says taking a task does.
type TakeVerdict string

// Take verdicts.
const (
	TakeNow          TakeVerdict = "take"          // put it in progress, assigned to the actor
	TakeAlreadyYours TakeVerdict = "already_yours" // the actor has it in progress: it just becomes current
	// TakeTakenByOther: someone else has it in progress; the store answers
	// with a "task_taken" conflict naming them.
	TakeTakenByOther TakeVerdict = "taken"
	TakeRefused      TakeVerdict = "refused" // the error says why
)

// DecideTake says what taking t does for actor, and why not when it cannot
// be taken: another club's task (or an inactive actor) is ErrNotFound; a bulk
// call is the transition error "bulk_status_follows_calls"; a closed task is
// ErrConflict "task_closed"; a new task assigned to someone else is
// ErrForbidden "task_not_yours" for staff.
func DecideTake(actor Staff, t Task) (TakeVerdict, error) {
	if err := CanActOnTask(actor, t, ActionView); err != nil {
		return TakeRefused, err
	}
	if MayTake(actor, t) {
		return TakeNow, nil
	}
	switch {
	case t.Type == TypeBulkCall:
		return TakeRefused, CheckTransition(Transition{From: t.Status, To: StatusInProgress, Type: t.Type})
	case !t.Status.Open():
		return TakeRefused, Conflict(CodeTaskClosed, fmt.Sprintf("task %d is already %s", t.ID, t.Status), map[string]any{"status": string(t.Status)})
	case t.Status == StatusInProgress && t.AssigneeID == actor.ID:
		return TakeAlreadyYours, nil
	case t.Status == StatusInProgress:
		return TakeTakenByOther, nil
	}
	// New, assigned to someone else, and the actor is not a manager.
	if err := CanActOnTask(actor, t, ActionTake); err != nil {
		return TakeRefused, err
	}
	return TakeRefused, fmt.Errorf("task %d: %w: refused for no known reason", t.ID, ErrConflict)
}
