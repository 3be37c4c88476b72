package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/clubcrm/clubcrm/bot"
	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/secret"
)

// botSyncEvery is how often a process picks up club bots added or removed
// (`clubcrm bot add|remove`) while it runs.
const botSyncEvery = 30 * time.Second

// clubBots keeps the clubs' own Telegram bots of a process in step with the
// bots table: at start and every botSyncEvery it loads the live bots,
// starts the new ones and stops the removed ones. In the bot role each is a
// bot.TelegramFront (long polling, or its webhook at /telegram/<id> with
// its own secret); in the worker role each is a transport of the
// notifier's router, so a message to a person who talks to a club's bot
// leaves through that bot, within that bot's own rate budget.
type clubBots struct {
	db     *postgres.DB
	box    *secret.Box // nil: SECRETS_KEY not set (fine while no club has a bot)
	log    *slog.Logger
	apiURL string // TELEGRAM_API_URL
	// hookBase is the origin webhooks are registered under (from
	// WEBHOOK_URL); empty: long polling.
	hookBase string
	bot      *bot.Bot     // nil outside the bot role
	router   *chat.Router // nil outside the worker role

	loaded []LiveBot // read by load, started by start

	mu      sync.Mutex
	running map[int64]*runningBot
}

type runningBot struct {
	front  *bot.TelegramFront // nil outside the bot role
	stop   context.CancelFunc
	closed chan struct{}
}

// newClubBots loads the live club bots: a key that does not open them is an
// error here, before the process has started anything. The bot and router
// they serve are given to start.
func newClubBots(ctx context.Context, a *app) (*clubBots, error) {
	box, err := secret.New(a.cfg.SecretsKey)
	if errors.Is(err, secret.ErrNoKey) {
		box, err = nil, nil
	}
	if err != nil {
		return nil, err // validated with the config; kept for safety
	}
	c := &clubBots{db: a.db, box: box, log: a.log, apiURL: a.cfg.TelegramAPIURL, running: map[int64]*runningBot{}}
	if a.cfg.WebhookURL != "" {
		u, err := url.Parse(a.cfg.WebhookURL)
		if err != nil {
			return nil, fmt.Errorf("WEBHOOK_URL: %w", err)
		}
		c.hookBase = u.Scheme + "://" + u.Host
	}
	if c.loaded, err = loadBots(ctx, c.db, c.box); err != nil {
		return nil, err
	}
	return c, nil
}

// start runs the bots loaded by newClubBots, as fronts of b (nil outside
// the bot role) and transports of router (nil outside the worker role),
// and keeps them in step with the table until ctx ends.
func (c *clubBots) start(ctx context.Context, b *bot.Bot, router *chat.Router) {
	c.bot, c.router = b, router
	c.apply(ctx, c.loaded)
	c.loaded = nil // the running bots hold their tokens; no second copy
	go func() {
		t := time.NewTicker(botSyncEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				c.stopAll()
				return
			case <-t.C:
				if err := c.sync(ctx); err != nil && ctx.Err() == nil {
					// The bots already running keep running.
					c.log.Error("club bots: reload", "err", err)
				}
			}
		}
	}()
}

// sync reloads the live bots and applies them.
func (c *clubBots) sync(ctx context.Context) error {
	live, err := loadBots(ctx, c.db, c.box)
	if err != nil {
		return err
	}
	c.apply(ctx, live)
	return nil
}

// apply starts the live Telegram bots not running yet and stops those no
// longer live.
func (c *clubBots) apply(ctx context.Context, live []LiveBot) {
	want := map[int64]LiveBot{}
	for _, lb := range live {
		if lb.Channel == postgres.BotChannelTelegram {
			want[lb.ID] = lb
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, rb := range c.running {
		if _, ok := want[id]; !ok {
			c.stopLocked(id, rb)
			c.log.Info("club bot stopped", "bot_id", id)
		}
	}
	for id, lb := range want {
		if _, ok := c.running[id]; ok {
			continue
		}
		if err := c.startLocked(ctx, lb); err != nil {
			c.log.Error("club bot: start", "err", err, "bot_id", id, "club_id", lb.ClubID)
			continue
		}
		c.log.Info("club bot started", "bot_id", id, "club_id", lb.ClubID, "bot_username", lb.Username, "webhook", c.hookBase != "")
	}
}

func (c *clubBots) startLocked(ctx context.Context, lb LiveBot) error {
	rctx, stop := context.WithCancel(ctx)
	rb := &runningBot{stop: stop, closed: make(chan struct{})}
	if c.router != nil {
		opts := []tgbot.Option{tgbot.WithSkipGetMe()}
		if c.apiURL != "" {
			opts = append(opts, tgbot.WithServerURL(c.apiURL))
		}
		tg, err := tgbot.New(lb.Token.Reveal(), opts...)
		if err != nil {
			stop()
			return fmt.Errorf("telegram client of bot %d: %w", lb.ID, err)
		}
		c.router.Add(chat.Telegram, lb.ID, telegram.NewBot(tg, lb.ID))
	}
	if c.bot == nil {
		close(rb.closed)
		c.running[lb.ID] = rb
		return nil
	}
	cfg := bot.Config{Token: lb.Token.Reveal(), APIURL: c.apiURL}
	if c.hookBase != "" {
		cfg.WebhookURL, cfg.WebhookSecret = c.hookBase+lb.WebhookPath(), lb.WebhookSecret.Reveal()
	}
	f, err := c.bot.NewTelegramFront(lb.ID, cfg)
	if err != nil {
		stop()
		if c.router != nil {
			c.router.Remove(chat.Telegram, lb.ID)
		}
		return err
	}
	rb.front = f
	c.running[lb.ID] = rb
	go func() {
		defer close(rb.closed)
		if err := f.Run(rctx); err != nil {
			// A token Telegram refuses stops this bot only.
			c.log.Error("club bot stopped with an error", "err", err, "bot_id", lb.ID, "club_id", lb.ClubID)
		}
	}()
	return nil
}

func (c *clubBots) stopLocked(id int64, rb *runningBot) {
	rb.stop()
	if c.router != nil {
		c.router.Remove(chat.Telegram, id)
	}
	delete(c.running, id)
}

func (c *clubBots) stopAll() {
	c.mu.Lock()
	var closed []chan struct{}
	for id, rb := range c.running {
		c.stopLocked(id, rb)
		closed = append(closed, rb.closed)
	}
	c.mu.Unlock()
	for _, ch := range closed {
		<-ch
	}
}

// ServeHTTP serves the club bots' webhooks at /telegram/<bot id>: an
// unknown or removed bot, or a request without that bot's secret, gets 401
// and is not looked at (the front checks the secret).
func (c *clubBots) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/telegram/"), 10, 64)
	var f *bot.TelegramFront
	if err == nil {
		c.mu.Lock()
		if rb, ok := c.running[id]; ok {
			f = rb.front
		}
		c.mu.Unlock()
	}
	if f == nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	f.WebhookHandler().ServeHTTP(w, r)
}
