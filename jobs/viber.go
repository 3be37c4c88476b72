package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// ViberLimits are the limits of a Viber bot. Viber publishes no per-bot
// rate for the REST API and answers a breach with status 12; 25 messages a
// second keeps a morning burst of a few hundred staff within seconds and far
// from any reported throttling. Viber has no per-chat rate: the chat
// interval (a fifth of a second) only keeps one person's messages in order
// and unbunched. Viber has no group chats for bots, so the group rate is
// unused.
var ViberLimits = Limits{PerSecond: 25, PerChatPerSecond: 5, PerGroupPerMinute: 60}

// ViberHourlyCap is how many messages the notifier sends one Viber user in
// any hour without a reply from them: Viber refuses the 101st (status 12).
// The notifier stops a little short, leaving room for the bot's own
// answers once the person replies (a reply resets Viber's count and ours).
const ViberHourlyCap = 95

// InboundTimes tells when a person last wrote to the bot (viber.RedisSessions
// implements it); the zero time if never or long ago.
type InboundTimes interface {
	LastInbound(ctx context.Context, addr chat.Address) (time.Time, error)
}

// WithChannelLimits gives the bots of channel ch their own Limits (Viber's
// differ from Telegram's); the others keep the notifier's.
func WithChannelLimits(ch chat.Channel, lim Limits) NotifierOption {
	return func(n *Notifier) {
		if n.chLims == nil {
			n.chLims = map[chat.Channel]Limits{}
		}
		n.chLims[ch] = lim
	}
}

// WithHourlyCap keeps the messages to one person of channel ch under max
// in any hour without a reply from them (Viber: 100). inbound tells when
// they last wrote (their message resets the count); nil counts every send
// of the last hour. A message over the cap is not dropped: Notify returns
// a *chat.RetryAfterError for when the oldest counted send leaves the
// hour, and the job is retried then (not counted as a failure). Notices a
// person gets in such numbers should be batched by their job (the digest
// and the morning list are one message each).
func WithHourlyCap(ch chat.Channel, max int, inbound InboundTimes) NotifierOption {
	return func(n *Notifier) {
		if n.caps == nil {
			n.caps = map[chat.Channel]hourlyCap{}
		}
		n.caps[ch] = hourlyCap{max: max, inbound: inbound}
	}
}

type hourlyCap struct {
	max     int
	inbound InboundTimes
}

// capScript: KEYS = the person's sends zset, its sequence key; ARGV = the
// time since which sends count (µs; the later of an hour ago and their last
// message), the cap, how many sends to book, expiry (ms). Books the sends
// and returns 0, or returns the µs until the oldest counted send leaves
// the hour.
var capScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local hour = 3600000000
local since = math.max(tonumber(ARGV[1]), now - hour)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.0f', since))
local n = redis.call('ZCARD', KEYS[1])
local want = tonumber(ARGV[3])
if n + want > tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #oldest == 0 then return 1 end
  return math.max(1, tonumber(oldest[2]) + hour - now)
end
for i = 1, want do
  redis.call('ZADD', KEYS[1], now, redis.call('INCR', KEYS[2]))
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 0
`)

// bookCap books pieces sends to to under its channel's hourly cap; a
// non-zero wait says the cap is reached and for how long.
func (n *Notifier) bookCap(ctx context.Context, to chat.Address, pieces int) (time.Duration, error) {
	c, ok := n.caps[to.Channel]
	if !ok {
		return 0, nil
	}
	var since int64
	if c.inbound != nil {
		last, err := c.inbound.LastInbound(ctx, to)
		if err != nil {
			return 0, fmt.Errorf("hourly cap of %s: %w", to, err)
		}
		if !last.IsZero() {
			since = last.UnixMicro()
		}
	}
	base := n.q.key("{notify:" + to.BotKey() + "}:hour:" + to.Chat)
	wait, err := capScript.Run(ctx, n.rdb, []string{base, base + ":seq"}, since, c.max, pieces, (time.Hour + time.Minute).Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("hourly cap of %s: %w", to, err)
	}
	return time.Duration(wait) * time.Microsecond, nil
}

// FreeWindow is how long a person's own message keeps the bot's messages to
// them free on a channel billed per message outside it (Viber: 24 hours).
const FreeWindow = 24 * time.Hour

// WithFreeWindow says that channel ch bills the messages its bots send
// outside a person's free window (FreeWindow after their last message, as
// inbound tells): an Outgoing marked FreeWindowOnly goes to such a person
// only inside it.
func WithFreeWindow(ch chat.Channel, inbound InboundTimes) NotifierOption {
	return func(n *Notifier) {
		if n.windows == nil {
			n.windows = map[chat.Channel]InboundTimes{}
		}
		n.windows[ch] = inbound
	}
}

// outsideFreeWindow reports whether a message to to now would be billed:
// its channel has a free window and the person last wrote longer ago (or
// never).
func (n *Notifier) outsideFreeWindow(ctx context.Context, to chat.Address) (bool, error) {
	in, ok := n.windows[to.Channel]
	if !ok {
		return false, nil
	}
	last, err := in.LastInbound(ctx, to)
	if err != nil {
		return false, fmt.Errorf("free window of %s: %w", to, err)
	}
	return last.IsZero() || n.clock.Now().Sub(last) >= FreeWindow, nil
}
