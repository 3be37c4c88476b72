package bot

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
)

// testData builds form button data the way a real form does, with a
// version large enough to test the 64-byte limit honestly.
func testData(op string, args ...any) string {
	return formButtons(actionNewTask, 2_000_000_000)(op, args...)
}

func kyiv(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return loc
}

// kbLabels flattens a keyboard into its rows of button texts.
func kbLabels(kb [][]chat.Button) [][]string {
	out := make([][]string, 0, len(kb))
	for _, r := range kb {
		var row []string
		for _, b := range r {
			row = append(row, b.Text)
		}
		out = append(out, row)
	}
	return out
}

// kbFind returns the button with the label, failing the test without it.
func kbFind(t *testing.T, kb [][]chat.Button, label string) chat.Button {
	t.Helper()
	for _, r := range kb {
		for _, b := range r {
			if b.Text == label {
				return b
			}
		}
	}
	t.Fatalf("no button %q in %q", label, kbLabels(kb))
	return chat.Button{}
}

// kbInput decodes a button's data into the form input it produces.
func kbInput(t *testing.T, b chat.Button) formInput {
	t.Helper()
	d, err := callback.Decode(b.Data)
	if err != nil || len(d.Args) < 2 {
		t.Fatalf("button %q has bad data %q: %v", b.Text, b.Data, err)
	}
	in := formInput{Op: d.Args[1]}
	if len(d.Args) > 2 {
		in.Arg = d.Args[2]
	}
	return in
}

func TestCalendarNovember2026(t *testing.T) {
	t.Parallel()
	cat := i18n.MustNew()
	kb := calendar{Lang: domain.LangEN, Today: day{2026, 11, 26}}.keyboard(cat, testData)
	got := kbLabels(kb)
	want := [][]string{
		{"Today", "Tomorrow", "In a week"},
		{"‹", "November 2026", "›"},
		{"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"},
		// 1 November 2026 is a Sunday.
		{blankLabel, blankLabel, blankLabel, blankLabel, blankLabel, blankLabel, "1"},
		{"2", "3", "4", "5", "6", "7", "8"},
		{"9", "10", "11", "12", "13", "14", "15"},
		{"16", "17", "18", "19", "20", "21", "22"},
		{"23", "24", "25", "[26]", "27", "28", "29"},
		{"30", blankLabel, blankLabel, blankLabel, blankLabel, blankLabel, blankLabel},
	}
	if len(got) != len(want) {
		t.Fatalf("rows:\n got %q\nwant %q", got, want)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("row %d: got %q, want %q", i, got[i], want[i])
		}
	}
	for label, want := range map[string]formInput{
		"Today":     {Op: opDay, Arg: "20261126"},
		"Tomorrow":  {Op: opDay, Arg: "20261127"},
		"In a week": {Op: opDay, Arg: "20261203"},
		"‹":         {Op: opMonth, Arg: "202610"},
		"›":         {Op: opMonth, Arg: "202612"},
		"30":        {Op: opDay, Arg: "20261130"},
		"Mo":        {Op: opNop},
	} {
		if in := kbInput(t, kbFind(t, kb, label)); in != want {
			t.Errorf("%q: got %+v, want %+v", label, in, want)
		}
	}
}

func TestCalendarLocalisedAndBounded(t *testing.T) {
	t.Parallel()
	cat := i18n.MustNew()
	// Ukrainian month and weekday names; past days greyed out with a minimum.
	kb := calendar{Lang: domain.LangUK, Today: day{2026, 3, 30}, Min: day{2026, 3, 30}}.keyboard(cat, testData)
	got := kbLabels(kb)
	if !slices.Equal(got[1], []string{blankLabel, "Березень 2026", "›"}) {
		t.Errorf("title row with minimum: %q (no way back before the minimum's month)", got[1])
	}
	if !slices.Equal(got[2], []string{"Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Нд"}) {
		t.Errorf("weekdays: %q", got[2])
	}
	// March 2026 starts on a Sunday: 1 is alone in the first week, 2..8 next.
	if !slices.Equal(got[4], []string{"·", "·", "·", "·", "·", "·", "·"}) {
		t.Errorf("past week should be greyed: %q", got[4])
	}
	if in := kbInput(t, kbFind(t, kb, "·")); in.Op != opNop {
		t.Errorf("a greyed day must not pick: %+v", in)
	}
	// Every button decodes to one of the calendar's own operations (and so
	// fits Telegram's 64 bytes: callback.New would have panicked).
	for _, r := range kb {
		for _, b := range r {
			if in := kbInput(t, b); in.Op != opDay && in.Op != opMonth && in.Op != opNop {
				t.Errorf("%q: operation %q is not the calendar's", b.Text, in.Op)
			}
		}
	}
}

func TestParseButtonArguments(t *testing.T) {
	t.Parallel()
	days := map[string]bool{
		"20261127": true, "20240229": true,
		"20260231": false, "20250229": false, "20261301": false, "20261100": false,
		"2026112": false, "202611270": false, "abcdefgh": false, "-2026112": false, "18991231": false, "": false,
	}
	for s, ok := range days {
		if _, err := parseDay(s); (err == nil) != ok {
			t.Errorf("parseDay(%q) error = %v, want ok=%v", s, err, ok)
		}
	}
	months := map[string]bool{"202612": true, "202613": false, "202600": false, "99": false, "220101": false}
	for s, ok := range months {
		if _, err := parseMonth(s); (err == nil) != ok {
			t.Errorf("parseMonth(%q) error = %v, want ok=%v", s, err, ok)
		}
	}
	times := map[string]bool{"0930": true, "2359": true, "2400": false, "1260": false, "930": false, "ab30": false}
	for s, ok := range times {
		if _, err := parseHM(s); (err == nil) != ok {
			t.Errorf("parseHM(%q) error = %v, want ok=%v", s, err, ok)
		}
	}
}

func TestParseTypedTime(t *testing.T) {
	t.Parallel()
	cases := map[string]hm{"9:30": {9, 30}, "09:30": {9, 30}, "9.30": {9, 30}, "930": {9, 30}, "1730": {17, 30}, "9": {9, 0}, " 17:05 ": {17, 5}}
	for s, want := range cases {
		if got, ok := parseTypedHM(s); !ok || got != want {
			t.Errorf("parseTypedHM(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "25:00", "12:60", "noon", "12:3", "1:2:3", "12345"} {
		if got, ok := parseTypedHM(s); ok {
			t.Errorf("parseTypedHM(%q) = %v, want refusal", s, got)
		}
	}
}

func TestTimeKeyboard(t *testing.T) {
	t.Parallel()
	cat, loc := i18n.MustNew(), kyiv(t)
	d := day{2026, 11, 26}
	all := timeKeyboard(cat, domain.LangEN, d, loc, nil, testData)
	flat := slices.Concat(kbLabels(all)...)
	if flat[0] != "09:00" || flat[24] != "21:00" || flat[len(flat)-1] != "Type a time…" || len(flat) != 26 {
		t.Fatalf("times: %q", flat)
	}
	// Today at 12:10 Kyiv: only later times are offered for a due time.
	now := time.Date(2026, 11, 26, 10, 10, 0, 0, time.UTC)
	later := slices.Concat(kbLabels(timeKeyboard(cat, domain.LangEN, d, loc, &now, testData))...)
	if later[0] != "12:30" {
		t.Fatalf("first time after 12:10 Kyiv = %q, want 12:30", later[0])
	}
	if in := kbInput(t, kbFind(t, all, "17:30")); in != (formInput{Op: opTime, Arg: "1730"}) {
		t.Errorf("17:30 button: %+v", in)
	}
}

func TestMomentPick(t *testing.T) {
	t.Parallel()
	loc := kyiv(t)
	env := formEnv{Lang: domain.LangEN, Loc: loc, Now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)} // 12:00 Kyiv
	type step struct {
		in      formInput
		wantErr string // formError id; "" for none
	}
	at := func(y int, m time.Month, d, h, min int) *time.Time {
		t := time.Date(y, m, d, h, min, 0, 0, loc)
		return &t
	}
	cases := []struct {
		name   string
		future bool
		steps  []step
		want   *time.Time
	}{
		{"tomorrow at 10:00", true, []step{{formInput{Op: opDay, Arg: "20261127"}, ""}, {formInput{Op: opTime, Arg: "1000"}, ""}}, at(2026, 11, 27, 10, 0)},
		{"typed time after a tapped date", true, []step{{formInput{Op: opDay, Arg: "20261127"}, ""}, {formInput{Op: opTypeTime}, ""}, {formInput{Text: "7:45"}, ""}}, at(2026, 11, 27, 7, 45)},
		{"typed date and time", true, []step{{formInput{Text: "01.12.2026 18:15"}, ""}}, at(2026, 12, 1, 18, 15)},
		{"typed date then tapped time", true, []step{{formInput{Text: "2026-12-01"}, ""}, {formInput{Op: opTime, Arg: "0900"}, ""}}, at(2026, 12, 1, 9, 0)},
		{"31 February is no date", true, []step{{formInput{Text: "31.02.2026"}, "forms.err.date"}}, nil},
		{"letters are no time", true, []step{{formInput{Op: opDay, Arg: "20261127"}, ""}, {formInput{Text: "evening"}, "forms.err.time"}}, nil},
		{"earlier today is refused for a due time", true, []step{{formInput{Op: opDay, Arg: "20261126"}, ""}, {formInput{Op: opTime, Arg: "0900"}, "forms.err.past"}}, nil},
		{"a past date is refused for a due time", true, []step{{formInput{Op: opDay, Arg: "20261125"}, "forms.stale"}}, nil},
		{"a typed past date is refused for a due time", true, []step{{formInput{Text: "01.01.2026"}, "forms.err.past"}}, nil},
		{"a past date is fine for a result field", false, []step{{formInput{Text: "01.01.2026 10:00"}, ""}}, at(2026, 1, 1, 10, 0)},
		{"time before a date is a stale button", true, []step{{formInput{Op: opTime, Arg: "1000"}, "forms.stale"}}, nil},
		{"garbage day", true, []step{{formInput{Op: opDay, Arg: "2026-11-27"}, "forms.stale"}}, nil},
		{"unknown operation", true, []step{{formInput{Op: "zz"}, "forms.stale"}}, nil},
		{"a month before the current one", true, []step{{formInput{Op: opMonth, Arg: "202610"}, "forms.stale"}}, nil},
		{"DST: 03:30 on 29 March 2026 does not exist in Kyiv", false, []step{{formInput{Op: opDay, Arg: "20260329"}, ""}, {formInput{Text: "03:30"}, ""}},
			ptr(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC))}, // the jump: 03:00 EET becomes 04:00 EEST
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p momentPick
			var got *time.Time
			for i, s := range c.steps {
				next, moment, err := p.apply(s.in, env, c.future)
				var fe *formError
				switch {
				case s.wantErr == "" && err != nil:
					t.Fatalf("step %d: %v", i, err)
				case s.wantErr != "" && (!errors.As(err, &fe) || fe.ID != s.wantErr):
					t.Fatalf("step %d: error %v, want %s", i, err, s.wantErr)
				case s.wantErr != "" && next != p:
					t.Fatalf("step %d: a refused input changed the state: %+v → %+v", i, p, next)
				}
				p, got = next, moment
			}
			switch {
			case c.want == nil && got != nil:
				t.Fatalf("got a moment %v, want none", got)
			case c.want != nil && (got == nil || !got.Equal(*c.want)):
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestMomentPickBackAndView(t *testing.T) {
	t.Parallel()
	cat, loc := i18n.MustNew(), kyiv(t)
	env := formEnv{Lang: domain.LangEN, Loc: loc, Now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	p, _, err := momentPick{}.apply(formInput{Op: opDay, Arg: "20261127"}, env, true)
	if err != nil {
		t.Fatal(err)
	}
	prompt, kb := p.view(cat, env, true, testData)
	if !strings.Contains(prompt, "Nov 27, 2026") {
		t.Fatalf("time screen prompt: %q", prompt)
	}
	if in := kbInput(t, kbFind(t, kb, "09:00")); in != (formInput{Op: opTime, Arg: "0900"}) {
		t.Fatalf("09:00 on the time screen: %+v", in)
	}
	back, out := p.back()
	if out || !back.Day.IsZero() {
		t.Fatalf("back from the time goes to the calendar: %+v out=%v", back, out)
	}
	if _, out := back.back(); !out {
		t.Fatal("back from the calendar leaves the picker")
	}
}

// TestMomentPickOnOneKeyboard: on a channel that shows one keyboard per chat
// (Viber) the date step offers today, tomorrow and in a week and no month
// grid; its prompt asks for a typed date, which the picker reads.
func TestMomentPickOnOneKeyboard(t *testing.T) {
	t.Parallel()
	cat, loc := i18n.MustNew(), kyiv(t)
	env := formEnv{Lang: domain.LangEN, Loc: loc, Now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), OneKeyboard: true}
	prompt, kb := momentPick{}.view(cat, env, true, testData)
	if got := kbLabels(kb); !slices.Equal(got[0], []string{"Today", "Tomorrow", "In a week"}) || len(got) != 1 {
		t.Fatalf("one-keyboard date step: %q, want only the quick choices", got)
	}
	if !strings.Contains(prompt, "DD.MM.YYYY") {
		t.Fatalf("the prompt does not say how to type a date: %q", prompt)
	}
	if in := kbInput(t, kbFind(t, kb, "In a week")); in != (formInput{Op: opDay, Arg: "20261203"}) {
		t.Fatalf("in a week: %+v", in)
	}
	p, _, err := momentPick{}.apply(formInput{Text: "15.01.2027"}, env, true)
	if err != nil || p.Day != (day{2027, time.January, 15}) {
		t.Fatalf("typed date: %+v %v", p, err)
	}
	for _, bad := range []string{"15/13/2027", "завтра", "99.99.9999", ""} {
		if _, _, err := (momentPick{}).apply(formInput{Text: bad}, env, true); err == nil {
			t.Errorf("typed %q was taken as a date", bad)
		}
	}
	env.OneKeyboard = false
	if _, kb := (momentPick{}).view(cat, env, true, testData); len(kb) < 5 {
		t.Fatalf("with inline buttons the month grid is drawn: %q", kbLabels(kb))
	}
}
