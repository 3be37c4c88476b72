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

// /call logs a call that just happened: client (found or created) →
// direction (incoming / outgoing) → result → its additional fields →
// confirm (result_pick.go). It is stored by postgres.CallLog in one
// transaction as a completed personal-call task of the person, with its
// result, values, the call record and the outbox row that starts the
// workflow's next step. "/call Olena" starts with that search already done.

const (
	flowCall   = "call"
	actionCall = callback.ActionCallForm // cf|<version>|<op>|<arg>
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
	Step       string     `json:"s"`
	Client     clientPick `json:"cp"`
	ClientID   int64      `json:"client,omitempty"`
	ClientName string     `json:"client_name,omitempty"`
	Direction  string     `json:"dir,omitempty"`
	TemplateID int64      `json:"tpl"`
	resultPick
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
	return r.formStart(flowCall, actionCall, st.Step, st, func(data buttonData) (string, [][]chat.Button) {
		return b.callScreen(r, st, resultView{}, data)
	})
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
		if in.Op == opBack {
			st.Step = callStepDirection
			break
		}
		pick, chosen, err := b.resultChosen(r, st.TemplateID, in)
		if err != nil {
			return r.formFail(err)
		}
		st.resultPick, st.Step, v = pick, callStepFields, chosen
	case callStepFields:
		var err error
		v, err = b.resultLoad(r, st.TemplateID, st.resultPick)
		if errors.Is(err, errResultRetired) {
			st.resultPick, st.Step = resultPick{}, callStepResult // choose again
			if err := b.callSave(r, &c, st, resultView{}); err != nil {
				return err
			}
			return r.formFail(errBadButton)
		}
		if err != nil {
			return err
		}
		if in.Op == opOK {
			return b.callConfirm(r, c, st, v)
		}
		if st.resultPick, err = st.answer(r, v, in); err != nil {
			return r.formFail(err)
		}
		if st.ResultID == 0 {
			st.Step = callStepResult // Back from the first field
		}
	default:
		return fmt.Errorf("call form: unknown step %q", st.Step)
	}
	return b.callSave(r, &c, st, v)
}

// callSave stores the state and shows its screen. v holds the chosen
// result on the fields step; the choice of results is loaded here.
func (b *Bot) callSave(r *request, c *postgres.Conversation, st callForm, v resultView) error {
	if st.Step == callStepResult {
		results, err := b.db.ResultsForTemplate(r.ctx, r.club.ID, st.TemplateID)
		if err != nil {
			return err
		}
		v.results = results
	}
	return r.formSave(c, actionCall, st.Step, st, func(data buttonData) (string, [][]chat.Button) {
		return b.callScreen(r, st, v, data)
	})
}

// callConfirm logs the call, once the conversation is claimed, so a second
// tap on Confirm logs nothing.
func (b *Bot) callConfirm(r *request, c postgres.Conversation, st callForm, v resultView) error {
	if !st.confirmable(v) {
		return r.formFail(errBadButton)
	}
	if err := r.formClaim(&c); err != nil {
		return err
	}
	logged, err := b.db.CallLog(r.ctx, postgres.CallLogInput{
		ClubID: r.club.ID, Actor: r.staff, ClientID: st.ClientID, Direction: domain.CallDirection(st.Direction),
		TemplateID: st.TemplateID, ResultID: st.ResultID, Values: st.Fields.answers(v.res),
	})
	if errors.Is(err, domain.ErrInvalid) || errors.Is(err, domain.ErrNotFound) {
		// The client, template or fields changed while the form was open.
		return r.formRefused(func() error { return b.callSave(r, &c, st, v) }, err)
	}
	if err != nil {
		return fmt.Errorf("log call: %w", err)
	}
	notice := r.t("forms.call.logged", map[string]any{"Client": esc(st.ClientName), "Result": esc(v.res.NameIn(r.lang))})
	return b.formEndWithCard(r, c, logged.Task.ID, origin{}, notice)
}

// callScreen draws the current step under a header with what is known.
func (b *Bot) callScreen(r *request, st callForm, v resultView, data buttonData) (string, [][]chat.Button) {
	var h strings.Builder
	h.WriteString(r.t("forms.call.title", nil))
	if st.ClientName != "" && st.Step != callStepClient {
		h.WriteString(" · " + esc(st.ClientName))
	}
	if st.Direction != "" && (st.Step == callStepResult || st.Step == callStepFields) {
		h.WriteString(" · " + r.t("forms.call.dir_"+st.Direction, nil))
	}
	header := h.String()
	nav := r.formNav(data)
	switch st.Step {
	case callStepDirection:
		return header + "\n\n" + r.t("forms.call.direction", nil), [][]chat.Button{
			row(dataBtn(r.t("forms.call.dir_in", nil), data(opDir, domain.CallIn)), dataBtn(r.t("forms.call.dir_out", nil), data(opDir, domain.CallOut))),
			nav,
		}
	case callStepResult:
		return header + "\n\n" + r.t("forms.result.choose", nil), resultChoiceButtons(r.lang, v.results, data, nav)
	case callStepFields:
		confirm := dataBtn(r.t("forms.call.confirm", nil), data(opOK))
		text, kb := b.resultFieldsScreen(r, st.resultPick, v, data, confirm, r.t("forms.call.confirm_q", nil), nav)
		return header + "\n\n" + text, kb
	}
	return b.clientView(r, header, st.Client, data)
}
