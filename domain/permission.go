package domain

// TaskAction is something a staff member can do to a task.
type TaskAction string

// Task actions checked by CanActOnTask.
const (
	ActionView         TaskAction = "view"
	ActionTake         TaskAction = "take"
	ActionResult       TaskAction = "result"
	ActionChangeStatus TaskAction = "status"
	ActionEdit         TaskAction = "edit"
	ActionReassign     TaskAction = "reassign"
	ActionDelete       TaskAction = "delete"
)

// CanActOnTask decides whether actor may do action to t. Managers and owners
// may do anything to any task of their club. Staff act on their own tasks and
// on unassigned ones (which they may take); they cannot hand a task to someone
// else, nor delete a task someone else wrote. Another club's task is never
// accessible, and the error does not say whether it exists.
func CanActOnTask(actor Staff, t Task, action TaskAction) error {
	if !actor.Active || actor.ClubID != t.ClubID {
		return ErrNotFound
	}
	if actor.IsManager() {
		return nil
	}
	own := t.AssigneeID == actor.ID
	unassigned := t.AssigneeID == 0
	switch action {
	case ActionView:
		return nil // staff see every task of their club (search, client history)
	case ActionTake:
		// Who may take; whether the task's state allows it is MayTake.
		if own || unassigned {
			return nil
		}
	case ActionResult, ActionChangeStatus, ActionEdit:
		if own || unassigned {
			return nil
		}
	case ActionDelete:
		if (own || unassigned) && t.AuthorID == actor.ID {
			return nil
		}
	case ActionReassign:
		// only managers hand tasks out
	}
	return Forbidden(CodeTaskNotYours, "staff can act only on their own and unassigned tasks")
}

// CanManageClub reports whether actor may see reports and task control.
func CanManageClub(actor Staff) error {
	if actor.Active && actor.IsManager() {
		return nil
	}
	return Forbidden(CodeManagersOnly, "only managers and owners can do this")
}

// CanDeactivateStaff decides whether actor may offboard target from the bot.
// Managers and owners offboard the staff of their club; only an owner
// offboards an owner; nobody offboards themselves (they would lose the bot
// mid-screen: an operator does that with `clubcrm staff deactivate`).
func CanDeactivateStaff(actor, target Staff) error {
	if err := CanManageClub(actor); err != nil {
		return err
	}
	if actor.ClubID != target.ClubID {
		return ErrNotFound
	}
	if actor.ID == target.ID {
		return Forbidden(CodeDeactivateSelf, "you cannot deactivate yourself")
	}
	if target.Role == RoleOwner && actor.Role != RoleOwner {
		return Forbidden(CodeOwnersOnly, "only an owner can deactivate an owner")
	}
	return nil
}
