package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/redis/go-redis/v9"
)

// Limits are one bot's sending limits, shared by every worker process
// through Redis. Telegram's documented limits are about 30 messages a second
// per bot, 1 a second per chat and 20 a minute per group; every bot (the
// deployment's and each club's own) has its own budget.
type Limits struct {
	PerSecond         float64 // all chats together
	PerChatPerSecond  float64 // one private chat
	PerGroupPerMinute float64 // one group chat (negative chat id)
}

// TelegramLimits are Telegram's limits for an ordinary bot.
var TelegramLimits = Limits{PerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}

// rateHeadroom widens every interval and window a little. The limiter
// decides when a message may leave; the Bot API counts when the request
// arrives, and a few milliseconds of jitter between the two must not turn
// into a 429. 5% costs 1.5 messages a second at 30/s.
const rateHeadroom = 1.05

// limiter hands out sending times under Limits, across processes.
//
// It reserves rather than polls. The global limit is a calendar of slots one
// interval wide (1/30 s): a message takes the first free slot at or after the
// earliest time its chat allows, so a message waiting for its chat does not
// hold back messages to other chats. Each chat keeps the time its next message
// may go; a reservation moves it on by the chat's interval. Reservations for
// one chat are therefore handed out in the order they are asked for, at
// strictly increasing times at least a second apart.
//
// Those times alone do not keep a chat's messages in order: a send that is
// slow to be answered (a chart's upload) holds back every message booked
// behind it, and once it is answered they would all be free at once. So a
// reservation also takes a ticket, queued in the chat's queue by its first
// sending time, and a message's first piece commits only when its ticket is
// the chat's first (see commitScript). That is what keeps the messages of one
// chat in booking order across processes (see Notifier).
//
// A reservation is a plan; a loaded machine can wake a sender late, and a
// late message followed by punctual ones can crowd 31 arrivals into one
// second. So just before sending, a message commits: a second script checks
// the actual sending times (the last second's sends, the chat's last send)
// and the pause, and either records the send or says how long to wait.
//
// A commit is when a message leaves, not when it arrives: the Bot API counts
// a message when its request is in, which for a photo upload or on a slow
// network can be well after the commit, and late arrivals bunch with
// punctual ones. So a send counts as arriving at any moment from its commit
// until its answer came back (see commitScript and settleScript).
//
// Time comes from Redis (TIME), so processes on different machines share one
// clock. A pause after a 429 is a key every reservation and commit honours.
type limiter struct {
	rdb         redis.UniversalClient
	q           Queues
	slot        time.Duration // global slot width
	window      time.Duration // global window, holding at most perWindow sends
	perWindow   int
	chatEvery   time.Duration // private chat interval
	groupEvery  time.Duration // group chat interval
	inFlight    time.Duration // the longest a request may be in flight: maxInFlight
	staleAfter  time.Duration // a ticket this long past its sending time is dropped: ticketStaleAfter
	stateExpiry time.Duration
}

// maxInFlight bounds how long one request to the messenger may be in
// flight, from its commit to its answer: the notifier gives up on a request
// after it (see flight), so a send that is never settled (its process died)
// is counted as arriving at most this late, and then leaves the window by
// itself. A minute is go-telegram/bot's own HTTP timeout (its default
// client's, which production uses), so no request that would have succeeded
// is cut short; the cost is that the sends a dying process had in flight
// hold their places for up to a minute.
const maxInFlight = time.Minute

// ticketStaleAfter is how long after its booked sending time a ticket is
// dropped from its chat's queue as stale: its process died between the
// reservation and the commit, so it will never commit nor leave the queue.
// Until then it holds back the chat's later messages: a dead process stalls
// its chats for at most this long past its booking, about as long as its
// unanswered sends would (maxInFlight). A live message is late for its
// turn by the send ahead of it in flight (at most maxInFlight), the chat's
// interval and a loaded machine's delays; the 15 s cover the last two. Only
// a chain of slow sends (several near-minute uploads to one chat in a row)
// makes a live ticket stale: it then commits without its place, as before
// tickets, and the order among those messages is no longer guaranteed.
const ticketStaleAfter = maxInFlight + 15*time.Second

// queuePoll is how often a message whose ticket is not yet its chat's first
// asks again, once the chat's interval is over: the one ahead may commit at
// any moment.
const queuePoll = 50 * time.Millisecond

func newLimiter(rdb redis.UniversalClient, q Queues, lim Limits) *limiter {
	every := func(perSecond float64, def float64) time.Duration {
		if perSecond <= 0 {
			perSecond = def
		}
		return time.Duration(float64(time.Second) / perSecond * rateHeadroom)
	}
	l := &limiter{
		rdb:         rdb,
		q:           q,
		slot:        every(lim.PerSecond, TelegramLimits.PerSecond),
		chatEvery:   every(lim.PerChatPerSecond, TelegramLimits.PerChatPerSecond),
		groupEvery:  every(lim.PerGroupPerMinute/60, TelegramLimits.PerGroupPerMinute/60),
		inFlight:    maxInFlight,
		staleAfter:  ticketStaleAfter,
		stateExpiry: time.Hour,
	}
	// "N a second" as a window: N sends in any second (widened), or one send
	// per slot for rates under one a second.
	l.perWindow, l.window = 1, l.slot
	if lim.PerSecond >= 1 {
		l.perWindow, l.window = int(lim.PerSecond), time.Duration(float64(time.Second)*rateHeadroom)
	}
	return l
}

// limiterKeys are one bot's rate-limit state in Redis. The braces are a
// Redis Cluster hash tag: a script touches several keys, which must live in
// one slot; one tag per bot also spreads the bots over the cluster.
type limiterKeys struct {
	global string // reserved slots
	sent   string // sends in flight and of the last window (send marks)
	seq    string // unique ids: members of sent, tickets
	pause  string // the bot's sending paused until (after a 429)
	chat   string // next reservable time of the chat
	last   string // the chat's latest possible arrival so far
	hold   string // the message whose later pieces have the chat (its token)
	queue  string // the chat's tickets by booked time (zset)
}

// keys are the state of to's bot, and of to's chat under it.
func (l *limiter) keys(to chat.Address) limiterKeys {
	base := l.q.key("{notify:" + to.BotKey() + "}:")
	return limiterKeys{
		global: base + "slots",
		sent:   base + "sent",
		seq:    base + "seq",
		pause:  base + "pause",
		chat:   base + "chat:" + to.Chat,
		last:   base + "last:" + to.Chat,
		hold:   base + "hold:" + to.Chat,
		queue:  base + "queue:" + to.Chat,
	}
}

// every is the interval between two messages to to's chat: a group's is
// longer (Telegram's group and channel ids are negative).
func (l *limiter) every(to chat.Address) time.Duration {
	if to.Channel == chat.Telegram && strings.HasPrefix(to.Chat, "-") {
		return l.groupEvery
	}
	return l.chatEvery
}

// reserveScript: KEYS = slots zset, chat key, pause key, seq key, the
// chat's queue; ARGV = slot width, chat interval (both µs), how long state
// outlives its last use (ms), how many sending times to book (the pieces of
// one message, one chat interval apart), 1 to queue the message (a ticket)
// else 0. Returns {ticket (0 if not queued), then µs to wait before sending,
// the sending time in µs since the epoch, for each time in order}. The
// ticket's score is the first sending time: the chat's bookings are strictly
// increasing, so the queue's order is the booking order.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local w = tonumber(ARGV[1])
local at = now
local pause = tonumber(redis.call('GET', KEYS[3]) or '0')
if pause > at then at = pause end
local chat = tonumber(redis.call('GET', KEYS[2]) or '0')
if chat > at then at = chat end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', math.floor(now / w) - 1)
local out = {0}
for i = 1, tonumber(ARGV[4]) do
  local slot = math.ceil(at / w)
  while redis.call('ZSCORE', KEYS[1], slot) do slot = slot + 1 end
  redis.call('ZADD', KEYS[1], slot, slot)
  local send = slot * w
  out[#out + 1] = math.max(0, send - now)
  out[#out + 1] = send
  at = send + tonumber(ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local px = math.floor((at - now) / 1000) + tonumber(ARGV[3])
redis.call('SET', KEYS[2], string.format('%.0f', at), 'PX', px)
if ARGV[5] == '1' then
  out[1] = redis.call('INCR', KEYS[4])
  redis.call('PEXPIRE', KEYS[4], ARGV[3])
  redis.call('ZADD', KEYS[5], out[3], out[1])
  redis.call('PEXPIRE', KEYS[5], px)
end
return out
`)

// pauseScript: KEYS = pause key; ARGV = pause length (µs), expiry (ms).
// Moves the pause end later, never earlier.
var pauseScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > cur then
  redis.call('SET', KEYS[1], string.format('%.0f', until_), 'PX', ARGV[2])
end
return 0
`)

// reserve books the next sending time for chatID, not queued (a later
// piece of a message, which the hold keeps in its place), and returns how
// long to wait for it, and the time itself by Redis's clock.
func (l *limiter) reserve(ctx context.Context, to chat.Address) (wait time.Duration, at time.Time, err error) {
	_, waits, ats, err := l.reserveN(ctx, to, 1, false)
	if err != nil {
		return 0, time.Time{}, err
	}
	return waits[0], ats[0], nil
}

// reserveN books n sending times for chatID in one step, a chat interval
// apart, so that no other message to the chat is booked between them (the
// pieces of one message stay together), and returns how long to wait for
// each and the times themselves by Redis's clock. With queue, the message
// takes a ticket in the chat's queue (0 without), which its first piece's
// commit needs to be the chat's first: pass it to the flight, and give it
// back with dequeue whatever happens.
func (l *limiter) reserveN(ctx context.Context, to chat.Address, n int, queue bool) (ticket int64, waits []time.Duration, ats []time.Time, err error) {
	every := l.every(to)
	k := l.keys(to)
	keys := []string{k.global, k.chat, k.pause, k.seq, k.queue}
	q := 0
	if queue {
		q = 1
	}
	res, err := reserveScript.Run(ctx, l.rdb, keys,
		l.slot.Microseconds(), every.Microseconds(), l.stateExpiry.Milliseconds(), n, q).Int64Slice()
	if err != nil || n < 1 || len(res) != 1+2*n {
		return 0, nil, nil, fmt.Errorf("rate limit: reserve %d: %v, %w", n, res, err)
	}
	for i := 1; i < len(res); i += 2 {
		waits = append(waits, time.Duration(res[i])*time.Microsecond)
		ats = append(ats, time.UnixMicro(res[i+1]))
	}
	return res[0], waits, ats, nil
}

// dequeue takes ticket out of to's queue: its message committed (a no-op
// then, the commit took it out), or will not (another copy sends it, it was
// sent already, it failed, a pause voided its booking). Left there, it
// would hold back the chat's later messages until it went stale. It runs
// even after ctx has ended; a failure is only logged.
func (l *limiter) dequeue(ctx context.Context, to chat.Address, ticket int64, log *slog.Logger) {
	if ticket == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if err := l.rdb.ZRem(ctx, l.keys(to).queue, ticket).Err(); err != nil {
		log.WarnContext(ctx, "ticket not given back: the chat's later messages wait until it goes stale",
			slog.String("chat", to.String()), slog.Duration("stale_after", l.staleAfter), slog.Any("err", err))
	}
}

// commitScript: KEYS = pause key, sent zset, the chat's last-send key, seq
// key, the chat's hold key, the chat's queue; ARGV = global window (µs),
// sends allowed per window, chat interval (µs), state expiry (ms), in-flight
// bound (µs), the committing message's token (its first mark, 0 for its
// first piece), its ticket (0: none), how long past its booked time a
// ticket is stale (µs), the queue's poll (µs). Returns {0, 0, mark, until}
// after recording the send, or {µs to wait, 1 if paused else 0}.
//
// A send is recorded in flight: its mark's score is now + the in-flight
// bound, and so is the chat's last-send time, until settleScript, when the
// answer is back, lowers both to the answer's time. A send's arrival lies
// between its commit and its answer, so each mark's score is at or after
// its arrival, and trimming by score (scores < now - window go) keeps every
// send whose arrival may lie in the last window.
//
// Proof that no window of arrivals holds more than perWindow sends,
// whatever the flight times: a new send committed at now arrives at or
// after now, so any window (of Telegram's second, within ours) containing
// its arrival starts after now - window. Any other send arriving in that
// window has answered (settled) after its arrival, so after now - window,
// or is still in flight (score in the future): either way it is still in
// the zset at this commit, which counts it. So this commit goes only if
// fewer than perWindow others can arrive in any window with it. The chat
// interval is the same argument with one send: the chat's last-send key is
// the latest possible arrival of its previous send (its answer, or in
// flight), and a commit waits until that is an interval past.
//
// Waiting for room: a settled send leaves the window at its score + window;
// one in flight only after its settle (at the earliest now) + window, or its
// bound + window if never settled. So no room can come before min(oldest
// score, now) + window: the wait, rather than a minute when the oldest is in
// flight. The same for the chat's last send.
//
// Order: a send in flight holds back every message to the chat booked
// behind it, and when its answer is back they are all due at once; their
// polls would race, whoever comes first going next. So a message's first
// piece goes only when its ticket (reserveScript) is the chat's first, and
// takes it out of the queue as it goes: the chat's messages commit in
// booking order. One whose ticket is not first asks again once the chat's
// interval is over, every poll. A ticket left by a process that died before
// its commit is dropped once stale (ticketStaleAfter past its booked time),
// so it holds its chat back for that long at most. A message whose own
// ticket went stale (pathologically late, see ticketStaleAfter) or that has
// none commits as it finds room, without its place.
//
// Counting a piece of a message from its predecessor's answer can push it
// past the chat's next message's booked time (a chart uploading for more
// than the chat interval). So between its pieces a message holds the chat
// (settleScript): another message's commit waits for the hold to go, at the
// earliest an interval on, and the pieces stay together. A later piece has
// no ticket: the hold keeps its place.
var commitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > now then return {pause - now, 1} end
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
local every = tonumber(ARGV[3])
local ticket = ARGV[7]
if ARGV[6] == '0' and ticket ~= '0' then
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now - tonumber(ARGV[8]))
  if redis.call('ZSCORE', KEYS[6], ticket) and redis.call('ZRANGE', KEYS[6], 0, 0)[1] ~= ticket then
    return {math.max(tonumber(ARGV[9]), math.min(last, now) + every - now), 0}
  end
end
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {math.max(1, math.min(tonumber(oldest[2]), now) + window - now), 0}
end
if last + every > now then return {math.max(1, math.min(last, now) + every - now), 0} end
local hold = redis.call('GET', KEYS[5])
if hold and hold ~= ARGV[6] then return {every, 0} end
local until_ = now + tonumber(ARGV[5])
local mark = redis.call('INCR', KEYS[4])
redis.call('ZADD', KEYS[2], until_, mark)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
redis.call('SET', KEYS[3], string.format('%.0f', until_), 'PX', ARGV[4])
if ticket ~= '0' then redis.call('ZREM', KEYS[6], ticket) end
return {0, 0, mark, until_}
`)

// settleScript: KEYS = sent zset, the chat's last-send key, the chat's hold
// key; ARGV = the mark, its in-flight score (µs), state expiry (ms), the
// message's token, how long to hold the chat for its next piece (ms; 0: it
// was the last piece, let go). The send's answer is back, so it arrived by
// now: its mark counts from now on as a send of now, leaving the window a
// window later, and the chat's last send is now, unless another send to the
// chat committed since (this one outlived its bound).
var settleScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if last == tonumber(ARGV[2]) or last < now then
  redis.call('SET', KEYS[2], string.format('%.0f', now), 'PX', ARGV[3])
end
if tonumber(ARGV[5]) > 0 then
  redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
elseif redis.call('GET', KEYS[3]) == ARGV[4] then
  redis.call('DEL', KEYS[3])
end
return 0
`)

// errPaused: a 429 paused sending while a message waited for its slot; it
// needs a new reservation after the pause.
var errPaused = errors.New("sending paused")

// wait reserves a sending time for chatID and sleeps until it. The message
// then commits right before it goes (commit).
func (l *limiter) wait(ctx context.Context, to chat.Address) error {
	d, _, err := l.reserve(ctx, to)
	if err != nil {
		return err
	}
	return sleep(ctx, d)
}

// waitN reserves n sending times for chatID (reserveN, queued or not),
// sleeps until the first and returns the ticket and when the others are
// due, by the local clock. Each piece commits right before it goes. If the
// sleep is cut short the ticket is given back.
func (l *limiter) waitN(ctx context.Context, to chat.Address, n int, queue bool, log *slog.Logger) (ticket int64, later []time.Time, err error) {
	start := time.Now()
	ticket, waits, _, err := l.reserveN(ctx, to, n, queue)
	if err != nil {
		return 0, nil, err
	}
	for _, d := range waits[1:] {
		later = append(later, start.Add(d))
	}
	if err := sleep(ctx, waits[0]); err != nil {
		l.dequeue(ctx, to, ticket, log)
		return 0, nil, err
	}
	return ticket, later, nil
}

// releaseScript: KEYS = the chat's hold key; ARGV = a message's token. The
// message lets go of the chat, if it still holds it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`)

// sendMark is a committed send, counted as in flight until settled.
type sendMark struct {
	to    chat.Address
	id    int64 // its member in the sent zset
	until int64 // its in-flight score: the commit's Redis time + inFlight, µs
	token int64 // its message's: the mark of the message's first piece
}

// commit records that the first piece of a message to to, queued under
// ticket (0: not queued), leaves now, in flight (see commitScript), and
// returns its mark for settle. If its ticket is not the chat's first, or
// the sends of the last window, or the chat's last one, leave no room (a
// sender woke late, or sends are still in flight), it waits for its turn
// and room, keeping its place; if sending was paused it returns errPaused.
func (l *limiter) commit(ctx context.Context, to chat.Address, ticket int64) (sendMark, error) {
	return l.commitPiece(ctx, to, ticket, 0)
}

// commitPiece is commit for a piece of the message with ticket whose first
// piece's mark is token (0: this is the first); a later piece goes on its
// message's hold of the chat, not its ticket.
func (l *limiter) commitPiece(ctx context.Context, to chat.Address, ticket, token int64) (sendMark, error) {
	for {
		wait, paused, mark, err := l.tryCommit(ctx, to, ticket, token)
		switch {
		case err != nil:
			return sendMark{}, err
		case paused:
			return sendMark{}, errPaused
		case wait == 0:
			return mark, nil
		}
		if err := sleep(ctx, wait); err != nil {
			return sendMark{}, err
		}
	}
}

// tryCommit runs commitScript once for a piece of the message with ticket
// and token (see commitPiece): the send's mark, or how long to wait before
// trying again, or paused.
func (l *limiter) tryCommit(ctx context.Context, to chat.Address, ticket, token int64) (wait time.Duration, paused bool, mark sendMark, err error) {
	k := l.keys(to)
	res, err := commitScript.Run(ctx, l.rdb, []string{k.pause, k.sent, k.last, k.seq, k.hold, k.queue},
		l.window.Microseconds(), l.perWindow, l.every(to).Microseconds(), l.stateExpiry.Milliseconds(),
		l.inFlight.Microseconds(), token, ticket, l.staleAfter.Microseconds(), queuePoll.Microseconds()).Int64Slice()
	switch {
	case err != nil:
		return 0, false, sendMark{}, fmt.Errorf("rate limit: commit: %w", err)
	case len(res) == 4 && res[0] == 0:
		m := sendMark{to: to, id: res[2], until: res[3], token: token}
		if m.token == 0 {
			m.token = m.id
		}
		return 0, false, m, nil
	case len(res) == 2 && res[0] > 0:
		return time.Duration(res[0]) * time.Microsecond, res[1] == 1, sendMark{}, nil
	}
	return 0, false, sendMark{}, fmt.Errorf("rate limit: commit: unexpected answer %v", res)
}

// settle records that m's request is answered (successfully or not, or
// given up): it counts from now as a send of now (see settleScript). more
// says that another piece of its message follows, which holds the chat
// until it commits (for at most the in-flight bound, should its process
// die).
func (l *limiter) settle(ctx context.Context, m sendMark, more bool) error {
	k := l.keys(m.to)
	var hold time.Duration
	if more {
		hold = l.inFlight
	}
	if err := settleScript.Run(ctx, l.rdb, []string{k.sent, k.last, k.hold},
		m.id, m.until, l.stateExpiry.Milliseconds(), m.token, hold.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("rate limit: settle send %d: %w", m.id, err)
	}
	return nil
}

// errInFlightTooLong ends a request that has been in flight for the
// limiter's bound (maxInFlight), which the limiter counts on.
var errInFlightTooLong = errors.New("request in flight longer than the rate limiter's bound")

// settleTimeout bounds a settle, which runs even after the job's context
// has ended: a send the job gave up on may still have arrived.
const settleTimeout = 5 * time.Second

// flight is one message's requests to the messenger under the limiter, one
// after another (the pieces of a message): each commits, runs under a
// context that ends it once it has been in flight for the limiter's bound,
// and settles when its answer is back. Not safe for concurrent use; the
// pieces of one message go from one goroutine.
type flight struct {
	l       *limiter
	to      chat.Address
	log     *slog.Logger
	ctx     context.Context // the requests' context
	cancel  context.CancelCauseFunc
	bound   *time.Timer // ends ctx when a request has been in flight for l.inFlight
	mark    sendMark    // the request in flight, or answered but not settled, while flying
	flying  bool
	ticket  int64 // the message's place in the chat's queue (reserveN), for its first piece
	token   int64 // the first piece's mark, once committed
	holding bool  // the chat is held for a later piece (settle with more)
}

// flight starts the requests of one message to to, queued under ticket (0:
// not queued), under ctx; end it with end.
func (l *limiter) flight(ctx context.Context, to chat.Address, ticket int64, log *slog.Logger) *flight {
	f := &flight{l: l, to: to, ticket: ticket, log: log}
	f.ctx, f.cancel = context.WithCancelCause(ctx)
	f.bound = time.AfterFunc(l.inFlight, func() { f.cancel(errInFlightTooLong) })
	f.bound.Stop()
	return f
}

// commit commits the next request (limiter.commit) and starts its bound.
// A previous piece whose settle failed is settled first.
func (f *flight) commit() error {
	f.settle(true)
	m, err := f.l.commitPiece(f.ctx, f.to, f.ticket, f.token)
	if err != nil {
		return err
	}
	f.mark, f.flying, f.token = m, true, m.token
	f.bound.Reset(f.l.inFlight)
	return nil
}

// settle records that the request in flight, if any, has its answer;
// more says another piece follows (limiter.settle). It settles even when
// the job's context has ended. A failed settle (Redis) is tried again
// before the next piece commits, or at the end: unsettled, the mark and
// the chat's last send count as in flight until the bound, so the
// message's own next piece would wait a minute, past its request's
// context. If that fails too, it is only logged: the mark leaves by itself.
func (f *flight) settle(more bool) {
	if !f.flying {
		return
	}
	f.bound.Stop()
	f.holding = more
	ctx, cancel := context.WithTimeout(context.WithoutCancel(f.ctx), settleTimeout)
	defer cancel()
	if err := f.l.settle(ctx, f.mark, more); err != nil {
		f.log.WarnContext(ctx, "send not settled: tried again before the message's next request, if any; until settled it holds its place under the rate limit, at most until its bound",
			slog.String("chat", f.to.String()), slog.Duration("bound", f.l.inFlight), slog.Any("err", err))
		return
	}
	f.flying = false
}

// end settles the last request and ends the flight. It returns err, the
// requests' error, saying so when the bound cut a request short.
func (f *flight) end(err error) error {
	if f.holding && !f.flying { // the next piece never went: let go of the chat
		ctx, cancel := context.WithTimeout(context.WithoutCancel(f.ctx), settleTimeout)
		if rerr := releaseScript.Run(ctx, f.l.rdb, []string{f.l.keys(f.to).hold}, f.token).Err(); rerr != nil {
			f.log.WarnContext(ctx, "chat not let go: its other messages wait until the hold runs out",
				slog.String("chat", f.to.String()), slog.Duration("hold", f.l.inFlight), slog.Any("err", rerr))
		}
		cancel()
	}
	f.settle(false)
	if err != nil && errors.Is(context.Cause(f.ctx), errInFlightTooLong) {
		err = fmt.Errorf("%w: %w", errInFlightTooLong, err)
	}
	f.cancel(nil)
	return err
}

// pause stops every process's sending for d (a 429's retry_after).
func (l *limiter) pause(ctx context.Context, to chat.Address, d time.Duration) error {
	expiry := d + time.Minute
	if err := pauseScript.Run(ctx, l.rdb, []string{l.keys(to).pause}, d.Microseconds(), expiry.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("rate limit pause: %w", err)
	}
	return nil
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
