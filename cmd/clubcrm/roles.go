package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	tgbot "github.com/go-telegram/bot"
	"golang.org/x/sync/errgroup"

	"github.com/clubcrm/clubcrm/bot"
	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/secret"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/scheduler"
)

// roleSet says which roles a process runs.
type roleSet struct {
	bot, worker, scheduler bool
}

func runServe(ctx context.Context, e *cmdEnv, args []string) error {
	return runRoles(ctx, e, "serve", args, roleSet{bot: true, worker: true, scheduler: true})
}

func runBotRole(ctx context.Context, e *cmdEnv, args []string) error {
	return runRoles(ctx, e, "bot", args, roleSet{bot: true})
}

func runWorkerRole(ctx context.Context, e *cmdEnv, args []string) error {
	return runRoles(ctx, e, "worker", args, roleSet{worker: true})
}

func runSchedulerRole(ctx context.Context, e *cmdEnv, args []string) error {
	return runRoles(ctx, e, "scheduler", args, roleSet{scheduler: true})
}

// runRoles starts the chosen roles and the HTTP listener in one process and
// runs them until ctx ends (SIGINT/SIGTERM) or one fails; then every role
// shuts down gracefully within SHUTDOWN_TIMEOUT.
func runRoles(ctx context.Context, e *cmdEnv, name string, args []string, roles roleSet) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments (configuration comes from the environment)", name)
	}
	a, err := newApp(ctx, e, name)
	if err != nil {
		return err
	}
	defer a.close()

	cat, err := i18n.New()
	if err != nil {
		return err
	}
	if name == "serve" && a.cfg.DemoClub {
		if err := ensureDemoClub(ctx, a.db, a.log); err != nil {
			return err
		}
	}

	// The clubs' phone secrets are checked before anything starts too: the
	// inbound API of every role checks signed notifications with them.
	phoneBox, err := secret.New(a.cfg.SecretsKey)
	if errors.Is(err, secret.ErrNoKey) {
		phoneBox, err = nil, nil
	}
	if err != nil {
		return err // validated with the config; kept for safety
	}
	if err := checkPhoneSecrets(ctx, a.db, phoneBox); err != nil {
		return err
	}

	// The clubs' own bots are opened before anything starts: bots that do
	// not open with SECRETS_KEY stop the process here, before it sends.
	var clubs *clubBots
	if roles.bot || roles.worker {
		if clubs, err = newClubBots(ctx, a); err != nil {
			return err
		}
	}

	g, ctx := errgroup.WithContext(ctx)
	extra := map[string]http.Handler{}
	var router *chat.Router // the notifier's transports, in the worker role
	var staffBot *bot.Bot   // in the bot role
	// The deployment's Viber bot (viber.go); nil when off.
	vb, err := a.startViber(ctx, g, roles, cat, extra)
	if err != nil {
		return err
	}

	if roles.worker || roles.scheduler {
		metrics, err := jobs.NewMetrics(a.reg)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		if err := jobs.RegisterQueueMetrics(a.reg, a.rdb); err != nil {
			return fmt.Errorf("queue metrics: %w", err)
		}
		dep, err := a.db.DeploymentID(ctx)
		if err != nil {
			return err
		}
		queues := jobs.Queues{Prefix: a.cfg.QueuePrefix, Deployment: dep}
		enq := jobs.NewEnqueuer(a.rdb, queues)
		extra["/monitoring/"] = a.protectMonitoring(jobs.MonitoringHandler(a.rdb, "/monitoring"))

		if roles.worker {
			transports, err := a.transports()
			if err != nil {
				return err
			}
			router = transports
			opts := append(vb.route(transports), jobs.WithNotifierMetrics(metrics)) // viber.go
			lim := jobs.Limits{PerSecond: a.cfg.RateGlobalPerSec, PerChatPerSecond: a.cfg.RateChatPerSec, PerGroupPerMinute: a.cfg.RateGroupPerMin}
			notifier := jobs.NewNotifier(a.db, a.rdb, transports, lim, queues, a.log, a.clock, opts...)
			d := jobs.Deps{DB: a.db, Redis: a.rdb, Enqueuer: enq, Notifier: notifier, Catalog: cat, Queues: queues, Clock: a.clock, Log: a.log, Metrics: metrics}
			cfg := jobs.WorkerConfig{Concurrency: a.cfg.WorkerConcurrency, ShutdownTimeout: a.cfg.ShutdownTimeout}
			g.Go(func() error { return jobs.RunWorker(ctx, d, cfg) })
		}
		if roles.scheduler {
			d := scheduler.Deps{DB: a.db, Enqueuer: enq, Queues: queues, Clock: a.clock, Log: a.log, Locker: scheduler.NewPGLocker(a.db)}
			g.Go(func() error { return scheduler.Run(ctx, d) })
		}
	}

	if roles.bot {
		cfg := bot.Config{Token: a.cfg.TelegramToken, APIURL: a.cfg.TelegramAPIURL}
		if a.cfg.TelegramToken == "" {
			a.log.Warn("default bot is off: TELEGRAM_BOT_TOKEN is not set; clubs' own bots, workers, scheduler and HTTP run without it")
		} else {
			cfg.WebhookURL, cfg.WebhookSecret = a.cfg.WebhookURL, a.cfg.WebhookSecret
		}
		b, err := bot.New(cfg, bot.Deps{DB: a.db, Catalog: cat, Clock: a.clock, Log: a.log})
		if err != nil {
			return err
		}
		staffBot = b
		if a.cfg.TelegramToken != "" {
			a.botReady = b.Ready
			if a.cfg.WebhookURL != "" {
				u, _ := url.Parse(a.cfg.WebhookURL) // validated in config
				path := u.Path
				if path == "" {
					path = "/"
				}
				extra["POST "+path] = b.WebhookHandler()
			}
			g.Go(func() error { return b.Run(ctx) })
		}
	}
	if clubs != nil {
		// The clubs' own bots: fronts in the bot role, transports in the
		// worker role.
		clubs.start(ctx, staffBot, router)
		if staffBot != nil && clubs.hookBase != "" {
			extra["POST /telegram/"] = clubs
		}
	}

	g.Go(func() error { return a.serveHTTP(ctx, a.routes(extra)) })
	err = g.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	a.log.Info("stopped")
	return nil
}

// transports builds the transports the notifier sends through: the
// deployment's Telegram bot when TELEGRAM_BOT_TOKEN is set. They are plain
// API clients: polling and webhooks belong to the bot role, so a worker
// process never competes for updates. Without a token nobody can have linked
// a Telegram account, and a message to a Telegram address is reported as
// undeliverable (chat.ErrNoTransport) rather than silently dropped.
func (a *app) transports() (*chat.Router, error) {
	r := chat.NewRouter()
	if a.cfg.TelegramToken == "" {
		return r, nil
	}
	opts := []tgbot.Option{tgbot.WithSkipGetMe()}
	if a.cfg.TelegramAPIURL != "" {
		opts = append(opts, tgbot.WithServerURL(a.cfg.TelegramAPIURL))
	}
	tg, err := tgbot.New(a.cfg.TelegramToken, opts...)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	return r.Add(chat.Telegram, chat.DefaultBot, telegram.New(tg)), nil
}
