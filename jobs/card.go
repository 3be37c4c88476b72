package jobs

import (
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// taskCardMessage is a task as its assignee first sees it: a headline, the
// title, the client and their phone, the due time in the club's zone, and the
// next step the person told gets (chat.TaskNoticeButtons).
func taskCardMessage(cat *i18n.Catalog, lang domain.Language, loc *time.Location, headline string, t postgres.TaskView, viewer domain.Staff) chat.Message {
	lines := []string{headline, cat.T(lang, "jobs.card.title", map[string]any{"Title": t.TitleIn(lang)})}
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
	return chat.Message{Text: text, Buttons: [][]chat.Button{chat.TaskNoticeButtons(cat, lang, "jobs.button.open", t.Task, viewer)}}
}
