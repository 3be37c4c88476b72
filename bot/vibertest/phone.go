package vibertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"time"
)

// Signing is how the fake signs the callbacks it posts.
type Signing int

const (
	SignValid   Signing = iota // as Viber does
	SignWrong                  // a signature made with another key
	SignMissing                // no X-Viber-Content-Signature at all
)

// posted is a callback as sent, for Replay.
type posted struct {
	url  string
	body []byte
	sig  string // "" when sent without one
}

// callbackTimeout bounds one callback; Viber gives a webhook a few seconds.
const callbackTimeout = 10 * time.Second

// SetSigning sets how the following callbacks are signed.
func (b *Bot) SetSigning(s Signing) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	b.signing = s
}

// SendText posts a text message from u, as when they type one. Writing
// subscribes them and resets the count of messages without a reply.
func (b *Bot) SendText(u User, text string) (Delivery, error) {
	return b.message(u, inMessage{Type: "text", Text: text})
}

// Tap presses the button labelled label on the keyboard u sees, the last
// message's (an older message's keyboard is gone in Viber), or else on the
// cards of the last carousel (rich_media message) u got, which stays in
// the chat: a reply button posts its ActionBody as u's text message, as
// Viber does. It fails if no such button is there.
func (b *Bot) Tap(u User, label string) (Delivery, error) {
	kb := b.Keyboard(u.ID)
	if btn, ok := find(kb, label); ok {
		return b.press(u, btn)
	}
	ms := b.Messages(u.ID)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].RichMedia == nil {
			continue
		}
		if btn, ok := find(ms[i].RichMedia, label); ok {
			return b.press(u, btn)
		}
		return Delivery{}, fmt.Errorf("vibertest: no button %q on the keyboard %s sees (%q) nor on the last carousel (%q)",
			label, u.ID, kb.Labels(), ms[i].RichMedia.Labels())
	}
	if kb == nil {
		return Delivery{}, fmt.Errorf("vibertest: %s sees no keyboard", u.ID)
	}
	return Delivery{}, fmt.Errorf("vibertest: no button %q on the keyboard %s sees; it has %q", label, u.ID, kb.Labels())
}

// TapIn presses the button labelled label on the carousel or keyboard of
// the i-th message u got (0 the first, as Messages lists them): a
// carousel's cards stay tappable however old, as in Viber. A keyboard of
// a message other than the last is gone, and tapping it fails.
func (b *Bot) TapIn(u User, i int, label string) (Delivery, error) {
	ms := b.Messages(u.ID)
	if i < 0 || i >= len(ms) {
		return Delivery{}, fmt.Errorf("vibertest: %s got %d messages, no message %d", u.ID, len(ms), i)
	}
	if btn, ok := find(ms[i].RichMedia, label); ok {
		return b.press(u, btn)
	}
	if i == len(ms)-1 {
		if btn, ok := find(ms[i].Keyboard, label); ok {
			return b.press(u, btn)
		}
	}
	return Delivery{}, fmt.Errorf("vibertest: no button %q %s can tap on message %d", label, u.ID, i)
}

// find is the button of kb labelled label (as shown: markup unescaped).
func find(kb *Keyboard, label string) (Button, bool) {
	if kb == nil {
		return Button{}, false
	}
	for _, btn := range kb.Buttons {
		if btn.Text == label || html.UnescapeString(btn.Text) == label {
			return btn, true
		}
	}
	return Button{}, false
}

// press posts what tapping btn sends: a reply button's ActionBody as u's
// text message.
func (b *Bot) press(u User, btn Button) (Delivery, error) {
	if btn.ActionType != "reply" {
		return Delivery{}, fmt.Errorf("vibertest: button %q is %s, not reply", btn.Text, btn.ActionType)
	}
	return b.message(u, inMessage{Type: "text", Text: btn.ActionBody})
}

// SendSticker posts a sticker from u.
func (b *Bot) SendSticker(u User) (Delivery, error) {
	return b.message(u, inMessage{Type: "sticker", StickerID: 46105, Media: "https://viber.test/sticker.png"})
}

// SendLocation posts a location from u.
func (b *Bot) SendLocation(u User) (Delivery, error) {
	return b.message(u, inMessage{Type: "location", Location: json.RawMessage(`{"lat":50.45,"lon":30.52}`)})
}

// SendContact posts a shared contact from u.
func (b *Bot) SendContact(u User, name, phone string) (Delivery, error) {
	c, _ := json.Marshal(map[string]string{"name": name, "phone_number": phone})
	return b.message(u, inMessage{Type: "contact", Contact: c})
}

// SendPicture posts a picture from u with caption.
func (b *Bot) SendPicture(u User, caption string) (Delivery, error) {
	return b.message(u, inMessage{Type: "picture", Text: caption, Media: "https://viber.test/photo.jpg"})
}

// message posts a "message" callback from u.
func (b *Bot) message(u User, m inMessage) (Delivery, error) {
	b.s.mu.Lock()
	p := b.phoneLocked(u)
	p.subscribed = true // a person who writes is subscribed
	p.unanswered = nil
	b.s.mu.Unlock()
	return b.callback(event{Event: "message", Sender: sender(u), Message: &m})
}

// Start opens the chat with the bot from a deep link carrying context
// (conversation_started). A welcome message in the answer is shown to u
// like a message received.
func (b *Bot) Start(u User, context string) (Delivery, error) {
	b.s.mu.Lock()
	subscribed := b.phoneLocked(u).subscribed
	b.s.mu.Unlock()
	d, err := b.callback(event{Event: "conversation_started", Type: "open", Context: context, User: sender(u), Subscribed: &subscribed})
	if err != nil || d.Status != http.StatusOK || len(bytes.TrimSpace(d.Body)) == 0 {
		return d, err
	}
	var w Message
	if err := json.Unmarshal(d.Body, &w); err != nil {
		return d, fmt.Errorf("vibertest: welcome message: %w", err)
	}
	if code, msg := validate(append([]byte(nil), d.Body...), withReceiver(w, u.ID)); code != 0 {
		return d, fmt.Errorf("vibertest: welcome message refused: status %d: %s", code, msg)
	}
	d.Welcome = &w
	b.s.mu.Lock()
	p := b.phoneLocked(u)
	p.seen = append(p.seen, w)
	p.keyboard = w.Keyboard
	b.s.notifyLocked()
	b.s.mu.Unlock()
	return d, nil
}

func withReceiver(m Message, id string) *Message {
	m.Receiver = id
	return &m
}

// Subscribe posts "subscribed" from u, who can be messaged from then on.
func (b *Bot) Subscribe(u User) (Delivery, error) {
	b.s.mu.Lock()
	b.phoneLocked(u).subscribed = true
	b.s.mu.Unlock()
	return b.callback(event{Event: "subscribed", User: sender(u)})
}

// Unsubscribe posts "unsubscribed" from u, who can no longer be messaged.
func (b *Bot) Unsubscribe(u User) (Delivery, error) {
	b.s.mu.Lock()
	b.phoneLocked(u).subscribed = false
	b.s.mu.Unlock()
	return b.callback(event{Event: "unsubscribed", UserID: u.ID})
}

// Replay posts the last callback again, byte for byte with its signature
// and message_token, as Viber does when it did not get 200.
func (b *Bot) Replay() (Delivery, error) {
	b.s.mu.Lock()
	last := b.last
	b.s.mu.Unlock()
	if last == nil {
		return Delivery{}, errors.New("vibertest: no callback to replay")
	}
	return b.s.deliver(context.Background(), last)
}

// Callbacks is how many callbacks the bot posted to its webhook (the
// set_webhook check included).
func (b *Bot) Callbacks() int {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.received
}

// callback stamps ev and posts it to the registered webhook.
func (b *Bot) callback(ev event) (Delivery, error) {
	url := b.Webhook()
	if url == "" {
		return Delivery{}, errors.New("vibertest: no webhook registered (call set_webhook first)")
	}
	ev.Timestamp = b.s.now().UnixMilli()
	ev.MessageToken = b.nextToken()
	b.s.mu.Lock()
	signing := b.signing
	b.s.mu.Unlock()
	return b.post(context.Background(), url, ev, signing)
}

// post signs ev as signing says and posts it to url.
func (b *Bot) post(ctx context.Context, url string, ev event, signing Signing) (Delivery, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return Delivery{}, err
	}
	p := &posted{url: url, body: body}
	switch signing {
	case SignValid:
		p.sig = sign(b.token, body)
	case SignWrong:
		p.sig = sign(b.token+"-not", body)
	}
	b.s.mu.Lock()
	b.last = p
	b.received++
	b.s.mu.Unlock()
	return b.s.deliver(ctx, p)
}

// deliver posts a callback and reads the answer.
func (s *Server) deliver(ctx context.Context, p *posted) (Delivery, error) {
	ctx, cancel := context.WithTimeout(ctx, callbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(p.body))
	if err != nil {
		return Delivery{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if p.sig != "" {
		req.Header.Set("X-Viber-Content-Signature", p.sig)
	}
	resp, err := s.hook.Do(req)
	if err != nil {
		return Delivery{}, fmt.Errorf("vibertest: post callback: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	s.mu.Lock()
	s.notifyLocked()
	s.mu.Unlock()
	return Delivery{Status: resp.StatusCode, Body: body}, err
}

func sender(u User) *eventUser {
	return &eventUser{ID: u.ID, Name: u.Name, Language: u.Language, Country: u.Country, APIVersion: 10}
}
