package bot

import (
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Rescheduling a task from its card (also the edit menu's "Due date"): the
// menu offers quick choices, the calendar and time picker (the moment form,
// task_moment.go), or a date and time typed in one line (the "task_due"
// flow). The store re-checks rights and that the task is open, and moves
// the reminder with the due time.

// Reschedule quick choices: offsets from the later of now and the current
// due time, counted in the club's zone so "+1 day" keeps the wall-clock time.
var rescheduleChoices = []struct {
	key         string
	hours, days int
}{{"1h", 1, 0}, {"1d", 0, 1}, {"3d", 0, 3}, {"1w", 0, 7}}

// taskRescheduleMenu offers new due times ("rd|<task>|<origin>").
func (b *Bot) taskRescheduleMenu(r *request) error {
	t, err := b.tappedTaskFor(r, domain.ActionEdit)
	if err != nil {
		return err
	}
	text, kb := b.rescheduleScreen(r, t, r.originArg(1))
	_, err = r.show(text, kb)
	return err
}

// rescheduleScreen is the reschedule menu.
func (b *Bot) rescheduleScreen(r *request, t postgres.TaskView, o origin) (string, [][]chat.Button) {
	var choices []chat.Button
	for _, c := range rescheduleChoices {
		due := rescheduleFrom(t.DueAt, b.clock.Now(), r.loc, c.hours, c.days)
		choices = append(choices, btn(r.t("bot.due.choice."+c.key, map[string]any{"At": r.when(due)}), callback.ActionTaskDueQuick, t.ID, c.key, o))
	}
	kb := [][]chat.Button{choices[:2], choices[2:],
		row(btn(r.t("bot.due.calendar", nil), callback.ActionTaskDuePick, t.ID, o)),
		row(btn(r.t("bot.due.type", nil), callback.ActionTaskDueType, t.ID, o)),
		row(btn(r.t("common.back", nil), callback.ActionTaskCard, t.ID, o)),
	}
	return "<b>" + esc(t.TitleIn(r.lang)) + "</b>\n" + r.t("bot.due.choose", map[string]any{"Due": r.dueText(t.DueAt, true)}), kb
}

// rescheduleFrom is a quick choice's due time.
func rescheduleFrom(due *time.Time, now time.Time, loc *time.Location, hours, days int) time.Time {
	base := now
	if due != nil && due.After(now) {
		base = *due
	}
	return base.In(loc).AddDate(0, 0, days).Add(time.Duration(hours) * time.Hour)
}

// taskRescheduleQuick applies a quick choice ("rq|<task>|<choice>|<origin>").
func (b *Bot) taskRescheduleQuick(r *request) error {
	id, key, err := r.taskAndWord()
	if err != nil {
		return err
	}
	hours, days, found := 0, 0, false
	for _, c := range rescheduleChoices {
		if c.key == key {
			hours, days, found = c.hours, c.days, true
		}
	}
	if !found {
		return errBadArg
	}
	t, err := b.db.TaskGet(r.ctx, r.club.ID, id)
	if err != nil {
		return err
	}
	due := rescheduleFrom(t.DueAt, b.clock.Now(), r.loc, hours, days)
	if _, err := b.db.TaskReschedule(r.ctx, r.club.ID, id, r.staff, &due); err != nil {
		return err
	}
	r.answer(r.t("bot.due.saved", map[string]any{"At": r.when(due)}))
	return b.redrawCard(r, id, r.originArg(2))
}

// taskReschedulePick opens the calendar and time picker for the new due
// time ("rp|<task>|<origin>").
func (b *Bot) taskReschedulePick(r *request) error {
	t, err := b.tappedTaskFor(r, domain.ActionEdit)
	if err != nil {
		return err
	}
	return b.momentStart(r, t, momentForm{TaskID: t.ID, For: momentDue, Origin: r.originArg(1).String()})
}

// taskRescheduleType starts the task_due flow: the person types a date and
// time ("rt|<task>|<origin>").
func (b *Bot) taskRescheduleType(r *request) error {
	t, err := b.tappedTaskFor(r, domain.ActionEdit)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	if _, err := r.startConversation(flowTaskDue, "due", taskEditState{TaskID: t.ID, Origin: o.String()}, r.cbMsg); err != nil {
		return err
	}
	example := b.clock.Now().In(r.loc).AddDate(0, 0, 1).Format("02.01.2006") + " 10:00"
	_, err = r.show(r.t("bot.due.prompt", map[string]any{"Example": example}), [][]chat.Button{row(btn(r.t("common.cancel", nil), callback.ActionTaskEditCancel, t.ID, o))})
	return err
}

// taskDueText is the task_due flow's text step: "DD.MM.YYYY HH:MM" in the
// club's zone.
func (b *Bot) taskDueText(r *request) error {
	st, err := r.taskEditState()
	if err != nil {
		return err
	}
	v, err := domain.ParseFieldText(domain.Field{Name: "due", Type: domain.FieldDateTime}, r.text, r.loc)
	if err != nil || v.Time == nil {
		_, err := r.reply(r.t("bot.due.unreadable", nil), nil)
		return err
	}
	if ended, err := b.taskFormStale(r, st.TaskID); ended || err != nil {
		return err
	}
	if _, err := b.db.TaskReschedule(r.ctx, r.club.ID, st.TaskID, r.staff, v.Time); err != nil {
		if domain.ErrorCode(err) == domain.CodeDueInPast {
			_, err := r.reply(r.t("bot.err.due_in_past", nil), nil)
			return err // the form stays for another try
		}
		return err
	}
	return b.finishTaskForm(r, st, "bot.due.saved_short")
}
