package bot

import (
	"errors"
	"strconv"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// The "which result, then its additional fields" part shared by result
// entry (result_entry.go) and the new call form (call_new.go): the choice of
// one of the results a template allows, then the result's fields one by one
// (form_fields.go), then a summary to confirm. Each form keeps a resultPick
// in its state (embedded, so its JSON keys stay "result" and "fields") and
// says itself what Back from the choice and Confirm on the summary do.

// opResult picks a result on the choice screen; arg: result id.
const opResult = "r"

// resultPick is where a person is in choosing a result and answering its
// fields.
type resultPick struct {
	ResultID int64       `json:"result,omitempty"` // 0 while the result is being chosen
	Fields   fieldsState `json:"fields"`
}

// resultView is what a screen of the result part shows besides its state,
// loaded for the step being drawn.
type resultView struct {
	results []domain.Result // the choice of result
	res     domain.Result   // the chosen result: its fields and the summary
	dicts   map[int64]domain.Dictionary
}

// errResultRetired: the result chosen earlier was retired (or taken off the
// template) while the form was open. The form goes back to the choice and
// the tap is answered as a stale button.
var errResultRetired = errors.New("result retired while the form was open")

// resultChosen applies a tap on the choice of result of template tplID. The
// id must be one of the template's live results: a forged id, another
// club's or a retired one is a stale button.
func (b *Bot) resultChosen(r *request, tplID int64, in formInput) (resultPick, resultView, error) {
	switch in.Op {
	case opResult:
	case "":
		return resultPick{}, resultView{}, &formError{ID: "forms.err.tap_button"}
	default:
		return resultPick{}, resultView{}, errBadButton
	}
	id, err := strconv.ParseInt(in.Arg, 10, 64)
	if err != nil || id <= 0 {
		return resultPick{}, resultView{}, errBadButton
	}
	res, dicts, err := b.db.ResultGet(r.ctx, r.club.ID, tplID, id)
	if domainCode(err, domain.CodeResultNotAllowed) {
		return resultPick{}, resultView{}, errBadButton
	}
	if err != nil {
		return resultPick{}, resultView{}, err
	}
	return resultPick{ResultID: res.ID, Fields: fieldsState{}.enter(res)}, resultView{res: res, dicts: dicts}, nil
}

// resultLoad reloads the chosen result, its fields and dictionaries, as they
// are now (errResultRetired when it can no longer be chosen).
func (b *Bot) resultLoad(r *request, tplID int64, p resultPick) (resultView, error) {
	res, dicts, err := b.db.ResultGet(r.ctx, r.club.ID, tplID, p.ResultID)
	if domainCode(err, domain.CodeResultNotAllowed) {
		return resultView{}, errResultRetired
	}
	if err != nil {
		return resultView{}, err
	}
	return resultView{res: res, dicts: dicts}, nil
}

// answer feeds one input to the chosen result's fields. Back from the first
// field returns to the choice of result.
func (p resultPick) answer(r *request, v resultView, in formInput) (resultPick, error) {
	next, move, err := p.Fields.apply(v.res, v.dicts, in, r.formEnv())
	if err != nil {
		return p, err
	}
	if move == fieldsOut {
		return resultPick{}, nil
	}
	p.Fields = next
	return p, nil
}

// confirmable reports whether every field has been asked: Confirm is on
// screen. A Confirm tap before that is a forged or stale button.
func (p resultPick) confirmable(v resultView) bool { return p.ResultID != 0 && p.Fields.done(v.res) }

// resultChoiceButtons lists the results to choose from, with nav under them.
func resultChoiceButtons(lang domain.Language, results []domain.Result, data buttonData, nav []chat.Button) [][]chat.Button {
	kb := make([][]chat.Button, 0, len(results)+1)
	for _, res := range results {
		kb = append(kb, row(dataBtn(res.NameIn(lang), data(opResult, res.ID))))
	}
	return append(kb, nav)
}

// resultFieldsScreen shows the current field or, once all are asked, the
// summary with confirm (the button) and question (the line under it), and
// nav.
func (b *Bot) resultFieldsScreen(r *request, p resultPick, v resultView, data buttonData, confirm chat.Button, question string, nav []chat.Button) (string, [][]chat.Button) {
	text, kb := p.Fields.view(b.cat, v.res, v.dicts, r.formEnv(), data)
	if p.Fields.done(v.res) {
		return text + "\n\n" + question, [][]chat.Button{row(confirm), nav}
	}
	return text, kb
}

// formNav is the Back and Cancel row of a form screen.
func (r *request) formNav(data buttonData) []chat.Button {
	return row(dataBtn(r.t("common.back", nil), data(opBack)), dataBtn(r.t("common.cancel", nil), data(opCancel)))
}
