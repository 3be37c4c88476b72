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

// /call logs a call that just happened: client (found or created) →
// direction (incoming / outgoing) → result → its additional fields →
// confirm. It is stored by postgres.CallLog in one transaction as a
// completed personal-call task of the person, with its result, values, the
// call record and the outbox row that starts the workflow's next step.
// "/call Olena" starts with that search already done.

const (
	flowCall   = "call"
	actionCall = "cf" // cf|<version>|<op>|<arg>
	opDir      = "dir"
)

// Call form steps.
const (
	callStepClient    = "client"
	callStepDirection = "direction"
	callStepResult    = "result"
	callStepFields    = "fields"
)

// callForm is the call form's state.
type callForm struct {
	Step       string      `json:"s"`
	Client     clientPick  `json:"cp"`
	ClientID   int64       `json:"client,omitempty"`
	ClientName string      `json:"client_name,omitempty"`
	Direction  string      `json:"dir,omitempty"`
	TemplateID int64       `json:"tpl"`
	ResultID   int64       `json:"result,omitempty"`
	Fields     fieldsState `json:"fields"`
}

// callCommand starts the form.
func (b *Bot) callCommand(r *request) error {
	tpl, err := b.db.CallTemplate(r.ctx, r.club.ID)
	if errors.Is(err, domain.ErrNotFound) {
		_, err := r.reply(r.t("forms.call.no_template", nil), nil)
		return err
	}
	if err != nil {
		return err
	}
	st := callForm{Step: callStepClient, TemplateID: tpl.ID}
	if r.args != "" {
		next, _, _, err := b.clientStep(r, st.Client, formInput{Text: r.args})
		if err == nil {
			st.Client = next
		}
	}
	return r.formStart(flowCall, actionCall, st.Step, st, func(data buttonData) (string, [][]jobs.Button) {
		return b.callScreen(r, st, resultView{}, data)
	})
}

// callTap handles a tap on the call form.
func (b *Bot) callTap(r *request) error {
	var st callForm
	c, in, err := r.formTap(flowCall, &st)
	if err != nil {
		return r.formFail(err)
	}
	if in.Op == opNop {
		return nil // a label: the router answers the tap, nothing changes
	}
	if in.Op == opCancel {
		return r.formCancel(c)
	}
	return b.callStep(r, c, st, in)
}

// callText handles typed text while the call form is open.
func (b *Bot) callText(r *request) error {
	var st callForm
	c, in, err := r.formText(flowCall, &st)
	if err != nil {
		return r.formFail(err)
	}
	return b.callStep(r, c, st, in)
}

// callStep applies one input and shows the next screen.
func (b *Bot) callStep(r *request, c postgres.Conversation, st callForm, in formInput) error {
	var v resultView
	switch st.Step {
	case callStepClient:
		next, picked, out, err := b.clientStep(r, st.Client, in)
		if err != nil {
			return r.formFail(err)
		}
		if out {
			return r.formCancel(c)
		}
		st.Client = next
		if picked != nil {
			st.ClientID, st.ClientName, st.Step = picked.ID, picked.Name, callStepDirection
		}
	case callStepDirection:
		switch in.Op {
		case opBack:
			st.Step = callStepClient
		case opDir:
			d, err := domain.ParseCallDirection(in.Arg)
			if err != nil {
				return r.formFail(errBadButton)
			}
			st.Direction, st.Step = string(d), callStepResult
		case "":
			return r.formFail(&formError{ID: "forms.err.tap_button"})
		default:
			return r.formFail(errBadButton)
		}
	case callStepResult:
		switch in.Op {
		case opBack:
			st.Step = callStepDirection
		case opResult:
			id, err := strconv.ParseInt(in.Arg, 10, 64)
			if err != nil || id <= 0 {
				return r.formFail(errBadButton)
			}
			res, dicts, err := b.db.ResultGet(r.ctx, r.club.ID, st.TemplateID, id)
			if domainCode(err, "result_not_allowed") {
				return r.formFail(errBadButton) // forged, another club's, or retired
			}
			if err != nil {
				return err
			}
			st.ResultID, st.Fields, st.Step = res.ID, fieldsState{}.enter(res), callStepFields
			v = resultView{res: res, dicts: dicts}
		case "":
			return r.formFail(&formError{ID: "forms.err.tap_button"})
		default:
			return r.formFail(errBadButton)
		}
	case callStepFields:
		res, dicts, err := b.db.ResultGet(r.ctx, r.club.ID, st.TemplateID, st.ResultID)
		if domainCode(err, "result_not_allowed") {
			// Retired while the form was open: choose again.
			st.ResultID, st.Fields, st.Step = 0, fieldsState{}, callStepResult
			if err := b.callSave(r, &c, st, resultView{}); err != nil {
				return err
			}
			return r.formFail(errBadButton)
		}
		if err != nil {
			return err
		}
		v = resultView{res: res, dicts: dicts}
		if in.Op == opOK {
			return b.callConfirm(r, c, st, v)
		}
		next, move, err := st.Fields.apply(res, dicts, in, r.formEnv())
		if err != nil {
			return r.formFail(err)
		}
		st.Fields = next
		if move == fieldsOut {
			st.ResultID, st.Fields, st.Step = 0, fieldsState{}, callStepResult
		}
	default:
		return fmt.Errorf("call form: unknown step %q", st.Step)
	}
	return b.callSave(r, &c, st, v)
}

// callSave stores the state and shows its screen, loading what the screen
// needs and v does not hold yet.
func (b *Bot) callSave(r *request, c *postgres.Conversation, st callForm, v resultView) error {
	switch {
	case st.Step == callStepResult:
		results, err := b.db.ResultsForTemplate(r.ctx, r.club.ID, st.TemplateID)
		if err != nil {
			return err
		}
		v.results = results
	case st.Step == callStepFields && v.res.ID == 0:
		res, dicts, err := b.db.ResultGet(r.ctx, r.club.ID, st.TemplateID, st.ResultID)
		if err != nil {
			return err
		}
		v.res, v.dicts = res, dicts
	}
	return r.formSave(c, actionCall, st.Step, st, func(data buttonData) (string, [][]jobs.Button) {
		return b.callScreen(r, st, v, data)
	})
}

// callConfirm logs the call, after claiming the conversation so a second
// tap on Confirm logs nothing.
func (b *Bot) callConfirm(r *request, c postgres.Conversation, st callForm, v resultView) error {
	if !st.Fields.done(v.res) {
		return r.formFail(errBadButton)
	}
	c.Step = "saving"
	if err := r.saveConversation(&c); err != nil {
		return err
	}
	logged, err := b.db.CallLog(r.ctx, postgres.CallLogInput{
		ClubID: r.club.ID, Actor: r.staff, ClientID: st.ClientID, Direction: domain.CallDirection(st.Direction),
		TemplateID: st.TemplateID, ResultID: st.ResultID, Values: st.Fields.answers(v.res),
	})
	if errors.Is(err, domain.ErrInvalid) || errors.Is(err, domain.ErrNotFound) {
		// The client, template or fields changed while the form was open.
		if serr := b.callSave(r, &c, st, v); serr != nil {
			return serr
		}
		fe := storeRefusal(err)
		r.alert(r.t(fe.ID, fe.Data))
		return nil
	}
	if err != nil {
		return fmt.Errorf("log call: %w", err)
	}
	notice := r.t("forms.call.logged", map[string]any{"Client": esc(st.ClientName), "Result": esc(v.res.Name)})
	return b.formEndWithCard(r, c, logged.Task.ID, notice)
}

// callScreen draws the current step under a header with what is known.
func (b *Bot) callScreen(r *request, st callForm, v resultView, data buttonData) (string, [][]jobs.Button) {
	var h strings.Builder
	h.WriteString(r.t("forms.call.title", nil))
	if st.ClientName != "" && st.Step != callStepClient {
		h.WriteString(" · " + esc(st.ClientName))
	}
	if st.Direction != "" && (st.Step == callStepResult || st.Step == callStepFields) {
		h.WriteString(" · " + r.t("forms.call.dir_"+st.Direction, nil))
	}
	header := h.String()
	nav := row(dataBtn(r.t("common.back", nil), data(opBack)), dataBtn(r.t("common.cancel", nil), data(opCancel)))
	switch st.Step {
	case callStepDirection:
		return header + "\n\n" + r.t("forms.call.direction", nil), [][]jobs.Button{
			row(dataBtn(r.t("forms.call.dir_in", nil), data(opDir, domain.CallIn)), dataBtn(r.t("forms.call.dir_out", nil), data(opDir, domain.CallOut))),
			nav,
		}
	case callStepResult:
		var kb [][]jobs.Button
		for _, x := range v.results {
			kb = append(kb, row(dataBtn(x.Name, data(opResult, x.ID))))
		}
		return header + "\n\n" + r.t("forms.result.choose", nil), append(kb, nav)
	case callStepFields:
		text, kb := st.Fields.view(b.cat, v.res, v.dicts, r.formEnv(), data)
		if st.Fields.done(v.res) {
			text += "\n\n" + r.t("forms.call.confirm_q", nil)
			kb = [][]jobs.Button{row(dataBtn(r.t("forms.call.confirm", nil), data(opOK))), nav}
		}
		return header + "\n\n" + text, kb
	}
	return b.clientView(r, header, st.Client, data)
}
