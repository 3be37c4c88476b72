package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/jobs"
)

// Entering a task's result: "rs|<taskID>" (the card's "Enter result") turns
// the card into a form: pick one of the results allowed for the task's
// template, answer its additional fields one by one (form_fields.go),
// confirm the summary. The result, its values and the outbox row that starts
// the next step are written by postgres.ResultRecord in one transaction; the
// message then shows the updated card.
//
// The task is re-read on every step: deleted or closed by someone else while
// the form was open, the form ends with a clear line and writes nothing.

const (
	flowResult   = "result"
	actionResult = "rf" // rf|<version>|<op>|<arg>
	opResult     = "r"  // arg: result id
)

// resultForm is the result form's state.
type resultForm struct {
	TaskID   int64       `json:"task"`
	ResultID int64       `json:"result,omitempty"` // 0 while the result is being chosen
	Fields   fieldsState `json:"fields"`
}

// resultStart opens the result form on a task ("rs|<taskID>").
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
	st := resultForm{TaskID: task.ID}
	return r.formStart(flowResult, actionResult, "result", st, func(data buttonData) (string, [][]jobs.Button) {
		return b.resultChoiceScreen(r, task, results, data)
	})
}

// resultTask loads the task a result is being entered for and checks the
// person may close it and that it is still open.
func (b *Bot) resultTask(r *request, taskID int64) (postgres.TaskView, error) {
	task, err := b.db.TaskGet(r.ctx, r.club.ID, taskID)
	if errors.Is(err, domain.ErrNotFound) {
		return postgres.TaskView{}, &formError{ID: "forms.result.task_gone"}
	}
	if err != nil {
		return postgres.TaskView{}, err
	}
	if err := domain.CanActOnTask(r.staff, task.Task, domain.ActionResult); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return postgres.TaskView{}, &formError{ID: "forms.result.task_gone"}
		}
		return postgres.TaskView{}, err
	}
	if !task.Status.Open() {
		return postgres.TaskView{}, &formError{ID: "forms.result.task_closed", Data: map[string]any{"Status": r.t("status."+string(task.Status), nil)}}
	}
	return task, nil
}

// resultTap handles a tap on the result form ("rf|...").
func (b *Bot) resultTap(r *request) error {
	var st resultForm
	c, in, err := r.formTap(flowResult, &st)
	if errors.Is(err, errFormExpired) && in.Op == opOK {
		// A second tap on Confirm after the first recorded the result.
		if taskID, aerr := r.data.Int(2); aerr == nil {
			if t, terr := b.db.TaskGet(r.ctx, r.club.ID, taskID); terr == nil && t.Status == domain.StatusDone {
				return r.formFail(&formError{ID: "forms.result.already"})
			}
		}
	}
	if err != nil {
		return r.formFail(err)
	}
	if in.Op == opNop {
		return nil // a label: the router answers the tap, nothing changes
	}
	if in.Op == opCancel {
		return b.formEndWithCard(r, c, st.TaskID, r.t("forms.cancelled", nil))
	}
	return b.resultStep(r, c, st, in)
}

// resultText handles typed text while the result form is open.
func (b *Bot) resultText(r *request) error {
	var st resultForm
	c, in, err := r.formText(flowResult, &st)
	if err != nil {
		return r.formFail(err)
	}
	return b.resultStep(r, c, st, in)
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
		return b.resultChoose(r, c, task, st, in)
	}
	return b.resultAnswer(r, c, task, st, in)
}

// resultView is what a screen of the form shows besides its state.
type resultView struct {
	results []domain.Result // the choice of result
	res     domain.Result   // the chosen result: its fields and the summary
	dicts   map[int64]domain.Dictionary
}

// resultChoose handles the choice of result.
func (b *Bot) resultChoose(r *request, c postgres.Conversation, task postgres.TaskView, st resultForm, in formInput) error {
	switch in.Op {
	case opResult:
	case opBack:
		return b.formEndWithCard(r, c, task.ID, r.t("forms.cancelled", nil))
	case "":
		return r.formFail(&formError{ID: "forms.err.tap_button"})
	default:
		return r.formFail(errBadButton)
	}
	id, err := strconv.ParseInt(in.Arg, 10, 64)
	if err != nil || id <= 0 {
		return r.formFail(errBadButton)
	}
	res, dicts, err := b.db.ResultGet(r.ctx, r.club.ID, task.TemplateID, id)
	if domainCode(err, "result_not_allowed") {
		return r.formFail(errBadButton) // forged, another club's, or retired
	}
	if err != nil {
		return err
	}
	st.ResultID, st.Fields = res.ID, fieldsState{}.enter(res)
	return b.resultSave(r, &c, task, st, resultView{res: res, dicts: dicts})
}

// resultAnswer handles an answer to a field, or Confirm on the summary.
func (b *Bot) resultAnswer(r *request, c postgres.Conversation, task postgres.TaskView, st resultForm, in formInput) error {
	res, dicts, err := b.db.ResultGet(r.ctx, r.club.ID, task.TemplateID, st.ResultID)
	if domainCode(err, "result_not_allowed") {
		// Retired while the form was open: choose again.
		st.ResultID, st.Fields = 0, fieldsState{}
		if err := b.resultSave(r, &c, task, st, resultView{}); err != nil {
			return err
		}
		return r.formFail(errBadButton)
	}
	if err != nil {
		return err
	}
	if in.Op == opOK {
		return b.resultConfirm(r, c, task, st, resultView{res: res, dicts: dicts})
	}
	next, move, err := st.Fields.apply(res, dicts, in, r.formEnv())
	if err != nil {
		return r.formFail(err)
	}
	st.Fields = next
	if move == fieldsOut {
		st.ResultID, st.Fields = 0, fieldsState{}
	}
	return b.resultSave(r, &c, task, st, resultView{res: res, dicts: dicts})
}

// resultSave stores the state and shows its screen.
func (b *Bot) resultSave(r *request, c *postgres.Conversation, task postgres.TaskView, st resultForm, v resultView) error {
	step := "result"
	switch {
	case st.ResultID == 0:
		results, err := b.db.ResultsForTemplate(r.ctx, r.club.ID, task.TemplateID)
		if err != nil {
			return err
		}
		v.results = results
	case st.Fields.done(v.res):
		step = "confirm"
	default:
		step = "field"
	}
	return r.formSave(c, actionResult, step, st, func(data buttonData) (string, [][]jobs.Button) {
		if st.ResultID == 0 {
			return b.resultChoiceScreen(r, task, v.results, data)
		}
		return b.resultFieldScreen(r, task, st, v.res, v.dicts, data)
	})
}

// resultConfirm records the result. The conversation is claimed first (a
// versioned save), so of two taps on Confirm only one goes on; the store
// refuses a second result on a closed task anyway.
func (b *Bot) resultConfirm(r *request, c postgres.Conversation, task postgres.TaskView, st resultForm, v resultView) error {
	if !st.Fields.done(v.res) {
		return r.formFail(errBadButton)
	}
	c.Step = "saving"
	if err := r.saveConversation(&c); err != nil {
		return err
	}
	_, err := b.db.ResultRecord(r.ctx, postgres.ResultRecordInput{
		ClubID: r.club.ID, TaskID: task.ID, ResultID: st.ResultID, Actor: r.staff, Values: st.Fields.answers(v.res),
	})
	switch {
	case domainCode(err, "task_closed"):
		return r.formEnd(c, r.t("forms.result.already", nil), nil)
	case errors.Is(err, domain.ErrNotFound):
		return r.formEnd(c, r.t("forms.result.task_gone", nil), nil)
	case errors.Is(err, domain.ErrInvalid):
		// The result's fields changed while the form was open (a field made
		// required, a value retired): back to the summary with the reason.
		if serr := b.resultSave(r, &c, task, st, v); serr != nil {
			return serr
		}
		fe := storeRefusal(err)
		r.alert(r.t(fe.ID, fe.Data))
		return nil
	case err != nil:
		return fmt.Errorf("record result: %w", err)
	}
	notice := r.t("forms.result.recorded", map[string]any{"Result": esc(v.res.Name)})
	return b.formEndWithCard(r, c, task.ID, notice)
}

// resultChoiceScreen asks which result closes the task.
func (b *Bot) resultChoiceScreen(r *request, task postgres.TaskView, results []domain.Result, data buttonData) (string, [][]jobs.Button) {
	var kb [][]jobs.Button
	for _, res := range results {
		kb = append(kb, row(dataBtn(res.Name, data(opResult, res.ID))))
	}
	kb = append(kb, row(dataBtn(r.t("common.back", nil), data(opBack)), dataBtn(r.t("common.cancel", nil), data(opCancel))))
	return taskLine(task) + "\n\n" + r.t("forms.result.choose", nil), kb
}

// resultFieldScreen shows the current field, or the summary with Confirm.
func (b *Bot) resultFieldScreen(r *request, task postgres.TaskView, st resultForm, res domain.Result, dicts map[int64]domain.Dictionary, data buttonData) (string, [][]jobs.Button) {
	text, kb := st.Fields.view(b.cat, res, dicts, r.formEnv(), data)
	if st.Fields.done(res) {
		kb = [][]jobs.Button{
			row(dataBtn(r.t("forms.result.confirm", nil), data(opOK, task.ID))),
			row(dataBtn(r.t("common.back", nil), data(opBack)), dataBtn(r.t("common.cancel", nil), data(opCancel))),
		}
		text += "\n\n" + r.t("forms.result.confirm_q", nil)
	}
	return taskLine(task) + "\n\n" + text, kb
}

// taskLine names the task a form is about: "<b>Title</b> · Client".
func taskLine(t postgres.TaskView) string {
	var b strings.Builder
	b.WriteString("<b>" + esc(t.Title) + "</b>")
	if t.ClientName != "" {
		b.WriteString(" · " + esc(t.ClientName))
	}
	return b.String()
}
