package domain

// TaskButton is one thing a message about a task offers to do with it. It is
// abstract: the bot and the workers draw it for their messenger (label,
// callback data), so every message that carries a task's buttons (its card,
// a reminder, an "assigned to you" notice) offers the same things for the
// same task and person.
type TaskButton string

// Task buttons.
const (
	TaskButtonTake       TaskButton = "take"        // take the task into work
	TaskButtonResult     TaskButton = "result"      // enter the result (client tasks)
	TaskButtonDone       TaskButton = "done"        // mark done (internal tasks: no result)
	TaskButtonStatus     TaskButton = "status"      // the status menu
	TaskButtonReschedule TaskButton = "reschedule"  // move the due time
	TaskButtonEdit       TaskButton = "edit"        // title, description, assignee
	TaskButtonReminder   TaskButton = "reminder"    // set or drop the reminder
	TaskButtonRepeat     TaskButton = "repeat"      // make it repeat, or stop (not bulk calls)
	TaskButtonDelete     TaskButton = "delete"      // delete (asks first)
	TaskButtonBulkCalls  TaskButton = "bulk_calls"  // a bulk call's list of calls
	TaskButtonBulkCancel TaskButton = "bulk_cancel" // cancel a bulk call's open calls (asks first)
)

// TaskButtons is what a person is offered for a task, in two parts.
type TaskButtons struct {
	// Next is the next step (take, enter the result, mark done; a bulk
	// call's list of calls): what a notification about the task offers
	// beside opening its card.
	Next []TaskButton
	// More manages the task (status, due time, edit, reminder, repeat, delete,
	// cancelling a bulk call's open calls): the card offers it below Next.
	// No row is empty.
	More [][]TaskButton
}

// Rows is Next then More: the card's rows. No row is empty: a person who
// may do nothing to a task (a colleague's task) gets no rows at all.
func (b TaskButtons) Rows() [][]TaskButton {
	var rows [][]TaskButton
	if len(b.Next) > 0 {
		rows = append(rows, b.Next)
	}
	return append(rows, b.More...)
}

// TaskButtonsFor decides which buttons viewer gets for t. It is the one
// place that decides it: the card, reminders and notices all draw what it
// returns. Each button is offered only when CanActOnTask allows its action
// now; the handler checks again on the tap, since the task may change in
// between.
//
// A bulk call's status follows its subtasks (DOMAIN.md), so it offers no
// take, result, done or status change: its list of calls, and to whoever
// may change its status, cancelling the calls still open.
func TaskButtonsFor(t Task, viewer Staff) TaskButtons {
	can := func(a TaskAction) bool { return CanActOnTask(viewer, t, a) == nil }
	var b TaskButtons
	more := func(bs ...TaskButton) {
		if len(bs) > 0 {
			b.More = append(b.More, bs)
		}
	}
	bulk := t.Type == TypeBulkCall
	if bulk && can(ActionView) {
		b.Next = append(b.Next, TaskButtonBulkCalls)
	}
	if t.Status.Open() {
		var manage, edit []TaskButton
		switch {
		case bulk:
			if can(ActionChangeStatus) {
				manage = append(manage, TaskButtonBulkCancel)
			}
		default:
			if can(ActionTake) && MayTake(viewer, t) {
				b.Next = append(b.Next, TaskButtonTake)
			}
			if t.Type.NeedsResult() {
				if can(ActionResult) {
					b.Next = append(b.Next, TaskButtonResult)
				}
			} else if can(ActionChangeStatus) {
				b.Next = append(b.Next, TaskButtonDone)
			}
			if can(ActionChangeStatus) {
				manage = append(manage, TaskButtonStatus)
			}
		}
		if can(ActionEdit) {
			manage = append(manage, TaskButtonReschedule)
			edit = append(edit, TaskButtonEdit, TaskButtonReminder)
			if !bulk {
				edit = append(edit, TaskButtonRepeat)
			}
		}
		more(manage...)
		more(edit...)
	} else if !bulk && viewer.IsManager() && can(ActionChangeStatus) {
		more(TaskButtonStatus) // reopen
	}
	if can(ActionDelete) {
		more(TaskButtonDelete)
	}
	return b
}
