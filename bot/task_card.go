package bot

import (
	"strings"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// historyOnCard is how many of the client's latest results a card shows.
const historyOnCard = 5

// taskCardOpen opens a task card: "tc|<task>" (from a notification or a
// search: a new message, the original stays) or "tc|<task>|<origin>" (from a
// list or one of the card's own menus: that message turns into the card,
// with Back when the origin is a list).
func (b *Bot) taskCardOpen(r *request) error {
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	text, kb, err := b.taskCard(r, id, r.originArg(1))
	if err != nil {
		return err
	}
	if len(r.data.Args) < 2 {
		_, err = r.reply(text, kb)
		return err
	}
	_, err = r.show(text, kb)
	return err
}

// taskCard draws a task's card with the buttons the person may use. A task
// of another club, a deleted one and a missing one are all ErrNotFound.
func (b *Bot) taskCard(r *request, taskID int64, o origin) (string, [][]chat.Button, error) {
	t, err := b.loadTaskFor(r, taskID, domain.ActionView)
	if err != nil {
		return "", nil, err
	}
	var history []postgres.ClientResultItem
	if t.ClientID != 0 {
		if history, err = b.db.ClientResultHistory(r.ctx, r.club.ID, t.ClientID, historyOnCard); err != nil {
			return "", nil, err
		}
	}
	repeat := ""
	if t.Status.Open() {
		if repeat, err = b.repeatLine(r, t); err != nil { // task_repeat.go
			return "", nil, err
		}
	}
	text := r.taskCardText(t, history, repeat)
	if t.Type == domain.TypeBulkCall {
		s, err := b.db.BulkStatusGet(r.ctx, r.club.ID, t.ID)
		if err != nil {
			return "", nil, err
		}
		text += "\n\n" + r.bulkProgressText(s)
	}
	return text, r.taskCardButtons(t.Task, o), nil
}

// taskCardText is the card's text; repeat is the line saying how an open
// task repeats ("" when it does not).
func (r *request) taskCardText(t postgres.TaskView, history []postgres.ClientResultItem, repeat string) string {
	var sb strings.Builder
	sb.WriteString("<b>" + esc(t.TitleIn(r.lang)) + "</b>\n")
	sb.WriteString(r.typeLabel(t.Type) + " · " + esc(t.TemplateNameIn(r.lang)))
	if t.ClientID != 0 {
		sb.WriteString("\n" + r.t("bot.card.client", map[string]any{"Name": esc(t.ClientName)}))
		if t.ClientPhone != "" {
			// A bare number in the text: Telegram makes it a tap-to-call link
			// (inline buttons cannot carry tel: URLs).
			sb.WriteString(" · " + esc(t.ClientPhone))
		}
	}
	sb.WriteString("\n" + r.t("bot.card.due", map[string]any{"Due": r.dueText(t.DueAt, t.Status.Open())}))
	if t.RemindAt != nil && t.Status.Open() {
		sb.WriteString("\n" + r.t("bot.card.reminder", map[string]any{"At": r.when(*t.RemindAt)}))
	}
	if repeat != "" {
		sb.WriteString("\n" + repeat)
	}
	assignee := r.t("bot.card.unassigned", nil)
	if t.AssigneeID != 0 {
		assignee = esc(t.AssigneeName)
	}
	sb.WriteString("\n" + r.t("bot.card.status", map[string]any{"Status": r.statusLabel(t.Status), "Assignee": assignee}))
	if t.ResultName != "" {
		sb.WriteString("\n" + r.t("bot.card.result", map[string]any{"Result": esc(t.ResultNameIn(r.lang))}))
	}
	if t.Description != "" {
		sb.WriteString("\n\n" + esc(t.Description))
	}
	sb.WriteString(r.historyText(history))
	return sb.String()
}

// taskCardButtons offers what the person may do to the task now, as
// domain.TaskButtonsFor decides for every message about a task; the
// handlers check again on the tap, since the task may change in between. A
// card a reminder turned into keeps the reminder's snooze buttons while the
// task is open.
func (r *request) taskCardButtons(t domain.Task, o origin) [][]chat.Button {
	kb := chat.TaskButtonRows(r.b.cat, r.lang, t.ID, domain.TaskButtonsFor(t, r.staff).Rows(), o)
	if o.list == listReminder && t.Status.Open() {
		kb = append(kb, chat.SnoozeButtons(r.b.cat, r.lang, t.ID))
	}
	if back, ok := r.backButton(o); ok {
		kb = append(kb, row(back))
	}
	return kb
}

// redrawCard shows the task's card again after a change, in the message
// the tapped button sits on.
func (b *Bot) redrawCard(r *request, taskID int64, o origin) error {
	text, kb, err := b.taskCard(r, taskID, o)
	if err != nil {
		return err
	}
	_, err = r.show(text, kb)
	return err
}
