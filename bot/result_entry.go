package bot

import (
	"errors"
	"fmt"
	"strings"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Entering a task's result: "rs|<taskID>[|<origin>]" (the card's "Enter
// result", or a notification's) turns the message into a form: pick one of
// the results allowed for the task's template, answer its additional fields
// one by one, confirm the summary (result_pick.go). The result, its values
// and the outbox row that starts the next step are written by
// postgres.ResultRecord in one transaction; the message then shows the
// updated card, with Back to the list the card came from.
//
// The task is re-read on every step: deleted or closed by someone else while
// the form was open, the form ends with a clear line and writes nothing.

const (
	flowResult   = "result"
	actionResult = callback.ActionResultForm // rf|<version>|<op>|<arg>
)

// resultForm is the result form's state.
type resultForm struct {
	TaskID int64  `json:"task"`
	Origin string `json:"o,omitempty"` // the list the card came from
	resultPick
}

// resultStart opens the result form on a task ("rs|<taskID>[|<origin>]").
func (b *Bot) resultStart(r *request) error {
	taskID, err := r.data.Int(0)
	if err != nil {
		return err
	}
	task, err := b.resultTask(r, taskID)
	if err != nil {
		return r.formFail(err)
	}
	results, err := b.db.ResultsForTemplate(r.ctx, r.club.ID, task.TemplateID)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		return r.formFail(&formError{ID: "forms.result.none"})
	}
	st := resultForm{TaskID: task.ID, Origin: r.originArg(1).String()}
	return r.formStart(flowResult, actionResult, "result", st, func(data buttonData) (string, [][]chat.Button) {
		return b.resultScreen(r, task, st, resultView{results: results}, data)
	})
}

// resultTask loads the task a result is being entered for: one the person
// may close and that is still open, or the form's line saying why not.
func (b *Bot) resultTask(r *request, taskID int64) (postgres.TaskView, error) {
	task, err := b.loadTaskFor(r, taskID, domain.ActionResult)
	return task, r.taskFormError(err, "forms.result")
}

// resultCancel abandons the form and shows the card again.
func (b *Bot) resultCancel(r *request, c postgres.Conversation, st resultForm) error {
	return b.formEndWithCard(r, c, st.TaskID, parseOrigin(st.Origin), r.t("forms.cancelled", nil))
}

// resultExpired answers a tap on a result form that is no longer open. A
// second tap on Confirm after the first recorded the result says so; any
// other tap is an expired form.
func (b *Bot) resultExpired(r *request, in formInput) error {
	if in.Op != opOK {
		return errFormExpired
	}
	if taskID, err := r.data.Int(2); err == nil {
		if t, err := b.db.TaskGet(r.ctx, r.club.ID, taskID); err == nil && t.Status == domain.StatusDone {
			return &formError{ID: "forms.result.already"}
		}
	}
	return errFormExpired
}

// resultStep applies one input to the result form and shows the next screen.
func (b *Bot) resultStep(r *request, c postgres.Conversation, st resultForm, in formInput) error {
	task, err := b.resultTask(r, st.TaskID)
	var fe *formError
	if errors.As(err, &fe) {
		// Deleted, closed or handed to someone else meanwhile: the form
		// cannot go on.
		return r.formEnd(c, r.t(fe.ID, fe.Data), nil)
	}
	if err != nil {
		return err
	}
	if st.ResultID == 0 {
		if in.Op == opBack {
			return b.resultCancel(r, c, st)
		}
		pick, v, err := b.resultChosen(r, task.TemplateID, in)
		if err != nil {
			return r.formFail(err)
		}
		st.resultPick = pick
		return b.resultSave(r, &c, task, st, v)
	}
	v, err := b.resultLoad(r, task.TemplateID, st.resultPick)
	if errors.Is(err, errResultRetired) {
		st.resultPick = resultPick{} // choose again
		if err := b.resultSave(r, &c, task, st, resultView{}); err != nil {
			return err
		}
		return r.formFail(errBadButton)
	}
	if err != nil {
		return err
	}
	if in.Op == opOK {
		return b.resultConfirm(r, c, task, st, v)
	}
	if st.resultPick, err = st.answer(r, v, in); err != nil {
		return r.formFail(err)
	}
	return b.resultSave(r, &c, task, st, v)
}

// resultSave stores the state and shows its screen, loading the choice of
// results when that is the screen.
func (b *Bot) resultSave(r *request, c *postgres.Conversation, task postgres.TaskView, st resultForm, v resultView) error {
	step := "field"
	switch {
	case st.ResultID == 0:
		results, err := b.db.ResultsForTemplate(r.ctx, r.club.ID, task.TemplateID)
		if err != nil {
			return err
		}
		v.results, step = results, "result"
	case st.confirmable(v):
		step = "confirm"
	}
	return r.formSave(c, actionResult, step, st, func(data buttonData) (string, [][]chat.Button) {
		return b.resultScreen(r, task, st, v, data)
	})
}

// resultConfirm records the result, once the conversation is claimed; the
// store refuses a second result on a closed task anyway.
func (b *Bot) resultConfirm(r *request, c postgres.Conversation, task postgres.TaskView, st resultForm, v resultView) error {
	if !st.confirmable(v) {
		return r.formFail(errBadButton)
	}
	if err := r.formClaim(&c); err != nil {
		return err
	}
	_, err := b.db.ResultRecord(r.ctx, postgres.ResultRecordInput{
		ClubID: r.club.ID, TaskID: task.ID, ResultID: st.ResultID, Actor: r.staff, Values: st.Fields.answers(v.res),
	})
	switch {
	case domainCode(err, domain.CodeTaskClosed):
		return r.formEnd(c, r.t("forms.result.already", nil), nil)
	case errors.Is(err, domain.ErrNotFound):
		return r.formEnd(c, r.t("forms.result.task_gone", nil), nil)
	case errors.Is(err, domain.ErrInvalid):
		// The result's fields changed while the form was open (a field made
		// required, a value retired): back to the summary with the reason.
		return r.formRefused(func() error { return b.resultSave(r, &c, task, st, v) }, err)
	case err != nil:
		return fmt.Errorf("record result: %w", err)
	}
	notice := r.t("forms.result.recorded", map[string]any{"Result": esc(v.res.NameIn(r.lang))})
	return b.formEndWithCard(r, c, task.ID, parseOrigin(st.Origin), notice)
}

// resultScreen asks which result closes the task, then its fields, then
// shows the summary with Confirm; always under a line naming the task.
func (b *Bot) resultScreen(r *request, task postgres.TaskView, st resultForm, v resultView, data buttonData) (string, [][]chat.Button) {
	nav := r.formNav(data)
	if st.ResultID == 0 {
		return taskLine(r.lang, task) + "\n\n" + r.t("forms.result.choose", nil), resultChoiceButtons(r.lang, v.results, data, nav)
	}
	confirm := dataBtn(r.t("forms.result.confirm", nil), data(opOK, task.ID))
	text, kb := b.resultFieldsScreen(r, st.resultPick, v, data, confirm, r.t("forms.result.confirm_q", nil), nav)
	return taskLine(r.lang, task) + "\n\n" + text, kb
}

// taskLine names the task a form is about: "<b>Title</b> · Client".
func taskLine(lang domain.Language, t postgres.TaskView) string {
	var b strings.Builder
	b.WriteString("<b>" + esc(t.TitleIn(lang)) + "</b>")
	if t.ClientName != "" {
		b.WriteString(" · " + esc(t.ClientName))
	}
	return b.String()
}
