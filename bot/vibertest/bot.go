package vibertest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Bot is one bot of the fake: its account on the API side, and the people
// (phones) talking to it.
type Bot struct {
	s     *Server
	token string
	id    string
	name  string

	// Guarded by s.mu.
	webhook  string
	events   []string
	users    map[string]*phone
	faults   []fault
	failFor  map[string]int // receiver → status answered to every send
	rate     int            // sends a second over all people; 0: unlimited
	recent   []time.Time    // accepted sends within the last second
	signing  Signing
	last     *posted // the last callback posted
	received int     // callbacks posted
}

// phone is what one person has: their subscription, what they see and the
// sends since they last wrote.
type phone struct {
	user       User
	subscribed bool
	seen       []Message
	keyboard   *Keyboard   // the one keyboard Viber shows: the last message's
	unanswered []time.Time // sends since the person's last message
}

// fault is a status answered to the next send to a receiver.
type fault struct {
	receiver string // "" any
	status   int
}

// FailNext answers status to the next n sends to receiver ("" anyone).
func (b *Bot) FailNext(receiver string, status, n int) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	for range n {
		b.faults = append(b.faults, fault{receiver: receiver, status: status})
	}
}

// FailFor answers status to every send to receiver until FailFor(receiver,
// 0).
func (b *Bot) FailFor(receiver string, status int) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if status == 0 {
		delete(b.failFor, receiver)
		return
	}
	b.failFor[receiver] = status
}

// SetRate limits the bot to perSecond sends a second over all people
// (status 12 beyond); 0 lifts it.
func (b *Bot) SetRate(perSecond int) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	b.rate, b.recent = perSecond, nil
}

// Webhook is the URL registered with set_webhook.
func (b *Bot) Webhook() string {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.webhook
}

// Messages are the messages user has received, oldest first.
func (b *Bot) Messages(userID string) []Message {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if p := b.users[userID]; p != nil {
		return append([]Message(nil), p.seen...)
	}
	return nil
}

// Last is the last message user received.
func (b *Bot) Last(userID string) (Message, bool) {
	ms := b.Messages(userID)
	if len(ms) == 0 {
		return Message{}, false
	}
	return ms[len(ms)-1], true
}

// Keyboard is the keyboard user sees: the last message's, nil if it had
// none.
func (b *Bot) Keyboard(userID string) *Keyboard {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if p := b.users[userID]; p != nil {
		return p.keyboard
	}
	return nil
}

// Subscribed reports whether user is subscribed to the bot.
func (b *Bot) Subscribed(userID string) bool {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	p := b.users[userID]
	return p != nil && p.subscribed
}

// AwaitMessages waits until user has received n messages and returns them.
func (b *Bot) AwaitMessages(ctx context.Context, userID string, n int) ([]Message, error) {
	var ms []Message
	err := b.s.Await(ctx, func() bool { ms = b.Messages(userID); return len(ms) >= n })
	if err != nil {
		return ms, fmt.Errorf("%d messages to %s, want %d: %w", len(ms), userID, n, err)
	}
	return ms, nil
}

// phoneLocked is user's phone, created on first use.
func (b *Bot) phoneLocked(u User) *phone {
	p, ok := b.users[u.ID]
	if !ok {
		p = &phone{user: u}
		b.users[u.ID] = p
	}
	if u.Name != "" {
		p.user = u
	}
	return p
}

// sendMessage is the send_message method.
func (b *Bot) sendMessage(c *Call) map[string]any {
	var m Message
	if err := json.Unmarshal(c.Raw, &m); err != nil {
		return statusf(StatusBadData, "bad JSON: "+err.Error())
	}
	c.Message = &m
	if code, msg := validate(c.Raw, &m); code != 0 {
		return statusf(code, msg)
	}
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for i, f := range b.faults {
		if f.receiver == "" || f.receiver == m.Receiver {
			b.faults = append(b.faults[:i:i], b.faults[i+1:]...)
			return status(f.status)
		}
	}
	if code := b.failFor[m.Receiver]; code != 0 {
		return status(code)
	}
	p := b.users[m.Receiver]
	if p == nil || !p.subscribed {
		return status(StatusNotSubscribed)
	}
	if b.rate > 0 {
		b.recent = within(b.recent, now.Add(-time.Second))
		if len(b.recent) >= b.rate {
			return statusf(StatusRateLimit, "tooManyRequests: bot rate")
		}
	}
	p.unanswered = within(p.unanswered, now.Add(-time.Hour))
	if len(p.unanswered) >= UserHourlyLimit {
		return statusf(StatusRateLimit, "tooManyRequests: 100 messages an hour without a reply")
	}
	if b.rate > 0 {
		b.recent = append(b.recent, now)
	}
	p.unanswered = append(p.unanswered, now)
	s.nextToken++
	m.Token = s.nextToken
	p.seen = append(p.seen, m)
	p.keyboard = m.Keyboard
	return map[string]any{"status": StatusOK, "status_message": "ok", "message_token": m.Token, "chat_hostname": "SN-FAKE_"}
}

// within drops the times at or before since from the front of ts.
func within(ts []time.Time, since time.Time) []time.Time {
	for len(ts) > 0 && !ts[0].After(since) {
		ts = ts[1:]
	}
	return ts
}

// setWebhook is the set_webhook method: it calls the URL with the
// "webhook" event and registers it only if that gets 200.
func (b *Bot) setWebhook(ctx context.Context, c *Call) map[string]any {
	var req struct {
		URL        string   `json:"url"`
		EventTypes []string `json:"event_types"`
	}
	if err := json.Unmarshal(c.Raw, &req); err != nil {
		return statusf(StatusBadData, "bad JSON: "+err.Error())
	}
	events := req.EventTypes
	if len(events) == 0 {
		events = []string{"delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"}
	}
	if req.URL == "" { // removes the webhook
		b.s.mu.Lock()
		b.webhook, b.events = "", nil
		b.s.mu.Unlock()
		return status(StatusOK)
	}
	ev := event{Event: "webhook", Timestamp: b.s.now().UnixMilli(), ChatHostname: "SN-FAKE_", MessageToken: b.nextToken()}
	d, err := b.post(ctx, req.URL, ev, SignValid)
	if err != nil || d.Status != 200 {
		return statusf(StatusInvalidURL, fmt.Sprintf("Result[HttpRequest failed: %v %d]", err, d.Status))
	}
	b.s.mu.Lock()
	b.webhook, b.events = req.URL, events
	b.s.mu.Unlock()
	return map[string]any{"status": StatusOK, "status_message": "ok", "event_types": events}
}

// accountInfo is the get_account_info method.
func (b *Bot) accountInfo() map[string]any {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	n := 0
	for _, p := range b.users {
		if p.subscribed {
			n++
		}
	}
	return map[string]any{
		"status": StatusOK, "status_message": "ok",
		"id": b.id, "name": b.name, "uri": "clubcrmtest",
		"webhook": b.webhook, "event_types": b.events, "subscribers_count": n,
	}
}

// userDetails is the get_user_details method.
func (b *Bot) userDetails(c *Call) map[string]any {
	var req struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(c.Raw, &req); err != nil || req.ID == "" {
		return status(StatusMissingData)
	}
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	p := b.users[req.ID]
	if p == nil {
		return status(StatusNotRegistered)
	}
	return map[string]any{
		"status": StatusOK, "status_message": "ok", "message_token": b.s.nextToken + 1,
		"user": map[string]any{
			"id": p.user.ID, "name": p.user.Name, "language": p.user.Language,
			"country": p.user.Country, "api_version": 10,
		},
	}
}

// nextToken is a fresh message_token.
func (b *Bot) nextToken() int64 {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	b.s.nextToken++
	return b.s.nextToken
}
