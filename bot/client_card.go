package bot

import (
	"strconv"
	"strings"

	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// clientCardTasks is how many of the client's tasks the card lists.
const clientCardTasks = 8

// clientCardOpen shows a client ("cc|<client>", from search): contacts,
// status, groups, the history of results and their tasks as buttons. A
// client of another club is not found, like a missing one.
func (b *Bot) clientCardOpen(r *request) error {
	id, err := r.data.Int(0)
	if err != nil {
		return err
	}
	c, err := b.db.ClientGet(r.ctx, r.club.ID, id)
	if err != nil {
		return err
	}
	history, err := b.db.ClientResultHistory(r.ctx, r.club.ID, c.ID, historyOnCard)
	if err != nil {
		return err
	}
	tasks, err := b.db.TaskListByClient(r.ctx, r.club.ID, c.ID, clientCardTasks)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("👤 <b>" + esc(c.Name) + "</b>")
	for _, p := range c.Phones {
		sb.WriteString("\n" + esc(p))
	}
	if c.Email != "" {
		sb.WriteString("\n" + esc(c.Email))
	}
	sb.WriteString("\n" + r.t("bot.client.status", map[string]any{"Status": r.t("bot.client.status."+string(c.Status), nil)}))
	if len(c.Groups) > 0 {
		sb.WriteString("\n" + r.t("bot.client.groups", map[string]any{"Groups": esc(strings.Join(c.Groups, ", "))}))
	}
	if c.Notes != "" {
		sb.WriteString("\n\n" + esc(clip(c.Notes, 500)))
	}
	sb.WriteString(r.historyText(history))
	var kb [][]chat.Button
	if len(tasks) > 0 {
		sb.WriteString("\n\n<b>" + r.n("tasks.count", len(tasks), nil) + "</b>")
		for i, l := range tasks {
			sb.WriteString("\n" + r.taskLineText(i+1, l) + " · " + r.statusLabel(l.Status))
			kb = append(kb, row(btn("📋 "+strconv.Itoa(i+1)+". "+clip(l.TitleIn(r.lang), 40), callback.ActionTaskCard, l.ID)))
		}
	}
	_, err = r.reply(sb.String(), kb)
	return err
}
