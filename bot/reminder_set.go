package bot

import (
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Setting a task's reminder from its card: "rm|<taskID>|<origin>" turns the
// card into the choices (at the due time, 15 minutes, an hour or a day
// before, a date and time of one's own, none), "rm|<taskID>|<origin>|<choice>"
// applies one. A preset needs no form: the button says everything and the
// server re-reads the task. "Pick a date and time" opens the moment form
// (task_moment.go). Every change goes through postgres.TaskReminderSet:
// remind_at, reminded_at cleared and a task.rescheduled outbox row in one
// transaction.

const (
	actionReminder = callback.ActionReminderMenu // rm|<taskID>|<origin> (the menu) or rm|<taskID>|<origin>|<choice>

	reminderNone   = "no" // remove the reminder
	reminderCustom = "cu" // pick a date and time
)

// reminderMenu shows the choices ("rm|<taskID>|<origin>") or applies one
// ("rm|<taskID>|<origin>|<choice>").
func (b *Bot) reminderMenu(r *request) error {
	task, err := b.tappedTaskFor(r, domain.ActionEdit)
	if err := r.taskFormError(err, "forms"); err != nil {
		return r.formFail(err)
	}
	o := r.originArg(1)
	if len(r.data.Args) < 3 {
		text, kb := b.reminderScreen(r, task, o)
		_, err := r.show(text, kb)
		return err
	}
	choice, _ := r.data.Str(2)
	var at *time.Time
	switch choice {
	case reminderNone:
	case reminderCustom:
		return b.momentStart(r, task, momentForm{TaskID: task.ID, For: momentReminder, Origin: o.String()})
	default:
		if task.DueAt == nil {
			return r.formFail(errBadButton)
		}
		t, err := domain.ReminderAt(task.DueAt.In(r.loc), choice)
		if err != nil {
			return r.formFail(errBadButton)
		}
		at = &t
	}
	if err := b.reminderSet(r, task.ID, at); err != nil {
		return r.formFail(err)
	}
	return b.redrawCard(r, task.ID, o)
}

// reminderSet stores the reminder (nil removes it) and tells the person
// when it will come.
func (b *Bot) reminderSet(r *request, taskID int64, at *time.Time) error {
	_, err := b.db.TaskReminderSet(r.ctx, r.club.ID, taskID, r.staff, at)
	if domainCode(err, domain.CodeReminderInPast) {
		return &formError{ID: "forms.err.past"}
	}
	if err := r.taskFormError(err, "forms"); err != nil {
		return err
	}
	if at == nil {
		r.answer(r.t("forms.reminder.removed", nil))
	} else {
		r.answer(r.t("forms.reminder.set", map[string]any{"At": r.when(*at)}))
	}
	return nil
}

// reminderScreen lists the choices. Presets that would already have passed
// (or need a due time the task lacks) are left out.
func (b *Bot) reminderScreen(r *request, task postgres.TaskView, o origin) (string, [][]chat.Button) {
	now := b.clock.Now()
	var kb [][]chat.Button
	if task.DueAt != nil {
		for _, p := range domain.ReminderPresets {
			at, err := domain.ReminderAt(task.DueAt.In(r.loc), p.Key)
			if err != nil || !at.After(now) {
				continue
			}
			kb = append(kb, row(btn(r.t("forms.reminder.preset_"+p.Key, nil), actionReminder, task.ID, o, p.Key)))
		}
	}
	kb = append(kb, row(btn(r.t("forms.reminder.custom", nil), actionReminder, task.ID, o, reminderCustom)))
	if task.RemindAt != nil {
		kb = append(kb, row(btn(r.t("forms.reminder.none", nil), actionReminder, task.ID, o, reminderNone)))
	}
	kb = append(kb, row(btn(r.t("common.back", nil), callback.ActionTaskCard, task.ID, o)))
	current := r.t("forms.reminder.current_none", nil)
	if task.RemindAt != nil {
		current = r.t("forms.reminder.current", map[string]any{"At": r.when(*task.RemindAt)})
	}
	return taskLine(r.lang, task) + "\n" + current + "\n\n" + r.t("forms.reminder.choose", nil), kb
}
