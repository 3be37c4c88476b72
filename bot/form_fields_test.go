package bot

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/i18n"
)

// trialResult is "Signed up for a trial" with one field of every type.
func trialResult() (domain.Result, map[int64]domain.Dictionary) {
	archived := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dicts := map[int64]domain.Dictionary{10: {ID: 10, Name: "Directions", Values: []domain.DictValue{
		{ID: 101, DictionaryID: 10, Name: "Yoga"},
		{ID: 102, DictionaryID: 10, Name: "Dance"},
		{ID: 103, DictionaryID: 10, Name: "Boxing", ArchivedAt: &archived},
	}}}
	res := domain.Result{ID: 7, Name: "Signed up for a trial", Fields: []domain.Field{
		{ID: 1, Name: "Visit date", Type: domain.FieldDate, Required: true},
		{ID: 2, Name: "Call back at", Type: domain.FieldDateTime},
		{ID: 3, Name: "Direction", Type: domain.FieldChoice, Required: true, DictionaryID: 10},
		{ID: 4, Name: "Also interested in", Type: domain.FieldMultiChoice, DictionaryID: 10},
		{ID: 5, Name: "Child's age", Type: domain.FieldNumber},
		{ID: 6, Name: "Note", Type: domain.FieldText, MaxLength: 10},
		{ID: 7, Name: "Came before", Type: domain.FieldBool, Required: true},
		{ID: 8, Name: "Retired question", Type: domain.FieldText, ArchivedAt: &archived},
	}}
	return res, dicts
}

func TestFieldsHappyPath(t *testing.T) {
	t.Parallel()
	res, dicts := trialResult()
	loc := kyiv(t)
	env := formEnv{Lang: domain.LangEN, Loc: loc, Now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	var st fieldsState
	for i, in := range []formInput{
		{Op: opDay, Arg: "20261127"}, // visit date: tomorrow
		{Op: opDay, Arg: "20261201"}, // call back: 1 December…
		{Op: opTime, Arg: "1830"},    // …at 18:30
		{Op: opChoice, Arg: "102"},   // Dance
		{Op: opToggle, Arg: "101"},   // tick Yoga
		{Op: opToggle, Arg: "102"},   // tick Dance
		{Op: opToggle, Arg: "101"},   // untick Yoga
		{Op: opDone},                 // done: Dance
		{Text: "7,5"},                // age, with a decimal comma
		{Text: "  calm kid "},        // note, trimmed
		{Op: opBool, Arg: "1"},       // came before: yes
	} {
		next, move, err := st.apply(res, dicts, in, env)
		if err != nil || move != fieldsStay {
			t.Fatalf("input %d %+v: move %v, %v", i, in, move, err)
		}
		st = roundTrip(t, next) // the state survives JSON, as in the conversation
	}
	if !st.done(res) {
		t.Fatalf("not at the summary: index %d", st.Index)
	}
	got := st.answers(res)
	if err := domain.ValidateResultValues(res, dicts, got); err != nil {
		t.Fatalf("answers do not validate: %v", err)
	}
	if len(got) != 7 {
		t.Fatalf("%d answers, want 7: %+v", len(got), got)
	}
	callBack := time.Date(2026, 12, 1, 18, 30, 0, 0, loc)
	checks := []struct {
		name string
		ok   bool
	}{
		{"visit date", got[0].Date != nil && got[0].Date.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))},
		{"call back in the club's zone", got[1].Time != nil && got[1].Time.Equal(callBack)},
		{"direction", len(got[2].ValueIDs) == 1 && got[2].ValueIDs[0] == 102},
		{"multi-select", len(got[3].ValueIDs) == 1 && got[3].ValueIDs[0] == 102},
		{"number", got[4].Number != nil && *got[4].Number == 7.5},
		{"text", got[5].Text != nil && *got[5].Text == "calm kid"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
	sum := st.summary(i18n.MustNew(), res, dicts, env)
	for _, want := range []string{"Visit date: Nov 27, 2026", "Call back at: Dec 1, 2026, 6:30 PM", "Direction: Dance", "Child&#39;s age: 7.5", "Note: calm kid", "Came before: Yes"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func roundTrip(t *testing.T, st fieldsState) fieldsState {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var out fieldsState
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return out
}

// Every refused input names the problem and leaves the state as it was.
func TestFieldsRefuseBadInput(t *testing.T) {
	t.Parallel()
	res, dicts := trialResult()
	env := formEnv{Lang: domain.LangEN, Loc: kyiv(t), Now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	at := func(index int) fieldsState { return fieldsState{Index: index} }
	cases := []struct {
		name string
		st   fieldsState
		in   formInput
		want string
	}{
		{"skip a required date", at(0), formInput{Op: opSkip}, "forms.err.required"},
		{"31.02.2026 for a date", at(0), formInput{Text: "31.02.2026"}, "forms.err.date"},
		{"words for a date", at(0), formInput{Text: "next friday"}, "forms.err.date"},
		{"a forged day", at(0), formInput{Op: opDay, Arg: "20261332"}, "forms.stale"},
		{"a time for a date field", at(0), formInput{Op: opTime, Arg: "1000"}, "forms.stale"},
		{"a bad typed time", fieldsState{Index: 1, Pick: momentPick{Day: day{2026, 12, 1}}}, formInput{Text: "25:00"}, "forms.err.time"},
		{"skip a required choice", at(2), formInput{Op: opSkip}, "forms.err.required"},
		{"typing for a choice", at(2), formInput{Text: "Dance"}, "forms.err.tap_button"},
		{"a value of another dictionary", at(2), formInput{Op: opChoice, Arg: "999"}, "forms.stale"},
		{"an archived value", at(2), formInput{Op: opChoice, Arg: "103"}, "forms.stale"},
		{"garbage value id", at(2), formInput{Op: opChoice, Arg: "1; DROP TABLE"}, "forms.stale"},
		{"a toggle on a single choice", at(2), formInput{Op: opToggle, Arg: "101"}, "forms.stale"},
		{"a forged toggle", at(3), formInput{Op: opToggle, Arg: "-1"}, "forms.stale"},
		{"letters for a number", at(4), formInput{Text: "seven"}, "forms.err.number"},
		{"a number too large", at(4), formInput{Text: "1e13"}, "forms.err.number"},
		{"over-long text", at(5), formInput{Text: "eleven chars"}, "forms.err.too_long"},
		{"a bool of a third kind", at(6), formInput{Op: opBool, Arg: "2"}, "forms.stale"},
		{"a typed maybe", at(6), formInput{Text: "maybe"}, "forms.err.bool"},
		{"skip a required yes/no", at(6), formInput{Op: opSkip}, "forms.err.required"},
		{"an input on the summary", at(7), formInput{Op: opChoice, Arg: "101"}, "forms.stale"},
		{"an unknown operation", at(0), formInput{Op: "zz"}, "forms.stale"},
	}
	for _, c := range cases {
		next, _, err := c.st.apply(res, dicts, c.in, env)
		var fe *formError
		if !errors.As(err, &fe) || fe.ID != c.want {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
			continue
		}
		if next.Index != c.st.Index || len(next.Values) != len(c.st.Values) {
			t.Errorf("%s: refused input moved the form: %+v", c.name, next)
		}
	}
	// The limit is in the message.
	_, _, err := at(5).apply(res, dicts, formInput{Text: strings.Repeat("я", 11)}, env)
	var fe *formError
	if !errors.As(err, &fe) || fe.Data["Limit"] != 10 {
		t.Fatalf("too long: %v %+v", err, fe)
	}
	// A required multi-select needs a value on Done.
	res.Fields[3].Required = true
	if _, _, err := at(3).apply(res, dicts, formInput{Op: opDone}, env); !errors.As(err, &fe) || fe.ID != "forms.err.pick_one" {
		t.Fatalf("empty required multi-select: %v", err)
	}
}

func TestFieldsSkipAndBack(t *testing.T) {
	t.Parallel()
	res, dicts := trialResult()
	env := formEnv{Lang: domain.LangEN, Loc: kyiv(t), Now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	st := fieldsState{}
	step := func(in formInput) fieldsMove {
		t.Helper()
		next, move, err := st.apply(res, dicts, in, env)
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		st = next
		return move
	}
	step(formInput{Op: opDay, Arg: "20261127"})
	step(formInput{Op: opSkip}) // optional date-time
	step(formInput{Op: opChoice, Arg: "101"})
	step(formInput{Op: opToggle, Arg: "102"})
	step(formInput{Op: opDone})
	// Back to the multi-select: its answer is shown ticked again.
	step(formInput{Op: opBack})
	if st.Index != 3 || len(st.Toggled) != 1 || st.Toggled[0] != 102 {
		t.Fatalf("back to multi-select: %+v", st)
	}
	// An optional multi-select finished with nothing ticked is skipped.
	step(formInput{Op: opToggle, Arg: "102"})
	step(formInput{Op: opDone})
	if _, ok := st.value(4); ok || st.Index != 4 {
		t.Fatalf("emptied multi-select still answered: %+v", st)
	}
	// Back through a date-time with its date picked: first to its calendar.
	st = fieldsState{Index: 1, Pick: momentPick{Day: day{2026, 12, 1}}}
	step(formInput{Op: opBack})
	if st.Index != 1 || !st.Pick.Day.IsZero() {
		t.Fatalf("back from the time: %+v", st)
	}
	step(formInput{Op: opBack})
	if st.Index != 0 {
		t.Fatalf("back from the calendar: %+v", st)
	}
	if move := step(formInput{Op: opBack}); move != fieldsOut {
		t.Fatalf("back from the first field must leave the fields")
	}
}

func TestFieldsView(t *testing.T) {
	t.Parallel()
	res, dicts := trialResult()
	cat := i18n.MustNew()
	env := formEnv{Lang: domain.LangEN, Loc: kyiv(t), Now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	cases := []struct {
		index    int
		text     string
		buttons  []string
		noButton string
	}{
		{0, "question 1 of 7", []string{"Today", "« Back", "Cancel"}, "Skip"},
		{1, "Call back at", []string{"Tomorrow", "Skip"}, ""},
		{2, "Direction</b> *", []string{"Yoga", "Dance"}, "Boxing"},
		{3, "Tick all that apply", []string{"▫️ Yoga", "Done", "Skip"}, "Boxing"},
		{5, "up to 10 characters", []string{"Skip"}, ""},
		{6, "Came before", []string{"Yes", "No"}, "Skip"},
	}
	for _, c := range cases {
		text, kb := fieldsState{Index: c.index}.view(cat, res, dicts, env, testData)
		if !strings.Contains(text, c.text) {
			t.Errorf("field %d: text %q lacks %q", c.index, text, c.text)
		}
		for _, b := range c.buttons {
			kbFind(t, kb, b)
		}
		if c.noButton != "" {
			for _, r := range kbLabels(kb) {
				for _, l := range r {
					if strings.Contains(l, c.noButton) {
						t.Errorf("field %d: unexpected button %q", c.index, l)
					}
				}
			}
		}
	}
	// Names from the database are escaped in the HTML text.
	res.Name = "<b>Trial</b>"
	if text, _ := (fieldsState{}).view(cat, res, dicts, env, testData); strings.Contains(text, "<b>Trial") {
		t.Errorf("result name not escaped: %q", text)
	}
}

func TestFormsPluralsAndLanguages(t *testing.T) {
	t.Parallel()
	cat := i18n.MustNew()
	for n, want := range map[int]string{1: "Выбран 1 клиент.", 3: "Выбрано 3 клиента.", 5: "Выбрано 5 клиентов.", 21: "Выбран 21 клиент."} {
		if got := cat.N(domain.LangRU, "forms.new.bulk", n, nil); !strings.Contains(got, want) {
			t.Errorf("ru %d: %q lacks %q", n, got, want)
		}
	}
	if got := cat.N(domain.LangUK, "forms.new.bulk", 2, nil); !strings.Contains(got, "Вибрано 2 клієнти.") {
		t.Errorf("uk 2: %q", got)
	}
	res, dicts := trialResult()
	env := formEnv{Lang: domain.LangRU, Loc: kyiv(t), Now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	text, kb := fieldsState{}.view(cat, res, dicts, env, testData)
	if !strings.Contains(text, "вопрос 1 из 7") {
		t.Errorf("ru field header: %q", text)
	}
	kbFind(t, kb, "Сегодня")
	kbFind(t, kb, "Ноябрь 2026")
}
