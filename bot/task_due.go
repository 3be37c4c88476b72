package bot

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/jobs"
)

// Reschedule quick choices: offsets from the later of now and the current
// due time, counted in the club's zone so "+1 day" keeps the wall-clock time.
var rescheduleChoices = []struct {
	key         string
	hours, days int
}{{"1h", 1, 0}, {"1d", 0, 1}, {"3d", 0, 3}, {"1w", 0, 7}}

// taskRescheduleMenu offers new due times ("rd|<task>|<origin>").
func (b *Bot) taskRescheduleMenu(r *request) error {
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	t, err := b.db.TaskGet(r.ctx, r.club.ID, id)
	if err != nil {
		return err
	}
	if err := domain.CanActOnTask(r.staff, t.Task, domain.ActionEdit); err != nil {
		return err
	}
	if !t.Status.Open() {
		return domain.Conflict("task_closed", "task is closed", nil)
	}
	var choices []jobs.Button
	for _, c := range rescheduleChoices {
		due := rescheduleFrom(t.DueAt, b.clock.Now(), r.loc, c.hours, c.days)
		choices = append(choices, btn(r.t("bot.due.choice."+c.key, map[string]any{"At": r.when(due)}), "rq", t.ID, c.key, o))
	}
	kb := [][]jobs.Button{choices[:2], choices[2:],
		row(btn(r.t("bot.due.type", nil), "rt", t.ID, o)),
		row(btn(r.t("common.back", nil), "tc", t.ID, o)),
	}
	text := "<b>" + esc(t.Title) + "</b>\n" + r.t("bot.due.choose", map[string]any{"Due": r.dueText(t.DueAt, true)})
	_, err = r.show(text, kb)
	return err
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
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	key, err := r.data.Str(1)
	if err != nil {
		return err
	}
	o := r.originArg(2)
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
	return b.redrawCard(r, id, o)
}

// taskRescheduleType starts the task_due flow: the person types a date and
// time ("rt|<task>|<origin>").
func (b *Bot) taskRescheduleType(r *request) error {
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	o := r.originArg(1)
	t, err := b.db.TaskGet(r.ctx, r.club.ID, id)
	if err != nil {
		return err
	}
	if err := domain.CanActOnTask(r.staff, t.Task, domain.ActionEdit); err != nil {
		return err
	}
	if !t.Status.Open() {
		return domain.Conflict("task_closed", "task is closed", nil)
	}
	if _, err := r.startConversation(flowTaskDue, "due", taskEditState{TaskID: id, Origin: o.String()}, r.cbMsg); err != nil {
		return err
	}
	example := b.clock.Now().In(r.loc).AddDate(0, 0, 1).Format("02.01.2006") + " 10:00"
	_, err = r.show(r.t("bot.due.prompt", map[string]any{"Example": example}), [][]jobs.Button{row(btn(r.t("common.cancel", nil), "ex", t.ID, o))})
	return err
}

// taskDueText is the task_due flow's text step: "DD.MM.YYYY HH:MM" in the
// club's zone.
func (b *Bot) taskDueText(r *request) error {
	c, _, err := r.conversation()
	if err != nil {
		return err
	}
	var st taskEditState
	if err := json.Unmarshal(c.Data, &st); err != nil {
		return fmt.Errorf("task_due state: %w", err)
	}
	v, err := domain.ParseFieldText(domain.Field{Name: "due", Type: domain.FieldDateTime}, r.text, r.loc)
	if err != nil || v.Time == nil {
		_, err := r.reply(r.t("bot.due.unreadable", nil), nil)
		return err
	}
	if _, err := b.db.TaskReschedule(r.ctx, r.club.ID, st.TaskID, r.staff, v.Time); err != nil {
		if domain.ErrorCode(err) == "due_in_past" {
			_, err := r.reply(r.t("bot.err.due_in_past", nil), nil)
			return err // the form stays for another try
		}
		return err
	}
	return b.finishTaskForm(r, st, "bot.due.saved_short")
}
