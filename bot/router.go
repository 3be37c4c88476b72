package bot

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// How to add things to the bot
//
// Every handler is a handlerFunc: func(r *request) error. It runs after the
// middleware has identified the staff member, so r.staff, r.club, r.loc and
// r.lang are set. Return domain errors as they are (wrapped with %w is fine):
// the router shows them with r.fail, which turns ErrNotFound, ErrForbidden,
// ErrConflict and *domain.Error codes into localised text and logs anything
// unexpected. Register the handler in routes.go, one line each.
//
// A command ("/tasks"):
//
//	rt.command("tasks", b.tasksCommand)          // everyone
//	rt.managerCommand("control", b.control)      // owners and managers only
//
// The text after the command is r.args ("/search anna" → "anna"). Answer
// with r.reply(text, keyboard). Add the command to the menus (staffMenu,
// managerMenu in commands.go) and its description to the catalogs
// (bot.cmd.<name>).
//
// A callback action (an inline button): name it with a constant in
// domain/callback/actions.go (never a literal: TestCallbackActionsAreNamedConstants),
// build the button with btn(label, action, args...), which encodes
// callback.New(action, args...) (≤ 64 bytes: keep args to ids and short
// words), and register
//
//	rt.action(callback.ActionTaskTake, b.taskTake)
//
// In the handler, r.data is the decoded callback data: r.data.Int(0) is the
// first argument as an id (a malformed argument is callback.ErrMalformed,
// which r.fail shows as "this button is out of date"). Never trust an id:
// load the row scoped by r.club.ID and check rights (domain.CanActOnTask);
// another club's id must give the same answer as a missing one (ErrNotFound).
// Every callback query is answered exactly once: call r.answer(text) for a
// toast, or do nothing and the router answers it empty after the handler.
// To change the message the button sits on, use r.show(text, keyboard),
// which edits it ("message is not modified" counts as success).
//
// A conversation flow (a form filled in over several messages):
//
//	rt.flow("search", b.searchText)
//
// A form with buttons built on form.go registers its callback action and
// its flow at once, with a formFlow that says what one input does:
//
//	addForm(rt, "rf", formFlow[resultForm]{flow: "result", step: b.resultStep})
//
// Start it with r.startConversation(flow, step, data, messageID): it is
// stored in PostgreSQL (postgres.Conversation), so a restart or another
// replica continues it. While it is live, plain text (anything not starting
// with "/") goes to the flow's handler; r.conversation() loads it (the
// router has already, for text). Advance it with r.saveConversation(&c),
// which fails with ErrConflict (code "conversation_stale") when someone else
// (a second tap, another replica) saved it first: r.fail then says "this form
// changed meanwhile". End it with r.endConversation(). Buttons inside a form
// are ordinary actions; put the conversation's version in their data
// (btn(label, "rf", c.Version, ...)) and refuse a button whose version is
// not the stored one, so a tap on an old form's button changes nothing:
// versions are never reused, by any form. Store a screen's state before
// sending the screen (form.go does), or a quick tap finds it out of date. An
// expired conversation is absent: r.conversation() reports ok == false.
// Commands do not end a conversation: a person may look at /tasks in the
// middle of a form and carry on typing; starting another form replaces it
// (and takes the buttons off its message). Input that is not text (a
// sticker, a voice message) never reaches a flow: routeText refuses it.

// handlerFunc handles one update of an identified staff member. A non-nil
// error is shown to the person through r.fail.
type handlerFunc func(r *request) error

type command struct {
	h        handlerFunc
	managers bool // owners and managers only
}

// router maps commands, callback actions and conversation flows to handlers.
// It is filled once in New (routes.go) and only read afterwards.
type router struct {
	commands map[string]command
	actions  map[string]handlerFunc
	flows    map[string]handlerFunc
	texts    *textOrder // typed messages of a chat, read in the order sent
}

func newRouter() *router {
	return &router{commands: map[string]command{}, actions: map[string]handlerFunc{}, flows: map[string]handlerFunc{}, texts: newTextOrder()}
}

// command registers "/name" for every staff member.
func (rt *router) command(name string, h handlerFunc) { rt.addCommand(name, command{h: h}) }

// managerCommand registers "/name" for owners and managers; others are told
// it is for managers.
func (rt *router) managerCommand(name string, h handlerFunc) {
	rt.addCommand(name, command{h: h, managers: true})
}

func (rt *router) addCommand(name string, c command) {
	if _, dup := rt.commands[name]; dup {
		panic("bot: command registered twice: " + name)
	}
	rt.commands[name] = c
}

// action registers the handler of a callback action.
func (rt *router) action(name string, h handlerFunc) {
	if _, dup := rt.actions[name]; dup {
		panic("bot: callback action registered twice: " + name)
	}
	rt.actions[name] = h
}

// flow registers the text handler of a conversation flow.
func (rt *router) flow(name string, h handlerFunc) {
	if _, dup := rt.flows[name]; dup {
		panic("bot: flow registered twice: " + name)
	}
	rt.flows[name] = h
}

// errUnknownAction: callback data naming no registered action, which is a
// button from another build or forged data. Shown as a stale button.
var errUnknownAction = fmt.Errorf("unknown callback action: %w", callback.ErrMalformed)

// errBadArg: a callback argument that does not fit its action (a word where
// an id belongs, an unknown option). Shown as a stale button.
var errBadArg = fmt.Errorf("bad callback argument: %w", callback.ErrMalformed)

// route dispatches an identified staff member's update.
func (b *Bot) route(r *request) {
	var err error
	switch {
	case r.cb != nil:
		err = b.routeCallback(r)
	case r.msg != nil && utf8.RuneCountInString(r.text) > r.caps.MaxText:
		// Only where a person can type more than one message holds (Viber
		// takes 7,000 characters; Telegram splits a longer paste itself).
		r.action = "text:too_long"
		err = r.line("forms.err.too_long", map[string]any{"Limit": r.caps.MaxText})
	case r.msg != nil && strings.HasPrefix(r.text, "/"):
		err = b.routeCommand(r)
	case r.msg != nil:
		err = b.routeText(r)
	}
	if err != nil {
		r.fail(err)
	}
	// Not deferred: after a panic, recovering answers with the apology.
	r.ensureAnswered()
}

func (b *Bot) routeCallback(r *request) error {
	d, err := callback.Decode(r.cb.Data)
	if err != nil {
		r.action = "cb:?"
		return err
	}
	r.data = d
	r.action = "cb:" + d.Action
	if err := b.tapClub(r); err != nil {
		return err
	}
	h, ok := b.router.actions[d.Action]
	if !ok {
		return errUnknownAction
	}
	return h(r)
}

func (b *Bot) routeCommand(r *request) error {
	name, args := parseCommand(r.text)
	r.action = "cmd:" + name
	r.args = args
	c, ok := b.router.commands[name]
	if !ok {
		return r.line("bot.unknown_command", nil)
	}
	if c.managers {
		if err := domain.CanManageClub(r.staff); err != nil {
			return err
		}
	}
	return c.h(r)
}

func (b *Bot) routeText(r *request) error {
	// Messages sent together (the parts of a long paste) are read in order.
	b.router.texts.waitEarlier(r.ctx, r.to, r.msg.ID)
	if r.msg.Text == "" {
		// A sticker, a location, a contact, a photo without caption, a
		// voice message (typed blanks are text: the step says it is empty): every step that reads typed input reads text, so
		// none is an answer, in a form or outside one.
		r.action = "text:not_text"
		return r.line("bot.err.not_text", nil)
	}
	c, ok, err := r.conversation()
	if err != nil {
		return err
	}
	if !ok {
		r.action = "text"
		if _, menus := r.via.(chat.Menus); !menus {
			return r.line("bot.no_conversation_help", nil)
		}
		return r.line("bot.no_conversation", nil)
	}
	r.action = "flow:" + c.Flow
	if r.pasteTail(c) {
		r.noteLongText() // a long part: another may follow it
		return r.line("forms.err.paste_tail", nil)
	}
	h, found := b.router.flows[c.Flow]
	if !found {
		// A flow this build no longer has (a deploy between two messages).
		if err := r.endConversation(); err != nil {
			return err
		}
		return errors.New("conversation of unknown flow " + c.Flow)
	}
	return h(r)
}

// parseCommand splits "/search@ClubBot anna k" into ("search", "anna k").
func parseCommand(text string) (name, args string) {
	text = strings.TrimPrefix(text, "/")
	name = text
	if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
		name, args = text[:i], text[i:]
	}
	if at := strings.IndexByte(name, '@'); at >= 0 {
		name = name[:at]
	}
	return strings.ToLower(name), strings.TrimSpace(args)
}

// tapClub makes a tap on a button drawn in another club than the one the
// person works in act in that club, if they are on its staff there (the
// screen it draws names that club); if they are not, nothing is done. The
// club the button names is only a claim: it is checked against the
// person's own memberships.
func (b *Bot) tapClub(r *request) error {
	if r.data.Club == 0 || r.data.Club == r.club.ID {
		return nil
	}
	m, ok := domain.MembershipIn(r.clubs, r.data.Club)
	if !ok {
		return domain.Forbidden(domain.CodeClubNotMember, fmt.Sprintf("account is not staff of club %d", r.data.Club))
	}
	st, err := b.db.StaffGet(r.ctx, m.ClubID, m.StaffID)
	if err != nil {
		return err
	}
	club, err := b.db.ClubGet(r.ctx, m.ClubID)
	if err != nil {
		return err
	}
	b.log.Info("tap in another club", "staff_id", st.ID, "club_id", club.ID, "working_club_id", r.club.ID)
	r.workIn(st, club)
	return nil
}
