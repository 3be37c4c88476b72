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
// hold back messages to other chats.
//
// Each chat keeps a calendar of its own, which slips: bookings are made in
// virtual time, and a send is due at its booking plus the chat's slip, the
// sum of its sends' flight times (commit to answer) so far. A reservation
// takes the chat's next virtual time and moves it on by the chat's
// interval, so one chat's bookings are strictly increasing, at least an
// interval apart, in the order asked for; the pieces of one message are
// booked together, so no other message of the chat lies between them.
// Since every send of the chat is due at its booking plus the same slip, a
// slow send (a chart's upload) pushes those behind it all by the same
// amount, and they stay in booking order and an interval apart. The chat's
// order rests on nothing kept per message: a booking that is never used (its
// process died, a retried script booked twice, a pause voided it) is a gap.
//
// A reservation is a plan; a loaded machine can wake a sender late, and a
// late message followed by punctual ones can crowd 31 arrivals into one
// second. So just before sending, a message commits: a second script checks
// the actual sending times (the last second's sends, the chat's slip and
// last send) and the pause, and either records the send or says how long to
// wait (see commitScript for the argument).
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
	stateExpiry time.Duration
}

// maxInFlight bounds how long one request to the messenger may be in
// flight, from its commit to its answer: the notifier gives up on a request
// after it (see flight), so a send that is never settled (its process died)
// is counted as arriving at most this late, and then leaves the window by
// itself. The first message behind a send in flight to its chat may wait
// for up to the bound and an interval, and then its own request may take
// the bound: both inside the delivery's send budget (postgres.DeliveryLease
// / 2, one minute; TestFlightFitsTheSendBudget), so 25 s. A message further
// back waits for every flight ahead of it, so behind several uploads each
// near the bound it can run out of budget and be retried (its delivery key
// given back; a request cut short may have arrived, and go twice). A Bot
// API call takes well under a second, a chart's upload a few; one still
// unanswered after 25 s is given up and retried. The cost of the bound is
// that the sends a dying process had in flight hold their places, and
// their chats, for up to 25 s.
const maxInFlight = 25 * time.Second

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
	seq    string // unique ids: members of sent
	pause  string // the bot's sending paused until (after a 429)
	// chat is the chat's calendar, a hash of times in µs (since the
	// epoch; virtual ones are real ones less the slip):
	//
	//	next:  the next reservable virtual time;
	//	slip:  real = virtual + slip for the chat's sends: the flight
	//	       times so far; never negative, never lowered;
	//	last:  the latest possible arrival (real) of the chat's last
	//	       committed send: commit + the in-flight bound while in
	//	       flight, its answer's time once settled;
	//	lastB: the virtual time at which that send committed (commit -
	//	       slip).
	//
	// A new key name: it replaced the chat's plain next-time and
	// last-send keys (chat:, last:), whose type it cannot share.
	chat string
}

// keys are the state of to's bot, and of to's chat under it.
func (l *limiter) keys(to chat.Address) limiterKeys {
	base := l.q.key("{notify:" + to.BotKey() + "}:")
	return limiterKeys{
		global: base + "slots",
		sent:   base + "sent",
		seq:    base + "seq",
		pause:  base + "pause",
		chat:   base + "chat2:" + to.Chat,
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

// chatExpireLua sets the chat calendar's (KEYS[k]) expiry: stateExpiry
// (ARGV[e], ms) past the latest time it names, its next booking (real) or
// its last send's arrival. Lua locals now, next_, slip, last must be set.
func chatExpireLua(k, e int) string {
	return fmt.Sprintf("redis.call('PEXPIRE', KEYS[%d], math.floor(math.max(0, next_ + slip - now, last - now) / 1000) + tonumber(ARGV[%d]))\n", k, e)
}

// chatReadLua reads the chat's calendar (KEYS[k]) into Lua locals next_,
// slip, last, lastB (0 when unset).
func chatReadLua(k int) string {
	return fmt.Sprintf(`local c = redis.call('HMGET', KEYS[%d], 'next', 'slip', 'last', 'lastB')
local next_, slip, last, lastB = tonumber(c[1] or '0'), tonumber(c[2] or '0'), tonumber(c[3] or '0'), tonumber(c[4] or '0')
`, k)
}

// reserveScript: KEYS = slots zset, the chat's calendar, pause key; ARGV =
// slot width, chat interval (both µs), how long state outlives its last use
// (ms), how many sending times to book (the pieces of one message, one chat
// interval apart). Returns, for each time in order, µs to wait before
// sending, the sending time (real) and its booking (virtual), in µs since
// the epoch.
//
// The first piece goes at the latest of now, the pause's end and the
// chat's next virtual time made real by the slip, which first takes in the
// time a send in flight (or dead) has flown so far (not its bound: it may
// be answered in 100 ms; its commit sees to the rest, see commitScript);
// each piece takes the first free global slot at or after, each later one
// at least an interval after the one before.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local w = tonumber(ARGV[1])
local every = tonumber(ARGV[2])
` + chatReadLua(2) + `
slip = math.max(slip, math.min(last, now) - lastB)
local at = math.max(now, tonumber(redis.call('GET', KEYS[3]) or '0'), next_ + slip)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', math.floor(now / w) - 1)
local out = {}
for i = 1, tonumber(ARGV[4]) do
  local slot = math.ceil(at / w)
  while redis.call('ZSCORE', KEYS[1], slot) do slot = slot + 1 end
  redis.call('ZADD', KEYS[1], slot, slot)
  local send = slot * w
  out[#out + 1] = math.max(0, send - now)
  out[#out + 1] = send
  out[#out + 1] = send - slip
  next_ = send - slip + every
  at = send + every
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[2], 'next', string.format('%.0f', next_), 'slip', string.format('%.0f', slip))
` + chatExpireLua(2, 3) + `
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

// turn is a piece's booked sending time.
type turn struct {
	at     time.Time // when it is due, by Redis's clock
	due    time.Time // the same by the local clock
	booked int64     // its virtual time in the chat's calendar (µs), which its commit passes
}

// reserveN books n sending times for to in one step, a chat interval
// apart, so that no other message to the chat is booked between them (the
// pieces of one message stay together). Nothing is kept for the booking:
// a turn that is never used leaves a gap in the chat's calendar.
func (l *limiter) reserveN(ctx context.Context, to chat.Address, n int) ([]turn, error) {
	if n < 1 {
		return nil, fmt.Errorf("rate limit: reserve %d sending times", n)
	}
	k := l.keys(to)
	start := time.Now()
	res, err := reserveScript.Run(ctx, l.rdb, []string{k.global, k.chat, k.pause},
		l.slot.Microseconds(), l.every(to).Microseconds(), l.stateExpiry.Milliseconds(), n).Int64Slice()
	if err != nil || len(res) != 3*n {
		return nil, fmt.Errorf("rate limit: reserve %d: %v, %w", n, res, err)
	}
	turns := make([]turn, 0, n)
	for i := 0; i < len(res); i += 3 {
		turns = append(turns, turn{
			due:    start.Add(time.Duration(res[i]) * time.Microsecond),
			at:     time.UnixMicro(res[i+1]),
			booked: res[i+2],
		})
	}
	return turns, nil
}

// waitN reserves n sending times for to (reserveN) and sleeps until the
// first. Each piece commits, with its turn's booking, right before it goes.
func (l *limiter) waitN(ctx context.Context, to chat.Address, n int) ([]turn, error) {
	turns, err := l.reserveN(ctx, to, n)
	if err != nil {
		return nil, err
	}
	if err := sleep(ctx, time.Until(turns[0].due)); err != nil {
		return nil, err
	}
	return turns, nil
}

// commitScript: KEYS = pause key, sent zset, seq key, the chat's calendar;
// ARGV = global window (µs), sends allowed per window, chat interval (µs),
// state expiry (ms), in-flight bound (µs), the send's booking (virtual,
// µs). Returns {0, 0, mark, until, lastB} after recording the send, or {µs
// to wait, 1 if paused else 0}.
//
// Limits. A send is recorded in flight: its mark's score is now + the
// in-flight bound, and so is the chat's last, until settleScript, when the
// answer is back, lowers both to the answer's time. A send's arrival lies
// between its commit and its answer, so each mark's score is at or after
// its arrival, and trimming by score (scores < now - window go) keeps every
// send whose arrival may lie in the last window. So no window of arrivals
// holds more than perWindow sends, whatever the flight times: a send
// committed at now arrives at or after now, so any window (of Telegram's
// second, within ours) containing its arrival starts after now - window;
// any other send arriving in that window has answered after its arrival, so
// after now - window, or is still in flight (score in the future): either
// way it is in the zset at this commit, which counts it. The chat interval
// is the same argument with one send: last is the latest possible arrival
// of the chat's previous send, and a commit waits until last + every.
//
// Waiting for room: a settled send leaves the window at its score + window;
// one in flight only after its settle (at the earliest now) + window, or its
// bound + window if never settled. So no room can come before min(oldest
// score, now) + window: the wait, rather than the bound when the oldest is in
// flight.
//
// Order. A send booked at B (virtual) is eligible at max(B + s, last +
// every), s = max(slip, last - lastB): last - lastB is the slip the last
// send adds if it took until last to answer, so while a send is in flight
// s covers its whole bound, and once it is answered s = slip (settle made
// slip ≥ answer - lastB). Every waiter of the chat adds the same s to
// bookings that are strictly increasing and an interval apart, so once the
// send ahead is answered they become eligible one by one, in booking
// order, an interval apart; none is told the same instant as another. While
// a send is in flight, last (now + bound) is no measure of when it ends, so
// a waiter asks again after an interval instead: once the answer is in it
// is told its exact turn. A send whose process died is never settled: after
// its bound s still counts it as a flight of the whole bound, and the
// commit that follows folds that into slip, so the chat's waiters go in
// booking order, spaced, after it too; and a reservation folds the slip a
// send in flight (or dead) has added so far, so a new booking is due no
// later than the chat requires. A sender that commits δ after its turn
// (its sleep overshot, the global window held it) is charged δ in the slip
// when δ is at most an interval, so those behind it move by δ alike and a
// queue's small delays cannot add up to two waiters due at once; a sender
// later than that (a stalled process) is not charged, lest it push all the
// chat's later messages by its lateness, and may be overtaken by the next
// booking. The chat's interval holds whatever (last + every), and so do
// the limits.
var commitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > now then return {pause - now, 1} end
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {math.max(1, math.min(tonumber(oldest[2]), now) + window - now), 0}
end
` + chatReadLua(4) + `
local every = tonumber(ARGV[3])
slip = math.max(slip, last - lastB)
local eligible = math.max(tonumber(ARGV[6]) + slip, last + every)
if now < eligible then
  if last > now then return {every, 0} end
  return {eligible - now, 0}
end
local until_ = now + tonumber(ARGV[5])
local mark = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], until_, mark)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
local b = tonumber(ARGV[6])
if now - (b + slip) <= every then lastB = b else lastB = now - slip end
last = until_
redis.call('HSET', KEYS[4], 'slip', string.format('%.0f', slip), 'last', string.format('%.0f', last), 'lastB', string.format('%.0f', lastB))
` + chatExpireLua(4, 4) + `
return {0, 0, mark, until_, lastB}
`)

// settleScript: KEYS = sent zset, the chat's calendar; ARGV = the mark, its
// in-flight score (µs), state expiry (ms), its lastB (µs). The send's
// answer is back, so it arrived by now: its mark counts from now on as a
// send of now, leaving the window a window later, and the chat's last send
// is now, unless another send to the chat committed since (this one
// outlived its bound). The chat's slip grows to now - lastB: by this
// send's flight time and its lateness for a commit within an interval of
// its turn (lastB its booking), and by its flight time only for a later
// one (lastB its commit less the slip then), never by a stalled sender's
// lateness.
var settleScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
` + chatReadLua(2) + `
if last == tonumber(ARGV[2]) or last < now then last = now end
slip = math.max(slip, now - tonumber(ARGV[4]))
redis.call('HSET', KEYS[2], 'last', string.format('%.0f', last), 'slip', string.format('%.0f', slip))
` + chatExpireLua(2, 3) + `
return 0
`)

// errPaused: a 429 paused sending while a message waited for its slot; it
// needs a new reservation after the pause.
var errPaused = errors.New("sending paused")

// sendMark is a committed send, counted as in flight until settled.
type sendMark struct {
	to    chat.Address
	id    int64 // its member in the sent zset
	until int64 // its in-flight score: the commit's Redis time + inFlight, µs
	lastB int64 // its commit in the chat's virtual time, µs
}

// commit records that a piece booked at booked (turn.booked) to to leaves
// now, in flight (see commitScript), and returns its mark for settle. If
// the sends of the last window, or the chat's slip or last send, leave no
// room (a send ahead is slow, a sender woke late, sends are still in
// flight), it waits for its turn and room; if sending was paused it
// returns errPaused.
func (l *limiter) commit(ctx context.Context, to chat.Address, booked int64) (sendMark, error) {
	for {
		wait, paused, mark, err := l.tryCommit(ctx, to, booked)
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

// tryCommit runs commitScript once for a piece booked at booked: the
// send's mark, or how long to wait before trying again, or paused.
func (l *limiter) tryCommit(ctx context.Context, to chat.Address, booked int64) (wait time.Duration, paused bool, mark sendMark, err error) {
	k := l.keys(to)
	res, err := commitScript.Run(ctx, l.rdb, []string{k.pause, k.sent, k.seq, k.chat},
		l.window.Microseconds(), l.perWindow, l.every(to).Microseconds(), l.stateExpiry.Milliseconds(),
		l.inFlight.Microseconds(), booked).Int64Slice()
	switch {
	case err != nil:
		return 0, false, sendMark{}, fmt.Errorf("rate limit: commit: %w", err)
	case len(res) == 5 && res[0] == 0:
		return 0, false, sendMark{to: to, id: res[2], until: res[3], lastB: res[4]}, nil
	case len(res) == 2 && res[0] > 0:
		return time.Duration(res[0]) * time.Microsecond, res[1] == 1, sendMark{}, nil
	}
	return 0, false, sendMark{}, fmt.Errorf("rate limit: commit: unexpected answer %v", res)
}

// settle records that m's request is answered (successfully or not, or
// given up): it counts from now as a send of now, and its flight time
// joins the chat's slip (see settleScript).
func (l *limiter) settle(ctx context.Context, m sendMark) error {
	k := l.keys(m.to)
	if err := settleScript.Run(ctx, l.rdb, []string{k.sent, k.chat},
		m.id, m.until, l.stateExpiry.Milliseconds(), m.lastB).Err(); err != nil {
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
	l      *limiter
	to     chat.Address
	log    *slog.Logger
	ctx    context.Context // the requests' context
	cancel context.CancelCauseFunc
	bound  *time.Timer // ends ctx when a request has been in flight for l.inFlight
	mark   sendMark    // the request in flight, or answered but not settled, while flying
	flying bool
}

// flight starts the requests of one message to to under ctx; end it with
// end.
func (l *limiter) flight(ctx context.Context, to chat.Address, log *slog.Logger) *flight {
	f := &flight{l: l, to: to, log: log}
	f.ctx, f.cancel = context.WithCancelCause(ctx)
	f.bound = time.AfterFunc(l.inFlight, func() { f.cancel(errInFlightTooLong) })
	f.bound.Stop()
	return f
}

// commit commits the next request, booked at booked (limiter.commit), and
// starts its bound. A previous piece whose settle failed is settled first.
func (f *flight) commit(booked int64) error {
	f.settle()
	m, err := f.l.commit(f.ctx, f.to, booked)
	if err != nil {
		return err
	}
	f.mark, f.flying = m, true
	f.bound.Reset(f.l.inFlight)
	return nil
}

// settle records that the request in flight, if any, has its answer
// (limiter.settle). It settles even when the job's context has ended. A
// failed settle (Redis) is tried again before the next piece commits, or at
// the end: unsettled, the mark and the chat's last send count as in flight
// until the bound, so the message's own next piece would wait out the bound,
// past its request's context. If that fails too, it is only logged: the
// mark leaves by itself.
func (f *flight) settle() {
	if !f.flying {
		return
	}
	f.bound.Stop()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(f.ctx), settleTimeout)
	defer cancel()
	if err := f.l.settle(ctx, f.mark); err != nil {
		f.log.WarnContext(ctx, "send not settled: tried again before the message's next request, if any; until settled it holds its place under the rate limit, at most until its bound",
			slog.String("chat", f.to.String()), slog.Duration("bound", f.l.inFlight), slog.Any("err", err))
		return
	}
	f.flying = false
}

// end settles the last request and ends the flight. It returns err, the
// requests' error, saying so when the bound cut a request short.
func (f *flight) end(err error) error {
	f.settle()
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
