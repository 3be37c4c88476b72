package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

// Config says how the bot reaches Telegram.
type Config struct {
	Token string
	// APIURL is the Bot API server; empty means https://api.telegram.org.
	// Tests and self-hosted Bot API servers set it.
	APIURL string
	// WebhookURL is the public URL Telegram posts updates to. Empty means long
	// polling, which suits one process; webhooks let several replicas behind
	// a load balancer share the updates.
	WebhookURL string
	// WebhookSecret is sent by Telegram in X-Telegram-Bot-Api-Secret-Token
	// with every webhook request; required with WebhookURL.
	WebhookSecret string
}

// Deps are the bot's collaborators.
type Deps struct {
	DB      *postgres.DB
	Catalog *i18n.Catalog
	Clock   domain.Clock // nil: the system clock
	Log     *slog.Logger // nil: discard
}

// workers is how many updates are handled at once in polling mode. Bounded,
// unlike go-telegram/bot's default goroutine per update, so a burst of
// updates cannot exhaust the database pool.
const workers = 8

// maxWebhookBody bounds a webhook request; real updates are a few kilobytes.
const maxWebhookBody = 1 << 20

// handleTimeout bounds the work on one update.
const handleTimeout = 30 * time.Second

// allowedUpdates are the update kinds the bot asks Telegram for.
var allowedUpdates = []string{"message", "callback_query"}

// Bot is the staff bot: every channel's updates (Handle) go through one
// middleware chain to one router, and every answer goes back through the
// channel the update came by. New builds it with the deployment's default
// Telegram bot as its first front when a token is configured; a club's own
// Telegram bot is another front (NewTelegramFront), and Viber's webhook
// calls Handle directly.
type Bot struct {
	cfg    Config
	db     *postgres.DB
	cat    *i18n.Catalog
	clock  domain.Clock
	log    *slog.Logger
	front  *TelegramFront // the deployment's default Telegram bot; nil without a token
	router *router
	handle step            // the middleware chain ending in the router
	msgIDs map[string]bool // catalog ids, to tell a rule code with its own text from one without

	// handled, when set (by tests), is called with each update's id once it
	// is fully handled, so a scripted conversation waits for the bot
	// instead of sleeping.
	handled func(updateID int64)
}

// New builds the bot, with the default Telegram bot's front when cfg has a
// token. It does no I/O: Run checks the token.
func New(cfg Config, d Deps) (*Bot, error) {
	if d.DB == nil || d.Catalog == nil {
		return nil, errors.New("bot: database and catalog are required")
	}
	if d.Clock == nil {
		d.Clock = domain.SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	b := &Bot{cfg: cfg, db: d.DB, cat: d.Catalog, clock: d.Clock, log: d.Log, router: newRouter(), msgIDs: map[string]bool{}}
	for _, id := range d.Catalog.IDs(domain.LangEN) {
		b.msgIDs[id] = true
	}
	b.routes(b.router)
	b.handle = b.logging(b.recovering(b.identify(b.route)))
	if cfg.Token != "" {
		f, err := b.NewTelegramFront(chat.DefaultBot, cfg)
		if err != nil {
			return nil, err
		}
		b.front = f
	}
	return b, nil
}

// Run serves the default Telegram bot until ctx is done (see
// TelegramFront.Run); without one it just waits.
func (b *Bot) Run(ctx context.Context) error {
	if b.front == nil {
		<-ctx.Done()
		return nil
	}
	return b.front.Run(ctx)
}

// Ready reports whether the default Telegram bot has reached Telegram.
func (b *Bot) Ready() bool { return b.front != nil && b.front.Ready() }

// WebhookHandler serves the default Telegram bot's webhook.
func (b *Bot) WebhookHandler() http.Handler { return b.front.WebhookHandler() }

// Messenger is the default Telegram bot's channel, the notifier's Telegram
// side in a process that runs both (one client per token).
func (b *Bot) Messenger() *telegram.Channel { return b.front.Channel() }

// Handle handles one update that came through via: a channel's front
// (Telegram polling or webhook, Viber's webhook) calls it for every update
// it translated, and the answers go back through via.
func (b *Bot) Handle(ctx context.Context, via chat.Replier, u chat.Update) {
	ctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	b.handle(newRequest(ctx, b, via, u))
}

// TelegramFront is one Telegram bot in front of the Bot: its client, its
// updates (long polling or its own webhook) and its channel for answers.
type TelegramFront struct {
	b     *Bot
	id    int64 // chat.DefaultBot or the bots.id of a club's own bot
	cfg   Config
	tg    *tgbot.Bot
	ch    *telegram.Channel
	ready atomic.Bool // getMe has answered; see Ready
}

// NewTelegramFront builds the front of Telegram bot id (chat.DefaultBot or
// a bots.id) with cfg's token. It does no I/O: Run checks the token.
func (b *Bot) NewTelegramFront(id int64, cfg Config) (*TelegramFront, error) {
	if cfg.Token == "" {
		return nil, errors.New("bot: no Telegram token")
	}
	if cfg.WebhookURL != "" && cfg.WebhookSecret == "" {
		return nil, errors.New("bot: a webhook needs a secret token")
	}
	f := &TelegramFront{b: b, id: id, cfg: cfg}
	opts := []tgbot.Option{
		tgbot.WithSkipGetMe(), // Run checks the token, with its context
		tgbot.WithDefaultHandler(f.processUpdate),
		tgbot.WithErrorsHandler(func(err error) { b.log.Warn("telegram client", "err", err, "bot_id", id) }),
		tgbot.WithWorkers(workers),
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithAllowedUpdates(allowedUpdates),
	}
	if cfg.APIURL != "" {
		opts = append(opts, tgbot.WithServerURL(cfg.APIURL))
	}
	if cfg.WebhookSecret != "" {
		opts = append(opts, tgbot.WithWebhookSecretToken(cfg.WebhookSecret))
	}
	tg, err := tgbot.New(cfg.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	f.tg, f.ch = tg, telegram.NewBot(tg, id)
	return f, nil
}

// Channel is the front's transport, for answers and notices.
func (f *TelegramFront) Channel() *telegram.Channel { return f.ch }

// Run serves until ctx is done. It checks the token (getMe, retried while
// Telegram cannot be reached), registers the localised command menus, then
// either long-polls (the default; any webhook left from webhook mode is
// removed first, or getUpdates would be refused) or, with a WebhookURL,
// registers the webhook and waits: updates then arrive through
// WebhookHandler, mounted on the process's HTTP server.
func (f *TelegramFront) Run(ctx context.Context) error {
	me, err := f.connect(ctx)
	if ctx.Err() != nil {
		return nil // stopped while starting
	}
	if err != nil {
		return err
	}
	f.ready.Store(true)
	f.b.log.Info("bot connected", "bot_id", f.id, "bot_username", me.Username, "webhook", f.cfg.WebhookURL != "")
	if err := f.b.SetCommands(ctx, f.ch); err != nil {
		// The menu is a convenience; commands work without it.
		f.b.log.Warn("set bot commands", "err", err, "bot_id", f.id)
	}
	if f.cfg.WebhookURL != "" {
		if _, err := f.tg.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL: f.cfg.WebhookURL, SecretToken: f.cfg.WebhookSecret, AllowedUpdates: allowedUpdates,
		}); err != nil && ctx.Err() == nil {
			return fmt.Errorf("bot %d: set webhook: %w", f.id, err)
		}
		<-ctx.Done()
		return nil
	}
	if _, err := f.tg.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("bot %d: delete webhook before polling: %w", f.id, err)
	}
	f.tg.Start(ctx) // returns when ctx is done
	return nil
}

// Ready reports whether the bot has reached Telegram (getMe answered), for
// the process's readiness check.
func (f *TelegramFront) Ready() bool { return f.ready.Load() }

// getMeTimeout bounds one getMe attempt; maxConnectBackoff caps the wait
// between attempts.
const (
	getMeTimeout      = 10 * time.Second
	maxConnectBackoff = 30 * time.Second
)

// connect asks Telegram who the bot is until it answers. Telegram being
// briefly unreachable must not stop the process (the workers and the
// scheduler run beside the bot in serve), so a failure is retried with
// backoff and logged once, when it starts; a token Telegram refuses is a
// configuration mistake retrying cannot fix, and ends Run.
func (f *TelegramFront) connect(ctx context.Context) (*models.User, error) {
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, getMeTimeout)
		me, err := f.tg.GetMe(actx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err == nil:
			if attempt > 1 {
				f.b.log.Info("telegram reachable again", "bot_id", f.id, "attempts", attempt)
			}
			return me, nil
		case errors.Is(err, tgbot.ErrorUnauthorized):
			if f.id == chat.DefaultBot {
				return nil, fmt.Errorf("bot: check token: Telegram refused TELEGRAM_BOT_TOKEN: %w", err)
			}
			return nil, fmt.Errorf("bot %d: check token: Telegram refused the club bot's token: %w", f.id, err)
		case attempt == 1:
			f.b.log.Warn("telegram unreachable: the bot retries getMe with backoff and reports not ready; everything else runs",
				"err", err, "bot_id", f.id)
		default:
			f.b.log.Debug("getMe failed again", "attempt", attempt, "err", err, "retry_in", backoff, "bot_id", f.id)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, maxConnectBackoff)
	}
}

// WebhookHandler serves Telegram's webhook requests. A request without the
// right X-Telegram-Bot-Api-Secret-Token gets 401 and is not looked at. The
// update is handled before the response is written, so a replica that dies
// mid-update leaves Telegram to deliver it again.
func (f *TelegramFront) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := req.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if f.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(f.cfg.WebhookSecret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxWebhookBody))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var upd models.Update
		if err := json.Unmarshal(body, &upd); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		// Finish the update even if Telegram hangs up: its effects are one
		// transaction and a reply, better done whole than cut off halfway.
		ctx := context.WithoutCancel(req.Context())
		f.processUpdate(ctx, f.tg, &upd)
		w.WriteHeader(http.StatusOK)
	})
}

// processUpdate is go-telegram/bot's default handler: every update goes,
// translated, to the Bot.
func (f *TelegramFront) processUpdate(ctx context.Context, _ *tgbot.Bot, upd *models.Update) {
	if u, ok := telegram.Update(f.id, upd); ok {
		f.b.Handle(ctx, f.ch, u)
	}
	if f.b.handled != nil {
		f.b.handled(upd.ID)
	}
}

// hasMessage reports whether the catalogs define id.
func (b *Bot) hasMessage(id string) bool { return b.msgIDs[id] }
