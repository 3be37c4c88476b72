package chat

import (
	"fmt"
	"sync"
)

// Transports finds the Messenger that sends as an address's bot.
type Transports interface {
	For(to Address) (Messenger, error)
}

// ErrNoTransport: no bot of this process sends for the address (a club's
// bot removed, a channel not configured). Retrying does not help until the
// bot is back.
var ErrNoTransport = fmt.Errorf("no transport for the address's bot")

// Router is the Transports of a process: one Messenger per bot, added as
// bots are configured and removed as they go. Safe for concurrent use.
type Router struct {
	mu sync.RWMutex
	m  map[string]Messenger
}

// NewRouter is an empty Router.
func NewRouter() *Router { return &Router{m: map[string]Messenger{}} }

// Add makes m the transport of the bot (channel, bot), replacing any.
func (r *Router) Add(channel Channel, bot int64, m Messenger) *Router {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[Address{Channel: channel, Bot: bot}.BotKey()] = m
	return r
}

// Remove forgets the bot's transport.
func (r *Router) Remove(channel Channel, bot int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, Address{Channel: channel, Bot: bot}.BotKey())
}

// For is the transport of to's bot, or an error wrapping ErrNoTransport.
func (r *Router) For(to Address) (Messenger, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, ok := r.m[to.BotKey()]
	if !ok {
		return nil, fmt.Errorf("send to %s: %w", to, ErrNoTransport)
	}
	return m, nil
}
