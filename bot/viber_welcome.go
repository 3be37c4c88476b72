package bot

import (
	"context"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// ViberWelcome is the one message Viber lets the bot answer a
// conversation_started with, to someone not subscribed yet: a line and a
// Start button whose reply is start ("/start <invite code>" from an invite
// link). The tap subscribes the person and arrives as that text, which the
// bot then handles as if typed. It reads nothing from the database: Viber
// waits for the answer.
func (b *Bot) ViberWelcome(_ context.Context, _ int64, from chat.User, start string) chat.Message {
	lang := pickLanguage("", from.Language, "")
	return chat.Message{
		Text:    b.cat.T(lang, "bot.viber.welcome", nil),
		Buttons: [][]chat.Button{{{Text: b.cat.T(lang, "bot.viber.start", nil), Data: start}}},
	}
}
