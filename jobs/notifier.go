package jobs

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Outgoing is one message the system sends on its own.
type Outgoing struct {
	// Key is the idempotency key: a key is delivered at most once, however
	// often the job that sends it runs, e.g. "remind:123:1700000000".
	Key string
	// ClubID and StaffID name the recipient staff member; the notifier looks up
	// their chat and whether they are reachable.
	ClubID, StaffID int64
	// To is set instead of StaffID for a group or chat that is not a staff
	// member.
	To  chat.Address
	Msg chat.Message
	// FreeWindowOnly marks a low-value message (the morning list) for a
	// club that pays for no out-of-session messages: on a channel whose
	// bot is billed outside a person's free window (Viber, see
	// WithFreeWindow) it goes only inside that window, and is skipped
	// (logged and counted, not retried) outside it.
	FreeWindowOnly bool
}

// maxRetryAfter bounds how many 429s one message waits out before its job
// fails and asynq retries it later.
const maxRetryAfter = 5

// Notifier is the one way out (DESIGN.md invariant 6): every message the
// system sends on its own goes through Notify, which
//
//   - skips a recipient who is inactive, has no chat, or blocked the bot;
//   - sends each Key at most once (the deliveries table), also when two
//     copies of a job run at the same time, holding no database connection
//     while it waits for its turn or for the messenger;
//   - keeps to Limits across all worker processes (Redis), and on a 429
//     pauses every process's sending for retry_after, then tries again;
//   - on 403 marks the staff member unreachable, so nobody writes to them
//     until they write to the bot again.
//
// Order: messages to one chat leave in the order Notify was called, across
// processes, because the limiter books each chat's sending times in request
// order and at least a second apart, and a slow send pushes every booking
// behind it by the same slip, so they stay in that order (see limiter and
// commitScript). This was chosen over an asynq Group per chat, which
// batches tasks for an aggregator rather than ordering them, and over a
// lock per chat, which would hold a worker and a database connection for
// every message queued behind it. The exceptions are a 429, after which a
// message (or the rest of its pieces) that had to wait out a pause takes a
// new place behind messages reserved in the meantime, and a sender that
// wakes more than a chat interval after its turn (a loaded machine), which
// the next message may overtake.
//
// Each request counts under the limits from its commit until its answer is
// back (the limiter's flight): the Bot API counts a message when the request
// arrives, which for a photo upload can be long after it left, and the
// notifier cannot know when in between that was.
//
// A message waits for its time inside its job, holding a worker: at 30
// messages a second, a worker's concurrency of 10-20 covers the messages in
// flight. Jobs that would each message one busy chat many times in a row
// should batch their text instead (the digest does).
//
// Splitting text longer than the transport takes is the chat.Messenger's job. A
// message it sends in several pieces (a chart, then text; text in parts)
// takes one limiter slot per piece: the notifier books as many consecutive
// sending times for the chat as a chat.PacedMessenger says the message has
// pieces, and the messenger calls back before each piece after the first
// (pacer), so the pieces reach the chat a chat interval apart, never in a
// burst, and no other message to the chat lands between them.
type Notifier struct {
	db      *postgres.DB
	rdb     redis.UniversalClient
	q       Queues
	msgrs   chat.Transports
	lim     *limiter                      // the bots of every channel without limits of its own
	chLims  map[chat.Channel]Limits       // WithChannelLimits
	lims    map[chat.Channel]*limiter     // built from chLims
	caps    map[chat.Channel]hourlyCap    // WithHourlyCap
	windows map[chat.Channel]InboundTimes // WithFreeWindow
	log     *slog.Logger
	clock   domain.Clock
	metrics *Metrics
}

// NotifierOption configures a Notifier.
type NotifierOption func(*Notifier)

// WithNotifierMetrics counts messages sent, throttled and failed.
func WithNotifierMetrics(m *Metrics) NotifierOption { return func(n *Notifier) { n.metrics = m } }

// NewNotifier builds the notifier. rdb holds the shared rate-limit state
// under q's prefix.
func NewNotifier(db *postgres.DB, rdb redis.UniversalClient, m chat.Transports, lim Limits, q Queues, log *slog.Logger, clock domain.Clock, opts ...NotifierOption) *Notifier {
	n := &Notifier{db: db, rdb: rdb, q: q, msgrs: m, lim: newLimiter(rdb, q, lim), log: log, clock: clock}
	for _, o := range opts {
		o(n)
	}
	n.lims = map[chat.Channel]*limiter{}
	for ch, l := range n.chLims {
		n.lims[ch] = newLimiter(rdb, q, l)
	}
	return n
}

// limiter is the limiter of to's channel.
func (n *Notifier) limiter(to chat.Address) *limiter {
	if l, ok := n.lims[to.Channel]; ok {
		return l
	}
	return n.lim
}

// Recipient is a staff member about to be messaged, as NotifyStaff hands
// them to the code that draws the message: who, in which language and zone.
type Recipient struct {
	postgres.Recipient
	Loc *time.Location // the club's zone
}

// Draw draws the message for a recipient; false sends nothing (the task
// was closed meanwhile, say).
type Draw func(r Recipient) (chat.Message, bool, error)

// StaffOption marks a message NotifyStaff sends.
type StaffOption func(*Outgoing)

// FreeWindowOnly marks the message low-value when on (the morning list of a
// club that chose so): see Outgoing.FreeWindowOnly.
func FreeWindowOnly(on bool) StaffOption {
	return func(o *Outgoing) { o.FreeWindowOnly = on }
}

// NotifyStaff is the one way to message a staff member: it reads the
// recipient once (their address, language, club zone, how many clubs they
// are in), skips someone unreachable (not an error: they asked not to be
// written to; logged at debug), draws the message in their language with
// draw, names the club for a person in several, and delivers it once under
// key, as opts mark it. A recipient that does not exist (unknown staff,
// another club's, a deleted club) or a club zone that does not load is an
// error wrapping asynq.SkipRetry: retrying cannot help.
func (n *Notifier) NotifyStaff(ctx context.Context, key string, clubID, staffID int64, draw Draw, opts ...StaffOption) error {
	o := Outgoing{Key: key, ClubID: clubID, StaffID: staffID}
	for _, opt := range opts {
		opt(&o)
	}
	return n.notifyStaff(ctx, o, draw)
}

// notifyStaff is NotifyStaff for o (its Key, ClubID, StaffID and flags;
// its Msg and To come from draw and the recipient).
func (n *Notifier) notifyStaff(ctx context.Context, o Outgoing, draw Draw) error {
	key, clubID, staffID := o.Key, o.ClubID, o.StaffID
	if key == "" {
		return fmt.Errorf("notify: %w: empty idempotency key", asynq.SkipRetry)
	}
	log := n.log.With(slog.String("key", key), slog.Int64("club_id", clubID), slog.Int64("staff_id", staffID))
	r, err := n.db.RecipientGet(ctx, clubID, staffID)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("notify %s: %w: %w", key, asynq.SkipRetry, err)
	}
	if err != nil {
		return fmt.Errorf("notify %s: %w", key, err)
	}
	if !r.Reachable {
		log.DebugContext(ctx, "recipient unreachable, message dropped")
		return nil
	}
	loc, err := domain.LoadLocation(r.TimeZone)
	if err != nil {
		return fmt.Errorf("notify %s: %w: club zone: %w", key, asynq.SkipRetry, err)
	}
	msg, ok, err := draw(Recipient{Recipient: r, Loc: loc})
	if err != nil || !ok {
		return err
	}
	o.To, o.Msg = r.Address, nameClub(msg, clubID, r)
	return n.deliver(ctx, log, o)
}

// Notify delivers o once: to a staff member (o.StaffID, through
// NotifyStaff) or to a chat (o.To, a group).
func (n *Notifier) Notify(ctx context.Context, o Outgoing) error {
	if o.StaffID != 0 {
		return n.notifyStaff(ctx, o, func(Recipient) (chat.Message, bool, error) { return o.Msg, true, nil })
	}
	if o.Key == "" {
		return fmt.Errorf("notify: %w: empty idempotency key", asynq.SkipRetry)
	}
	return n.deliver(ctx, n.log.With(slog.String("key", o.Key), slog.Int64("club_id", o.ClubID)), o)
}

// deliver sends o.Msg to o.To once under o.Key, within the bot's limits.
func (n *Notifier) deliver(ctx context.Context, log *slog.Logger, o Outgoing) error {
	to := o.To
	if to.IsZero() {
		return fmt.Errorf("notify %s: %w: no recipient", o.Key, asynq.SkipRetry)
	}
	msgr, err := n.msgrs.For(to)
	if err != nil {
		// The recipient's bot is gone (removed) or not served here: a
		// retry cannot help, and nobody else may send as that bot.
		return fmt.Errorf("notify %s: %w: %w", o.Key, asynq.SkipRetry, err)
	}
	if done, err := n.db.DeliveryExists(ctx, o.Key); err != nil {
		return fmt.Errorf("notify %s: %w", o.Key, err)
	} else if done {
		return nil
	}
	if o.FreeWindowOnly {
		if skip, err := n.outsideFreeWindow(ctx, to); err != nil {
			return fmt.Errorf("notify %s: %w", o.Key, err)
		} else if skip {
			n.metrics.messageSkipped()
			log.InfoContext(ctx, "low-value message skipped: outside the person's free window", slog.String("chat", to.String()))
			return nil
		}
	}
	pieces := 1
	pm, paced := msgr.(chat.PacedMessenger)
	if paced {
		pieces = max(1, pm.Pieces(o.Msg))
	}
	if wait, err := n.bookCap(ctx, to, pieces); err != nil {
		return fmt.Errorf("notify %s: %w", o.Key, err)
	} else if wait > 0 {
		// The person has had their hour's worth without replying: the
		// message waits for room (the job is retried then), never dropped.
		n.metrics.messageThrottled()
		log.InfoContext(ctx, "hourly cap of messages without a reply reached; message deferred",
			slog.String("chat", to.String()), slog.Duration("retry_after", wait))
		return fmt.Errorf("notify %s: hourly cap: %w", o.Key, &chat.RetryAfterError{After: wait})
	}
	lim := n.limiter(to)
	for attempt := 1; ; {
		turns, err := lim.waitN(ctx, to, pieces)
		if err != nil {
			return fmt.Errorf("notify %s: %w", o.Key, err)
		}
		// The send commits to the limiter after the delivery key is claimed,
		// right before the request, so nothing slow sits between the two; it
		// settles when the answer is back, which may be well after the
		// request arrived (a slow upload), so it counts until then.
		sent, err := n.db.DeliveryOnce(ctx, o.Key, o.ClubID, to.String(), func(ctx context.Context) (int64, error) {
			f := lim.flight(ctx, to, log)
			if err := f.commit(turns[0].booked); err != nil {
				return 0, f.end(err)
			}
			var id int64
			var err error
			if paced {
				id, err = pm.SendPaced(f.ctx, to, o.Msg, n.pacer(f, turns[1:]))
			} else {
				id, err = msgr.Send(f.ctx, to, o.Msg)
			}
			return id, f.end(err)
		})
		var ra *chat.RetryAfterError
		switch {
		case err == nil:
			if sent {
				n.metrics.messageSent()
			}
			return nil
		case errors.Is(err, errPaused):
			// Another message met a 429 while this one waited: take a new slot.
		case errors.Is(err, postgres.ErrDeliveryInFlight):
			// Another copy of this job is sending it; retried later, it finds
			// the message delivered or the key given back.
			return fmt.Errorf("notify %s: %w", o.Key, err)
		case errors.As(err, &ra):
			n.metrics.messageThrottled()
			if perr := lim.pause(ctx, to, ra.After); perr != nil {
				return fmt.Errorf("notify %s: %w", o.Key, perr)
			}
			log.WarnContext(ctx, "messenger asked to slow down; sending paused", slog.Duration("retry_after", ra.After), slog.Int("attempt", attempt))
			if attempt >= maxRetryAfter {
				return fmt.Errorf("notify %s: %w", o.Key, err)
			}
			attempt++
		case errors.Is(err, chat.ErrUnreachable):
			n.metrics.messageFailed()
			if o.StaffID == 0 {
				log.WarnContext(ctx, "chat unreachable, message dropped", slog.String("chat", to.String()))
				return nil
			}
			if merr := n.db.IdentityMarkUnreachable(ctx, o.ClubID, o.StaffID, to, n.clock.Now()); merr != nil {
				return fmt.Errorf("notify %s: %w", o.Key, merr)
			}
			log.InfoContext(ctx, "recipient blocked the bot; marked unreachable")
			return nil
		default:
			n.metrics.messageFailed()
			return fmt.Errorf("notify %s: %w", o.Key, err)
		}
	}
}

// pacer gives a message's second and later pieces their turns: the sending
// times booked with the first (later), each committed right before the piece
// goes. Booked together, they keep the chat's other messages from coming
// between them. It is called once the previous piece's request has
// returned, so it settles that piece first. A pause (a 429 elsewhere) met
// on the way voids the rest of the booking: the remaining pieces book new
// times after it, together, behind any message booked in the meantime,
// which may then come between them. A piece beyond those booked (the
// messenger miscounted) books its own, likewise.
func (n *Notifier) pacer(f *flight, later []turn) chat.Pacer {
	return func(ctx context.Context) error {
		f.settle()
		if len(later) == 0 {
			turns, err := f.l.waitN(ctx, f.to, 1)
			if err != nil {
				return err
			}
			later = turns
		} else if err := sleep(ctx, time.Until(later[0].due)); err != nil {
			return err
		}
		next := later[0]
		later = later[1:]
		for {
			err := f.commit(next.booked)
			if !errors.Is(err, errPaused) {
				return err
			}
			turns, err := f.l.waitN(ctx, f.to, len(later)+1)
			if err != nil {
				return err
			}
			next, later = turns[0], turns[1:]
		}
	}
}

// CanEdit reports whether to's channel edits a message in place. On one
// that cannot (Viber) every Edit is a new message, so progress screens
// should be shown only when final.
func (n *Notifier) CanEdit(to chat.Address) bool {
	m, err := n.msgrs.For(to)
	return err == nil && m.Caps().Edit
}

// Edit replaces a message sent earlier (a progress message). It keeps to
// the same limits and pauses as Notify. A chat that blocked the bot is not an
// error: there is nobody to show the progress to.
func (n *Notifier) Edit(ctx context.Context, to chat.Address, messageID int64, m chat.Message) error {
	msgr, err := n.msgrs.For(to)
	if err != nil {
		return fmt.Errorf("edit message %d: %w", messageID, err)
	}
	if wait, err := n.bookCap(ctx, to, 1); err != nil {
		return fmt.Errorf("edit message %d: %w", messageID, err)
	} else if wait > 0 {
		return nil // a progress screen is not worth a message over the cap
	}
	lim := n.limiter(to)
	for attempt := 1; ; {
		turns, err := lim.waitN(ctx, to, 1)
		if err != nil {
			return fmt.Errorf("edit message %d: %w", messageID, err)
		}
		f := lim.flight(ctx, to, n.log)
		err = f.commit(turns[0].booked)
		if err == nil {
			err = msgr.Edit(f.ctx, to, messageID, m)
		}
		err = f.end(err)
		var ra *chat.RetryAfterError
		switch {
		case err == nil:
			return nil
		case errors.Is(err, errPaused):
		case errors.As(err, &ra):
			n.metrics.messageThrottled()
			if perr := lim.pause(ctx, to, ra.After); perr != nil {
				return fmt.Errorf("edit message %d: %w", messageID, perr)
			}
			if attempt >= maxRetryAfter {
				return fmt.Errorf("edit message %d: %w", messageID, err)
			}
			attempt++
		case errors.Is(err, chat.ErrUnreachable):
			return nil
		default:
			n.metrics.messageFailed()
			return fmt.Errorf("edit message %d: %w", messageID, err)
		}
	}
}

// nameClub is m as a person on the staff of several clubs gets it: the
// club's name above the text, and its buttons naming the club
// (callback.WithClub), so a tap acts in that club whichever they work in.
func nameClub(m chat.Message, clubID int64, r postgres.Recipient) chat.Message {
	if r.Clubs < 2 {
		return m
	}
	name := r.ClubName
	if m.HTML {
		name = "<b>" + html.EscapeString(name) + "</b>"
	}
	m.Text = "🏢 " + name + "\n" + m.Text
	m.Buttons = chat.ForClub(m.Buttons, clubID)
	return m
}

// leftClub is err, except that a recipient who is no longer on the club's
// staff (or whose club is gone) is not an error for a job that messages a
// list read a moment ago: they are skipped.
func leftClub(err error) error {
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	return err
}
