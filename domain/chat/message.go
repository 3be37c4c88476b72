// Package chat is the messenger-neutral shape of a conversation with a
// person: the screens and notices the bot and the workers draw (Message,
// Button), what a channel can render (Caps), where a person is reached
// (Address), what a person did (Update), and the transport a channel
// implements (Messenger). Telegram (bot/telegram) and Viber (bot/viber)
// render these; nothing here knows either.
package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Button is an inline keyboard button: Data is callback data (≤ 64 bytes,
// built with domain/callback), URL opens a link instead.
type Button struct {
	Text string
	Data string
	URL  string
}

// Message is what the notifier hands a messenger: text (any length; the
// messenger splits what its transport cannot take in one piece), optional
// inline buttons under the last piece, and an optional PNG image sent with the
// text as caption or before it.
//
// ListRows says the screen is a list: its first ListRows rows of Buttons
// are the list's items, one button each, and the last ListRows lines of
// Text describe those items one a line, the lines before them being the
// list's heading. A channel with a way to show lists (Viber's carousel)
// may draw the heading and the items that way and the other rows as usual;
// one without (Telegram) ignores it.
type Message struct {
	Text     string
	HTML     bool // Text is Telegram-flavoured HTML; otherwise plain text
	Buttons  [][]Button
	ListRows int
	PNG      []byte // optional chart
	PNGName  string
	Document []byte // optional file (e.g. XLSX)
	DocName  string
}

// Messenger is one bot's transport on one channel (Telegram, Viber).
// Implementations map transport failures to ErrUnreachable and
// *RetryAfterError so the notifier can act on them without knowing the
// transport, and draw a Message within their Caps.
type Messenger interface {
	// Caps says what the channel can render.
	Caps() Caps
	// Send delivers m to a chat and returns the id of the (last) message
	// sent, the one carrying the buttons.
	Send(ctx context.Context, to Address, m Message) (messageID int64, err error)
	// Edit replaces the text and buttons of a message sent earlier. A
	// channel without Caps.Edit sends m as a new message instead.
	Edit(ctx context.Context, to Address, messageID int64, m Message) error
}

// Pacer waits until the next piece of a message may leave: it keeps the
// pieces of one Message to the same rate limits as whole messages.
type Pacer func(ctx context.Context) error

// PacedMessenger is a Messenger that may send one Message as several
// transport messages (an image, then text; text over the transport's
// length limit in parts). Pieces says how many m will be; SendPaced calls
// pace before every piece after the first, so each piece takes its own
// place under the rate limits. The notifier uses SendPaced whenever its
// messenger offers it; a messenger that does not is counted as one send per
// Message.
type PacedMessenger interface {
	Messenger
	Pieces(m Message) int
	SendPaced(ctx context.Context, to Address, m Message, pace Pacer) (messageID int64, err error)
}

// Replier is a Messenger as the bot uses it to answer a person: besides
// sending and editing screens it acknowledges taps and takes the buttons off
// a screen that is no longer current.
type Replier interface {
	Messenger
	// Answer acknowledges a tap (Telegram's answerCallbackQuery). text, when
	// not empty, is shown to the person: as a toast, or a dialog with alert,
	// where the channel has them; as a short message where it does not.
	Answer(ctx context.Context, to Address, tap *Tap, text string, alert bool) error
	// RemoveButtons takes the buttons off a message sent earlier; a channel
	// whose keyboards go with the next message anyway does nothing.
	RemoveButtons(ctx context.Context, to Address, messageID int64) error
}

// ErrUnreachable: the recipient blocked the bot or the account is gone (403).
// The notifier marks the staff member unreachable and stops messaging them
// until they write to the bot again.
var ErrUnreachable = errors.New("recipient unreachable")

// RetryAfterError: the transport asked to slow down (429) for After.
type RetryAfterError struct {
	After time.Duration
}

func (e *RetryAfterError) Error() string { return fmt.Sprintf("rate limited: retry after %s", e.After) }

// Command is one entry of a channel's command menu.
type Command struct {
	Name        string // without the slash
	Description string
}

// Menus is a channel that shows people a command menu (Telegram's
// setMyCommands). Channels without one (Viber) do not implement it; the bot
// lists the commands in its help instead.
type Menus interface {
	// SetMenu sets the menu of one chat (to), or with a zero to of every
	// private chat in lang ("" for people whose language has none).
	SetMenu(ctx context.Context, to Address, lang string, cmds []Command) error
}
