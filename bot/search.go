package bot

import (
	"strings"

	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// flowSearch waits for the text to search for after a bare "/search".
const flowSearch = "search"

// searchLimit is how many tasks and how many clients a search shows.
const searchLimit = 8

// searchCommand is "/search <text>": the club's tasks and clients by client
// name, phone fragment or task title. A bare "/search" asks what to look for.
func (b *Bot) searchCommand(r *request) error {
	if r.args == "" {
		if _, err := r.startConversation(flowSearch, "query", struct{}{}, 0); err != nil {
			return err
		}
		_, err := r.reply(r.t("bot.search.prompt", nil), nil)
		return err
	}
	return b.search(r, r.args)
}

// searchText is the search flow's one step: the text typed after the prompt.
func (b *Bot) searchText(r *request) error {
	if err := r.endConversation(); err != nil {
		return err
	}
	return b.search(r, r.text)
}

// search runs the query and answers with the hits as buttons: tasks open
// their card, clients their client card.
func (b *Bot) search(r *request, query string) error {
	query = strings.TrimSpace(query)
	tasks, err := b.db.TaskSearch(r.ctx, r.club.ID, query, searchLimit)
	if err != nil {
		return err
	}
	clients, err := b.db.ClientSearch(r.ctx, r.club.ID, query, searchLimit)
	if err != nil {
		return err
	}
	if len(tasks) == 0 && len(clients) == 0 {
		_, err := r.reply(r.t("bot.search.nothing", map[string]any{"Query": esc(query)}), nil)
		return err
	}
	var sb strings.Builder
	sb.WriteString(r.t("bot.search.found", map[string]any{"Query": esc(query)}))
	var kb [][]chat.Button
	if len(tasks) > 0 {
		sb.WriteString("\n\n<b>" + r.n("tasks.count", len(tasks), nil) + "</b>")
		for i, l := range tasks {
			sb.WriteString("\n" + r.taskLineText(i+1, l) + " · " + r.statusLabel(l.Status))
			kb = append(kb, row(btn("📋 "+taskButtonText(r.lang, i+1, l), callback.ActionTaskCard, l.ID)))
		}
	}
	if len(clients) > 0 {
		sb.WriteString("\n\n<b>" + r.n("bot.search.clients", len(clients), nil) + "</b>")
		for _, c := range clients {
			line := "\n👤 " + esc(c.Name)
			if len(c.Phones) > 0 {
				line += " · " + esc(c.Phones[0])
			}
			sb.WriteString(line)
			kb = append(kb, row(btn("👤 "+clip(c.Name, 40), callback.ActionClientCard, c.ID)))
		}
	}
	// Results of one kind are a list (a channel may draw it as one); tasks
	// and clients together are two, under their own headings, and are not.
	items := 0
	if len(clients) == 0 {
		items = len(tasks)
	} else if len(tasks) == 0 {
		items = len(clients)
	}
	_, err = r.replyList(sb.String(), kb, items)
	return err
}
