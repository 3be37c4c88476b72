package bot

import (
	"context"
	"fmt"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/domain"
)

// staffMenu is the command menu every staff member sees, in order. Each
// command's description is the catalog id "bot.cmd.<name>".
var staffMenu = []string{"tasks", "current", "new", "call", "search", "lang", "help"}

// managerMenu is the menu of owners and managers.
var managerMenu = []string{"tasks", "current", "new", "call", "search", "control", "report", "funnel", "lang", "help"}

// menu builds a localised command list.
func (b *Bot) menu(lang domain.Language, names []string) []models.BotCommand {
	out := make([]models.BotCommand, 0, len(names))
	for _, n := range names {
		out = append(out, models.BotCommand{Command: n, Description: b.cat.T(lang, "bot.cmd."+n, nil)})
	}
	return out
}

// setCommands registers the staff menu for private chats in each language,
// and in English for any other. Managers get their longer menu per chat
// (setManagerMenu) when they join or change language.
func (b *Bot) setCommands(ctx context.Context) error {
	scope := &models.BotCommandScopeAllPrivateChats{}
	if _, err := b.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: b.menu(domain.LangEN, staffMenu), Scope: scope}); err != nil {
		return fmt.Errorf("set default commands: %w", err)
	}
	for _, l := range domain.Languages {
		if _, err := b.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
			Commands: b.menu(l, staffMenu), Scope: scope, LanguageCode: string(l),
		}); err != nil {
			return fmt.Errorf("set %s commands: %w", l, err)
		}
	}
	return nil
}

// setManagerMenu gives a manager's chat the managers' menu in their
// language (a chat scope outranks the all-private-chats one). A failure is
// logged, not shown: the commands work without the menu.
func (r *request) setManagerMenu() {
	if !r.staff.IsManager() {
		return
	}
	if _, err := r.b.tg.SetMyCommands(r.ctx, &tgbot.SetMyCommandsParams{
		Commands: r.b.menu(r.lang, managerMenu), Scope: &models.BotCommandScopeChat{ChatID: r.chatID},
	}); err != nil {
		r.b.log.Warn("set manager menu", "err", err, "staff_id", r.staff.ID)
	}
}
