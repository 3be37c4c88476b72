package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/secret"
)

const botAddUsage = "bot add --club ID [--channel telegram] < TOKEN_FILE (or CLUBCRM_BOT_TOKEN=...)"

// botTokenPattern is the shape of a Bot API token: the bot's id, a colon,
// the secret. Checked before the token goes into a request path.
var botTokenPattern = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$`)

// maxTokenLine bounds what bot add reads from standard input.
const maxTokenLine = 4096

// runBotAdd is `clubcrm bot add`: it gives a club its own Telegram bot. The
// token comes from standard input (its first line) or CLUBCRM_BOT_TOKEN,
// never from a flag, which would stay in shell history and show in ps. It
// is checked with getMe, sealed with SECRETS_KEY together with a new
// webhook secret, and stored; the token is never printed or logged.
func runBotAdd(ctx context.Context, e *cmdEnv, args []string) error {
	for _, a := range args {
		if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && name == "token" {
			return usagef("bot add takes no --token: give the token on standard input or in CLUBCRM_BOT_TOKEN, so that it stays out of shell history and ps (usage: clubcrm %s)", botAddUsage)
		}
	}
	fs := flag.NewFlagSet("bot add", flag.ContinueOnError)
	club := fs.Int64("club", 0, "the club's `ID`")
	channel := fs.String("channel", postgres.BotChannelTelegram, "the bot's channel: only telegram can be added so far")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		// Not echoed: a token pasted as an argument must not reach the output.
		return usagef("bot add takes no arguments; the token goes on standard input or in CLUBCRM_BOT_TOKEN (usage: clubcrm %s)", botAddUsage)
	case *club <= 0:
		return usagef("bot add: --club ID is required (usage: clubcrm %s)", botAddUsage)
	case *channel != postgres.BotChannelTelegram:
		return usagef("bot add: --channel %q: only telegram bots can be added so far (usage: clubcrm %s)", *channel, botAddUsage)
	}
	cfg, err := loadConfig(e.getenv)
	if err != nil {
		return err
	}
	box, err := secret.New(cfg.SecretsKey) // its errors name SECRETS_KEY, never its value
	if err != nil {
		return fmt.Errorf("bot add: %w", err)
	}
	token, err := readBotToken(e, cfg, *club)
	if err != nil {
		return err
	}
	if token == cfg.TelegramToken {
		return errors.New("bot add: this is the deployment's default bot (TELEGRAM_BOT_TOKEN), which already serves every club without a bot of its own; a club's own bot needs a token of its own")
	}
	return withClubDB(ctx, e, "bot add", *club, func(db *postgres.DB) error {
		// One key for every bot: under another, the new bot would not open
		// next to the others at start, and its token's hash would not match
		// the same token stored under the old key.
		if _, err := loadBots(ctx, db, box); err != nil {
			return fmt.Errorf("bot add: SECRETS_KEY must be the key the stored bots were added with: %w", err)
		}
		username, err := botGetMe(ctx, cfg.TelegramAPIURL, token)
		if err != nil {
			return fmt.Errorf("bot add: %w", err)
		}
		webhookSecret, err := newWebhookSecret()
		if err != nil {
			return fmt.Errorf("bot add: %w", err)
		}
		b, err := db.BotAdd(ctx, postgres.BotNew{
			ClubID: *club, Channel: *channel, Username: username, TokenHash: box.Hash([]byte(token)),
			Seal: func(id int64) ([]byte, []byte, error) {
				tokenEnc, err := box.Seal([]byte(token), secret.RowAAD("bots", id, "token_enc"))
				if err != nil {
					return nil, nil, err
				}
				secretEnc, err := box.Seal([]byte(webhookSecret), secret.RowAAD("bots", id, "webhook_secret_enc"))
				return tokenEnc, secretEnc, err
			},
		})
		switch domain.ErrorCode(err) {
		case domain.CodeBotTokenTaken:
			return fmt.Errorf("bot add: @%s is already the bot of another club; nothing was stored", username)
		case domain.CodeBotExists:
			return fmt.Errorf("bot add: club %d already has its own %s bot; remove it first (`clubcrm bot list --club %d`, then `clubcrm bot remove`); nothing was stored", *club, *channel, *club)
		}
		if err != nil {
			return fmt.Errorf("bot add: %w", err)
		}
		fmt.Fprintf(e.stdout, "bot %d: @%s now serves club %d on %s\n", b.ID, b.Username, b.ClubID, b.Channel)
		fmt.Fprintf(e.stdout, "webhook path: %s\n", botWebhookPath(b.ID))
		return nil
	})
}

// botWebhookPath is where Telegram posts a club bot's updates: by its id,
// never its token.
func botWebhookPath(id int64) string { return fmt.Sprintf("/telegram/%d", id) }

// readBotToken takes the token from CLUBCRM_BOT_TOKEN or else the first
// line of standard input, asking for it when standard input is a terminal
// (the answer is echoed: it still stays out of history and ps).
func readBotToken(e *cmdEnv, cfg config, clubID int64) (string, error) {
	token := strings.TrimSpace(cfg.BotAddToken)
	if token == "" && e.stdin != nil {
		if f, ok := e.stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				fmt.Fprintf(e.stderr, "Paste the token @BotFather gave for club %d's bot and press Enter: ", clubID)
			}
		}
		line, err := bufio.NewReader(io.LimitReader(e.stdin, maxTokenLine+1)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("bot add: read the token from standard input: %w", err)
		}
		if len(line) > maxTokenLine {
			return "", errors.New("bot add: the first line of standard input is too long to be a bot token")
		}
		token = strings.TrimSpace(line)
	}
	if token == "" {
		return "", errors.New("bot add: no token: give it on standard input (`clubcrm bot add --club ID < token.txt`) or in CLUBCRM_BOT_TOKEN")
	}
	if !botTokenPattern.MatchString(token) {
		return "", errors.New("bot add: that is not a bot token: @BotFather gives one as digits, a colon and letters (123456:ABC-def...)")
	}
	return token, nil
}

// botGetMe asks Telegram, through go-telegram/bot, which bot the token
// belongs to and returns its username. No error it returns holds the token.
func botGetMe(ctx context.Context, apiURL, token string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tg, err := tgbot.New(token,
		tgbot.WithServerURL(strings.TrimRight(apiURL, "/")),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(10*time.Second, &http.Client{Timeout: 10 * time.Second}),
		tgbot.WithErrorsHandler(func(error) {}),
	)
	if err != nil {
		return "", errors.New("could not set up a Telegram client")
	}
	me, err := tg.GetMe(ctx)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), token, "<token>")
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
			//lint:ignore ST1005 the sentence starts with the name Telegram
			return "", fmt.Errorf("Telegram refused the token (getMe: %s); copy it again from @BotFather", msg)
		}
		return "", fmt.Errorf("could not ask Telegram to check the token (getMe: %s)", msg)
	}
	if !me.IsBot || !botUsernamePattern.MatchString(me.Username) {
		//lint:ignore ST1005 the sentence starts with the name Telegram
		return "", fmt.Errorf("Telegram's getMe did not answer with a bot (username %q)", me.Username)
	}
	return me.Username, nil
}

// newWebhookSecret is a random X-Telegram-Bot-Api-Secret-Token: 43
// characters of [A-Za-z0-9_-], as Telegram allows.
func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a webhook secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
