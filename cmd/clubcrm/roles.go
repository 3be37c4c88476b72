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

	g, ctx := errgroup.WithContext(ctx)
	extra := map[string]http.Handler{}

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
			messenger, err := a.messenger()
			if err != nil {
				return err
			}
			lim := jobs.Limits{PerSecond: a.cfg.RateGlobalPerSec, PerChatPerSecond: a.cfg.RateChatPerSec, PerGroupPerMinute: a.cfg.RateGroupPerMin}
			notifier := jobs.NewNotifier(a.db, a.rdb, messenger, lim, queues, a.log, a.clock, jobs.WithNotifierMetrics(metrics))
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
		if a.cfg.TelegramToken == "" {
			a.log.Warn("bot is off: TELEGRAM_BOT_TOKEN is not set; workers, scheduler and HTTP run without it")
			if name == "bot" {
				return errors.New("bot: TELEGRAM_BOT_TOKEN is not set")
			}
		} else {
			b, err := bot.New(bot.Config{
				Token: a.cfg.TelegramToken, APIURL: a.cfg.TelegramAPIURL,
				WebhookURL: a.cfg.WebhookURL, WebhookSecret: a.cfg.WebhookSecret,
			}, bot.Deps{DB: a.db, Catalog: cat, Clock: a.clock, Log: a.log})
			if err != nil {
				return err
			}
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

	g.Go(func() error { return a.serveHTTP(ctx, a.routes(extra)) })
	err = g.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	a.log.Info("stopped")
	return nil
}

// messenger builds the Telegram transport the notifier sends through. It is
// a plain API client: polling and webhooks belong to the bot role, so a
// worker process never competes for updates.
func (a *app) messenger() (chat.Messenger, error) {
	if a.cfg.TelegramToken == "" {
		return offMessenger{}, nil
	}
	opts := []tgbot.Option{tgbot.WithSkipGetMe()}
	if a.cfg.TelegramAPIURL != "" {
		opts = append(opts, tgbot.WithServerURL(a.cfg.TelegramAPIURL))
	}
	tg, err := tgbot.New(a.cfg.TelegramToken, opts...)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	return telegram.New(tg), nil
}

// offMessenger stands in when no Telegram token is configured. Nobody can
// have linked a Telegram account then, so the notifier finds every recipient
// unreachable and rarely gets here; when it does, the message is reported as
// undeliverable rather than silently dropped.
type offMessenger struct{}

var errTelegramOff = errors.New("telegram is off: TELEGRAM_BOT_TOKEN is not set")

func (offMessenger) Send(context.Context, int64, chat.Message) (int64, error) {
	return 0, errTelegramOff
}

func (offMessenger) Edit(context.Context, int64, int64, chat.Message) error { return errTelegramOff }

var _ chat.Messenger = offMessenger{}
