package bot

import (
	"context"
	"fmt"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// staffMenu is the command menu every staff member sees, in order. Each
// command's description is the catalog id "bot.cmd.<name>".
var staffMenu = []string{"tasks", "current", "new", "call", "search", "lang", "help"}

// managerMenu is the menu of owners and managers.
var managerMenu = []string{"tasks", "current", "new", "call", "search", "control", "report", "funnel", "lang", "help"}

// menu builds a localised command list.
func (b *Bot) menu(lang domain.Language, names []string) []chat.Command {
	out := make([]chat.Command, 0, len(names))
	for _, n := range names {
		out = append(out, chat.Command{Name: n, Description: b.cat.T(lang, "bot.cmd."+n, nil)})
	}
	return out
}

// SetCommands registers the staff menu for private chats in each language,
// and in English for any other, on a channel that has menus. Managers get
// their longer menu per chat (setManagerMenu) when they join or change
// language.
func (b *Bot) SetCommands(ctx context.Context, m chat.Menus) error {
	if err := m.SetMenu(ctx, chat.Address{}, "", b.menu(domain.LangEN, staffMenu)); err != nil {
		return fmt.Errorf("set default commands: %w", err)
	}
	for _, l := range domain.Languages {
		if err := m.SetMenu(ctx, chat.Address{}, string(l), b.menu(l, staffMenu)); err != nil {
			return fmt.Errorf("set %s commands: %w", l, err)
		}
	}
	return nil
}

// setManagerMenu gives a manager's chat the managers' menu in their
// language (a chat scope outranks the all-private-chats one). A failure is
// logged, not shown: the commands work without the menu.
func (r *request) setManagerMenu() {
	m, ok := r.via.(chat.Menus)
	if !ok || !r.staff.IsManager() {
		return
	}
	if err := m.SetMenu(r.ctx, r.to, string(r.lang), r.b.menu(r.lang, managerMenu)); err != nil {
		r.b.log.Warn("set manager menu", "err", err, "staff_id", r.staff.ID)
	}
}
