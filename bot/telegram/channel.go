package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// Channel is the notifier's Telegram side: chat.Messenger over a
// go-telegram client. It turns a chat.Message into as many Bot API calls as
// Telegram needs and maps Telegram's failures to the transport-neutral
// errors the notifier acts on.
type Channel struct {
	b   *tgbot.Bot
	bot int64 // the bot's id in addresses: chat.DefaultBot or a bots.id
}

var (
	_ chat.PacedMessenger = (*Channel)(nil)
	_ chat.Replier        = (*Channel)(nil)
)

// New wraps the go-telegram client of the deployment's default bot.
func New(b *tgbot.Bot) *Channel {
	return NewBot(b, chat.DefaultBot)
}

// NewBot wraps the go-telegram client of a club's own bot (bots.id).
func NewBot(b *tgbot.Bot, botID int64) *Channel {
	return &Channel{b: b, bot: botID}
}

// Client is the go-telegram client behind the channel.
func (t *Channel) Client() *tgbot.Bot { return t.b }

// Caps: Telegram edits in place, keeps inline buttons on every message,
// renders HTML, and takes uploads.
func (t *Channel) Caps() chat.Caps {
	return chat.Caps{Edit: true, InlineButtons: true, HTML: true, MaxText: MaxMessageLen, MaxButtonData: 64, FileUpload: true}
}

// Address is a chat's address through this bot.
func (t *Channel) Address(chatID int64) chat.Address { return chat.TelegramAddress(t.bot, chatID) }

// chatOf is the Telegram chat id of to, which must be an address of this
// bot: a message meant for another bot's chat must not leave through this
// one.
func (t *Channel) chatOf(to chat.Address) (int64, error) {
	if to.Channel != chat.Telegram || to.Bot != t.bot {
		return 0, fmt.Errorf("telegram bot %d cannot send to %s: %w", t.bot, to, domain.ErrInvalid)
	}
	return to.ChatInt()
}

// Send delivers m to chatID and returns the id of the last message sent, the
// one carrying the buttons. Text over 4096 characters goes as several
// messages (SplitText, or SplitHTML when m.HTML), buttons under the last. A
// PNG or document goes first; with a single attachment and text that fits
// 1024 characters, the text is its caption and the buttons sit under it.
//
// Errors: a 429 wraps *chat.RetryAfterError, a 403 (blocked, deactivated)
// or an unknown chat wraps chat.ErrUnreachable, an empty message wraps
// domain.ErrInvalid. Once the first piece is out, a 429 on a later one is
// waited out here rather than returned, so a retry of the whole message by
// the caller does not repeat pieces the person already has.
//
// Send sends the pieces back to back; the notifier uses SendPaced.
func (t *Channel) Send(ctx context.Context, to chat.Address, m chat.Message) (int64, error) {
	return t.SendPaced(ctx, to, m, nil)
}

// SendPaced is Send calling pace (when not nil) before every piece after
// the first, so that each piece keeps to the caller's rate limits: Telegram
// allows about one message a second per chat, and a chart followed by long
// text is three. An error from pace ends the send; pieces already out stay.
func (t *Channel) SendPaced(ctx context.Context, to chat.Address, m chat.Message, pace chat.Pacer) (int64, error) {
	chatID, err := t.chatOf(to)
	if err != nil {
		return 0, fmt.Errorf("send: %w", err)
	}
	caption, pieces, attachments := messengerPlan(m)
	markup := messengerKeyboard(m.Buttons)
	parseMode := messengerParseMode(m.HTML)
	if attachments+len(pieces) == 0 {
		return 0, fmt.Errorf("send: empty message: %w", domain.ErrInvalid)
	}

	// Each step sends one message; the loop below gives the last the buttons.
	type step func(ctx context.Context, markup models.ReplyMarkup) (*models.Message, error)
	var steps []step
	if len(m.PNG) > 0 {
		steps = append(steps, func(ctx context.Context, markup models.ReplyMarkup) (*models.Message, error) {
			return t.b.SendPhoto(ctx, &tgbot.SendPhotoParams{
				ChatID:      chatID,
				Photo:       &models.InputFileUpload{Filename: messengerFileName(m.PNGName, "chart.png"), Data: bytes.NewReader(m.PNG)},
				Caption:     caption,
				ParseMode:   parseMode,
				ReplyMarkup: markup,
			})
		})
	}
	if len(m.Document) > 0 {
		steps = append(steps, func(ctx context.Context, markup models.ReplyMarkup) (*models.Message, error) {
			return t.b.SendDocument(ctx, &tgbot.SendDocumentParams{
				ChatID:      chatID,
				Document:    &models.InputFileUpload{Filename: messengerFileName(m.DocName, "document"), Data: bytes.NewReader(m.Document)},
				Caption:     caption,
				ParseMode:   parseMode,
				ReplyMarkup: markup,
			})
		})
	}
	for _, p := range pieces {
		steps = append(steps, func(ctx context.Context, markup models.ReplyMarkup) (*models.Message, error) {
			return t.b.SendMessage(ctx, &tgbot.SendMessageParams{
				ChatID:             chatID,
				Text:               p,
				ParseMode:          parseMode,
				LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
				ReplyMarkup:        markup,
			})
		})
	}

	var last int64
	for i, send := range steps {
		if i > 0 && pace != nil {
			if err := pace(ctx); err != nil {
				return 0, fmt.Errorf("send part %d of %d: wait for its turn: %w", i+1, len(steps), err)
			}
		}
		var mk models.ReplyMarkup // an untyped nil, so no reply_markup is sent
		if i == len(steps)-1 {
			mk = markup
		}
		msg, err := send(ctx, mk)
		var tooMany *tgbot.TooManyRequestsError
		for i > 0 && errors.As(err, &tooMany) {
			select {
			case <-ctx.Done():
				return 0, fmt.Errorf("send part %d of %d: %w", i+1, len(steps), ctx.Err())
			case <-time.After(retryAfter(tooMany)):
			}
			msg, err = send(ctx, mk)
		}
		if err != nil {
			return 0, messengerError(fmt.Sprintf("send part %d of %d", i+1, len(steps)), err)
		}
		last = int64(msg.ID)
	}
	return last, nil
}

// Pieces is how many Telegram messages Send makes of m: the attachments and
// the text messages (none for text that fits a single attachment's caption).
func (t *Channel) Pieces(m chat.Message) int {
	_, pieces, attachments := messengerPlan(m)
	return attachments + len(pieces)
}

// messengerPlan is how m goes out: the caption of a single attachment, the
// text messages, and how many attachments.
func messengerPlan(m chat.Message) (caption string, pieces []string, attachments int) {
	pieces = messengerPieces(m)
	if len(m.PNG) > 0 {
		attachments++
	}
	if len(m.Document) > 0 {
		attachments++
	}
	if attachments == 1 && len(pieces) == 1 && UTF16Len(pieces[0]) <= MaxCaptionLen {
		caption, pieces = pieces[0], nil
	}
	return caption, pieces, attachments
}

// Edit replaces the text and buttons of a text message sent earlier (no
// buttons in m removes them, as Telegram does). An edited message cannot grow
// into several, so text over 4096 characters keeps only its first piece.
// "Message is not modified" counts as success: the message already shows m.
// A message that is gone or cannot be edited wraps domain.ErrNotFound, so the
// caller can send a new one; other errors map as in Send.
func (t *Channel) Edit(ctx context.Context, to chat.Address, messageID int64, m chat.Message) error {
	chatID, err := t.chatOf(to)
	if err != nil {
		return fmt.Errorf("edit message: %w", err)
	}
	pieces := messengerPieces(m)
	if len(pieces) == 0 {
		return fmt.Errorf("edit message: empty text: %w", domain.ErrInvalid)
	}
	_, err = t.b.EditMessageText(ctx, &tgbot.EditMessageTextParams{
		ChatID:             chatID,
		MessageID:          int(messageID),
		Text:               pieces[0],
		ParseMode:          messengerParseMode(m.HTML),
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
		ReplyMarkup:        messengerKeyboard(m.Buttons),
	})
	if err != nil && isNotModified(err) {
		return nil
	}
	if err != nil {
		return messengerError("edit message", err)
	}
	return nil
}

// maxAnswer is Telegram's limit on a callback answer's text.
const maxAnswer = 200

// Answer answers the callback query of a tap: a toast with text, a dialog
// with alert, nothing visible with no text (the button stops spinning).
func (t *Channel) Answer(ctx context.Context, to chat.Address, tap *chat.Tap, text string, alert bool) error {
	if tap == nil || tap.ID == "" {
		return nil
	}
	if utf8.RuneCountInString(text) > maxAnswer {
		text = string([]rune(text)[:maxAnswer-1]) + "…"
	}
	if _, err := t.b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{
		CallbackQueryID: tap.ID, Text: text, ShowAlert: alert,
	}); err != nil {
		return messengerError("answer callback", err)
	}
	return nil
}

// RemoveButtons takes the inline keyboard off a message the bot sent.
func (t *Channel) RemoveButtons(ctx context.Context, to chat.Address, messageID int64) error {
	chatID, err := t.chatOf(to)
	if err != nil {
		return fmt.Errorf("remove keyboard: %w", err)
	}
	_, err = t.b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{
		ChatID: chatID, MessageID: int(messageID),
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}},
	})
	if err != nil && !isNotModified(err) {
		return messengerError(fmt.Sprintf("remove keyboard of message %d", messageID), err)
	}
	return nil
}

// isNotModified: Telegram refused an edit that would change nothing.
func isNotModified(err error) bool {
	return errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified")
}

// messengerError maps a go-telegram error to the errors chat.Messenger
// promises, keeping the original in the chain.
func messengerError(op string, err error) error {
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		return fmt.Errorf("%s: %w", op, &chat.RetryAfterError{After: retryAfter(tooMany)})
	case errors.Is(err, tgbot.ErrorForbidden),
		errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "chat not found"):
		return fmt.Errorf("%s: %w: %w", op, chat.ErrUnreachable, err)
	case errors.Is(err, tgbot.ErrorBadRequest) && (strings.Contains(err.Error(), "message to edit not found") ||
		strings.Contains(err.Error(), "message can't be edited")):
		return fmt.Errorf("%s: %w: %w", op, domain.ErrNotFound, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// retryAfter is the pause a 429 asks for; Telegram always names one, but a
// zero would mean hammering the API, so it is at least a second.
func retryAfter(e *tgbot.TooManyRequestsError) time.Duration {
	return time.Duration(max(e.RetryAfter, 1)) * time.Second
}

// messengerPieces splits m.Text into messages Telegram accepts, dropping
// blank pieces, which Telegram refuses.
func messengerPieces(m chat.Message) []string {
	split := SplitText
	if m.HTML {
		split = SplitHTML
	}
	var out []string
	for _, p := range split(m.Text, MaxMessageLen) {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// messengerKeyboard converts buttons to an inline keyboard, leaving out
// empty rows (a list's paging row when it fits one page, say): every
// keyboard goes through here, so none is sent with an empty row. It returns
// an untyped nil for none: a typed nil pointer would be sent as "null".
func messengerKeyboard(rows [][]chat.Button) models.ReplyMarkup {
	kb := make([][]models.InlineKeyboardButton, 0, len(rows))
	for _, row := range rows {
		if len(row) == 0 {
			continue
		}
		r := make([]models.InlineKeyboardButton, 0, len(row))
		for _, b := range row {
			r = append(r, models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data, URL: b.URL})
		}
		kb = append(kb, r)
	}
	if len(kb) == 0 {
		return nil
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: kb}
}

func messengerParseMode(html bool) models.ParseMode {
	if html {
		return models.ParseModeHTML
	}
	return ""
}

// messengerFileName is name, or fallback when the caller gave none.
func messengerFileName(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return name
}

var _ chat.Menus = (*Channel)(nil)

// SetMenu registers a command menu: for every private chat (to zero) in
// lang, or for one chat.
func (t *Channel) SetMenu(ctx context.Context, to chat.Address, lang string, cmds []chat.Command) error {
	bc := make([]models.BotCommand, 0, len(cmds))
	for _, c := range cmds {
		bc = append(bc, models.BotCommand{Command: c.Name, Description: c.Description})
	}
	p := &tgbot.SetMyCommandsParams{Commands: bc, Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: lang}
	if !to.IsZero() {
		chatID, err := t.chatOf(to)
		if err != nil {
			return fmt.Errorf("set menu: %w", err)
		}
		p.Scope, p.LanguageCode = &models.BotCommandScopeChat{ChatID: chatID}, ""
	}
	if _, err := t.b.SetMyCommands(ctx, p); err != nil {
		return messengerError("set menu", err)
	}
	return nil
}
