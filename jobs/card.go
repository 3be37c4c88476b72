package jobs

import (
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/bot/callback"
	"github.com/clubcrm/clubcrm/bot/i18n"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Callback actions of the task card's buttons; the bot implements them.
const (
	actionCard   = "tc" // open the task card
	actionTake   = "tk" // take the task into work
	actionResult = "rs" // enter the task's result
)

// taskCardMessage is a task as its assignee first sees it: a headline, the
// title, the client and their phone, the due time in the club's zone, and the
// card's buttons: open, take (while it is new), enter result (client tasks).
func taskCardMessage(cat *i18n.Catalog, lang domain.Language, loc *time.Location, headline string, t postgres.TaskView) Message {
	lines := []string{headline, cat.T(lang, "jobs.card.title", map[string]any{"Title": t.Title})}
	if t.ClientName != "" {
		lines = append(lines, cat.T(lang, "jobs.card.client", map[string]any{"Name": t.ClientName}))
		if t.ClientPhone != "" {
			lines = append(lines, cat.T(lang, "jobs.card.phone", map[string]any{"Phone": t.ClientPhone}))
		}
	}
	if t.DueAt != nil {
		lines = append(lines, cat.T(lang, "jobs.card.due", map[string]any{"Due": i18n.DateTime(lang, *t.DueAt, loc)}))
	}
	text := strings.Join(lines, "\n")
	if t.Description != "" {
		text += "\n\n" + t.Description
	}
	row := []Button{{Text: cat.T(lang, "jobs.button.open", nil), Data: callback.New(actionCard, t.ID)}}
	if t.Status == domain.StatusNew {
		row = append(row, Button{Text: cat.T(lang, "jobs.button.take", nil), Data: callback.New(actionTake, t.ID)})
	}
	buttons := [][]Button{row}
	if t.Type.NeedsResult() && t.Status.Open() {
		buttons = append(buttons, []Button{{Text: cat.T(lang, "jobs.button.result", nil), Data: callback.New(actionResult, t.ID)}})
	}
	return Message{Text: text, Buttons: buttons}
}
