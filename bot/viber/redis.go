package viber

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// RedisSeen remembers callback keys in Redis (SET NX EX), so a callback
// Viber delivers again, to this replica or another, is handled once.
type RedisSeen struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ Seen = (*RedisSeen)(nil)

// NewRedisSeen keeps its keys under prefix (e.g. "clubcrm:viber:seen:").
func NewRedisSeen(rdb redis.UniversalClient, prefix string) *RedisSeen {
	return &RedisSeen{rdb: rdb, prefix: prefix}
}

// Seen reports whether key is new, and remembers it for ttl.
func (s *RedisSeen) Seen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	err := s.rdb.SetArgs(ctx, s.prefix+key, 1, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("remember callback %s: %w", key, err)
	}
	return true, nil
}

// RedisSessions keeps each person's last inbound time in Redis for a
// little longer than SessionWindow; a person not found there is outside
// their session.
type RedisSessions struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ Sessions = (*RedisSessions)(nil)

// NewRedisSessions keeps its keys under prefix (e.g. "clubcrm:viber:in:").
func NewRedisSessions(rdb redis.UniversalClient, prefix string) *RedisSessions {
	return &RedisSessions{rdb: rdb, prefix: prefix}
}

// Inbound records at as addr's last inbound time.
func (s *RedisSessions) Inbound(ctx context.Context, addr chat.Address, at time.Time) error {
	if err := s.rdb.Set(ctx, s.prefix+addr.String(), at.UnixMilli(), SessionWindow+time.Hour).Err(); err != nil {
		return fmt.Errorf("record inbound of %s: %w", addr, err)
	}
	return nil
}

// LastInbound is addr's last inbound time, zero if unknown.
func (s *RedisSessions) LastInbound(ctx context.Context, addr chat.Address) (time.Time, error) {
	v, err := s.rdb.Get(ctx, s.prefix+addr.String()).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("last inbound of %s: %w", addr, err)
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("last inbound of %s: %q: %w", addr, v, err)
	}
	return time.UnixMilli(ms), nil
}

// KeyboardTTL is how long RedisKeyboards remembers a chat's keyboard: a
// person answering a day-old screen gets the line without it, and the next
// screen brings one.
const KeyboardTTL = 24 * time.Hour

// RedisKeyboards keeps each chat's keyboard on show in Redis, so the
// replica that answers a callback knows the keyboard another one sent.
type RedisKeyboards struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ Keyboards = (*RedisKeyboards)(nil)

// NewRedisKeyboards keeps its keys under prefix (e.g. "clubcrm:viber:kb:0:"
// for bot 0: user ids differ per bot).
func NewRedisKeyboards(rdb redis.UniversalClient, prefix string) *RedisKeyboards {
	return &RedisKeyboards{rdb: rdb, prefix: prefix}
}

// Remember records kb as chat's keyboard (nil forgets it).
func (k *RedisKeyboards) Remember(ctx context.Context, chat string, kb *Keyboard) error {
	if kb == nil {
		if err := k.rdb.Del(ctx, k.prefix+chat).Err(); err != nil {
			return fmt.Errorf("forget the keyboard of %s: %w", chat, err)
		}
		return nil
	}
	raw, err := Marshal(kb)
	if err != nil {
		return fmt.Errorf("encode the keyboard of %s: %w", chat, err)
	}
	if err := k.rdb.Set(ctx, k.prefix+chat, raw, KeyboardTTL).Err(); err != nil {
		return fmt.Errorf("remember the keyboard of %s: %w", chat, err)
	}
	return nil
}

// Shown is chat's keyboard, nil if none is remembered.
func (k *RedisKeyboards) Shown(ctx context.Context, chat string) (*Keyboard, error) {
	raw, err := k.rdb.Get(ctx, k.prefix+chat).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("the keyboard of %s: %w", chat, err)
	}
	var kb Keyboard
	if err := json.Unmarshal(raw, &kb); err != nil {
		return nil, fmt.Errorf("the keyboard of %s: %w", chat, err)
	}
	return &kb, nil
}
