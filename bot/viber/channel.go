package viber

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// SessionWindow is how long a person's own message keeps the bot's
// messages to them free: a send later than this after their last message
// (or to someone who never wrote) is billable.
const SessionWindow = 24 * time.Hour

// MaxCaption is the longest text Viber shows under a picture.
const MaxCaption = 512

// MaxSenderName is the longest sender name Viber takes.
const MaxSenderName = 28

// envelopeReserve is what a send_message request takes besides its text
// and keyboard (receiver, sender, type, media URL, JSON punctuation), kept
// free under MaxBody.
const envelopeReserve = 2048

// maxRememberedKeyboards bounds the keyboards Answer re-attaches; when full
// the memory starts over (an Answer then goes without the keyboard, and
// the next screen brings one again).
const maxRememberedKeyboards = 10_000

// FileLinks turns a chart or a file into an HTTPS URL Viber can fetch:
// Viber takes media by URL, never by upload. FileStore implements it.
type FileLinks interface {
	Link(ctx context.Context, name, contentType string, data []byte) (url string, err error)
}

// Sessions records when each person last wrote to the bot, which decides
// whether a message to them is free (inside SessionWindow) or billable.
// RedisSessions implements it; the lead may add its own bookkeeping (mark
// the person reachable again) in a wrapper.
type Sessions interface {
	// Inbound records that the person at addr wrote at at.
	Inbound(ctx context.Context, addr chat.Address, at time.Time) error
	// LastInbound is when they last wrote; the zero time if not known.
	LastInbound(ctx context.Context, addr chat.Address) (time.Time, error)
}

// Keyboards remembers the keyboard each chat shows (the last message's),
// which Answer sends again with its line so the line does not hide it.
// RedisKeyboards shares it between the replicas a webhook's callbacks are
// spread over; without one the channel remembers in its own memory, which
// suits one process.
type Keyboards interface {
	// Remember records kb as the keyboard chat shows; nil: none.
	Remember(ctx context.Context, chat string, kb *Keyboard) error
	// Shown is the keyboard chat shows; nil if none or not known.
	Shown(ctx context.Context, chat string) (*Keyboard, error)
}

// Metrics counts what an operator must watch on a Viber bot. Every method
// must be safe for concurrent use; the lead backs them with Prometheus.
type Metrics interface {
	// Billable counts a message delivered outside the person's session.
	Billable()
	// NoBalance counts a send refused for want of balance (ErrNoBalance).
	NoBalance()
	// AccountBlocked counts a send refused because the bot's account is
	// blocked or suspended (ErrAccountBlocked).
	AccountBlocked()
}

// Config is one Viber bot's channel.
type Config struct {
	// Bot is the bots.id (or chat.DefaultBot) of the addresses this channel
	// serves; a send to another bot's address is refused.
	Bot int64
	// Sender is the name (≤ 28 characters) and avatar URL the bot's
	// messages show.
	Sender Sender
	// Links makes URLs of charts and files; without it a message with one
	// fails.
	Links FileLinks
	// Sessions tells whether a send is inside the person's session; nil
	// counts nothing as billable.
	Sessions Sessions
	// Metrics may be nil.
	Metrics Metrics
	// Log gets the operator alerts (no balance, account blocked); nil
	// discards them.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Keyboards remembers each chat's keyboard for Answer; nil keeps it
	// in this process's memory.
	Keyboards Keyboards
}

// Channel is one Viber bot as chat.Replier and chat.PacedMessenger: it
// renders the neutral screens in Viber's terms (plain text, a keyboard of
// silent reply buttons, files as links) and maps Viber's statuses to the
// neutral errors.
type Channel struct {
	api *Client
	cfg Config

	keyboards Keyboards
}

var (
	_ chat.PacedMessenger = (*Channel)(nil)
	_ chat.Replier        = (*Channel)(nil)
)

// NewChannel returns the channel of the bot api talks for.
func NewChannel(api *Client, cfg Config) *Channel {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if name := []rune(cfg.Sender.Name); len(name) > MaxSenderName {
		cfg.Sender.Name = string(name[:MaxSenderName]) // Viber refuses a longer one
	}
	kbs := cfg.Keyboards
	if kbs == nil {
		kbs = &memKeyboards{m: map[string]*Keyboard{}}
	}
	return &Channel{api: api, cfg: cfg, keyboards: kbs}
}

// Caps: no edits, no inline buttons (one keyboard per chat, the last), no
// HTML, 7,000 characters a message, files as links, and list pages that
// fit one carousel (its heading card and maxCards-1 items).
func (c *Channel) Caps() chat.Caps {
	return chat.Caps{
		Edit:          false,
		InlineButtons: false,
		HTML:          false,
		MaxText:       MaxText,
		// ActionBody has no documented limit short of the 30 KB message;
		// callback data is at most 64 bytes anyway.
		MaxButtonData: 1024,
		FileUpload:    false,
		ListItems:     maxCards - 1,
	}
}

// piece is one send_message of a chat.Message.
type piece struct {
	typ   string // TypeText, TypePicture, TypeFile
	text  string
	data  []byte
	name  string
	ctype string
}

// plan is how m goes out: a picture (the text its caption when the text is
// a single piece of at most MaxCaption characters and there is no file), a
// file (Viber's file messages have no caption), then the text in pieces
// that keep each request, keyboard included, under MaxBody. The keyboard
// goes with the last piece.
func plan(m chat.Message) ([]piece, *Keyboard, error) {
	text := m.Text
	if m.HTML {
		text = PlainText(text)
	}
	kb := NewKeyboard(m.Buttons)
	budget := MaxBody - envelopeReserve
	if kb != nil {
		raw, err := Marshal(kb)
		if err != nil {
			return nil, nil, fmt.Errorf("encode keyboard: %w", err)
		}
		budget -= len(raw)
	}
	if budget < MaxBody/4 {
		return nil, nil, fmt.Errorf("keyboard of %d buttons leaves no room for text: %w", len(kb.Buttons), domain.ErrInvalid)
	}
	texts := Split(text, MaxText, budget)
	var out []piece
	if len(m.PNG) > 0 {
		p := piece{typ: TypePicture, data: m.PNG, name: fileName(m.PNGName, "chart.png"), ctype: "image/png"}
		if len(m.Document) == 0 && len(texts) == 1 && utf8.RuneCountInString(texts[0]) <= MaxCaption {
			p.text, texts = texts[0], nil
		}
		out = append(out, p)
	}
	if len(m.Document) > 0 {
		out = append(out, piece{typ: TypeFile, data: m.Document, name: fileName(m.DocName, "document"), ctype: contentType(m.DocName)})
	}
	for _, t := range texts {
		out = append(out, piece{typ: TypeText, text: t})
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("empty message: %w", domain.ErrInvalid)
	}
	return out, kb, nil
}

// Pieces is how many Viber messages Send makes of m.
func (c *Channel) Pieces(m chat.Message) int {
	if _, ok := Carousel(m); ok {
		return 1
	}
	ps, _, err := plan(m)
	if err != nil {
		return 1
	}
	return len(ps)
}

// Send delivers m to the person at to and returns the message_token of the
// last message, the one carrying the keyboard. See SendPaced.
func (c *Channel) Send(ctx context.Context, to chat.Address, m chat.Message) (int64, error) {
	return c.SendPaced(ctx, to, m, nil)
}

// SendPaced is Send calling pace (when not nil) before every piece after
// the first. A list screen Carousel can draw goes out as that one
// rich_media message. Errors: status 5/6 wrap chat.ErrUnreachable, 12 wraps
// *chat.RetryAfterError, 23/24 ErrNoBalance and 7/9 ErrAccountBlocked
// (both also logged as operator alerts and counted), an empty message or an
// address of another channel or bot domain.ErrInvalid. Once the first piece
// is out, a rate-limit answer on a later one is waited out (twice at most)
// rather than returned, so the caller's retry does not repeat pieces.
func (c *Channel) SendPaced(ctx context.Context, to chat.Address, m chat.Message, pace chat.Pacer) (int64, error) {
	if err := c.check(to); err != nil {
		return 0, err
	}
	if msg, ok := Carousel(m); ok {
		return c.sendCarousel(ctx, to, msg)
	}
	pieces, kb, err := plan(m)
	if err != nil {
		return 0, fmt.Errorf("viber send: %w", err)
	}
	billable := c.billable(ctx, to)
	var last int64
	for i, p := range pieces {
		if i > 0 && pace != nil {
			if err := pace(ctx); err != nil {
				return 0, fmt.Errorf("viber send part %d of %d: wait for its turn: %w", i+1, len(pieces), err)
			}
		}
		msg, err := c.message(ctx, to, p)
		if err != nil {
			return 0, fmt.Errorf("viber send part %d of %d: %w", i+1, len(pieces), err)
		}
		if i == len(pieces)-1 {
			msg.Keyboard = kb
		}
		token, err := c.api.SendMessage(ctx, msg)
		var slow *chat.RetryAfterError
		for try := 0; i > 0 && try < 2 && errors.As(err, &slow); try++ {
			select {
			case <-ctx.Done():
				return 0, fmt.Errorf("viber send part %d of %d: %w", i+1, len(pieces), ctx.Err())
			case <-time.After(slow.After):
			}
			token, err = c.api.SendMessage(ctx, msg)
		}
		if err != nil {
			c.alert(to, err)
			return 0, fmt.Errorf("viber send part %d of %d: %w", i+1, len(pieces), err)
		}
		if billable && c.cfg.Metrics != nil {
			c.cfg.Metrics.Billable()
		}
		last = token
	}
	c.remember(ctx, to, kb)
	return last, nil
}

// sendCarousel sends a list screen drawn by Carousel: one message, its
// keyboard the chat's from now on.
func (c *Channel) sendCarousel(ctx context.Context, to chat.Address, msg *Message) (int64, error) {
	billable := c.billable(ctx, to)
	msg.Receiver, msg.Sender = to.Chat, c.cfg.Sender
	token, err := c.api.SendMessage(ctx, msg)
	if err != nil {
		c.alert(to, err)
		return 0, fmt.Errorf("viber send carousel: %w", err)
	}
	if billable && c.cfg.Metrics != nil {
		c.cfg.Metrics.Billable()
	}
	c.remember(ctx, to, msg.Keyboard)
	return token, nil
}

// Edit sends m as a new message: Viber cannot edit one.
func (c *Channel) Edit(ctx context.Context, to chat.Address, _ int64, m chat.Message) error {
	_, err := c.Send(ctx, to, m)
	return err
}

// Answer sends text, when not empty, as a short message (Viber has no
// toasts or alerts), with the keyboard of the last screen sent to the
// person, which a message without one would hide.
func (c *Channel) Answer(ctx context.Context, to chat.Address, _ *chat.Tap, text string, _ bool) error {
	if text == "" {
		return nil
	}
	if err := c.check(to); err != nil {
		return err
	}
	billable := c.billable(ctx, to)
	msg, err := c.message(ctx, to, piece{typ: TypeText, text: firstPiece(text)})
	if err != nil {
		return fmt.Errorf("viber answer: %w", err)
	}
	if msg.Keyboard, err = c.keyboards.Shown(ctx, to.Chat); err != nil {
		c.cfg.Log.Warn("viber: keyboard on show unknown, the answer goes without it", "address", to.String(), "error", err)
	}
	if _, err := c.api.SendMessage(ctx, msg); err != nil {
		c.alert(to, err)
		return fmt.Errorf("viber answer: %w", err)
	}
	if billable && c.cfg.Metrics != nil {
		c.cfg.Metrics.Billable()
	}
	return nil
}

// RemoveButtons does nothing: the next message replaces the keyboard.
func (c *Channel) RemoveButtons(context.Context, chat.Address, int64) error { return nil }

// Welcome renders m as the message answered in the body of the response to
// conversation_started, the one message Viber lets a bot send to someone
// who has not subscribed: its text (plain, cut to one piece) and keyboard;
// no pictures or files.
func (c *Channel) Welcome(m chat.Message) *Message {
	text := m.Text
	if m.HTML {
		text = PlainText(text)
	}
	return &Message{Type: TypeText, Sender: c.cfg.Sender, Text: firstPiece(text), Keyboard: NewKeyboard(m.Buttons)}
}

// check refuses an address this channel does not serve.
func (c *Channel) check(to chat.Address) error {
	if to.Channel != chat.Viber || to.Bot != c.cfg.Bot || to.Chat == "" {
		return fmt.Errorf("viber bot %d cannot send to %s: %w", c.cfg.Bot, to, domain.ErrInvalid)
	}
	return nil
}

// message builds the send_message request of one piece, linking its file.
func (c *Channel) message(ctx context.Context, to chat.Address, p piece) (*Message, error) {
	msg := &Message{Receiver: to.Chat, Type: p.typ, Sender: c.cfg.Sender, Text: p.text}
	if p.typ == TypeText {
		return msg, nil
	}
	if c.cfg.Links == nil {
		return nil, fmt.Errorf("%s %q: no file links configured", p.typ, p.name)
	}
	url, err := c.cfg.Links.Link(ctx, p.name, p.ctype, p.data)
	if err != nil {
		return nil, fmt.Errorf("link %s %q: %w", p.typ, p.name, err)
	}
	msg.Media = url
	if p.typ == TypeFile {
		msg.Size, msg.FileName = len(p.data), p.name
	}
	return msg, nil
}

// billable reports whether a message to to now is outside their session.
// Without Sessions nothing is; when the lookup fails, the send counts as
// billable, so the count errs towards the bill.
func (c *Channel) billable(ctx context.Context, to chat.Address) bool {
	if c.cfg.Sessions == nil {
		return false
	}
	last, err := c.cfg.Sessions.LastInbound(ctx, to)
	if err != nil {
		c.cfg.Log.Warn("viber: last inbound unknown, counting the send as billable", "address", to.String(), "error", err)
		return true
	}
	return last.IsZero() || c.cfg.Now().Sub(last) >= SessionWindow
}

// alert logs and counts the errors an operator must act on.
func (c *Channel) alert(to chat.Address, err error) {
	switch {
	case errors.Is(err, ErrNoBalance):
		c.cfg.Log.Error("viber: bot has no balance for out-of-session messages; messages are not delivered",
			"bot_id", c.cfg.Bot, "address", to.String(), "error", err)
		if c.cfg.Metrics != nil {
			c.cfg.Metrics.NoBalance()
		}
	case errors.Is(err, ErrAccountBlocked):
		c.cfg.Log.Error("viber: bot account blocked or suspended; messages are not delivered",
			"bot_id", c.cfg.Bot, "address", to.String(), "error", err)
		if c.cfg.Metrics != nil {
			c.cfg.Metrics.AccountBlocked()
		}
	}
}

// remember keeps the keyboard now visible in to's chat, for Answer. A
// failure only costs a later answer its keyboard: logged, not returned.
func (c *Channel) remember(ctx context.Context, to chat.Address, kb *Keyboard) {
	if err := c.keyboards.Remember(ctx, to.Chat, kb); err != nil {
		c.cfg.Log.Warn("viber: remember the keyboard on show", "address", to.String(), "error", err)
	}
}

// memKeyboards is Keyboards in one process's memory.
type memKeyboards struct {
	mu sync.Mutex
	m  map[string]*Keyboard
}

func (k *memKeyboards) Remember(_ context.Context, chat string, kb *Keyboard) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if kb == nil {
		delete(k.m, chat)
		return nil
	}
	if len(k.m) >= maxRememberedKeyboards {
		clear(k.m)
	}
	k.m[chat] = kb
	return nil
}

func (k *memKeyboards) Shown(_ context.Context, chat string) (*Keyboard, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.m[chat], nil
}

// firstPiece is text cut to one message.
func firstPiece(text string) string {
	if ps := Split(text, MaxText, MaxBody-envelopeReserve); len(ps) > 0 {
		return ps[0]
	}
	return ""
}

// fileName is name, or fallback when the caller gave none.
func fileName(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return name
}
