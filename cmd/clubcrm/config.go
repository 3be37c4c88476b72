package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/clubcrm/clubcrm/domain/secret"
)

// config is the whole service's configuration, parsed from the environment
// once and passed down explicitly.
type config struct {
	DatabaseURL string `env:"DATABASE_URL" envDefault:"postgres://postgres@localhost:5432/clubcrm?sslmode=disable"`
	// DatabaseReplicaURL, when set, is a read replica that reports, digests
	// and the morning lists read from.
	DatabaseReplicaURL string `env:"DATABASE_REPLICA_URL"`
	RedisURL           string `env:"REDIS_URL" envDefault:"redis://localhost:6379/0"`
	// Redis topology (redis.go): with REDIS_SENTINEL_ADDRS the primary is
	// found through Sentinel, with REDIS_CLUSTER_ADDRS Redis is a Cluster;
	// REDIS_URL then only supplies the data nodes' user, password, database
	// (Sentinel) and TLS.
	RedisSentinelAddrs    []string `env:"REDIS_SENTINEL_ADDRS" envSeparator:","`
	RedisSentinelMaster   string   `env:"REDIS_SENTINEL_MASTER"`
	RedisSentinelPassword string   `env:"REDIS_SENTINEL_PASSWORD"`
	RedisClusterAddrs     []string `env:"REDIS_CLUSTER_ADDRS" envSeparator:","`
	// DatabaseMaxConns sizes the pool; keep it above WORKER_CONCURRENCY plus
	// the bot's update workers (8) plus a few for the scheduler and HTTP.
	DatabaseMaxConns int32 `env:"DATABASE_MAX_CONNS" envDefault:"25"`

	TelegramToken  string `env:"TELEGRAM_BOT_TOKEN"`
	TelegramAPIURL string `env:"TELEGRAM_API_URL" envDefault:"https://api.telegram.org"`
	BotUsername    string `env:"TELEGRAM_BOT_USERNAME"` // for invite links; asked from getMe when empty and a token is set
	WebhookURL     string `env:"WEBHOOK_URL"`           // public URL of the webhook; empty = long polling
	WebhookSecret  string `env:"WEBHOOK_SECRET"`        // X-Telegram-Bot-Api-Secret-Token; required with WEBHOOK_URL

	// Viber (viber.go): the deployment's Viber bot, off without a token.
	ViberToken        string `env:"VIBER_BOT_TOKEN"`
	ViberAPIURL       string `env:"VIBER_API_URL" envDefault:"https://chatapi.viber.com/pa"`
	ViberSenderName   string `env:"VIBER_SENDER_NAME" envDefault:"ClubCRM"`
	ViberSenderAvatar string `env:"VIBER_SENDER_AVATAR"`
	ViberBotURI       string `env:"VIBER_BOT_URI"` // for invite links; asked from get_account_info when empty and a token is set
	// PublicURL is the https base the service is reached at: Viber's
	// webhook and the file links live under it.
	PublicURL string `env:"PUBLIC_URL"`
	// FileLinkSecret signs the links of charts and files; empty derives one
	// from VIBER_BOT_TOKEN (viber.go).
	FileLinkSecret string        `env:"FILE_LINK_SECRET"`
	FileLinkTTL    time.Duration `env:"FILE_LINK_TTL" envDefault:"24h"`

	// SecretsKey seals the clubs' own bot tokens and phone-system signing
	// secrets in the database (domain/secret); required once any club has
	// its own bot or a phone secret.
	SecretsKey string `env:"SECRETS_KEY"`
	// BotAddToken is the token `bot add` stores, instead of reading it
	// from standard input: never a flag, which would land in shell history
	// and ps.
	BotAddToken string `env:"CLUBCRM_BOT_TOKEN"`
	// PhoneSecret is the signing secret `phone secret set` stores, instead
	// of reading it from standard input: never a flag.
	PhoneSecret string `env:"CLUBCRM_PHONE_SECRET"`

	HTTPAddr  string `env:"HTTP_ADDR" envDefault:":8080"`
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"json"`

	ShutdownTimeout   time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"25s"`
	WorkerConcurrency int           `env:"WORKER_CONCURRENCY" envDefault:"10"`
	QueuePrefix       string        `env:"QUEUE_PREFIX"` // lets several deployments (or tests) share one Redis

	RateGlobalPerSec float64 `env:"NOTIFY_RATE_PER_SECOND" envDefault:"30"`
	RateChatPerSec   float64 `env:"NOTIFY_CHAT_RATE_PER_SECOND" envDefault:"1"`
	RateGroupPerMin  float64 `env:"NOTIFY_GROUP_RATE_PER_MINUTE" envDefault:"20"`

	// APIRatePerMin is how many requests one inbound API key may make a minute.
	APIRatePerMin int `env:"API_RATE_PER_MINUTE" envDefault:"120"`

	DemoClub bool `env:"DEMO_CLUB" envDefault:"true"` // serve: create a demo club from the embedded plan on an empty database

	// MonitoringUser and MonitoringPassword protect /monitoring (asynqmon can
	// delete and re-run jobs) with HTTP basic auth. Unset, /monitoring
	// answers only requests from the loopback interface.
	MonitoringUser     string `env:"MONITORING_USER"`
	MonitoringPassword string `env:"MONITORING_PASSWORD"`
}

func loadConfig(getenv func(string) string) (config, error) {
	var c config
	vars, err := environ(getenv)
	if err != nil {
		return c, err
	}
	if err := parseEnv(&c, vars); err != nil {
		return c, err
	}
	return c, c.validate()
}

// parseEnv fills c from vars, applying the struct tags' defaults.
func parseEnv(c *config, vars map[string]string) error {
	if err := env.ParseWithOptions(c, env.Options{Environment: vars}); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	return nil
}

// configKeys lists the variables config reads, taken from its struct tags so
// that a field added to the struct is read without being listed again.
func configKeys() ([]string, error) {
	params, err := env.GetFieldParams(&config{})
	if err != nil {
		return nil, fmt.Errorf("configuration: reading the config struct's tags: %w", err)
	}
	keys := make([]string, 0, len(params))
	for _, p := range params {
		keys = append(keys, p.Key)
	}
	return keys, nil
}

// environ turns getenv into the map caarlos0/env reads, for the keys config
// uses: getenv cannot list the environment, so the keys come from the struct.
func environ(getenv func(string) string) (map[string]string, error) {
	keys, err := configKeys()
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		if v := getenv(k); v != "" {
			m[k] = v
		}
	}
	return m, nil
}

func (c config) validate() error {
	if _, err := url.Parse(c.DatabaseURL); err != nil || !strings.HasPrefix(c.DatabaseURL, "postgres") {
		return fmt.Errorf("configuration: DATABASE_URL must be a postgres:// URL")
	}
	if _, err := url.Parse(c.DatabaseReplicaURL); c.DatabaseReplicaURL != "" && (err != nil || !strings.HasPrefix(c.DatabaseReplicaURL, "postgres")) {
		return fmt.Errorf("configuration: DATABASE_REPLICA_URL must be a postgres:// URL")
	}
	if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return fmt.Errorf("configuration: REDIS_URL must be a redis:// or rediss:// URL")
	}
	if err := c.validateRedisTopology(); err != nil {
		return err
	}
	if _, err := url.Parse(c.TelegramAPIURL); err != nil {
		return fmt.Errorf("configuration: TELEGRAM_API_URL is not a URL")
	}
	if c.SecretsKey != "" {
		if _, err := secret.New(c.SecretsKey); err != nil {
			return fmt.Errorf("configuration: %w", err)
		}
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || u.Scheme != "https" && u.Scheme != "http" {
			return fmt.Errorf("configuration: WEBHOOK_URL must be an http(s) URL")
		}
		if c.WebhookSecret == "" {
			return fmt.Errorf("configuration: WEBHOOK_SECRET is required with WEBHOOK_URL")
		}
	}
	if err := c.validateViber(); err != nil {
		return err
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("configuration: LOG_FORMAT must be json or text, not %q", c.LogFormat)
	}
	if c.DatabaseMaxConns < 2 || c.DatabaseMaxConns > 1000 {
		return fmt.Errorf("configuration: DATABASE_MAX_CONNS must be 2..1000")
	}
	if (c.MonitoringUser == "") != (c.MonitoringPassword == "") {
		return fmt.Errorf("configuration: set both MONITORING_USER and MONITORING_PASSWORD, or neither")
	}
	if c.WorkerConcurrency < 1 || c.WorkerConcurrency > 1000 {
		return fmt.Errorf("configuration: WORKER_CONCURRENCY must be 1..1000")
	}
	if c.APIRatePerMin < 1 {
		return fmt.Errorf("configuration: API_RATE_PER_MINUTE must be positive")
	}
	if c.RateGlobalPerSec <= 0 || c.RateChatPerSec <= 0 || c.RateGroupPerMin <= 0 {
		return fmt.Errorf("configuration: NOTIFY_* rates must be positive")
	}
	return nil
}

// LogValue keeps secrets out of logs: the token and webhook secret are never
// printed, the database and Redis URLs lose their passwords.
func (c config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("database_url", redactURL(c.DatabaseURL)),
		slog.String("database_replica_url", redactURL(c.DatabaseReplicaURL)),
		slog.String("redis_url", redactURL(c.RedisURL)),
		slog.String("redis_topology", c.redisTopology()),
		slog.Bool("telegram_token_set", c.TelegramToken != ""),
		slog.Bool("secrets_key_set", c.SecretsKey != ""),
		slog.String("telegram_api_url", c.TelegramAPIURL),
		slog.String("webhook_url", c.WebhookURL),
		slog.Bool("viber_token_set", c.ViberToken != ""),
		slog.String("public_url", c.PublicURL),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("queue_prefix", c.QueuePrefix),
	)
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("configuration: LOG_LEVEL must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}
