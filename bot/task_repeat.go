package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Making a task repeat from its card (issue 15: "a template or a task may
// repeat"). The picker is stateless: every step's buttons carry what was
// chosen so far, and the server re-reads the task and re-checks the
// person's rights on every tap (tappedTaskFor), so a forged or stale button
// gets the usual refusals:
//
//	rr|<task>|<origin>                       how: the rule menu
//	rr|<task>|<origin>|t<mask>               the weekdays being toggled
//	rr|<task>|<origin>|<rule>                until when: the end menu
//	rr|<task>|<origin>|<rule>|u[|<op>|<arg>] the calendar for "until a date"
//	rr|<task>|<origin>|<rule>|<end>          save (postgres.TaskRepeatSet)
//	rz|<task>|<origin>                       stop repeating
//
// A rule is d<N> (every N days), w<mask> (on weekdays: bit d = time.Weekday
// d), m<day> (monthly on that day) or ml (monthly on the last day); an end
// is n (never), x<N> (after N times in all, this one included) or
// u<YYYYMMDD> (until that day in the club's zone). Saving twice stores one
// rule, so a double tap saves once.

const (
	repeatToggle   = "t"  // t<mask>: weekdays being picked
	repeatNever    = "n"  // no end
	repeatAfter    = "x"  // x<N>: N times in all
	repeatUntil    = "u"  // u: pick the date; u<YYYYMMDD>: until then
	repeatLastDay  = "ml" // monthly on the last day
	maxRepeatTimes = 1000
)

// repeatEndTimes are the "after N times" choices.
var repeatEndTimes = []int{4, 8, 12}

// taskRepeatMenu runs the picker (rr|...).
func (b *Bot) taskRepeatMenu(r *request) error {
	t, err := b.tappedTaskFor(r, domain.ActionEdit)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	ruleArg, _ := r.data.Str(2)
	endArg, _ := r.data.Str(3)
	switch {
	case ruleArg == "":
		return b.repeatRuleScreen(r, t, o)
	case strings.HasPrefix(ruleArg, repeatToggle):
		mask, err := strconv.Atoi(ruleArg[1:])
		if err != nil || mask < 0 || mask > 127 {
			return errBadArg
		}
		_, err = r.show(r.repeatDaysScreen(t, o, mask))
		return err
	}
	rule, err := parseRepeatRule(ruleArg)
	if err != nil {
		return errBadArg
	}
	switch {
	case endArg == "":
		_, err := r.show(r.repeatEndScreen(t, o, ruleArg, rule))
		return err
	case endArg == repeatUntil:
		return b.repeatUntilScreen(r, t, o, ruleArg, rule)
	}
	return b.repeatSave(r, t, o, rule, endArg)
}

// repeatSave stores rule with its end and shows the card again.
func (b *Bot) repeatSave(r *request, t postgres.TaskView, o origin, rule domain.Repeat, endArg string) error {
	rule, err := r.parseRepeatEnd(rule, endArg)
	if err != nil {
		return errBadArg
	}
	if err := b.db.TaskRepeatSet(r.ctx, r.club.ID, t.ID, r.staff, rule); err != nil {
		return err
	}
	r.answer(r.t("bot.repeat.saved", map[string]any{"Rule": r.repeatText(rule)}))
	return b.redrawCard(r, t.ID, o)
}

// taskRepeatStop ends the task's repeating (rz|<task>|<origin>).
func (b *Bot) taskRepeatStop(r *request) error {
	t, err := b.tappedTaskFor(r, domain.ActionEdit)
	if err != nil {
		return err
	}
	if err := b.db.TaskRepeatStop(r.ctx, r.club.ID, t.ID, r.staff); err != nil {
		return err
	}
	r.answer(r.t("bot.repeat.stopped", nil))
	return b.redrawCard(r, t.ID, r.originArg(1))
}

// repeatRuleScreen offers the rules; a task that repeats (repeatLine) also
// offers to stop.
func (b *Bot) repeatRuleScreen(r *request, t postgres.TaskView, o origin) error {
	repeat, err := b.repeatLine(r, t)
	if err != nil {
		return err
	}
	day := b.clock.Now().In(r.loc).Day()
	if t.DueAt != nil {
		day = t.DueAt.In(r.loc).Day()
	}
	kb := [][]chat.Button{
		row(btn(r.t("bot.repeat.btn_day", nil), callback.ActionTaskRepeat, t.ID, o, "d1"),
			btn(r.t("bot.repeat.btn_week", nil), callback.ActionTaskRepeat, t.ID, o, "d7")),
		row(btn(r.t("bot.repeat.btn_2weeks", nil), callback.ActionTaskRepeat, t.ID, o, "d14"),
			btn(r.t("bot.repeat.btn_weekdays", nil), callback.ActionTaskRepeat, t.ID, o, repeatToggle+"0")),
		row(btn(r.t("bot.repeat.btn_month_day", map[string]any{"Day": day}), callback.ActionTaskRepeat, t.ID, o, "m"+strconv.Itoa(day)),
			btn(r.t("bot.repeat.btn_month_last", nil), callback.ActionTaskRepeat, t.ID, o, repeatLastDay)),
	}
	text := taskLine(r.lang, t) + "\n"
	if repeat != "" {
		text += repeat + "\n"
		kb = append(kb, row(btn(r.t("bot.repeat.stop", nil), callback.ActionTaskRepeatStop, t.ID, o)))
	}
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionTaskCard, t.ID, o)))
	_, err = r.show(text+"\n"+r.t("bot.repeat.choose", nil), kb)
	return err
}

// repeatLine is the line saying how the task repeats ("🔁 every week"),
// "" when it does not: no rule, or a rule that makes no occurrence after
// this one (its last day has passed in the club's zone, or this is the last
// of its times), since closing the task would create none
// (domain.Repeat.NextAfter, as repeatNextTx reads it). Such a task is not
// offered Stop repeating either: there is nothing left to stop.
func (b *Bot) repeatLine(r *request, t postgres.TaskView) (string, error) {
	rep, repeats, err := b.db.TaskRepeatGet(r.ctx, r.club.ID, t.ID)
	if err != nil || !repeats {
		return "", err
	}
	if _, more := rep.Rule.NextAfter(t.DueAt, b.clock.Now(), rep.Occurrence, r.club.Hours(), r.loc); !more {
		return "", nil
	}
	return r.t("bot.card.repeats", map[string]any{"Rule": r.repeatText(rep.Rule)}), nil
}

// repeatDaysScreen toggles weekdays, Monday first; Done once one is on.
func (r *request) repeatDaysScreen(t postgres.TaskView, o origin, mask int) (string, [][]chat.Button) {
	var days []chat.Button
	for i := range 7 {
		d := time.Weekday((i + 1) % 7)
		label := i18n.Weekday(r.lang, d)
		if mask&(1<<int(d)) != 0 {
			label = "✓ " + label
		}
		days = append(days, btn(label, callback.ActionTaskRepeat, t.ID, o, repeatToggle+strconv.Itoa(mask^(1<<int(d)))))
	}
	kb := [][]chat.Button{days[:4], days[4:]}
	if mask != 0 {
		kb = append(kb, row(btn(r.t("bot.repeat.done", nil), callback.ActionTaskRepeat, t.ID, o, "w"+strconv.Itoa(mask))))
	}
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionTaskRepeat, t.ID, o)))
	return taskLine(r.lang, t) + "\n\n" + r.t("bot.repeat.pick_days", nil), kb
}

// repeatEndScreen asks until when the rule repeats.
func (r *request) repeatEndScreen(t postgres.TaskView, o origin, ruleArg string, rule domain.Repeat) (string, [][]chat.Button) {
	var after []chat.Button
	for _, n := range repeatEndTimes {
		after = append(after, btn(r.n("bot.repeat.after", n, nil), callback.ActionTaskRepeat, t.ID, o, ruleArg, repeatAfter+strconv.Itoa(n)))
	}
	kb := [][]chat.Button{
		row(btn(r.t("bot.repeat.never", nil), callback.ActionTaskRepeat, t.ID, o, ruleArg, repeatNever)),
		after,
		row(btn(r.t("bot.repeat.until_date", nil), callback.ActionTaskRepeat, t.ID, o, ruleArg, repeatUntil)),
		row(btn(r.t("common.back", nil), callback.ActionTaskRepeat, t.ID, o)),
	}
	return taskLine(r.lang, t) + "\n\n" + r.t("bot.repeat.end", map[string]any{"Rule": r.repeatText(rule)}), kb
}

// repeatUntilScreen is the calendar for "until a date"
// (rr|<task>|<origin>|<rule>|u[|<op>|<arg>]): a day saves, a month shows
// it, a label changes nothing.
func (b *Bot) repeatUntilScreen(r *request, t postgres.TaskView, o origin, ruleArg string, rule domain.Repeat) error {
	env := r.formEnv()
	op, _ := r.data.Str(4)
	arg, _ := r.data.Str(5)
	// The last day cannot be before today, nor before the task's own due
	// day: an end the series can never reach would repeat nothing.
	earliest := dayOf(env.Now, r.loc)
	if t.DueAt != nil {
		if due := dayOf(*t.DueAt, r.loc); earliest.before(due) {
			earliest = due
		}
	}
	c := calendar{Lang: r.lang, Today: dayOf(env.Now, r.loc), Month: earliest, Min: earliest, QuickOnly: env.OneKeyboard}
	switch op {
	case "":
	case opNop:
		return nil // a label: the router answers the tap
	case opMonth:
		m, err := parseMonth(arg)
		if err != nil {
			return errBadArg
		}
		c.Month = m
	case opDay:
		return b.repeatSave(r, t, o, rule, repeatUntil+arg)
	default:
		return errBadArg
	}
	data := func(op string, args ...any) string {
		return callback.New(callback.ActionTaskRepeat, append([]any{t.ID, o, ruleArg, repeatUntil, op}, args...)...)
	}
	var kb [][]chat.Button
	if env.OneKeyboard {
		// One keyboard per chat and no state between taps: no month grid and
		// no typed date, so the ends of the coming months are the choices
		// (the calendar's quick ones, today to a week on, end a series at once).
		var ends []chat.Button
		for _, d := range monthEnds(earliest, 1, 2, 3, 6, 12) {
			ends = append(ends, dataBtn(fmt.Sprintf("%02d.%02d.%d", d.D, int(d.M), d.Y), data(opDay, d.compact())))
		}
		kb = append(kb, ends)
	} else {
		kb = c.keyboard(b.cat, data)
	}
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionTaskRepeat, t.ID, o, ruleArg)))
	_, err := r.show(taskLine(r.lang, t)+"\n\n"+r.t("bot.repeat.until_pick", map[string]any{"Rule": r.repeatText(rule)}), kb)
	return err
}

// monthEnds returns the last day of from's month and of the months after
// it by the given offsets, skipping any before from (0 is from's month).
func monthEnds(from day, offsets ...int) []day {
	var out []day
	for _, k := range offsets {
		last := time.Date(from.Y, from.M+time.Month(k)+1, 0, 12, 0, 0, 0, time.UTC) // day 0: the month's last
		d := day{last.Year(), last.Month(), last.Day()}
		if !d.before(from) {
			out = append(out, d)
		}
	}
	return out
}

// parseRepeatRule reads a rule argument: d<N>, w<mask>, m<day> or ml.
func parseRepeatRule(s string) (domain.Repeat, error) {
	var rule domain.Repeat
	if s == repeatLastDay {
		rule.MonthDay = domain.LastDayOfMonth
		return rule, rule.Validate()
	}
	if len(s) < 2 {
		return rule, errBadArg
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil || n <= 0 {
		return rule, errBadArg
	}
	switch s[0] {
	case 'd':
		rule.EveryDays = n
	case 'w':
		if n > 127 {
			return rule, errBadArg
		}
		rule.Weekdays = map[time.Weekday]bool{}
		for d := time.Sunday; d <= time.Saturday; d++ {
			if n&(1<<int(d)) != 0 {
				rule.Weekdays[d] = true
			}
		}
	case 'm':
		rule.MonthDay = n
	default:
		return rule, errBadArg
	}
	return rule, rule.Validate()
}

// parseRepeatEnd applies an end argument to rule: n, x<N> or u<YYYYMMDD>
// (not before today in the club's zone).
func (r *request) parseRepeatEnd(rule domain.Repeat, s string) (domain.Repeat, error) {
	switch {
	case s == repeatNever:
		return rule, nil
	case strings.HasPrefix(s, repeatAfter):
		n, err := strconv.Atoi(s[len(repeatAfter):])
		if err != nil || n < 1 || n > maxRepeatTimes {
			return rule, errBadArg
		}
		rule.Times = n
		return rule, nil
	case strings.HasPrefix(s, repeatUntil):
		d, err := parseDay(s[len(repeatUntil):])
		if err != nil || d.before(dayOf(r.b.clock.Now(), r.loc)) {
			return rule, errBadArg
		}
		until := d.date()
		rule.Until = &until
		return rule, nil
	}
	return rule, errBadArg
}

// repeatText says how a task repeats: "every week, until 31.12".
func (r *request) repeatText(rule domain.Repeat) string {
	var s string
	switch {
	case rule.EveryDays == 1:
		s = r.t("bot.repeat.every_day", nil)
	case rule.EveryDays == 7:
		s = r.t("bot.repeat.every_week", nil)
	case rule.EveryDays > 0 && rule.EveryDays%7 == 0:
		s = r.n("bot.repeat.every_weeks", rule.EveryDays/7, nil)
	case rule.EveryDays > 0:
		s = r.t("bot.repeat.every_days", map[string]any{"N": rule.EveryDays})
	case rule.MonthDay == domain.LastDayOfMonth:
		s = r.t("bot.repeat.month_last", nil)
	case rule.MonthDay > 0:
		s = r.t("bot.repeat.month_day", map[string]any{"Day": rule.MonthDay})
	default:
		var days []string
		for i := range 7 {
			if d := time.Weekday((i + 1) % 7); rule.Weekdays[d] {
				days = append(days, i18n.Weekday(r.lang, d))
			}
		}
		s = r.t("bot.repeat.on_days", map[string]any{"Days": strings.Join(days, ", ")})
	}
	if rule.Until != nil {
		layout := "02.01"
		if rule.Until.Year() != r.b.clock.Now().In(r.loc).Year() {
			layout = "02.01.2006"
		}
		s += r.t("bot.repeat.until", map[string]any{"Date": rule.Until.Format(layout)})
	}
	if rule.Times > 0 {
		s += r.n("bot.repeat.times", rule.Times, nil)
	}
	return s
}
