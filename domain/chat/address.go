package chat

import (
	"fmt"
	"strconv"
	"strings"
)

// Channel is a messenger the service talks to people through.
type Channel string

const (
	Telegram Channel = "telegram"
	Viber    Channel = "viber"
)

// Valid reports whether c is a channel the service knows.
func (c Channel) Valid() bool { return c == Telegram || c == Viber }

// DefaultBot is the Bot of an Address served by the deployment's own bot of
// its channel (TELEGRAM_BOT_TOKEN, VIBER_BOT_TOKEN), as opposed to a club's
// own bot (a row of the bots table).
const DefaultBot int64 = 0

// Address is where a person (or a group chat) is reached: a channel, the bot
// on it, and the chat's id there as text (Telegram's are numbers, Viber's
// are opaque strings). The same person talking to two bots has two
// addresses.
type Address struct {
	Channel Channel
	Bot     int64  // a bots.id, or DefaultBot
	Chat    string // the chat's (for a private chat, the user's) id
}

// TelegramAddress is the address of a Telegram chat through a bot.
func TelegramAddress(bot, chatID int64) Address {
	return Address{Channel: Telegram, Bot: bot, Chat: strconv.FormatInt(chatID, 10)}
}

// IsZero reports whether a is the zero Address (nobody).
func (a Address) IsZero() bool { return a == Address{} }

// String is a compact form for logs and rate-limit keys: "telegram:0:42".
func (a Address) String() string { return fmt.Sprintf("%s:%d:%s", a.Channel, a.Bot, a.Chat) }

// ChatInt is the chat id as a number, for channels whose ids are numbers
// (Telegram).
func (a Address) ChatInt() (int64, error) {
	id, err := strconv.ParseInt(a.Chat, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("chat %q of %s is not a number: %w", a.Chat, a.Channel, err)
	}
	return id, nil
}

// BotKey names the bot of an address, for per-bot rate limits and for
// picking the transport: "telegram:0".
func (a Address) BotKey() string { return fmt.Sprintf("%s:%d", a.Channel, a.Bot) }

// ParseAddress reads an Address written by String.
func ParseAddress(s string) (Address, error) {
	ch, rest, ok1 := strings.Cut(s, ":")
	bot, id, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || id == "" || !Channel(ch).Valid() {
		return Address{}, fmt.Errorf("chat address %q: want channel:bot:chat", s)
	}
	b, err := strconv.ParseInt(bot, 10, 64)
	if err != nil || b < 0 {
		return Address{}, fmt.Errorf("chat address %q: bad bot id", s)
	}
	return Address{Channel: Channel(ch), Bot: b, Chat: id}, nil
}
