package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
)

const staffInviteUsage = "staff invite --club ID --role manager|staff|owner [--name NAME] [--ttl 168h]"

// runStaffInvite is `clubcrm staff invite`: it prints a single-use Telegram
// deep link that makes whoever opens it a staff member of the club with the
// given role, and when the link expires. Only the code's hash is stored.
func runStaffInvite(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("staff invite", flag.ContinueOnError)
	clubID := fs.Int64("club", 0, "the club's id")
	roleName := fs.String("role", "", "manager, staff or owner")
	name := fs.String("name", "", "the person's name; their Telegram name when empty")
	ttl := fs.Duration("ttl", domain.InviteTTL, "how long the link stays valid")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("staff invite takes no arguments (usage: clubcrm %s)", staffInviteUsage)
	}
	if *clubID <= 0 {
		return usagef("staff invite: --club ID is required (usage: clubcrm %s)", staffInviteUsage)
	}
	role, err := domain.ParseRole(*roleName)
	if err != nil {
		return usagef("staff invite: --role must be manager, staff or owner (usage: clubcrm %s)", staffInviteUsage)
	}

	cfg, err := loadConfig(e.getenv)
	if err != nil {
		return err
	}
	db, err := openAdminDB(ctx, e, "staff invite")
	if err != nil {
		return err
	}
	defer db.Close()
	club, err := commandClub(ctx, db, "staff invite", *clubID)
	if err != nil {
		return err
	}
	// The link opens the club's own bot when it has one, else the
	// deployment's (also for a club whose own bot was removed).
	var bot string
	switch own, err := db.BotByClub(ctx, club.ID, postgres.BotChannelTelegram); {
	case err == nil:
		bot = own.Username
	case errors.Is(err, domain.ErrNotFound):
		if bot, err = botUsername(ctx, cfg); err != nil && !cfg.viberInvites() {
			return fmt.Errorf("staff invite: %w", err)
		}
	default:
		return fmt.Errorf("staff invite: %w", err)
	}
	viberURI, err := viberBotURI(ctx, cfg) // viber.go; "" without Viber
	if err != nil {
		return fmt.Errorf("staff invite: %w", err)
	}
	code, expires, err := db.InviteCreate(ctx, club.ID, role, *name, *ttl)
	if err != nil {
		return fmt.Errorf("staff invite: %w", err)
	}
	loc, err := club.Location()
	if err != nil {
		loc = time.UTC
	}
	if bot != "" {
		fmt.Fprintf(e.stdout, "https://t.me/%s?start=%s\n", bot, code)
	}
	if viberURI != "" {
		fmt.Fprintln(e.stdout, viberInviteLink(viberURI, code))
	}
	as := map[domain.Role]string{domain.RoleOwner: "an owner", domain.RoleManager: "a manager", domain.RoleStaff: "a staff member"}[role]
	fmt.Fprintf(e.stdout, "single use: whoever opens it joins %s as %s; expires %s\n",
		club.Name, as, expires.In(loc).Format("2006-01-02 15:04 MST"))
	return nil
}

// botUsernamePattern is what Telegram allows in a username.
var botUsernamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{3,31}$`)

// botUsername is the bot's username for the link: TELEGRAM_BOT_USERNAME, or
// else asked from Telegram's getMe with the token.
func botUsername(ctx context.Context, cfg config) (string, error) {
	if cfg.BotUsername != "" {
		u := strings.TrimPrefix(strings.TrimSpace(cfg.BotUsername), "@")
		if !botUsernamePattern.MatchString(u) {
			return "", fmt.Errorf("TELEGRAM_BOT_USERNAME %q is not a Telegram username", cfg.BotUsername)
		}
		return u, nil
	}
	if cfg.TelegramToken == "" {
		return "", errors.New("the bot's username is unknown: set TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN to ask Telegram)")
	}
	u, err := telegramGetMe(ctx, cfg.TelegramAPIURL, cfg.TelegramToken)
	if err != nil {
		// The request URL carries the token: make sure no error text does.
		msg := strings.ReplaceAll(err.Error(), cfg.TelegramToken, "<token>")
		return "", fmt.Errorf("ask Telegram for the bot's username: %s; or set TELEGRAM_BOT_USERNAME", msg)
	}
	return u, nil
}

// telegramGetMe calls the Bot API's getMe directly: one plain request is all
// this admin command needs, so it does not start a bot client.
func telegramGetMe(ctx context.Context, apiURL, token string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(apiURL, "/")+"/bot"+token+"/getMe", nil)
	if err != nil {
		return "", errors.New("TELEGRAM_API_URL is not a usable URL")
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which holds the token
		}
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
		Result      struct {
			Username string `json:"username"`
		} `json:"result"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return "", fmt.Errorf("unreadable answer (%s)", resp.Status)
	}
	if !body.OK {
		//lint:ignore ST1005 the sentence starts with the name Telegram
		return "", fmt.Errorf("Telegram answered %s: %s", resp.Status, body.Description)
	}
	if !botUsernamePattern.MatchString(body.Result.Username) {
		//lint:ignore ST1005 the sentence starts with the name Telegram
		return "", fmt.Errorf("Telegram returned the username %q", body.Result.Username)
	}
	return body.Result.Username, nil
}
