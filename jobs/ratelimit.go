package jobs

import (
	"context"
	"errors"
	"fmt"
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
// strictly increasing times at least a second apart, which is what keeps the
// messages of one chat in order across processes (see Notifier).
//
// A reservation is a plan; a loaded machine can wake a sender late, and a
// late message followed by punctual ones can crowd 31 arrivals into one
// second. So just before sending, a message commits: a second script checks
// the actual sending times (the last second's sends, the chat's last send)
// and the pause, and either records the send or says how long to wait.
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
	stateExpiry time.Duration
}

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
	sent   string // actual sends of the last window
	seq    string // unique members for sent
	pause  string // the bot's sending paused until (after a 429)
	chat   string // next reservable time of the chat
	last   string // last actual send to the chat
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

// reserveScript: KEYS = slots zset, chat key, pause key; ARGV = slot width,
// chat interval (both µs), how long state outlives its last use (ms), how
// many sending times to book (the pieces of one message, one chat interval
// apart). Returns {µs to wait before sending, the sending time in µs since
// the epoch} for each, in order.
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
local out = {}
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
redis.call('SET', KEYS[2], string.format('%.0f', at), 'PX', math.floor((at - now) / 1000) + tonumber(ARGV[3]))
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

// reserve books the next sending time for chatID and returns how long to
// wait for it, and the time itself by Redis's clock.
func (l *limiter) reserve(ctx context.Context, to chat.Address) (wait time.Duration, at time.Time, err error) {
	waits, ats, err := l.reserveN(ctx, to, 1)
	if err != nil {
		return 0, time.Time{}, err
	}
	return waits[0], ats[0], nil
}

// reserveN books n sending times for chatID in one step, a chat interval
// apart, so that no other message to the chat is booked between them (the
// pieces of one message stay together), and returns how long to wait for
// each and the times themselves by Redis's clock.
func (l *limiter) reserveN(ctx context.Context, to chat.Address, n int) (waits []time.Duration, ats []time.Time, err error) {
	every := l.every(to)
	k := l.keys(to)
	keys := []string{k.global, k.chat, k.pause}
	res, err := reserveScript.Run(ctx, l.rdb, keys,
		l.slot.Microseconds(), every.Microseconds(), l.stateExpiry.Milliseconds(), n).Int64Slice()
	if err != nil || n < 1 || len(res) != 2*n {
		return nil, nil, fmt.Errorf("rate limit: reserve %d: %v, %w", n, res, err)
	}
	for i := 0; i < len(res); i += 2 {
		waits = append(waits, time.Duration(res[i])*time.Microsecond)
		ats = append(ats, time.UnixMicro(res[i+1]))
	}
	return waits, ats, nil
}

// commitScript: KEYS = pause key, sent zset, the chat's last-send key, seq
// key; ARGV = global window (µs), sends allowed per window, chat interval
// (µs), state expiry (ms). Returns {0, 0} after recording the send, or
// {µs to wait, 1 if paused else 0}.
var commitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > now then return {pause - now, 1} end
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {math.max(1, tonumber(oldest[2]) + window - now), 0}
end
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
local every = tonumber(ARGV[3])
if last + every > now then return {last + every - now, 0} end
redis.call('ZADD', KEYS[2], now, redis.call('INCR', KEYS[4]))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
redis.call('SET', KEYS[3], string.format('%.0f', now), 'PX', ARGV[4])
return {0, 0}
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

// waitN reserves n sending times for chatID (reserveN), sleeps until the
// first and returns when the others are due, by the local clock. Each piece
// commits right before it goes.
func (l *limiter) waitN(ctx context.Context, to chat.Address, n int) (later []time.Time, err error) {
	start := time.Now()
	waits, _, err := l.reserveN(ctx, to, n)
	if err != nil {
		return nil, err
	}
	for _, d := range waits[1:] {
		later = append(later, start.Add(d))
	}
	return later, sleep(ctx, waits[0])
}

// commit records that a message to chatID leaves now. If the actual sends
// of the last window leave no room (a sender woke late), it waits for room,
// keeping its place; if sending was paused it returns errPaused.
func (l *limiter) commit(ctx context.Context, to chat.Address) error {
	every := l.every(to)
	k := l.keys(to)
	keys := []string{k.pause, k.sent, k.last, k.seq}
	for {
		res, err := commitScript.Run(ctx, l.rdb, keys,
			l.window.Microseconds(), l.perWindow, every.Microseconds(), l.stateExpiry.Milliseconds()).Int64Slice()
		if err != nil || len(res) != 2 {
			return fmt.Errorf("rate limit: commit: %v, %w", res, err)
		}
		switch {
		case res[0] == 0:
			return nil
		case res[1] == 1:
			return errPaused
		}
		if err := sleep(ctx, time.Duration(res[0])*time.Microsecond); err != nil {
			return err
		}
	}
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
