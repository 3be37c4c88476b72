package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// conversationTTL is how long a form waits for the next answer. After it the
// form is gone and its buttons answer "out of date".
const conversationTTL = 3 * time.Hour

// request is one update being handled: who sent it (set by the identity
// middleware), what it is, and helpers to answer. It lives for one update
// and is used by one goroutine.
type request struct {
	ctx    context.Context
	b      *Bot
	update chat.Update
	via    chat.Replier // the channel (and bot) the update came through; answers go back through it
	caps   chat.Caps    // via's capabilities

	from  chat.User      // the person, as the channel authenticated them
	to    chat.Address   // the private chat with the person
	msg   *chat.Incoming // the incoming message; nil for a tap
	cb    *chat.Tap      // the tap on a button; nil for a message
	cbMsg int64          // id of the message the tapped button sits on; 0 if unknown
	text  string         // the message's text (or caption)
	args  string         // for a command: the text after it
	data  callback.Data  // for a callback: the decoded data

	staff domain.Staff
	club  domain.Club
	clubs []domain.Membership // every club the account is active staff of; the header names the club when more than one
	loc   *time.Location
	lang  domain.Language

	action   string // what is being done, for logs: "cmd:tasks", "cb:tk", "flow:result"
	answered bool   // the callback query has been answered

	conv       *postgres.Conversation // loaded conversation, if any
	convLoaded bool

	handled func() // marks the message handled for the chat's textOrder; nil for a callback
}

func newRequest(ctx context.Context, b *Bot, via chat.Replier, upd chat.Update) *request {
	r := &request{ctx: ctx, b: b, update: upd, via: via, caps: via.Caps(), from: upd.From, to: upd.Chat,
		lang: domain.LangEN, loc: time.UTC}
	switch {
	case upd.Message != nil:
		r.msg = upd.Message
		if b.router != nil {
			// Before anything else, so a later message of the chat waits for it.
			r.handled = b.router.texts.begin(upd.Chat, upd.Message.ID)
		}
		r.text = strings.TrimSpace(upd.Message.Text)
	case upd.Tap != nil:
		r.cb = upd.Tap
		r.cbMsg = upd.Tap.MessageID
	}
	if l, ok := domain.ParseLanguage(r.from.Language); ok {
		r.lang = l
	}
	return r
}

// done marks the update handled: a later message of the chat waiting for
// it goes on.
func (r *request) done() {
	if r.handled != nil {
		r.handled()
	}
}

// private reports whether the update comes from a private chat with the bot.
// The bot talks about clients and tasks only there, never in groups.
func (r *request) private() bool { return r.update.Private }

// t translates a catalog id in the person's language.
func (r *request) t(id string, data map[string]any) string { return r.b.cat.T(r.lang, id, data) }

// n translates a catalog id with a plural count.
func (r *request) n(id string, count int, data map[string]any) string {
	return r.b.cat.N(r.lang, id, count, data)
}

// account is how the store names the person: the private chat's address,
// whose id is the person's on every channel.
func (r *request) account() chat.Address {
	return chat.Address{Channel: r.to.Channel, Bot: r.to.Bot, Chat: r.from.ID}
}

// screen is a screen as the person gets it: for someone on the staff of
// several clubs it names the club it belongs to, and its buttons carry
// that club (callback.WithClub), so a tap acts there or not at all.
func (r *request) screen(text string, kb [][]chat.Button) chat.Message {
	if len(r.clubs) < 2 || r.club.ID == 0 {
		return chat.Message{Text: text, HTML: true, Buttons: kb}
	}
	return chat.Message{Text: "🏢 <b>" + esc(r.club.Name) + "</b>\n" + text, HTML: true, Buttons: chat.ForClub(kb, r.club.ID)}
}

// reply sends a screen as a new message (split at the channel's limit, the
// keyboard under the last piece) and returns the last message's id.
func (r *request) reply(text string, kb [][]chat.Button) (int64, error) {
	return r.replyList(text, kb, 0)
}

// edit replaces the text and keyboard of a message the bot sent earlier.
// An edit that changes nothing counts as success. A text too long for one
// message, or a channel that cannot edit, gets the screen as a new message.
// (Text length is counted in UTF-16 code units, never fewer than a
// channel's own units.)
func (r *request) edit(messageID int64, text string, kb [][]chat.Button) error {
	return r.editList(messageID, text, kb, 0)
}

// show puts a screen in front of the person: for a tap, it edits the message
// the button sits on (paging, filters, a card opened from a list); for a
// typed command, it sends a new message. It returns the message's id.
//
// A message Telegram no longer lets the bot edit (too old, deleted) gets
// the screen as a new message instead.
func (r *request) show(text string, kb [][]chat.Button) (int64, error) {
	return r.showList(text, kb, 0)
}

// replyList, editList and showList are reply, edit and show of a list
// screen: the first items rows of kb are the list's items, one button
// each, and the last items lines of text describe them, one a line
// (chat.Message.ListRows), so a channel may draw them as a list (Viber's
// carousel). 0 items: an ordinary screen.
func (r *request) replyList(text string, kb [][]chat.Button, items int) (int64, error) {
	return r.via.Send(r.ctx, r.to, r.listScreen(text, kb, items))
}

func (r *request) editList(messageID int64, text string, kb [][]chat.Button, items int) error {
	if !r.caps.Edit || telegram.UTF16Len(text) > r.caps.MaxText {
		_, err := r.replyList(text, kb, items)
		return err
	}
	return r.via.Edit(r.ctx, r.to, messageID, r.listScreen(text, kb, items))
}

func (r *request) showList(text string, kb [][]chat.Button, items int) (int64, error) {
	if r.cb != nil && r.cbMsg != 0 {
		err := r.editList(r.cbMsg, text, kb, items)
		if !errors.Is(err, domain.ErrNotFound) {
			return r.cbMsg, err
		}
	}
	return r.replyList(text, kb, items)
}

// listScreen is screen with its first items rows marked as a list's.
func (r *request) listScreen(text string, kb [][]chat.Button, items int) chat.Message {
	m := r.screen(text, kb)
	m.ListRows = items
	return m
}

// answer answers the callback query with a short toast (text may be empty).
// A callback is answered once: later calls do nothing.
func (r *request) answer(text string) { r.answerCallback(text, false) }

// alert answers the callback query with a dialog the person must dismiss,
// for things they must not miss.
func (r *request) alert(text string) { r.answerCallback(text, true) }

func (r *request) answerCallback(text string, alert bool) {
	if r.cb == nil || r.answered {
		return
	}
	r.answered = true
	if err := r.via.Answer(r.ctx, r.to, r.cb, text, alert); err != nil {
		r.b.log.Warn("answer callback", "err", err, "chat", r.to.String())
	}
}

// ensureAnswered answers a callback the handler left unanswered, so the
// person's button stops spinning.
func (r *request) ensureAnswered() { r.answer("") }

// localizedError is an error that carries its own catalog message (a form's
// refusal of an input, say). fail shows it as it is.
type localizedError interface {
	error
	Localized() (id string, data map[string]any)
}

// fail tells the person what went wrong, in their language, and logs what
// they are not told. Known outcomes (not found, forbidden, a rule's code, a
// stale button) become one clear line; anything else is logged with details
// and the person gets a short apology. For a tap the line is the callback's
// answer, so the message with the buttons stays as it was.
func (r *request) fail(err error) {
	text := r.errorText(err)
	if r.cb != nil && !r.answered {
		r.alert(text)
		return
	}
	if sendErr := r.linePlain(text); sendErr != nil {
		r.b.log.Warn("send error text", "err", sendErr, "staff_id", r.staff.ID)
	}
}

// line sends one line that asks for nothing new (a refusal, an error, a
// hint) as a message: the catalog text id with data, escaped for HTML.
// On a channel with one keyboard per chat (Viber) a message without
// buttons would hide the keyboard of the screen still waiting for a
// choice, so there the line goes as the channel's Answer, which keeps that
// keyboard on show.
func (r *request) line(id string, data map[string]any) error {
	if !r.caps.InlineButtons {
		return r.via.Answer(r.ctx, r.to, nil, r.t(id, data), false)
	}
	_, err := r.reply(r.t(id, escData(data)), nil)
	return err
}

// linePlain is line for a text already translated.
func (r *request) linePlain(text string) error {
	if !r.caps.InlineButtons {
		return r.via.Answer(r.ctx, r.to, nil, text, false)
	}
	_, err := r.reply(text, nil)
	return err
}

// errorText maps an error to the person's language.
func (r *request) errorText(err error) string {
	var le localizedError
	var de *domain.Error
	switch {
	case errors.As(err, &le):
		id, data := le.Localized()
		return r.t(id, data)
	case errors.Is(err, callback.ErrStale), errors.Is(err, callback.ErrMalformed):
		return r.t("bot.err.stale", nil)
	case errors.As(err, &de):
		if id := "bot.err." + string(de.Code); r.b.hasMessage(id) {
			return r.t(id, de.Args)
		}
		switch {
		case errors.Is(de.Kind, domain.ErrForbidden):
			return r.t("bot.err.forbidden", nil)
		case errors.Is(de.Kind, domain.ErrConflict):
			return r.t("bot.err.conflict", nil)
		case errors.Is(de.Kind, domain.ErrNotFound):
			return r.t("bot.err.not_found", nil)
		}
		r.b.log.Warn("rule without a message", "code", de.Code, "err", err, "staff_id", r.staff.ID, "action", r.action)
		return r.t("bot.err.invalid", nil)
	case errors.Is(err, domain.ErrNotFound):
		return r.t("bot.err.not_found", nil)
	case errors.Is(err, domain.ErrForbidden):
		return r.t("bot.err.forbidden", nil)
	case errors.Is(err, domain.ErrConflict):
		return r.t("bot.err.conflict", nil)
	case errors.Is(err, domain.ErrInvalid):
		return r.t("bot.err.invalid", nil)
	}
	r.b.log.Error("handler failed", "err", err, "action", r.action, "staff_id", r.staff.ID, "club_id", r.club.ID)
	return r.t("bot.err.internal", nil)
}

// conversation returns the person's live form; ok is false when there is
// none (or it expired). The result is cached for the request.
func (r *request) conversation() (c postgres.Conversation, ok bool, err error) {
	if !r.convLoaded {
		got, err := r.b.db.ConversationGet(r.ctx, r.club.ID, r.staff.ID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			r.conv = nil
		case err != nil:
			return postgres.Conversation{}, false, err
		default:
			r.conv = &got
		}
		r.convLoaded = true
	}
	if r.conv == nil {
		return postgres.Conversation{}, false, nil
	}
	return *r.conv, true, nil
}

// startConversation starts a form, replacing any the person had. data is the
// flow's state, stored as JSON; messageID the message the form edits.
// The form replaced loses its buttons.
func (r *request) startConversation(flow, step string, data any, messageID int64) (postgres.Conversation, error) {
	c, replaced, err := r.replaceConversation(flow, step, data, messageID)
	if err != nil {
		return postgres.Conversation{}, err
	}
	r.dropReplaced(replaced, c)
	return c, nil
}

// replaceConversation stores a new conversation in place of the person's
// live one, which it returns (nil when there was none).
func (r *request) replaceConversation(flow, step string, data any, messageID int64) (postgres.Conversation, *postgres.Conversation, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return postgres.Conversation{}, nil, fmt.Errorf("start %s: %w", flow, err)
	}
	old, ok, err := r.conversation()
	if err != nil {
		return postgres.Conversation{}, nil, err
	}
	c := postgres.Conversation{StaffID: r.staff.ID, ClubID: r.club.ID, Flow: flow, Step: step, Data: raw, MessageID: messageID}
	if err := r.saveConversation(&c); err != nil {
		return postgres.Conversation{}, nil, err
	}
	if !ok {
		return c, nil, nil
	}
	return c, &old, nil
}

// saveConversation stores c (which the flow read with conversation() and
// changed), extending its expiry. On success c.Version is the stored
// version. A conversation someone else saved meanwhile is ErrConflict.
func (r *request) saveConversation(c *postgres.Conversation) error {
	c.StaffID, c.ClubID = r.staff.ID, r.club.ID
	c.ExpiresAt = r.b.clock.Now().Add(conversationTTL)
	v, err := r.b.db.ConversationSave(r.ctx, *c)
	if err != nil {
		return err
	}
	c.Version = v
	saved := *c
	r.conv, r.convLoaded = &saved, true
	return nil
}

// noteLongText records that the person's text was refused as too long,
// when it is long enough to be a part of a longer paste. A paste over
// Telegram's 4096 characters arrives as several messages, every part but
// the last cut near the limit; the messages dated within pasteWindow of a
// refused part are the rest of it (routeText), not an answer. A shorter
// refused text (a name over 200 characters) is not a part, and the person's
// next message, however quick, is read as typed. Best effort: without the
// note the tail is read as typed.
//
// The shortest text taken for a part is half the channel's limit: clients
// cut a long paste at a break in the last part of it.
func (r *request) noteLongText() {
	if r.msg == nil || r.update.Date.IsZero() || telegram.UTF16Len(r.text) < r.caps.MaxText/2 {
		return
	}
	if err := r.b.db.ConversationNoteLongText(r.ctx, r.club.ID, r.staff.ID, r.update.Date); err != nil {
		r.b.log.Warn("note long text", "err", err, "staff_id", r.staff.ID)
	}
}

// pasteWindow is how close (by Telegram's dates, whole seconds) a message
// must follow a text refused as too long to be taken as the rest of the
// same paste: a client sends the parts at once, and nobody reads a refusal
// and types an answer that fast.
const pasteWindow = 2 * time.Second

// pasteTail reports whether the message is the rest of a paste whose
// earlier part c refused as too long.
func (r *request) pasteTail(c postgres.Conversation) bool {
	if c.LongTextAt.IsZero() || r.msg == nil || r.update.Date.IsZero() {
		return false
	}
	d := r.update.Date.Sub(c.LongTextAt)
	return d >= 0 && d <= pasteWindow
}

// endConversation ends the person's form, if any.
func (r *request) endConversation() error {
	r.conv, r.convLoaded = nil, true
	return r.b.db.ConversationEnd(r.ctx, r.club.ID, r.staff.ID)
}

// esc escapes text from people or the database for an HTML message.
func esc(s string) string { return html.EscapeString(s) }
