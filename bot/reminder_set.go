package bot

import (
	"errors"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/jobs"
)

// Setting a task's reminder from its card: "rm|<taskID>" turns the card into
// the choices (at the due time, 15 minutes, an hour or a day before, a date
// and time of one's own, none), "rm|<taskID>|<choice>" applies one. A preset
// needs no form: the button says everything and the server re-reads the task.
// "Pick a date and time" opens a small form (calendar, then time) kept in the
// conversation like the others. Every change goes through
// postgres.TaskReminderSet: remind_at, reminded_at cleared and a
// task.rescheduled outbox row in one transaction.

const (
	flowReminder   = "reminder"
	actionReminder = "rm" // rm|<taskID> (the menu) or rm|<taskID>|<choice>
	actionRemForm  = "mf" // mf|<version>|<op>|<arg>

	reminderNone   = "no" // remove the reminder
	reminderCustom = "cu" // pick a date and time
)

// reminderForm is the custom reminder form's state.
type reminderForm struct {
	TaskID int64      `json:"task"`
	Pick   momentPick `json:"p"`
}

// reminderMenu shows the choices ("rm|<taskID>") or applies one
// ("rm|<taskID>|<choice>").
func (b *Bot) reminderMenu(r *request) error {
	taskID, err := r.data.Int(0)
	if err != nil {
		return err
	}
	task, err := b.reminderTask(r, taskID)
	if err != nil {
		return r.formFail(err)
	}
	if len(r.data.Args) < 2 {
		text, kb := b.reminderScreen(r, task)
		_, err := r.show(text, kb)
		return err
	}
	choice, _ := r.data.Str(1)
	var at *time.Time
	switch choice {
	case reminderNone:
	case reminderCustom:
		st := reminderForm{TaskID: task.ID}
		return r.formStart(flowReminder, actionRemForm, "date", st, func(data buttonData) (string, [][]jobs.Button) {
			return b.reminderFormScreen(r, task, st, data)
		})
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
	return b.redrawCard(r, task.ID, origin{})
}

// reminderTask loads the task and checks the person may change it and that
// it is still open; otherwise a clear line, and nothing changes.
func (b *Bot) reminderTask(r *request, taskID int64) (postgres.TaskView, error) {
	task, err := b.db.TaskGet(r.ctx, r.club.ID, taskID)
	if errors.Is(err, domain.ErrNotFound) {
		return postgres.TaskView{}, &formError{ID: "forms.reminder.task_gone"}
	}
	if err != nil {
		return postgres.TaskView{}, err
	}
	if err := domain.CanActOnTask(r.staff, task.Task, domain.ActionEdit); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return postgres.TaskView{}, &formError{ID: "forms.reminder.task_gone"}
		}
		return postgres.TaskView{}, err
	}
	if !task.Status.Open() {
		return postgres.TaskView{}, &formError{ID: "forms.reminder.task_closed"}
	}
	return task, nil
}

// reminderSet stores the reminder and tells the person when it will come.
func (b *Bot) reminderSet(r *request, taskID int64, at *time.Time) error {
	_, err := b.db.TaskReminderSet(r.ctx, r.club.ID, taskID, r.staff, at)
	switch {
	case domainCode(err, "reminder_in_past"):
		return &formError{ID: "forms.err.past"}
	case domainCode(err, "task_closed"):
		return &formError{ID: "forms.reminder.task_closed"}
	case errors.Is(err, domain.ErrNotFound):
		return &formError{ID: "forms.reminder.task_gone"}
	case err != nil:
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
func (b *Bot) reminderScreen(r *request, task postgres.TaskView) (string, [][]jobs.Button) {
	now := b.clock.Now()
	var kb [][]jobs.Button
	if task.DueAt != nil {
		for _, p := range domain.ReminderPresets {
			at, err := domain.ReminderAt(task.DueAt.In(r.loc), p.Key)
			if err != nil || !at.After(now) {
				continue
			}
			kb = append(kb, row(btn(r.t("forms.reminder.preset_"+p.Key, nil), actionReminder, task.ID, p.Key)))
		}
	}
	kb = append(kb, row(btn(r.t("forms.reminder.custom", nil), actionReminder, task.ID, reminderCustom)))
	if task.RemindAt != nil {
		kb = append(kb, row(btn(r.t("forms.reminder.none", nil), actionReminder, task.ID, reminderNone)))
	}
	kb = append(kb, row(btn(r.t("common.back", nil), "tc", task.ID, origin{})))
	current := r.t("forms.reminder.current_none", nil)
	if task.RemindAt != nil {
		current = r.t("forms.reminder.current", map[string]any{"At": r.when(*task.RemindAt)})
	}
	return taskLine(task) + "\n" + current + "\n\n" + r.t("forms.reminder.choose", nil), kb
}

// reminderTap handles a tap on the custom reminder form.
func (b *Bot) reminderTap(r *request) error {
	var st reminderForm
	c, in, err := r.formTap(flowReminder, &st)
	if err != nil {
		return r.formFail(err)
	}
	if in.Op == opNop {
		return nil // a label: the router answers the tap, nothing changes
	}
	if in.Op == opCancel {
		return b.formEndWithCard(r, c, st.TaskID, r.t("forms.cancelled", nil))
	}
	return b.reminderStep(r, c, st, in)
}

// reminderText handles a typed date or time on the custom reminder form.
func (b *Bot) reminderText(r *request) error {
	var st reminderForm
	c, in, err := r.formText(flowReminder, &st)
	if err != nil {
		return r.formFail(err)
	}
	return b.reminderStep(r, c, st, in)
}

func (b *Bot) reminderStep(r *request, c postgres.Conversation, st reminderForm, in formInput) error {
	task, err := b.reminderTask(r, st.TaskID)
	var fe *formError
	if errors.As(err, &fe) {
		return r.formEnd(c, r.t(fe.ID, fe.Data), nil)
	}
	if err != nil {
		return err
	}
	if in.Op == opBack {
		p, out := st.Pick.back()
		if out {
			// Back from the calendar: the list of choices again.
			text, kb := b.reminderScreen(r, task)
			return r.formEnd(c, text, kb)
		}
		st.Pick = p
	} else {
		p, at, err := st.Pick.apply(in, r.formEnv(), true)
		if err != nil {
			return r.formFail(err)
		}
		if at != nil {
			if err := b.reminderSet(r, task.ID, at); err != nil {
				return r.formFail(err)
			}
			return b.formEndWithCard(r, c, task.ID, r.t("forms.reminder.set", map[string]any{"At": r.when(*at)}))
		}
		st.Pick = p
	}
	step := "date"
	if !st.Pick.Day.IsZero() {
		step = "time"
	}
	return r.formSave(&c, actionRemForm, step, st, func(data buttonData) (string, [][]jobs.Button) {
		return b.reminderFormScreen(r, task, st, data)
	})
}

// reminderFormScreen is the custom reminder's calendar or time picker.
func (b *Bot) reminderFormScreen(r *request, task postgres.TaskView, st reminderForm, data buttonData) (string, [][]jobs.Button) {
	prompt, kb := st.Pick.view(b.cat, r.formEnv(), true, data)
	kb = append(kb, row(dataBtn(r.t("common.back", nil), data(opBack)), dataBtn(r.t("common.cancel", nil), data(opCancel))))
	return taskLine(task) + "\n\n" + r.t("forms.reminder.pick", nil) + "\n" + prompt, kb
}
