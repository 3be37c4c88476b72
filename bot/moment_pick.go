package bot

import (
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
)

// momentPick is the state of a date-then-time question: the calendar (with
// its month), then the time buttons for the day tapped, or a typed time.
// Used for date-time fields, a new task's due and a custom reminder.
type momentPick struct {
	Month  day  `json:"mo,omitzero"`  // the calendar month shown
	Day    day  `json:"dy,omitzero"`  // the date picked, its time still to come
	Typing bool `json:"ty,omitempty"` // waiting for a typed time
}

// apply feeds one input to the picker. at is set once a moment is complete.
// With future set (a due time, a reminder) dates before today and moments
// not after now are refused. Typed text is a time once the date is picked,
// else "DD.MM.YYYY HH:MM" or a date alone (then the time is asked).
func (p momentPick) apply(in formInput, env formEnv, future bool) (next momentPick, at *time.Time, err error) {
	today := env.today()
	pastDay := func(d day) bool { return future && d.before(today) }
	moment := func(t time.Time) (momentPick, *time.Time, error) {
		if future && !t.After(env.Now) {
			return p, nil, &formError{ID: "forms.err.past"}
		}
		return momentPick{}, &t, nil
	}
	switch in.Op {
	case opNop:
		return p, nil, nil
	case opMonth:
		m, err := parseMonth(in.Arg)
		if err != nil || !p.Day.IsZero() || future && m.before(day{today.Y, today.M, 1}) {
			return p, nil, errBadButton
		}
		p.Month = m
		return p, nil, nil
	case opDay:
		d, err := parseDay(in.Arg)
		if err != nil || !p.Day.IsZero() || pastDay(d) {
			return p, nil, errBadButton
		}
		p.Day = d
		return p, nil, nil
	case opTime:
		t, err := parseHM(in.Arg)
		if err != nil || p.Day.IsZero() {
			return p, nil, errBadButton
		}
		return moment(p.Day.at(t, env.Loc))
	case opTypeTime:
		if p.Day.IsZero() {
			return p, nil, errBadButton
		}
		p.Typing = true
		return p, nil, nil
	case "":
	default:
		return p, nil, errBadButton
	}
	text := strings.TrimSpace(in.Text)
	if !p.Day.IsZero() {
		t, ok := parseTypedHM(text)
		if !ok {
			return p, nil, &formError{ID: "forms.err.time"}
		}
		return moment(p.Day.at(t, env.Loc))
	}
	date, clock, _ := strings.Cut(text, " ")
	v, err := domain.ParseFieldText(domain.Field{Type: domain.FieldDate}, date, env.Loc)
	if err != nil {
		return p, nil, &formError{ID: "forms.err.date"}
	}
	d := dayFromDate(*v.Date)
	if clock = strings.TrimSpace(clock); clock != "" {
		t, ok := parseTypedHM(clock)
		if !ok {
			return p, nil, &formError{ID: "forms.err.time"}
		}
		return moment(d.at(t, env.Loc))
	}
	if pastDay(d) {
		return p, nil, &formError{ID: "forms.err.past"}
	}
	p.Day = d
	return p, nil, nil
}

// back steps back inside the picker (from the time to the calendar); out is
// true when there is nothing to go back to.
func (p momentPick) back() (next momentPick, out bool) {
	if p.Day.IsZero() {
		return momentPick{}, true
	}
	p.Day, p.Typing = day{}, false
	return p, false
}

// view is the picker's prompt and buttons.
func (p momentPick) view(cat *i18n.Catalog, env formEnv, future bool, data buttonData) (string, [][]chat.Button) {
	switch {
	case p.Typing:
		return cat.T(env.Lang, "forms.time.prompt_typed", map[string]any{"Date": i18n.Date(env.Lang, p.Day.date(), time.UTC)}), nil
	case !p.Day.IsZero():
		var after *time.Time
		if future {
			after = &env.Now
		}
		return cat.T(env.Lang, "forms.time.prompt", map[string]any{"Date": i18n.Date(env.Lang, p.Day.date(), time.UTC)}),
			timeKeyboard(cat, env.Lang, p.Day, env.Loc, after, data)
	}
	c := calendar{Lang: env.Lang, Today: env.today(), Month: p.Month, QuickOnly: env.OneKeyboard}
	if future {
		c.Min = c.Today
	}
	return cat.T(env.Lang, "forms.date.prompt", nil), c.keyboard(cat, data)
}
