package viber

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// PathPrefix is where the webhook is mounted: Viber posts a bot's
// callbacks to PathPrefix + its bot id (query strings are ignored by
// Viber, so the path names the bot).
const PathPrefix = "/viber/"

// MaxCallback bounds a callback body; real ones are a few kilobytes.
const MaxCallback = 1 << 20

// DedupeTTL is how long a callback's message_token is remembered: Viber
// retries an unanswered callback for about an hour.
const DedupeTTL = 3 * time.Hour

// SignatureHeader carries the hex HMAC-SHA256 of the raw body keyed with
// the bot's token.
const SignatureHeader = "X-Viber-Content-Signature"

// EventTypes are the callbacks Register asks for: the ones the webhook
// acts on or logs; "delivered" and "seen" would only be traffic. (Viber
// sends "message" whatever the list says.)
var EventTypes = []string{EventSubscribed, EventUnsubscribed, EventConversationStarted, EventFailed}

// WebhookURL is where bot's callbacks arrive under the service's public
// URL (PUBLIC_URL).
func WebhookURL(publicURL string, bot int64) string {
	return strings.TrimRight(publicURL, "/") + PathPrefix + strconv.FormatInt(bot, 10)
}

// Register points bot's callbacks at WebhookURL(publicURL, bot) with
// set_webhook. Viber calls the URL back before it answers, so the Webhook
// must already be serving there (start the HTTP server first).
func Register(ctx context.Context, c *Client, publicURL string, bot int64) error {
	if err := c.SetWebhook(ctx, WebhookURL(publicURL, bot), EventTypes); err != nil {
		return fmt.Errorf("register viber bot %d: %w", bot, err)
	}
	return nil
}

// Sign is the signature Viber puts in SignatureHeader for body.
func Sign(token string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Seen remembers keys for a while: first is true the first time a key is
// offered within ttl. RedisSeen implements it.
type Seen interface {
	Seen(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
}

// Handler does what a person did: the bot's update processing. via is the
// channel of the bot the update came to. It runs after Viber got its 200,
// with its own deadline.
type Handler func(ctx context.Context, via chat.Replier, u chat.Update)

// Bots finds a bot by the id in the webhook's path: its token (to check
// signatures) and its channel. Registry implements it.
type Bots interface {
	Bot(id int64) (token string, ch *Channel, ok bool)
}

// Registry is a concurrency-safe Bots that bots are added to as they are
// configured.
type Registry struct {
	mu   sync.RWMutex
	bots map[int64]registered
}

type registered struct {
	token string
	ch    *Channel
}

var _ Bots = (*Registry)(nil)

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{bots: map[int64]registered{}} }

// Add registers (or replaces) bot id with its token and channel.
func (r *Registry) Add(id int64, token string, ch *Channel) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bots[id] = registered{token: token, ch: ch}
}

// Bot implements Bots.
func (r *Registry) Bot(id int64) (string, *Channel, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, ok := r.bots[id]
	return b.token, b.ch, ok
}

// WebhookConfig wires a Webhook.
type WebhookConfig struct {
	Bots   Bots    // required
	Seen   Seen    // required: deduplicates Viber's retries
	Handle Handler // required
	// Welcome draws the one message Viber lets the bot answer
	// conversation_started with, for someone not subscribed yet (the bot
	// cannot message them otherwise). start is what the person must send to
	// begin ("/start <context>", or "/start" without a context): give the
	// welcome a button with start as its Data, and the tap arrives as the
	// message start, which also subscribes the person. It runs inside the
	// request, before Viber's timeout: draw from memory, no slow I/O. nil:
	// no welcome.
	Welcome func(ctx context.Context, bot int64, from chat.User, start string) chat.Message
	// Subscribed and Unsubscribed are told when a person subscribes to or
	// leaves the bot (Unsubscribed: mark them unreachable until they write
	// again). Either may be nil.
	Subscribed   func(ctx context.Context, addr chat.Address)
	Unsubscribed func(ctx context.Context, addr chat.Address)
	// Sessions records every message's time as the person's last inbound;
	// may be nil.
	Sessions Sessions
	Log      *slog.Logger // nil discards
	// Workers bounds the callbacks handled at once (default 16); beyond it
	// the webhook answers 503 and Viber delivers the callback again later.
	Workers int
	// Timeout bounds the handling of one callback (default 2 minutes).
	Timeout time.Duration
}

// Webhook is the http.Handler of Viber's callbacks for every Viber bot of
// the process, mounted at PathPrefix. Per request it finds the bot (404 if
// unknown), reads the body (413 over MaxCallback), checks the signature
// before anything else looks at the body (403 if missing or wrong: nothing
// is handled), answers the "webhook" check, drops a callback whose
// message_token it has seen (Viber retries until it gets 200), answers 200
// at once and handles the callback after, in a bounded pool.
//
// Answering before handling makes delivery at most once: a process that
// dies mid-handling loses the callback, since Viber got its 200 and the
// token is marked seen. The alternative, handling before answering, risks
// Viber's timeout and a duplicate for every slow update; a lost tap is
// retried by the person, a double one is not undone.
type Webhook struct {
	cfg WebhookConfig
	sem chan struct{}
	wg  sync.WaitGroup
}

// NewWebhook checks cfg and returns the handler.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Bots == nil || cfg.Seen == nil || cfg.Handle == nil {
		return nil, errors.New("viber webhook: Bots, Seen and Handle are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	return &Webhook{cfg: cfg, sem: make(chan struct{}, cfg.Workers)}, nil
}

// Wait blocks until the callbacks being handled are done, or ctx ends: call
// it on shutdown after the HTTP server stopped taking requests.
func (h *Webhook) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("viber webhook: callbacks still running: %w", ctx.Err())
	}
}

func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, PathPrefix), 10, 64)
	if err != nil || !strings.HasPrefix(r.URL.Path, PathPrefix) {
		http.NotFound(w, r)
		return
	}
	token, ch, ok := h.cfg.Bots.Bot(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCallback))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !validSignature(token, body, r.Header.Get(SignatureHeader)) {
		h.cfg.Log.Warn("viber: callback with a missing or wrong signature", "bot_id", id, "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	log := h.cfg.Log.With("bot_id", id, "event", ev.Event, "message_token", ev.MessageToken)

	work, welcome, err := h.plan(r.Context(), id, ch, &ev)
	if err != nil {
		log.Warn("viber: unusable callback", "error", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if work == nil && welcome == nil { // webhook check, delivery receipts, unknown events
		w.WriteHeader(http.StatusOK)
		return
	}
	if work != nil {
		select {
		case h.sem <- struct{}{}:
		default:
			log.Warn("viber: every worker busy, Viber will deliver the callback again")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
	}
	release := func() {
		if work != nil {
			<-h.sem
		}
	}
	if ev.MessageToken != 0 {
		first, err := h.cfg.Seen.Seen(r.Context(), fmt.Sprintf("%d:%s:%d", id, ev.Event, ev.MessageToken), DedupeTTL)
		if err != nil {
			release()
			log.Error("viber: cannot check for a repeated callback, Viber will deliver it again", "error", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		if !first {
			release()
			log.Debug("viber: repeated callback dropped")
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	if welcome != nil {
		raw, err := Marshal(welcome)
		if err != nil {
			log.Error("viber: encode welcome", "error", err)
			w.WriteHeader(http.StatusOK)
		} else {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(raw)
		}
	} else {
		w.WriteHeader(http.StatusOK)
	}
	if work == nil {
		return
	}
	// The work outlives the request: keep its values, not its cancellation.
	base := context.WithoutCancel(r.Context())
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer release()
		defer func() {
			if p := recover(); p != nil {
				log.Error("viber: callback handling panicked", "panic", p)
			}
		}()
		ctx, cancel := context.WithTimeout(base, h.cfg.Timeout)
		defer cancel()
		work(ctx)
	}()
}

// plan decides what a verified callback leads to: work to do after the
// answer, and/or the welcome message the answer carries. Neither for the
// webhook check, delivery receipts and events the bot does not use.
func (h *Webhook) plan(ctx context.Context, bot int64, ch *Channel, ev *Event) (func(context.Context), *Message, error) {
	at := time.UnixMilli(ev.Timestamp)
	if ev.Timestamp == 0 {
		at = time.Time{}
	}
	addr := func(id string) chat.Address { return chat.Address{Channel: chat.Viber, Bot: bot, Chat: id} }
	switch ev.Event {
	case EventMessage:
		if ev.Sender == nil || ev.Sender.ID == "" || ev.Message == nil {
			return nil, nil, errors.New("message without sender or message")
		}
		u := update(bot, ev, ev.Sender, at)
		if ev.Message.Type == "text" && isCallbackData(ev.Message.Text) {
			u.Tap = &chat.Tap{ID: u.ID, Data: ev.Message.Text}
		} else {
			in := &chat.Incoming{Text: ev.Message.Text, Media: ev.Message.Type != "text"}
			if in.Media && ev.Message.Type != "picture" && ev.Message.Type != "video" && ev.Message.Type != "file" {
				in.Text = "" // a sticker's, location's or contact's "text" is not the person's words
			}
			u.Message = in
		}
		return func(ctx context.Context) {
			if h.cfg.Sessions != nil {
				seenAt := at
				if seenAt.IsZero() {
					seenAt = time.Now()
				}
				if err := h.cfg.Sessions.Inbound(ctx, u.Chat, seenAt); err != nil {
					h.cfg.Log.Warn("viber: record inbound", "bot_id", bot, "error", err)
				}
			}
			h.cfg.Handle(ctx, ch, u)
		}, nil, nil

	case EventConversationStarted:
		if ev.User == nil || ev.User.ID == "" {
			return nil, nil, errors.New("conversation_started without user")
		}
		start := strings.TrimSpace("/start " + ev.Context)
		u := update(bot, ev, ev.User, at)
		if ev.Subscribed { // they can be messaged: start as if they had typed it
			u.Message = &chat.Incoming{Text: start}
			return func(ctx context.Context) { h.cfg.Handle(ctx, ch, u) }, nil, nil
		}
		if h.cfg.Welcome == nil {
			return nil, nil, nil
		}
		return nil, ch.Welcome(h.cfg.Welcome(ctx, bot, u.From, start)), nil

	case EventSubscribed, EventUnsubscribed:
		id := ev.UserID
		if ev.User != nil {
			id = ev.User.ID
		}
		hook := h.cfg.Subscribed
		if ev.Event == EventUnsubscribed {
			hook = h.cfg.Unsubscribed
		}
		if id == "" || hook == nil {
			return nil, nil, nil
		}
		return func(ctx context.Context) { hook(ctx, addr(id)) }, nil, nil

	case EventFailed:
		h.cfg.Log.Info("viber: message not delivered", "bot_id", bot, "user_id", ev.UserID, "desc", ev.Desc)
	}
	return nil, nil, nil
}

// update is the neutral update of a callback from person p.
func update(bot int64, ev *Event, p *EventUser, at time.Time) chat.Update {
	return chat.Update{
		ID:      strconv.FormatInt(ev.MessageToken, 10),
		Chat:    chat.Address{Channel: chat.Viber, Bot: bot, Chat: p.ID},
		Private: true,
		From:    chat.User{ID: p.ID, Name: p.Name, FirstName: p.Name, Language: p.Language},
		Date:    at,
	}
}

// isCallbackData tells a reply button's ActionBody, which Viber delivers as
// the person's text, from typed text: it decodes as callback data (a stale
// layout included, so the bot can say the button is out of date).
func isCallbackData(text string) bool {
	_, err := callback.Decode(text)
	return err == nil || errors.Is(err, callback.ErrStale)
}

// validSignature compares got with the body's signature in constant time.
func validSignature(token string, body []byte, got string) bool {
	if token == "" || got == "" {
		return false
	}
	sig, err := hex.DecodeString(strings.TrimSpace(got))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write(body)
	return hmac.Equal(sig, mac.Sum(nil))
}
