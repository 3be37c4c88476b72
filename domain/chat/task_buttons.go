package chat

import (
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/i18n"
)

// OriginReminder is the origin argument of the buttons on a reminder: the
// card a tap turns the reminder into keeps the reminder's snooze buttons
// (the bot reads it in bot/origin.go).
const OriginReminder = "r"

// TaskButtonRows draws rows of a task's buttons, as domain.TaskButtonsFor
// decided them, with their labels in lang and their callback data. It is
// the one drawing of them, for the bot's card and for every message the
// workers send about a task. args follow the task id in each button's data:
// the card passes its origin, so its actions keep editing the same message.
func TaskButtonRows(cat *i18n.Catalog, lang domain.Language, taskID int64, rows [][]domain.TaskButton, args ...any) [][]Button {
	out := make([][]Button, 0, len(rows))
	for _, row := range rows {
		bs := make([]Button, 0, len(row))
		for _, b := range row {
			if btn, ok := taskButton(cat, lang, taskID, b, args); ok {
				bs = append(bs, btn)
			}
		}
		if len(bs) > 0 {
			out = append(out, bs)
		}
	}
	return out
}

func taskButton(cat *i18n.Catalog, lang domain.Language, id int64, b domain.TaskButton, args []any) (Button, bool) {
	mk := func(label, action string, lead ...any) Button {
		return Button{Text: label, Data: callback.New(action, append(append([]any{id}, lead...), args...)...)}
	}
	t := func(key string) string { return cat.T(lang, key, nil) }
	switch b {
	case domain.TaskButtonTake:
		return mk("▶️ "+t("bot.card.take"), callback.ActionTaskTake), true
	case domain.TaskButtonResult:
		return mk("✅ "+t("bot.card.result_enter"), callback.ActionResultStart), true
	case domain.TaskButtonDone:
		return mk("✅ "+t("bot.card.done"), callback.ActionTaskStatusSet, string(domain.StatusDone)), true
	case domain.TaskButtonStatus:
		return mk(t("bot.card.status_change"), callback.ActionTaskStatusMenu), true
	case domain.TaskButtonReschedule:
		return mk("📅 "+t("bot.card.reschedule"), callback.ActionTaskDueMenu), true
	case domain.TaskButtonEdit:
		return mk("✏️ "+t("bot.card.edit"), callback.ActionTaskEditMenu), true
	case domain.TaskButtonReminder:
		return mk("⏰ "+t("bot.card.reminder_set"), callback.ActionReminderMenu), true
	case domain.TaskButtonRepeat:
		return mk("🔁 "+t("bot.card.repeat"), callback.ActionTaskRepeat), true
	case domain.TaskButtonDelete:
		return mk("🗑 "+t("bot.card.delete"), callback.ActionTaskDeleteAsk), true
	case domain.TaskButtonBulkCalls:
		// The list of calls opens at its first page, with no origin: its
		// Back returns to the bulk call's card.
		return Button{Text: "📋 " + t("bot.card.bulk_calls"), Data: callback.New(callback.ActionBulkCalls, id, 0)}, true
	case domain.TaskButtonBulkCancel:
		return mk("✖️ "+t("bot.card.bulk_cancel"), callback.ActionBulkCancelAsk), true
	}
	return Button{}, false
}

// TaskNoticeButtons are the buttons of a message that tells someone about a
// task (a reminder, a new task): open its card, then the next step
// domain.TaskButtonsFor offers the person told, in one row.
func TaskNoticeButtons(cat *i18n.Catalog, lang domain.Language, openKey string, t domain.Task, viewer domain.Staff, args ...any) []Button {
	row := []Button{{Text: cat.T(lang, openKey, nil), Data: callback.New(callback.ActionTaskCard, t.ID)}}
	for _, r := range TaskButtonRows(cat, lang, t.ID, [][]domain.TaskButton{domain.TaskButtonsFor(t, viewer).Next}, args...) {
		row = append(row, r...)
	}
	return row
}

// SnoozeButtons are a reminder's snooze buttons: in 15 minutes, in an hour,
// tomorrow morning. The card a reminder turned into keeps them.
func SnoozeButtons(cat *i18n.Catalog, lang domain.Language, taskID int64) []Button {
	return []Button{
		{Text: cat.T(lang, "reminder.button.snooze15", nil), Data: callback.New(callback.ActionTaskSnooze, taskID, domain.Snooze15Minutes)},
		{Text: cat.T(lang, "reminder.button.snooze60", nil), Data: callback.New(callback.ActionTaskSnooze, taskID, domain.SnoozeHour)},
		{Text: cat.T(lang, "reminder.button.tomorrow", nil), Data: callback.New(callback.ActionTaskSnooze, taskID, domain.SnoozeTomorrow)},
	}
}

// ForClub is kb with every button's callback data naming the club it was
// drawn in (callback.WithClub), for a person on the staff of several clubs:
// a tap then acts in that club whichever they work in, or not at all.
func ForClub(kb [][]Button, clubID int64) [][]Button {
	out := make([][]Button, len(kb))
	for i, row := range kb {
		out[i] = make([]Button, len(row))
		for j, b := range row {
			if b.Data != "" {
				b.Data = callback.WithClub(b.Data, clubID)
			}
			out[i][j] = b
		}
	}
	return out
}
