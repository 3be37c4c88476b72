package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/clubcrm/clubcrm/bot"
	"github.com/clubcrm/clubcrm/bot/viber"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/jobs"
)

// viberSide is the process's Viber bot (VIBER_BOT_TOKEN): one client and one
// channel, shared by the bot role (webhook answers) and the worker role
// (notices), so the keyboard each chat shows and the metrics are one.
type viberSide struct {
	client   *viber.Client
	channel  *viber.Channel
	files    *viber.FileStore
	sessions *viber.RedisSessions
	public   string // PUBLIC_URL
}

// viberMetrics are the Prometheus counters an operator watches on the
// Viber bot; viber.Channel calls them.
type viberMetrics struct {
	billable, noBalance, blocked prometheus.Counter
}

func (m *viberMetrics) Billable()       { m.billable.Inc() }
func (m *viberMetrics) NoBalance()      { m.noBalance.Inc() }
func (m *viberMetrics) AccountBlocked() { m.blocked.Inc() }

func newViberMetrics(reg prometheus.Registerer) (*viberMetrics, error) {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "clubcrm", Subsystem: "viber", Name: name, Help: help})
	}
	m := &viberMetrics{
		billable:  counter("billable_messages_total", "Viber messages sent outside the person's 24-hour session (charged)."),
		noBalance: counter("no_balance_total", "Viber sends refused for want of balance or free quota; nothing reaches Viber staff until topped up."),
		blocked:   counter("account_blocked_total", "Viber sends refused because the bot account is blocked or suspended."),
	}
	for _, c := range []prometheus.Collector{m.billable, m.noBalance, m.blocked} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register viber metrics: %w", err)
		}
	}
	return m, nil
}

// fileLinkSecret is FILE_LINK_SECRET, or without it a key derived from the
// Viber token (HMAC-SHA256 of a fixed label): every replica derives the same
// one, and a token rotation only voids links that expire within
// FILE_LINK_TTL anyway.
func (c config) fileLinkSecret() []byte {
	if c.FileLinkSecret != "" {
		return []byte(c.FileLinkSecret)
	}
	mac := hmac.New(sha256.New, []byte(c.ViberToken))
	mac.Write([]byte("clubcrm file links v1"))
	return mac.Sum(nil)
}

// validateViber checks the Viber settings: with a token, PUBLIC_URL is
// required (the webhook and the file links live under it) and must be
// https (Viber refuses plain http; loopback is allowed for tests).
func (c config) validateViber() error {
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			return errors.New("configuration: PUBLIC_URL must be an https:// URL")
		}
	}
	if c.ViberToken == "" {
		return nil
	}
	if c.PublicURL == "" {
		return errors.New("configuration: VIBER_BOT_TOKEN is set but PUBLIC_URL is not: Viber's webhook and file links need the service's public https URL")
	}
	if _, err := url.Parse(c.ViberAPIURL); err != nil || c.ViberAPIURL == "" {
		return errors.New("configuration: VIBER_API_URL is not a URL")
	}
	if c.FileLinkSecret != "" && len(c.FileLinkSecret) < 16 {
		return errors.New("configuration: FILE_LINK_SECRET must be at least 16 characters")
	}
	if c.FileLinkTTL < time.Minute {
		return errors.New("configuration: FILE_LINK_TTL must be at least 1m")
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// startViber wires the deployment's Viber bot into the roles this process
// runs, or says once that Viber is off (no VIBER_BOT_TOKEN). The bot role
// serves the webhook at /viber/ and the file links at /files/, and
// registers the webhook with Viber once the HTTP server answers (the
// listener is already bound, so Viber's check call waits for it). The
// worker role gets the channel through (*viberSide).route. A nil
// *viberSide is Viber off.
func (a *app) startViber(ctx context.Context, g *errgroup.Group, roles roleSet, cat *i18n.Catalog, extra map[string]http.Handler) (*viberSide, error) {
	if a.cfg.ViberToken == "" {
		if roles.bot || roles.worker {
			a.log.Info("viber is off: VIBER_BOT_TOKEN is not set")
		}
		return nil, nil
	}
	metrics, err := newViberMetrics(a.reg)
	if err != nil {
		return nil, err
	}
	files, err := viber.NewFileStore(a.rdb, a.cfg.QueuePrefix+"clubcrm:files:", a.cfg.PublicURL, a.cfg.fileLinkSecret(), a.cfg.FileLinkTTL)
	if err != nil {
		return nil, err
	}
	log := a.log.With(slog.String("channel", "viber"))
	v := &viberSide{
		client:   viber.NewClient(a.cfg.ViberAPIURL, a.cfg.ViberToken, nil),
		files:    files,
		sessions: viber.NewRedisSessions(a.rdb, a.cfg.QueuePrefix+"clubcrm:viber:in:"),
		public:   a.cfg.PublicURL,
	}
	v.channel = viber.NewChannel(v.client, viber.Config{
		Bot:      chat.DefaultBot,
		Sender:   viber.Sender{Name: a.cfg.ViberSenderName, Avatar: a.cfg.ViberSenderAvatar},
		Links:    files,
		Sessions: v.sessions,
		Metrics:  metrics,
		Log:      log,
		// Shared, so whichever replica answers a tap knows the keyboard
		// on show (Viber shows only the last one).
		Keyboards: viber.NewRedisKeyboards(a.rdb, a.cfg.QueuePrefix+"clubcrm:viber:kb:0:"),
	})
	// Files are served wherever a process serves HTTP: a worker's chart link
	// may be fetched from any replica behind PUBLIC_URL.
	extra[viber.FilesPath] = files
	if !roles.bot {
		return v, nil
	}
	b, err := bot.New(bot.Config{}, bot.Deps{DB: a.db, Catalog: cat, Clock: a.clock, Log: a.log})
	if err != nil {
		return nil, err
	}
	reg := viber.NewRegistry()
	reg.Add(chat.DefaultBot, a.cfg.ViberToken, v.channel)
	hook, err := viber.NewWebhook(viber.WebhookConfig{
		Bots:     reg,
		Seen:     viber.NewRedisSeen(a.rdb, a.cfg.QueuePrefix+"clubcrm:viber:seen:"),
		Handle:   b.Handle,
		Welcome:  b.ViberWelcome,
		Sessions: v.sessions,
		Log:      log,
	})
	if err != nil {
		return nil, err
	}
	extra["POST "+viber.PathPrefix] = hook
	g.Go(func() error {
		if err := v.register(ctx, log); err != nil {
			return err
		}
		<-ctx.Done()
		// The HTTP server has stopped taking callbacks by now or soon;
		// let the ones being handled finish.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
		defer cancel()
		if err := hook.Wait(wctx); err != nil {
			log.Warn("viber: shutdown", slog.Any("error", err))
		}
		return nil
	})
	return v, nil
}

// register points Viber at the webhook, retrying while Viber (or our own
// HTTP server, still starting) cannot be reached; a refusal that retrying
// cannot fix (a bad token) stops the process with one line.
func (v *viberSide) register(ctx context.Context, log *slog.Logger) error {
	publicURL := v.public
	wait := time.Second
	for {
		err := viber.Register(ctx, v.client, publicURL, chat.DefaultBot)
		if err == nil {
			log.Info("viber webhook registered", slog.String("url", viber.WebhookURL(publicURL, chat.DefaultBot)))
			return nil
		}
		var api *viber.APIError
		if errors.As(err, &api) && api.Status == viber.StatusInvalidToken {
			return fmt.Errorf("viber: VIBER_BOT_TOKEN is refused by Viber: %w", err)
		}
		log.Warn("viber: webhook not registered yet, retrying", slog.Any("error", err), slog.Duration("in", wait))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// route adds the Viber channel to the notifier's transports and returns
// the notifier's Viber options: Viber's rate (jobs.ViberLimits) and the
// cap of messages to one person an hour without a reply. Nothing when
// Viber is off, so a notice to a Viber address fails as undeliverable
// (chat.ErrNoTransport) instead of vanishing.
func (v *viberSide) route(r *chat.Router) []jobs.NotifierOption {
	if v == nil {
		return nil
	}
	r.Add(chat.Viber, chat.DefaultBot, v.channel)
	return []jobs.NotifierOption{
		jobs.WithChannelLimits(chat.Viber, jobs.ViberLimits),
		jobs.WithHourlyCap(chat.Viber, jobs.ViberHourlyCap, v.sessions),
		jobs.WithFreeWindow(chat.Viber, v.sessions),
	}
}

// viberInvites reports whether invites get a Viber link: a Viber bot is
// configured (its token, or just its URI for an admin host without the
// token).
func (c config) viberInvites() bool { return c.ViberToken != "" || c.ViberBotURI != "" }

// viberURIPattern is what a Viber bot URI (its public account name in
// links) looks like.
var viberURIPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// viberBotURI is the Viber bot's URI for invite links: VIBER_BOT_URI, or
// else asked from get_account_info with the token; "" when Viber is not
// configured.
func viberBotURI(ctx context.Context, cfg config) (string, error) {
	if uri := strings.TrimSpace(cfg.ViberBotURI); uri != "" {
		if !viberURIPattern.MatchString(uri) {
			return "", fmt.Errorf("VIBER_BOT_URI %q is not a Viber bot URI", cfg.ViberBotURI)
		}
		return uri, nil
	}
	if cfg.ViberToken == "" {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	info, err := viber.NewClient(cfg.ViberAPIURL, cfg.ViberToken, nil).GetAccountInfo(ctx)
	if err != nil {
		return "", fmt.Errorf("ask Viber for the bot's URI: %w; or set VIBER_BOT_URI", err)
	}
	if !viberURIPattern.MatchString(info.URI) {
		return "", fmt.Errorf("the bot's URI from Viber, %q, is not usable in a link; set VIBER_BOT_URI", info.URI)
	}
	return info.URI, nil
}

// viberInviteLink opens the Viber bot with the invite code as the
// conversation's context: Viber hands it to the webhook in
// conversation_started, and the bot reads it as "/start <code>".
func viberInviteLink(uri, code string) string {
	return "viber://pa?chatURI=" + url.QueryEscape(uri) + "&context=" + url.QueryEscape(code)
}
