package bot

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// The forms (result entry, new task, new call, a task's due or reminder
// moment) share one shape, kept here (formFlow routes their input):
//
//   - The form's state (the flow's own struct) is the conversation's Data; its
//     Step names the screen for logs. Every step reloads what it shows from
//     the database, so the state holds ids and answers only.
//   - A form's buttons are callback data "<action>|<version>|<op>|<args>":
//     the flow's own action ("rf" result form, "nf" new task, "cf" new call,
//     "mf" a task's due or reminder moment), the conversation version the
//     screen was drawn for, and an operation. Versions come from a sequence
//     that never restarts (postgres.ConversationSave), so a version names one
//     state of one form for ever. A tap whose version is not the stored one
//     (an older screen, a second tap that lost the race, a form abandoned
//     since) changes nothing; a tap with no live conversation is an expired
//     form; a repeated tap on a Confirm already acted on is told so.
//   - A screen's state is stored before the screen is sent, so a button
//     tapped the moment it appears finds its version stored, however slowly
//     Telegram answers the bot. A screen that fails to go out puts the
//     previous state back: the screen the person still sees keeps working.
//   - A tap edits the form's message; typed text gets a new message below it
//     (where a person looks after typing) and the old one loses its buttons,
//     so no stale keyboard is left to tap. A form that ends, is cancelled or
//     is replaced by another loses its buttons the same way.

// formError is an input a form refuses, with the message the person sees
// (a catalog id and its data). The form's state does not change.
type formError struct {
	ID   string
	Data map[string]any
}

func (e *formError) Error() string { return "form: " + e.ID }

// Localized lets request.fail show the form's own message.
func (e *formError) Localized() (string, map[string]any) { return e.ID, e.Data }

// errBadButton answers a button that does not fit the form as it is now: a
// tap on an older screen, a forged or garbled argument, another club's id.
// It says no more than "out of date", so a forged id reveals nothing.
var errBadButton = &formError{ID: "forms.stale"}

// errFormExpired answers a tap on a form that is no longer open: it expired,
// was cancelled, or was completed.
var errFormExpired = &formError{ID: "forms.expired"}

// formEnv is the request's language, club zone and time.
func (r *request) formEnv() formEnv {
	return formEnv{Lang: r.lang, Loc: r.loc, Now: r.b.clock.Now(), OneKeyboard: !r.caps.InlineButtons}
}

// formButtons binds buttonData to a form's action and the version its screen
// is drawn for.
func formButtons(action string, version int) buttonData {
	return func(op string, args ...any) string {
		return callback.New(action, append([]any{version, op}, args...)...)
	}
}

// formTap reads a tap on one of flow's buttons (r.data is
// "<version>|<op>|<arg>..."): the live conversation it belongs to, its state
// decoded into state, and the input.
func (r *request) formTap(flow string, state any) (postgres.Conversation, formInput, error) {
	version, err := r.data.Int(0)
	if err != nil {
		return postgres.Conversation{}, formInput{}, err
	}
	op, err := r.data.Str(1)
	if err != nil {
		return postgres.Conversation{}, formInput{}, err
	}
	in := formInput{Op: op}
	if len(r.data.Args) > 2 {
		in.Arg = r.data.Args[2]
	}
	c, ok, err := r.conversation()
	if err != nil {
		return postgres.Conversation{}, formInput{}, err
	}
	if !ok || c.Flow != flow || int64(c.Version) != version {
		if in.Op == opOK {
			// A second tap on Confirm (a double tap, or a later one).
			claimed, err := r.b.db.ConversationClaimed(r.ctx, r.club.ID, r.staff.ID, flow, int(version))
			if err != nil {
				return postgres.Conversation{}, in, err
			}
			if claimed {
				return postgres.Conversation{}, in, recordedError(flow)
			}
		}
		if !ok {
			return postgres.Conversation{}, in, errFormExpired
		}
		return postgres.Conversation{}, in, errBadButton
	}
	if err := json.Unmarshal(c.Data, state); err != nil {
		return postgres.Conversation{}, in, fmt.Errorf("%s form state: %w", flow, err)
	}
	if r.cbMsg != 0 {
		// The version matched: the tapped message is the form's screen, even
		// when its id is not stored yet (the tap beat the send's answer).
		c.MessageID = r.cbMsg
	}
	return c, in, nil
}

// recordedError answers a repeated tap on the Confirm of a form whose first
// tap is saving or saved it.
func recordedError(flow string) *formError {
	if flow == flowResult {
		return &formError{ID: "forms.result.already"}
	}
	return &formError{ID: "forms.already_recorded"}
}

// formText reads typed text for flow's conversation (routed here by the
// router, which found it live) and decodes its state.
func (r *request) formText(flow string, state any) (postgres.Conversation, formInput, error) {
	c, ok, err := r.conversation()
	if err != nil {
		return postgres.Conversation{}, formInput{}, err
	}
	if !ok || c.Flow != flow {
		return postgres.Conversation{}, formInput{}, errFormExpired
	}
	if err := json.Unmarshal(c.Data, state); err != nil {
		return postgres.Conversation{}, formInput{}, fmt.Errorf("%s form state: %w", flow, err)
	}
	return c, formInput{Text: r.text}, nil
}

// formScreen draws a form's screen for the buttons of the given version.
type formScreen func(data buttonData) (text string, kb [][]chat.Button)

// formSave stores the form's new state and shows its next screen, under
// buttons carrying the version the save creates.
//
// The state is stored first and the screen sent after, so a tap on the
// screen the moment it appears finds its version stored. A tap edits the
// tapped message; typed text gets the screen as a new message, whose id is
// recorded once Telegram answers, and the previous message loses its
// buttons. A save that loses a race (a second tap, another replica) sends
// nothing.
func (r *request) formSave(c *postgres.Conversation, action, step string, state any, screen formScreen) error {
	raw, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("%s form state: %w", c.Flow, err)
	}
	prev := *c
	c.Data, c.Step, c.Claimed = raw, step, 0
	if err := r.saveConversation(c); err != nil {
		return err
	}
	text, kb := screen(formButtons(action, c.Version))
	return r.formShow(prev, c, text, kb)
}

// formStart starts flow with state and shows its first screen: in the tapped
// message when it starts from a button (a task card's "Enter result"),
// otherwise in a new message. A form it replaces loses its buttons.
func (r *request) formStart(flow, action, step string, state any, screen formScreen) error {
	msgID := int64(0)
	if r.cb != nil {
		msgID = r.cbMsg
	}
	c, replaced, err := r.replaceConversation(flow, step, state, msgID)
	if err != nil {
		return err
	}
	prev := postgres.Conversation{StaffID: r.staff.ID, ClubID: r.club.ID} // version 0: no form before
	if replaced != nil {
		prev = *replaced
	}
	text, kb := screen(formButtons(action, c.Version))
	if err := r.formShow(prev, &c, text, kb); err != nil {
		return err
	}
	r.dropReplaced(replaced, c)
	return nil
}

// formShow sends the screen of c's stored state. When it does not reach the
// person (Telegram down, a timeout), the state before (prev) is put back
// under its own version, so the screen the person still sees works, and
// the error goes on to the usual handling.
func (r *request) formShow(prev postgres.Conversation, c *postgres.Conversation, text string, kb [][]chat.Button) error {
	err := r.formSend(c, text, kb)
	if err == nil {
		return nil
	}
	if rerr := r.b.db.ConversationRestore(r.ctx, prev, c.Version); rerr != nil {
		r.b.log.Warn("restore form after a failed send", "err", rerr, "staff_id", r.staff.ID, "flow", c.Flow)
	}
	r.conv, r.convLoaded = nil, false // reload if asked again
	return err
}

// formSend puts the screen in the form's message (for a tap on it) or in a
// new message, recording its id.
func (r *request) formSend(c *postgres.Conversation, text string, kb [][]chat.Button) error {
	old := c.MessageID
	if r.cb != nil && r.cbMsg != 0 && r.cbMsg == c.MessageID {
		err := r.edit(c.MessageID, text, kb)
		if !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		old = 0 // gone or too old to edit: a new message below, nothing to strip
	}
	id, err := r.reply(text, kb)
	if err != nil {
		return err
	}
	c.MessageID = id
	if err := r.b.db.ConversationSetMessage(r.ctx, r.club.ID, r.staff.ID, c.Version, id); err != nil {
		// The screen is out and its buttons carry the stored version, so the
		// form goes on; only the old message's buttons may linger.
		r.b.log.Warn("record form message", "err", err, "staff_id", r.staff.ID, "message_id", id)
	}
	if r.conv != nil && r.conv.Version == c.Version {
		r.conv.MessageID = id
	}
	if old != id {
		r.dropButtons(old)
	}
	return nil
}

// dropReplaced takes the buttons off the screen of a form that c replaced.
func (r *request) dropReplaced(replaced *postgres.Conversation, c postgres.Conversation) {
	if replaced != nil && replaced.MessageID != c.MessageID {
		r.dropButtons(replaced.MessageID)
	}
}

// formEnd closes the form and leaves text (and kb) in its message: edited for
// a tap, a new message for typed text, whose predecessor loses its buttons.
func (r *request) formEnd(c postgres.Conversation, text string, kb [][]chat.Button) error {
	if err := r.endConversation(); err != nil {
		return err
	}
	if r.cb != nil && r.cbMsg != 0 && r.cbMsg == c.MessageID {
		return r.edit(c.MessageID, text, kb)
	}
	if _, err := r.reply(text, kb); err != nil {
		return err
	}
	r.dropButtons(c.MessageID)
	return nil
}

// formCancel abandons the form.
func (r *request) formCancel(c postgres.Conversation) error {
	return r.formEnd(c, r.t("forms.cancelled", nil), nil)
}

// dropButtons removes the inline keyboard of an earlier form message, so an
// old screen offers nothing to tap. Best effort: the version check refuses
// its buttons anyway.
func (r *request) dropButtons(messageID int64) {
	if messageID == 0 {
		return
	}
	if err := r.removeKeyboard(messageID); err != nil {
		r.b.log.Warn("remove old form buttons", "err", err, "staff_id", r.staff.ID, "message_id", messageID)
	}
}

// formFail shows a refused input: for a tap, as the callback's answer (the
// screen stays); for text, as a reply, so the person can type again.
// Anything other than a refusal goes to r.fail's usual handling.
func (r *request) formFail(err error) error {
	var fe *formError
	if !errors.As(err, &fe) {
		return err
	}
	if r.cb != nil {
		r.answer(r.t(fe.ID, fe.Data))
		return nil
	}
	if fe.ID == "forms.err.too_long" {
		r.noteLongText() // before the reply: the rest of a paste may be next
	}
	return r.line(fe.ID, fe.Data)
}

// escData escapes the strings of a message's data for an HTML message
// (callback answers are plain text and take them as they are).
func escData(data map[string]any) map[string]any {
	if data == nil {
		return nil
	}
	out := make(map[string]any, len(data))
	for k, v := range data {
		if s, ok := v.(string); ok {
			v = esc(s)
		}
		out[k] = v
	}
	return out
}

// storeRefusal is what the person is told when the store refuses a form's
// last step: the club's set-up or data changed while the form was open (a
// field made required, a value or template retired, a client removed).
func storeRefusal(err error) *formError {
	var de *domain.Error
	if errors.As(err, &de) {
		switch de.Code {
		case domain.CodeFieldRequired:
			return &formError{ID: "forms.err.required", Data: map[string]any{"Field": de.Args["field"]}}
		case domain.CodeTooLong:
			return &formError{ID: "forms.err.too_long", Data: map[string]any{"Limit": de.Args["limit"]}}
		}
	}
	return &formError{ID: "forms.changed"}
}

// domainCode reports whether err is a domain rule violation with one of codes.
func domainCode(err error, codes ...domain.Code) bool {
	c := domain.ErrorCode(err)
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}

// removeKeyboard takes the inline keyboard off a message the bot sent.
func (r *request) removeKeyboard(messageID int64) error {
	if err := r.via.RemoveButtons(r.ctx, r.to, messageID); err != nil {
		return fmt.Errorf("remove keyboard of message %d: %w", messageID, err)
	}
	return nil
}

// formEndWithCard closes a form about a task and shows the task's card in
// its place, under a line saying what was done; with Back when the form was
// opened from a card that came from a list (o). A task the person can no
// longer see leaves the line alone.
func (b *Bot) formEndWithCard(r *request, c postgres.Conversation, taskID int64, o origin, notice string) error {
	text, kb, err := b.taskCard(r, taskID, o)
	switch {
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrForbidden):
		return r.formEnd(c, notice, nil)
	case err != nil:
		return err
	}
	return r.formEnd(c, notice+"\n\n"+text, kb)
}

// formClaim marks the form as being saved before its last step writes
// anything. The save is versioned, so of two taps on Confirm (a nervous
// double tap, two replicas) only one gets past here; the other meets
// ErrConflict and writes nothing.
//
// The claim stores which version's Confirm was tapped, and it outlives the
// form, so the losing tap (and any later one) is told the form is already
// recorded, not that it changed.
func (r *request) formClaim(c *postgres.Conversation) error {
	from := c.Version
	c.Step, c.Claimed = "saving", from
	err := r.saveConversation(c)
	if errors.Is(err, domain.ErrConflict) {
		claimed, cerr := r.b.db.ConversationClaimed(r.ctx, r.club.ID, r.staff.ID, c.Flow, from)
		if cerr != nil {
			return errors.Join(err, cerr)
		}
		if claimed {
			return recordedError(c.Flow)
		}
	}
	return err
}

// formRefused answers a last step the store refused (the club's set-up or
// data changed while the form was open): redraw shows the form's screen
// again, under the version the claim created, and an alert says why.
func (r *request) formRefused(redraw func() error, reason error) error {
	if err := redraw(); err != nil {
		return err
	}
	var fe *formError
	if !errors.As(reason, &fe) {
		fe = storeRefusal(reason)
	}
	r.alert(r.t(fe.ID, fe.Data))
	return nil
}

// formFlow is one form as the router sees it: the conversation flow it
// keeps and what one input does to its state S. Its tap and text methods are
// the form's callback action and text flow (addForm), so every form reads
// its input, ignores label taps and handles Cancel the same way.
type formFlow[S any] struct {
	flow string
	// step applies one input: a tap (Op and Arg) or typed text (Text).
	step func(r *request, c postgres.Conversation, st S, in formInput) error
	// cancel ends the form on its Cancel button; nil: r.formCancel.
	cancel func(r *request, c postgres.Conversation, st S) error
	// expired says what a tap on a form that is no longer open means; nil:
	// errFormExpired.
	expired func(r *request, in formInput) error
}

// tap handles a tap on one of the form's buttons.
func (f formFlow[S]) tap(r *request) error {
	var st S
	c, in, err := r.formTap(f.flow, &st)
	if errors.Is(err, errFormExpired) && f.expired != nil {
		err = f.expired(r, in)
	}
	if err != nil {
		return r.formFail(err)
	}
	switch {
	case in.Op == opNop:
		return nil // a label: the router answers the tap, nothing changes
	case in.Op == opCancel && f.cancel != nil:
		return f.cancel(r, c, st)
	case in.Op == opCancel:
		return r.formCancel(c)
	}
	return f.step(r, c, st, in)
}

// text handles typed text while the form is open.
func (f formFlow[S]) text(r *request) error {
	var st S
	c, in, err := r.formText(f.flow, &st)
	if err != nil {
		return r.formFail(err)
	}
	return f.step(r, c, st, in)
}

// addForm registers a form's callback action and text flow.
func addForm[S any](rt *router, action string, f formFlow[S]) {
	rt.action(action, f.tap)
	rt.flow(f.flow, f.text)
}

// formRoutes registers the forms' commands, actions and flows (called from
// routes). A form's buttons are "<action>|<version>|<op>|<arg>".
func (b *Bot) formRoutes(rt *router) {
	rt.command("new", b.newTaskCommand)
	rt.command("call", b.callCommand)
	rt.action(callback.ActionResultStart, b.resultStart) // rs|<task>[|<origin>]: enter a result
	rt.action(actionReminder, b.reminderMenu)            // rm|<task>|<origin>[|<choice>]

	addForm(rt, actionResult, formFlow[resultForm]{
		flow: flowResult, step: b.resultStep, cancel: b.resultCancel, expired: b.resultExpired,
	})
	addForm(rt, actionNewTask, formFlow[newTaskForm]{flow: flowNewTask, step: b.newTaskStep})
	addForm(rt, actionCall, formFlow[callForm]{flow: flowCall, step: b.callStep})
	addForm(rt, actionMoment, formFlow[momentForm]{flow: flowMoment, step: b.momentStep, cancel: b.momentCancel})
}
