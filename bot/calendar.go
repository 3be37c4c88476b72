package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
)

// The inline calendar and time picker used by every form that asks for a
// date or a moment (result fields, a new task's due, a custom reminder). They
// are pure functions of the club's zone, "now" and the month shown; their
// buttons carry compact arguments (a day as YYYYMMDD, a month as YYYYMM, a
// time as HHMM) that the form parses back with parseDay, parseMonth and
// parseHM, never trusting them further than their shape.

// Form button operations used by the calendar and the time picker.
const (
	opDay      = "d"  // arg: YYYYMMDD
	opMonth    = "m"  // arg: YYYYMM, the month to show
	opTime     = "t"  // arg: HHMM
	opTypeTime = "tt" // the person will type a time
	opNop      = "_"  // a label (weekday, month title, blank cell): answered, changes nothing
)

// buttonData builds the callback data of a form button from an operation and
// its arguments; each form binds it to its own conversation.
type buttonData func(op string, args ...any) string

// day is a calendar date without a zone. Forms keep dates this way and place
// them in the club's zone only when a time of day is added, so a date picked
// on one side of a DST change stays the date the person tapped.
type day struct {
	Y int
	M time.Month
	D int
}

// Years outside this range are a forged button or a typing mistake.
const (
	minCalendarYear = 1900
	maxCalendarYear = 2200
)

// dayOf is the date of t in loc.
func dayOf(t time.Time, loc *time.Location) day {
	t = t.In(loc)
	return day{t.Year(), t.Month(), t.Day()}
}

// dayFromDate converts a domain date value (midnight UTC of the civil date).
func dayFromDate(t time.Time) day { return day{t.Year(), t.Month(), t.Day()} }

// IsZero reports whether no date is set.
func (d day) IsZero() bool { return d.Y == 0 }

// addDays moves by n days (negative goes back).
func (d day) addDays(n int) day {
	t := time.Date(d.Y, d.M, d.D+n, 12, 0, 0, 0, time.UTC)
	return day{t.Year(), t.Month(), t.Day()}
}

// before reports whether d is an earlier date than o.
func (d day) before(o day) bool { return d.compact() < o.compact() }

// weekday is the day of the week.
func (d day) weekday() time.Weekday { return time.Date(d.Y, d.M, d.D, 12, 0, 0, 0, time.UTC).Weekday() }

// date is the domain's representation of a date value: midnight UTC.
func (d day) date() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC) }

// at places the date and a time of day in loc, with the product's DST rule
// (domain.LocalTime): a repeated time is its first occurrence, a skipped one
// the moment the clocks jump.
func (d day) at(t hm, loc *time.Location) time.Time {
	return domain.LocalTime(d.Y, d.M, d.D, t.H, t.M, loc)
}

// compact is the callback form, YYYYMMDD.
func (d day) compact() string { return fmt.Sprintf("%04d%02d%02d", d.Y, int(d.M), d.D) }

// String is the ISO form, used in form state.
func (d day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Y, int(d.M), d.D) }

// MarshalText stores a day in form state as YYYY-MM-DD (empty when unset).
func (d day) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads what MarshalText wrote.
func (d *day) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = day{}
		return nil
	}
	t, err := time.Parse("2006-01-02", string(b))
	if err != nil {
		return fmt.Errorf("form state: bad date %q", b)
	}
	*d = dayFromDate(t)
	return nil
}

// parseDay reads a YYYYMMDD button argument. 20260231 is refused: the date
// must exist.
func parseDay(s string) (day, error) {
	if len(s) != 8 || !allDigits(s) {
		return day{}, errBadButton
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[4:6])
	dd, _ := strconv.Atoi(s[6:])
	d := day{y, time.Month(m), dd}
	if y < minCalendarYear || y > maxCalendarYear || m < 1 || m > 12 || dd < 1 || d.addDays(0) != d {
		return day{}, errBadButton
	}
	return d, nil
}

// parseMonth reads a YYYYMM button argument as the first day of that month.
func parseMonth(s string) (day, error) {
	if len(s) != 6 || !allDigits(s) {
		return day{}, errBadButton
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[4:])
	if y < minCalendarYear || y > maxCalendarYear || m < 1 || m > 12 {
		return day{}, errBadButton
	}
	return day{y, time.Month(m), 1}, nil
}

// hm is a time of day.
type hm struct{ H, M int }

// String is "09:30".
func (t hm) String() string { return fmt.Sprintf("%02d:%02d", t.H, t.M) }

// compact is the callback form, HHMM.
func (t hm) compact() string { return fmt.Sprintf("%02d%02d", t.H, t.M) }

// parseHM reads a HHMM button argument.
func parseHM(s string) (hm, error) {
	if len(s) != 4 || !allDigits(s) {
		return hm{}, errBadButton
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[2:])
	if h > 23 || m > 59 {
		return hm{}, errBadButton
	}
	return hm{h, m}, nil
}

// parseTypedHM reads a time a person typed: "9:30", "09:30", "9.30", "930",
// "9".
func parseTypedHM(s string) (hm, bool) {
	s = strings.TrimSpace(s)
	var hs, ms string
	if i := strings.IndexAny(s, ":.-"); i >= 0 {
		hs, ms = s[:i], s[i+1:]
	} else if len(s) <= 2 {
		hs, ms = s, "00"
	} else if len(s) <= 4 {
		hs, ms = s[:len(s)-2], s[len(s)-2:]
	}
	if hs == "" || len(hs) > 2 || len(ms) != 2 || !allDigits(hs) || !allDigits(ms) {
		return hm{}, false
	}
	h, _ := strconv.Atoi(hs)
	m, _ := strconv.Atoi(ms)
	if h > 23 || m > 59 {
		return hm{}, false
	}
	return hm{h, m}, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// blankLabel fills the calendar's empty cells. Telegram refuses a button
// whose text is empty or only spaces; U+2800 (a blank braille pattern) is
// not a space and shows as nothing.
const blankLabel = "\u2800"

// calendar is the month grid a person taps a date in.
type calendar struct {
	Lang  domain.Language
	Today day // in the club's zone
	Month day // any day of the month shown; zero shows Today's month
	// Min, when set, greys out earlier dates (a due date cannot be in the past).
	Min day
	// QuickOnly draws only the quick choices, for a channel with one
	// keyboard per chat (Viber): other dates are typed (the prompt says how).
	QuickOnly bool
}

// keyboard renders the calendar: quick choices (today, tomorrow, +1 week),
// the month title with previous / next, a weekday header starting on Monday,
// and the weeks of the month. Labels and blank cells answer with opNop.
func (c calendar) keyboard(cat *i18n.Catalog, data buttonData) [][]chat.Button {
	month := c.Month
	if month.IsZero() {
		month = c.Today
	}
	first := day{month.Y, month.M, 1}
	nop := data(opNop)
	var rows [][]chat.Button

	var quick []chat.Button
	for _, q := range []struct {
		id string
		d  day
	}{
		{"forms.cal.today", c.Today},
		{"forms.cal.tomorrow", c.Today.addDays(1)},
		{"forms.cal.week", c.Today.addDays(7)},
	} {
		if !c.Min.IsZero() && q.d.before(c.Min) {
			continue
		}
		quick = append(quick, dataBtn(cat.T(c.Lang, q.id, nil), data(opDay, q.d.compact())))
	}
	if len(quick) > 0 {
		rows = append(rows, quick)
	}
	if c.QuickOnly {
		return rows
	}

	prev, next := first.addDays(-1), first.addDays(32)
	nav := make([]chat.Button, 0, 3)
	if prev.Y >= minCalendarYear && (c.Min.IsZero() || !prev.before(day{c.Min.Y, c.Min.M, 1})) {
		nav = append(nav, dataBtn("‹", data(opMonth, fmt.Sprintf("%04d%02d", prev.Y, int(prev.M)))))
	} else {
		nav = append(nav, dataBtn(blankLabel, nop))
	}
	nav = append(nav, dataBtn(monthTitle(cat, c.Lang, first), nop))
	if next.Y <= maxCalendarYear {
		nav = append(nav, dataBtn("›", data(opMonth, fmt.Sprintf("%04d%02d", next.Y, int(next.M)))))
	} else {
		nav = append(nav, dataBtn(blankLabel, nop))
	}
	rows = append(rows, nav)

	header := make([]chat.Button, 7)
	for i := range 7 {
		header[i] = dataBtn(i18n.Weekday(c.Lang, time.Weekday((i+1)%7)), nop)
	}
	rows = append(rows, header)

	// Monday-first column of the 1st: Monday 0 … Sunday 6.
	col := (int(first.weekday()) + 6) % 7
	week := make([]chat.Button, 0, 7)
	for range col {
		week = append(week, dataBtn(blankLabel, nop))
	}
	for d := first; d.M == first.M; d = d.addDays(1) {
		label := strconv.Itoa(d.D)
		switch {
		case !c.Min.IsZero() && d.before(c.Min):
			week = append(week, dataBtn("·", nop))
		default:
			if d == c.Today {
				label = "[" + label + "]"
			}
			week = append(week, dataBtn(label, data(opDay, d.compact())))
		}
		if len(week) == 7 {
			rows = append(rows, week)
			week = make([]chat.Button, 0, 7)
		}
	}
	if len(week) > 0 {
		for len(week) < 7 {
			week = append(week, dataBtn(blankLabel, nop))
		}
		rows = append(rows, week)
	}
	return rows
}

// monthTitle is "November 2026" in the language (nominative month names).
func monthTitle(cat *i18n.Catalog, lang domain.Language, d day) string {
	return cat.T(lang, fmt.Sprintf("forms.month.%d", int(d.M)), nil) + " " + strconv.Itoa(d.Y)
}

// Time picker: every half hour from the club day's start to its end, plus
// "type a time" for anything else.
const (
	timePickerFrom = 9 * 60  // 09:00
	timePickerTo   = 21 * 60 // 21:00
	timePickerStep = 30
	timePickerCols = 5
)

// timeKeyboard lists the times of d that can be picked. When after is set
// (a due time on today's date), times not after it are left out; if none is
// left, only "type a time" remains.
func timeKeyboard(cat *i18n.Catalog, lang domain.Language, d day, loc *time.Location, after *time.Time, data buttonData) [][]chat.Button {
	var rows [][]chat.Button
	row := make([]chat.Button, 0, timePickerCols)
	for m := timePickerFrom; m <= timePickerTo; m += timePickerStep {
		t := hm{m / 60, m % 60}
		if after != nil && !d.at(t, loc).After(*after) {
			continue
		}
		row = append(row, dataBtn(t.String(), data(opTime, t.compact())))
		if len(row) == timePickerCols {
			rows = append(rows, row)
			row = make([]chat.Button, 0, timePickerCols)
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, []chat.Button{dataBtn(cat.T(lang, "forms.time.type", nil), data(opTypeTime))})
	return rows
}

// dataBtn is an inline button with ready-made callback data.
func dataBtn(text, data string) chat.Button {
	return chat.Button{Text: text, Data: data}
}
