// Package jobs is the asynq side of clubcrm: task type constants, payloads
// (ids only), constructors and handlers side by side, the outbox relay that
// turns committed state changes into asynq tasks, and the notifier, the single
// rate-limited path for every message the system sends on its own.
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
type Message struct {
	Text     string
	HTML     bool // Text is Telegram-flavoured HTML; otherwise plain text
	Buttons  [][]Button
	PNG      []byte // optional chart
	PNGName  string
	Document []byte // optional file (e.g. XLSX)
	DocName  string
}

// Messenger is a chat transport (Telegram today; Viber's bot API could stand
// beside it). Implementations map transport failures to ErrUnreachable and
// *RetryAfterError so the notifier can act on them without knowing the
// transport.
type Messenger interface {
	// Send delivers m to chatID and returns the id of the (last) message sent.
	Send(ctx context.Context, chatID int64, m Message) (messageID int64, err error)
	// Edit replaces the text and buttons of a message sent earlier.
	Edit(ctx context.Context, chatID, messageID int64, m Message) error
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
	SendPaced(ctx context.Context, chatID int64, m Message, pace Pacer) (messageID int64, err error)
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
