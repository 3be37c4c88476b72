package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Editing a task from its card: title and description are typed (the
// "task_edit" flow), the due time is rescheduled (task_due.go), the assignee
// picked from the club's staff.

// Flow names.
const (
	flowTaskEdit = "task_edit"
	flowTaskDue  = "task_due"
)

// taskEditState is the data of the task_edit and task_due flows.
type taskEditState struct {
	TaskID int64  `json:"task_id"`
	Field  string `json:"field,omitempty"` // "t" title, "d" description
	Origin string `json:"origin"`
}

// taskEditMenu shows what can be edited ("ed|<task>|<origin>").
func (b *Bot) taskEditMenu(r *request) error {
	t, err := b.tappedTaskFor(r, domain.ActionEdit)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	kb := [][]chat.Button{
		row(btn(r.t("bot.edit.title", nil), callback.ActionTaskEditStart, t.ID, "t", o), btn(r.t("bot.edit.description", nil), callback.ActionTaskEditStart, t.ID, "d", o)),
		row(btn(r.t("bot.edit.due", nil), callback.ActionTaskDueMenu, t.ID, o)),
	}
	if domain.CanActOnTask(r.staff, t.Task, domain.ActionReassign) == nil {
		kb = append(kb, row(btn(r.t("bot.edit.assignee", nil), callback.ActionTaskReassignMenu, t.ID, o)))
	}
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionTaskCard, t.ID, o)))
	_, err = r.show("<b>"+esc(t.TitleIn(r.lang))+"</b>\n"+r.t("bot.edit.choose", nil), kb)
	return err
}

// taskEditStart asks for a new title or description ("et|<task>|<t|d>|<origin>")
// and starts the task_edit flow, whose prompt lives in the card's message.
func (b *Bot) taskEditStart(r *request) error {
	id, field, err := r.taskAndWord()
	if err != nil {
		return err
	}
	if field != "t" && field != "d" {
		return errBadArg
	}
	t, err := b.loadTaskFor(r, id, domain.ActionEdit)
	if err != nil {
		return err
	}
	o := r.originArg(2)
	if _, err := r.startConversation(flowTaskEdit, field, taskEditState{TaskID: t.ID, Field: field, Origin: o.String()}, r.cbMsg); err != nil {
		return err
	}
	var text string
	if field == "t" {
		text = r.t("bot.edit.title_prompt", map[string]any{"Limit": domain.MaxTitleLen, "Current": esc(t.Title)})
	} else {
		text = r.t("bot.edit.description_prompt", map[string]any{"Limit": domain.MaxDescriptionLen})
	}
	_, err = r.show(text, [][]chat.Button{row(btn(r.t("common.cancel", nil), callback.ActionTaskEditCancel, t.ID, o))})
	return err
}

// taskEditText is the task_edit flow's text step: the new title or
// description. Text over the limit is refused with the limit and the form
// waits for another try.
func (b *Bot) taskEditText(r *request) error {
	st, err := r.taskEditState()
	if err != nil {
		return err
	}
	text := strings.TrimSpace(r.text)
	limit := domain.MaxTitleLen
	if st.Field == "d" {
		limit = domain.MaxDescriptionLen
	}
	if n := utf8.RuneCountInString(text); n > limit {
		r.noteLongText() // the rest of a long paste may be next
		return r.line("bot.edit.too_long", map[string]any{"Limit": limit, "Got": n})
	}
	if text == "" {
		_, err := r.reply(r.t("bot.edit.empty", nil), nil)
		return err
	}
	if ended, err := b.taskFormStale(r, st.TaskID); ended || err != nil {
		return err
	}
	in := postgres.TaskEditInput{Title: &text}
	if st.Field == "d" {
		in = postgres.TaskEditInput{Description: &text}
	}
	if _, err := b.db.TaskEdit(r.ctx, r.club.ID, st.TaskID, r.staff, in); err != nil {
		return err
	}
	return b.finishTaskForm(r, st, "bot.edit.saved")
}

// taskFormStale re-reads the task a typed title, description or due time
// is for. One deleted, closed or handed to someone else since the prompt
// (the store's TaskEdit does not itself refuse a closed task) ends the form
// with a line saying so, and the answer changes nothing: ended is true.
func (b *Bot) taskFormStale(r *request, taskID int64) (ended bool, err error) {
	_, err = b.loadTaskFor(r, taskID, domain.ActionEdit)
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, domain.ErrNotFound) && !errors.Is(err, domain.ErrForbidden) && !domainCode(err, domain.CodeTaskClosed):
		return true, err
	}
	text := r.errorText(r.taskFormError(err, "forms"))
	c, _, cerr := r.conversation()
	if cerr != nil {
		return true, cerr
	}
	if err := r.endConversation(); err != nil {
		return true, err
	}
	r.dropButtons(c.MessageID)
	_, err = r.reply(text, nil)
	return true, err
}

// taskEditState reads the state of the task_edit or task_due flow, which
// the router found live.
func (r *request) taskEditState() (taskEditState, error) {
	c, _, err := r.conversation()
	if err != nil {
		return taskEditState{}, err
	}
	var st taskEditState
	if err := json.Unmarshal(c.Data, &st); err != nil {
		return taskEditState{}, fmt.Errorf("%s state: %w", c.Flow, err)
	}
	return st, nil
}

// finishTaskForm ends a task form once the typed answer is saved: the
// prompt loses its Cancel button, and the updated card comes as a new
// message under the person's answer, where they are looking.
func (b *Bot) finishTaskForm(r *request, st taskEditState, savedID string) error {
	c, _, err := r.conversation()
	if err != nil {
		return err
	}
	if err := r.endConversation(); err != nil {
		return err
	}
	if c.MessageID != 0 {
		if err := r.removeKeyboard(c.MessageID); err != nil {
			r.b.log.Warn("remove prompt keyboard", "err", err, "staff_id", r.staff.ID)
		}
	}
	text, kb, err := b.taskCard(r, st.TaskID, parseOrigin(st.Origin))
	if err != nil {
		return err
	}
	_, err = r.reply("✓ "+r.t(savedID, nil)+"\n\n"+text, kb)
	return err
}

// taskEditCancel abandons a title, description or due form
// ("ex|<task>|<origin>") and shows the card again.
func (b *Bot) taskEditCancel(r *request) error {
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	if c, ok, err := r.conversation(); err != nil {
		return err
	} else if ok && (c.Flow == flowTaskEdit || c.Flow == flowTaskDue) {
		if err := r.endConversation(); err != nil {
			return err
		}
	}
	r.answer(r.t("bot.cancel.done", nil))
	return b.redrawCard(r, id, r.originArg(1))
}

// taskReassignMenu lists the club's staff to hand the task to
// ("ra|<task>|<origin>"); managers only.
func (b *Bot) taskReassignMenu(r *request) error {
	t, err := b.tappedTaskFor(r, domain.ActionReassign)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	staff, err := b.db.StaffList(r.ctx, r.club.ID)
	if err != nil {
		return err
	}
	var kb [][]chat.Button
	for _, s := range staff {
		label := s.Name
		if s.ID == t.AssigneeID {
			label = "• " + label
		}
		kb = append(kb, row(btn(clip(label, 40), callback.ActionTaskReassign, t.ID, s.ID, o)))
	}
	if t.AssigneeID != 0 {
		kb = append(kb, row(btn(r.t("bot.assign.nobody", nil), callback.ActionTaskReassign, t.ID, 0, o)))
	}
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionTaskCard, t.ID, o)))
	_, err = r.show("<b>"+esc(t.TitleIn(r.lang))+"</b>\n"+r.t("bot.assign.choose", nil), kb)
	return err
}

// taskReassign hands the task over ("as|<task>|<staff>|<origin>"; staff 0:
// nobody). The store checks the new assignee is active staff of this club.
func (b *Bot) taskReassign(r *request) error {
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	to, err := r.data.Int(1)
	if err != nil {
		return err
	}
	if _, err := b.db.TaskReassign(r.ctx, r.club.ID, id, r.staff, to); err != nil {
		return err
	}
	r.answer(r.t("bot.assign.saved", nil))
	return b.redrawCard(r, id, r.originArg(2))
}
