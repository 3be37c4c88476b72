package bot

import (
	"errors"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Picking a moment for a task on the inline calendar, then the time picker
// (momentPick; a date and time may be typed instead): a new due time
// ("rp|<task>|<origin>", from the reschedule menu) or a reminder of one's
// own ("rm|<task>|<origin>|cu", from the reminder menu). The form edits the
// card's message; Back from the calendar returns to the menu it was opened
// from, and the saved moment brings the card back, with Back to its list.
// The task is re-read on every step, and the moment is written through the
// store (TaskReschedule, TaskReminderSet), which checks rights again.

const (
	flowMoment   = "moment"
	actionMoment = callback.ActionMomentForm // mf|<version>|<op>|<arg>
)

// What a moment form sets.
const (
	momentDue      = "due"
	momentReminder = "reminder"
)

// momentForm is the moment form's state.
type momentForm struct {
	TaskID int64      `json:"task"`
	For    string     `json:"for"`         // momentDue or momentReminder
	Origin string     `json:"o,omitempty"` // the list the card came from
	Pick   momentPick `json:"p"`
}

// momentStart turns the tapped menu into the calendar.
func (b *Bot) momentStart(r *request, task postgres.TaskView, st momentForm) error {
	return r.formStart(flowMoment, actionMoment, "date", st, func(data buttonData) (string, [][]chat.Button) {
		return b.momentScreen(r, task, st, data)
	})
}

// momentCancel abandons the form and shows the card again.
func (b *Bot) momentCancel(r *request, c postgres.Conversation, st momentForm) error {
	return b.formEndWithCard(r, c, st.TaskID, parseOrigin(st.Origin), r.t("forms.cancelled", nil))
}

// momentStep applies a tap or a typed date or time.
func (b *Bot) momentStep(r *request, c postgres.Conversation, st momentForm, in formInput) error {
	task, err := b.loadTaskFor(r, st.TaskID, domain.ActionEdit)
	err = r.taskFormError(err, "forms")
	var fe *formError
	if errors.As(err, &fe) {
		return r.formEnd(c, r.t(fe.ID, fe.Data), nil)
	}
	if err != nil {
		return err
	}
	o := parseOrigin(st.Origin)
	if in.Op == opBack {
		p, out := st.Pick.back()
		if out {
			text, kb := b.momentMenu(r, task, st.For, o)
			return r.formEnd(c, text, kb)
		}
		st.Pick = p
	} else {
		p, at, err := st.Pick.apply(in, r.formEnv(), true)
		if err != nil {
			return r.formFail(err)
		}
		if at != nil {
			notice, err := b.momentSet(r, task.ID, st.For, *at)
			if err != nil {
				return r.formFail(err)
			}
			return b.formEndWithCard(r, c, task.ID, o, notice)
		}
		st.Pick = p
	}
	step := "date"
	if !st.Pick.Day.IsZero() {
		step = "time"
	}
	return r.formSave(&c, actionMoment, step, st, func(data buttonData) (string, [][]chat.Button) {
		return b.momentScreen(r, task, st, data)
	})
}

// momentSet stores the picked moment, answers the tap with when it is, and
// returns the line the card comes back under.
func (b *Bot) momentSet(r *request, taskID int64, what string, at time.Time) (string, error) {
	if what == momentReminder {
		if err := b.reminderSet(r, taskID, &at); err != nil {
			return "", err
		}
		return r.t("forms.reminder.set", map[string]any{"At": r.when(at)}), nil
	}
	_, err := b.db.TaskReschedule(r.ctx, r.club.ID, taskID, r.staff, &at)
	if domainCode(err, domain.CodeDueInPast) {
		return "", &formError{ID: "forms.err.past"}
	}
	if err := r.taskFormError(err, "forms"); err != nil {
		return "", err
	}
	notice := r.t("bot.due.saved", map[string]any{"At": r.when(at)})
	r.answer(notice)
	return notice, nil
}

// momentMenu is the menu the form was opened from.
func (b *Bot) momentMenu(r *request, task postgres.TaskView, what string, o origin) (string, [][]chat.Button) {
	if what == momentReminder {
		return b.reminderScreen(r, task, o)
	}
	return b.rescheduleScreen(r, task, o)
}

// momentScreen is the calendar or the time picker under a line saying what
// the moment is for.
func (b *Bot) momentScreen(r *request, task postgres.TaskView, st momentForm, data buttonData) (string, [][]chat.Button) {
	prompt, kb := st.Pick.view(b.cat, r.formEnv(), true, data)
	kb = append(kb, r.formNav(data))
	head := r.t("forms.reminder.pick", nil)
	if st.For == momentDue {
		head = r.t("bot.due.choose", map[string]any{"Due": r.dueText(task.DueAt, true)})
	}
	return taskLine(r.lang, task) + "\n\n" + head + "\n" + prompt, kb
}
