package bot

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
)

// The additional fields of a result, asked one at a time with the input that
// suits each type. Shared by result entry (result_entry.go) and the new call
// form (call_new.go). Everything here is a pure function of the result's
// definition, the state so far and one input, so the rules are tested
// without Telegram or a database; the definition is reloaded on every step.

// Field-entry button operations (besides the calendar's).
const (
	opChoice = "c"  // arg: dictionary value id
	opToggle = "x"  // arg: dictionary value id (multi-select)
	opDone   = "dn" // multi-select finished
	opBool   = "y"  // arg: 1 or 0
	opSkip   = "sk" // leave an optional field empty
	opBack   = "bk" // previous step
	opCancel = "cx" // abandon the form
	opOK     = "ok" // confirm the summary
)

// fieldsState is where a person is in a result's fields.
type fieldsState struct {
	Index   int                 `json:"i"`            // the field being asked; len(fields) means the summary
	Values  []domain.FieldValue `json:"v,omitempty"`  // answers so far; a skipped field has none
	Pick    momentPick          `json:"p,omitzero"`   // a date or date-time field: the calendar, then the time
	Toggled []int64             `json:"tg,omitempty"` // a multi-select field: the values ticked so far
}

// formEnv is what every step needs besides the state: the person's language,
// the club's zone and the current time.
type formEnv struct {
	Lang domain.Language
	Loc  *time.Location
	Now  time.Time
	// OneKeyboard: the channel shows only the chat's last keyboard (Viber,
	// !chat.Caps.InlineButtons). A month grid does not suit it: the date
	// step offers today, tomorrow and in a week, and a typed date.
	OneKeyboard bool
}

// today is the current date in the club's zone.
func (e formEnv) today() day { return dayOf(e.Now, e.Loc) }

// formInput is one tap or one typed message.
type formInput struct {
	Op   string // a button operation; empty for typed text
	Arg  string // the button's argument
	Text string // what the person typed
}

// fieldsMove says where an input took the fields step.
type fieldsMove int

const (
	fieldsStay fieldsMove = iota // still asking fields, or on the summary
	fieldsOut                    // Back from the first field: the caller's previous step
)

// liveFields are the result's fields the form asks, in order.
func liveFields(res domain.Result) []domain.Field {
	return slices.DeleteFunc(slices.Clone(res.Fields), func(f domain.Field) bool { return f.ArchivedAt != nil })
}

// done reports whether every field has been asked (the summary is shown).
func (st fieldsState) done(res domain.Result) bool { return st.Index >= len(liveFields(res)) }

// value returns the answer to a field, if any.
func (st fieldsState) value(fieldID int64) (domain.FieldValue, bool) {
	for _, v := range st.Values {
		if v.FieldID == fieldID {
			return v, true
		}
	}
	return domain.FieldValue{}, false
}

// answers are the values to record, in field order, only for fields that
// still exist (a field retired while the form was open is dropped).
func (st fieldsState) answers(res domain.Result) []domain.FieldValue {
	var out []domain.FieldValue
	for _, f := range liveFields(res) {
		if v, ok := st.value(f.ID); ok {
			out = append(out, v)
		}
	}
	return out
}

// set stores v and moves to the next field.
func (st fieldsState) set(v domain.FieldValue) fieldsState {
	st = st.clearAnswer(v.FieldID)
	st.Values = append(st.Values, v)
	return st.next()
}

func (st fieldsState) clearAnswer(fieldID int64) fieldsState {
	st.Values = slices.DeleteFunc(slices.Clone(st.Values), func(v domain.FieldValue) bool { return v.FieldID == fieldID })
	return st
}

// next moves to the following field with a clean picker.
func (st fieldsState) next() fieldsState {
	st.Index++
	return st.resetPicker()
}

func (st fieldsState) resetPicker() fieldsState {
	st.Pick, st.Toggled = momentPick{}, nil
	return st
}

// enter prepares the picker of the current field: a multi-select starts with
// the values already chosen, so going back to it shows them ticked.
func (st fieldsState) enter(res domain.Result) fieldsState {
	st = st.resetPicker()
	fields := liveFields(res)
	if st.Index < len(fields) && fields[st.Index].Type == domain.FieldMultiChoice {
		if v, ok := st.value(fields[st.Index].ID); ok {
			st.Toggled = slices.Clone(v.ValueIDs)
		}
	}
	return st
}

// apply feeds one input to the current field. A refused input returns a
// *formError and the state unchanged.
func (st fieldsState) apply(res domain.Result, dicts map[int64]domain.Dictionary, in formInput, env formEnv) (fieldsState, fieldsMove, error) {
	fields := liveFields(res)
	if st.Index > len(fields) {
		st.Index = len(fields) // fields were retired while the form was open
	}
	if in.Op == opBack {
		return st.back(res)
	}
	if st.Index == len(fields) {
		return st, fieldsStay, errBadButton // the summary has only Confirm, Back, Cancel: handled by the caller
	}
	f := fields[st.Index]
	if in.Op == opSkip {
		if f.Required {
			return st, fieldsStay, &formError{ID: "forms.err.required", Data: map[string]any{"Field": f.NameIn(env.Lang)}}
		}
		st = st.clearAnswer(f.ID).next()
		return st.enter(res), fieldsStay, nil
	}
	next, err := st.applyToField(f, dicts, in, env)
	if err != nil {
		return st, fieldsStay, err
	}
	if next.Index != st.Index {
		next = next.enter(res)
	}
	return next, fieldsStay, nil
}

// back goes to the previous field, or out of the fields from the first one. A
// date-time field with its date picked goes back to its calendar first.
func (st fieldsState) back(res domain.Result) (fieldsState, fieldsMove, error) {
	if p, out := st.Pick.back(); !out {
		st.Pick = p
		return st, fieldsStay, nil
	}
	if st.Index == 0 {
		return st.resetPicker(), fieldsOut, nil
	}
	st.Index--
	return st.enter(res), fieldsStay, nil
}

func (st fieldsState) applyToField(f domain.Field, dicts map[int64]domain.Dictionary, in formInput, env formEnv) (fieldsState, error) {
	switch in.Op {
	case "":
		return st.applyText(f, dicts, in.Text, env)
	case opNop:
		return st, nil
	case opMonth, opDay, opTime, opTypeTime:
		switch f.Type {
		case domain.FieldDate:
			if in.Op == opDay {
				d, err := parseDay(in.Arg)
				if err != nil {
					return st, err
				}
				return st.checked(f, dicts, domain.FieldValue{FieldID: f.ID, Date: ptr(d.date())})
			}
			if in.Op != opMonth {
				return st, errBadButton
			}
			fallthrough
		case domain.FieldDateTime:
			return st.pickMoment(f, dicts, in, env)
		}
		return st, errBadButton
	case opBool:
		if f.Type != domain.FieldBool || (in.Arg != "1" && in.Arg != "0") {
			return st, errBadButton
		}
		return st.checked(f, dicts, domain.FieldValue{FieldID: f.ID, Bool: ptr(in.Arg == "1")})
	case opChoice:
		id, err := dictValueArg(f, dicts, domain.FieldChoice, in.Arg)
		if err != nil {
			return st, err
		}
		return st.checked(f, dicts, domain.FieldValue{FieldID: f.ID, ValueIDs: []int64{id}})
	case opToggle:
		id, err := dictValueArg(f, dicts, domain.FieldMultiChoice, in.Arg)
		if err != nil {
			return st, err
		}
		if i := slices.Index(st.Toggled, id); i >= 0 {
			st.Toggled = slices.Delete(slices.Clone(st.Toggled), i, i+1)
		} else {
			st.Toggled = append(slices.Clone(st.Toggled), id)
		}
		return st, nil
	case opDone:
		if f.Type != domain.FieldMultiChoice {
			return st, errBadButton
		}
		if len(st.Toggled) == 0 {
			if f.Required {
				return st, &formError{ID: "forms.err.pick_one", Data: map[string]any{"Field": f.NameIn(env.Lang)}}
			}
			return st.clearAnswer(f.ID).next(), nil
		}
		return st.checked(f, dicts, domain.FieldValue{FieldID: f.ID, ValueIDs: slices.Clone(st.Toggled)})
	}
	return st, errBadButton
}

// applyText handles a typed answer. Choice fields want a tap; a date-time
// field takes "DD.MM.YYYY HH:MM", a date alone (then asks the time), or a
// time once its date is picked.
func (st fieldsState) applyText(f domain.Field, dicts map[int64]domain.Dictionary, text string, env formEnv) (fieldsState, error) {
	switch f.Type {
	case domain.FieldChoice, domain.FieldMultiChoice:
		return st, &formError{ID: "forms.err.tap_button"}
	case domain.FieldText:
		text = strings.TrimSpace(text)
		if n := utf8.RuneCountInString(text); n > f.TextLimit() {
			return st, &formError{ID: "forms.err.too_long", Data: map[string]any{"Limit": f.TextLimit(), "Got": n}}
		}
	case domain.FieldDateTime:
		return st.pickMoment(f, dicts, formInput{Text: text}, env)
	}
	v, err := domain.ParseFieldText(f, text, env.Loc)
	if err != nil {
		return st, textError(err)
	}
	return st.checked(f, dicts, v)
}

// pickMoment feeds a tap or typed text to a date-time field's picker: the
// calendar, then the time. The field is answered once the moment is whole.
func (st fieldsState) pickMoment(f domain.Field, dicts map[int64]domain.Dictionary, in formInput, env formEnv) (fieldsState, error) {
	p, at, err := st.Pick.apply(in, env, false)
	if err != nil {
		return st, err
	}
	if at == nil {
		st.Pick = p
		return st, nil
	}
	return st.checked(f, dicts, domain.FieldValue{FieldID: f.ID, Time: at})
}

// checked validates one answer with the domain's rules for its field and,
// if it passes, stores it and moves on.
func (st fieldsState) checked(f domain.Field, dicts map[int64]domain.Dictionary, v domain.FieldValue) (fieldsState, error) {
	one := domain.Result{Name: "", Fields: []domain.Field{f}}
	if err := domain.ValidateResultValues(one, dicts, []domain.FieldValue{v}); err != nil {
		return st, textError(err)
	}
	return st.set(v), nil
}

// dictValueArg reads a dictionary value id from a button and checks that it
// is a live value of the field's own dictionary: a forged id, another club's
// id or a value archived meanwhile is a stale button.
func dictValueArg(f domain.Field, dicts map[int64]domain.Dictionary, want domain.FieldType, arg string) (int64, error) {
	if f.Type != want {
		return 0, errBadButton
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadButton
	}
	for _, v := range dicts[f.DictionaryID].Values {
		if v.ID == id && v.ArchivedAt == nil {
			return id, nil
		}
	}
	return 0, errBadButton
}

// textError turns a domain validation error about a typed value into what
// the person is told.
func textError(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	switch de.Code {
	case domain.CodeTooLong:
		return &formError{ID: "forms.err.too_long", Data: map[string]any{"Limit": de.Args["limit"]}}
	case domain.CodeNumberInvalid:
		return &formError{ID: "forms.err.number"}
	case domain.CodeDateInvalid:
		return &formError{ID: "forms.err.date"}
	case domain.CodeBoolInvalid:
		return &formError{ID: "forms.err.bool"}
	case domain.CodeFieldRequired:
		return &formError{ID: "forms.err.empty"}
	case domain.CodeChoiceUnknown, domain.CodeChoiceOne, domain.CodeChoiceRepeated, domain.CodeFieldUnknown, domain.CodeFieldWrongType:
		return errBadButton
	}
	return &formError{ID: "forms.err.invalid"}
}

func ptr[T any](v T) *T { return &v }

// fieldsView renders the current field (or the summary) of a result: the
// text asks for the field, the keyboard holds its input. Back and Cancel are
// always there; Skip only for optional fields.
func (st fieldsState) view(cat *i18n.Catalog, res domain.Result, dicts map[int64]domain.Dictionary, env formEnv, data buttonData) (string, [][]chat.Button) {
	fields := liveFields(res)
	if st.Index >= len(fields) {
		return st.summary(cat, res, dicts, env), nil
	}
	f := fields[st.Index]
	lang := env.Lang
	var b strings.Builder
	b.WriteString(cat.T(lang, "forms.field.header", map[string]any{"Result": esc(res.NameIn(lang)), "N": st.Index + 1, "Of": len(fields)}))
	b.WriteString("\n\n")
	b.WriteString("<b>" + esc(f.NameIn(lang)) + "</b>")
	if f.Required {
		b.WriteString(" *")
	}
	b.WriteString("\n")
	var rows [][]chat.Button
	switch f.Type {
	case domain.FieldText:
		b.WriteString(cat.T(lang, "forms.field.prompt_text", map[string]any{"Limit": f.TextLimit()}))
	case domain.FieldNumber:
		b.WriteString(cat.T(lang, "forms.field.prompt_number", nil))
	case domain.FieldDate, domain.FieldDateTime:
		prompt, kb := st.Pick.view(cat, env, false, data)
		b.WriteString(prompt)
		rows = kb
	case domain.FieldBool:
		rows = append(rows, []chat.Button{
			dataBtn(cat.T(lang, "common.yes", nil), data(opBool, 1)),
			dataBtn(cat.T(lang, "common.no", nil), data(opBool, 0)),
		})
	case domain.FieldChoice:
		for _, v := range liveValues(dicts[f.DictionaryID]) {
			rows = append(rows, []chat.Button{dataBtn(v.NameIn(lang), data(opChoice, v.ID))})
		}
	case domain.FieldMultiChoice:
		b.WriteString(cat.T(lang, "forms.field.prompt_multi", nil))
		for _, v := range liveValues(dicts[f.DictionaryID]) {
			rows = append(rows, []chat.Button{dataBtn(tick(slices.Contains(st.Toggled, v.ID))+v.NameIn(lang), data(opToggle, v.ID))})
		}
		rows = append(rows, []chat.Button{dataBtn(cat.T(lang, "common.done", nil), data(opDone))})
	}
	if v, ok := st.value(f.ID); ok && f.Type != domain.FieldMultiChoice {
		b.WriteString("\n")
		b.WriteString(cat.T(lang, "forms.field.current", map[string]any{"Value": esc(formatValue(cat, lang, f, dicts, v, env.Loc))}))
	}
	nav := []chat.Button{dataBtn(cat.T(lang, "common.back", nil), data(opBack))}
	if !f.Required {
		nav = append(nav, dataBtn(cat.T(lang, "forms.skip", nil), data(opSkip)))
	}
	nav = append(nav, dataBtn(cat.T(lang, "common.cancel", nil), data(opCancel)))
	rows = append(rows, nav)
	return b.String(), rows
}

// summary lists the answers for the person to confirm.
func (st fieldsState) summary(cat *i18n.Catalog, res domain.Result, dicts map[int64]domain.Dictionary, env formEnv) string {
	var b strings.Builder
	b.WriteString(cat.T(env.Lang, "forms.summary.result", map[string]any{"Result": esc(res.NameIn(env.Lang))}))
	for _, f := range liveFields(res) {
		b.WriteString("\n")
		val := "—"
		if v, ok := st.value(f.ID); ok {
			val = formatValue(cat, env.Lang, f, dicts, v, env.Loc)
		}
		b.WriteString(esc(f.NameIn(env.Lang)) + ": " + esc(val))
	}
	return b.String()
}

// liveValues are a dictionary's values a person can still choose.
func liveValues(d domain.Dictionary) []domain.DictValue {
	return slices.DeleteFunc(slices.Clone(d.Values), func(v domain.DictValue) bool { return v.ArchivedAt != nil })
}

// formatValue shows an answer the way the person's language writes it.
func formatValue(cat *i18n.Catalog, lang domain.Language, f domain.Field, dicts map[int64]domain.Dictionary, v domain.FieldValue, loc *time.Location) string {
	switch {
	case v.Text != nil:
		return *v.Text
	case v.Number != nil:
		return i18n.Number(lang, *v.Number)
	case v.Date != nil:
		return i18n.Date(lang, *v.Date, time.UTC)
	case v.Time != nil:
		return i18n.DateTime(lang, *v.Time, loc)
	case v.Bool != nil:
		if *v.Bool {
			return cat.T(lang, "common.yes", nil)
		}
		return cat.T(lang, "common.no", nil)
	case len(v.ValueIDs) > 0:
		names := make([]string, 0, len(v.ValueIDs))
		for _, id := range v.ValueIDs {
			for _, dv := range dicts[f.DictionaryID].Values {
				if dv.ID == id {
					names = append(names, dv.NameIn(lang))
				}
			}
		}
		return strings.Join(names, ", ")
	}
	return "—"
}
