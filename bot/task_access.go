package bot

import (
	"errors"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Every tap on a task's button re-reads the task and re-checks the person's
// rights against the task as it is now, not as it was when the button was
// drawn: it may have been deleted, closed or handed to someone else since.
// The handlers that show a menu or start a form do it here; the ones that
// change the task leave it to the store, which does the same inside its
// transaction.

// closedTaskActions are what can still be done to a done or cancelled task:
// look at it, change its status (managers reopen it) and delete it. Any
// other action wants an open task.
var closedTaskActions = map[domain.TaskAction]bool{
	domain.ActionView:         true,
	domain.ActionChangeStatus: true,
	domain.ActionDelete:       true,
}

// loadTaskFor re-reads task id for action. Another club's task, a deleted
// one and a missing one are all ErrNotFound, so a forged id reveals nothing;
// rights are domain.CanActOnTask's (code "task_not_yours"); a closed task
// is the conflict "task_closed" unless closedTaskActions allows the action.
func (b *Bot) loadTaskFor(r *request, id int64, action domain.TaskAction) (postgres.TaskView, error) {
	t, err := b.db.TaskGet(r.ctx, r.club.ID, id)
	if err != nil {
		return postgres.TaskView{}, err
	}
	if err := domain.CanActOnTask(r.staff, t.Task, action); err != nil {
		return postgres.TaskView{}, err
	}
	if !t.Status.Open() && !closedTaskActions[action] {
		return postgres.TaskView{}, domain.Conflict(domain.CodeTaskClosed, "task is closed", map[string]any{"status": string(t.Status)})
	}
	return t, nil
}

// tappedTaskFor is loadTaskFor for the task a button names: the first
// argument of its data ("<action>|<task>|...").
func (b *Bot) tappedTaskFor(r *request, action domain.TaskAction) (postgres.TaskView, error) {
	id, err := r.data.Int(0)
	if err != nil {
		return postgres.TaskView{}, err
	}
	return b.loadTaskFor(r, id, action)
}

// taskAndWord reads "<action>|<task>|<word>|...": the task a button names
// and the word after it (a status, a choice, a field).
func (r *request) taskAndWord() (int64, string, error) {
	id, err := r.data.Int(0)
	if err != nil {
		return 0, "", err
	}
	word, err := r.data.Str(1)
	if err != nil {
		return 0, "", err
	}
	return id, word, nil
}

// taskFormError turns loadTaskFor's (or the store's) refusals into what a
// form about the task says: prefix+".task_gone" for a task that is no
// longer there (missing, deleted, another club's), prefix+".task_closed"
// (with the status) for a closed one. Other errors pass as they are.
func (r *request) taskFormError(err error, prefix string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, domain.ErrNotFound):
		return &formError{ID: prefix + ".task_gone"}
	case domain.ErrorCode(err) == domain.CodeTaskClosed:
		var de *domain.Error
		errors.As(err, &de)
		status, _ := de.Args["status"].(string)
		return &formError{ID: prefix + ".task_closed", Data: map[string]any{"Status": r.statusLabel(domain.Status(status))}}
	}
	return err
}
