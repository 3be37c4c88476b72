package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/secret"
)

// testSecretsKey is SECRETS_KEY in these tests: 32 bytes of 0x2a, base64.
var testSecretsKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x2a}, 32))

// botSetup gives a test its own database with two clubs, a fake Bot API
// that accepts telegramtest.Token, and the environment of the commands.
type botSetup struct {
	env  map[string]string
	db   *postgres.DB
	tg   *telegramtest.Server
	a, b int64 // the clubs' ids
}

func newBotSetup(t *testing.T) botSetup {
	t.Helper()
	url := pgtest.NewURL(t)
	db := openTestDB(t, url)
	tg := telegramtest.New(t)
	return botSetup{
		env: map[string]string{"DATABASE_URL": url, "TELEGRAM_API_URL": tg.URL, "SECRETS_KEY": testSecretsKey},
		db:  db, tg: tg,
		a: pgtest.NewClub(t, db, "a").Club.ID,
		b: pgtest.NewClub(t, db, "b").Club.ID,
	}
}

// with is the setup's environment changed by kv (an empty value unsets).
func (s botSetup) with(kv ...string) map[string]string {
	env := map[string]string{}
	for k, v := range s.env {
		env[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

// runCmdStdin is runCmd with standard input.
func runCmdStdin(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runEnv(context.Background(), args, &cmdEnv{getenv: envFor(env), stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut})
	return out.String(), errOut.String(), err
}

// noToken fails the test if any of texts holds the token, whole or as its
// secret part, in plain text or hex.
func noToken(t *testing.T, token string, texts ...string) {
	t.Helper()
	_, part, _ := strings.Cut(token, ":")
	for _, s := range texts {
		for _, leak := range []string{token, part, hex.EncodeToString([]byte(part))} {
			if leak != "" && strings.Contains(strings.ToLower(s), strings.ToLower(leak)) {
				t.Fatalf("the token leaked (%q) in:\n%s", leak, s)
			}
		}
	}
}

// botTableText is every bots row as PostgreSQL prints it (bytea as hex),
// and the raw bytes of every bytea column.
func botTableText(t *testing.T, db *postgres.DB) string {
	t.Helper()
	rows, err := db.Pool().Query(context.Background(), `SELECT b::text, token_enc, token_hash, webhook_secret_enc FROM bots b`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all bytes.Buffer
	for rows.Next() {
		var text string
		var enc, hash, hook []byte
		if err := rows.Scan(&text, &enc, &hash, &hook); err != nil {
			t.Fatal(err)
		}
		all.WriteString(text + "\n")
		all.Write(enc)
		all.Write(hash)
		all.Write(hook)
		all.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return all.String()
}

func TestBotAddFromStdin(t *testing.T) {
	t.Parallel()
	s := newBotSetup(t)
	out, errOut, err := runCmdStdin(t, s.env, telegramtest.Token+"\n", "bot", "add", "--club", fmt.Sprint(s.a))
	if err != nil {
		t.Fatalf("bot add: %v\n%s", err, errOut)
	}
	id := pgtest.Count(t, s.db, `SELECT id FROM bots WHERE club_id = $1`, s.a)
	want := fmt.Sprintf("bot %d: @%s now serves club %d on telegram\nwebhook path: /telegram/%d\n", id, telegramtest.BotUsername, s.a, id)
	if out != want || errOut != "" {
		t.Fatalf("stdout %q, stderr %q; want stdout %q", out, errOut, want)
	}
	if n := len(s.tg.CallsTo("getMe")); n != 1 {
		t.Errorf("%d getMe calls, want 1", n)
	}
	table := botTableText(t, s.db)
	if !strings.Contains(table, telegramtest.BotUsername) {
		t.Fatalf("the row is not there:\n%s", table)
	}
	noToken(t, telegramtest.Token, out, errOut, table)

	// What was stored opens with the key, bound to its row.
	box, err := secret.New(testSecretsKey)
	if err != nil {
		t.Fatal(err)
	}
	bots, err := loadBots(context.Background(), s.db, box)
	if err != nil || len(bots) != 1 {
		t.Fatalf("loadBots: %+v, %v", bots, err)
	}
	lb := bots[0]
	if lb.ID != int64(id) || lb.ClubID != s.a || lb.Username != telegramtest.BotUsername || lb.Token.Reveal() != telegramtest.Token ||
		len(lb.WebhookSecret.Reveal()) != 43 || lb.WebhookPath() != fmt.Sprintf("/telegram/%d", id) {
		t.Fatalf("loaded %+v (webhook secret %d characters)", lb, len(lb.WebhookSecret.Reveal()))
	}
	noToken(t, telegramtest.Token, fmt.Sprintf("%v %+v %#v", lb, lb, lb))

	// The lists show the bot, never its token, and need no key.
	for _, args := range [][]string{{"bot", "list"}, {"bot", "list", "--club", fmt.Sprint(s.a)}} {
		out, errOut, err := runCmd(t, s.with("SECRETS_KEY", ""), args...)
		if err != nil || !strings.Contains(out, "@"+telegramtest.BotUsername) || !strings.Contains(out, fmt.Sprintf("/telegram/%d", id)) ||
			!strings.Contains(out, "live") {
			t.Fatalf("%q: %v\n%s%s", args, err, out, errOut)
		}
		noToken(t, telegramtest.Token, out, errOut, lb.WebhookSecret.Reveal())
		if strings.Contains(out, lb.WebhookSecret.Reveal()) {
			t.Fatalf("%q prints the webhook secret:\n%s", args, out)
		}
	}
	if out, _, err := runCmd(t, s.env, "bot", "list", "--club", fmt.Sprint(s.b)); err != nil || strings.Contains(out, "@") {
		t.Fatalf("club b's list: %v\n%s", err, out)
	}
}

func TestBotAddFromEnvironment(t *testing.T) {
	t.Parallel()
	s := newBotSetup(t)
	// Standard input is empty: the variable gives the token.
	out, errOut, err := runCmdStdin(t, s.with("CLUBCRM_BOT_TOKEN", telegramtest.Token), "", "bot", "add", "--club", fmt.Sprint(s.b), "--channel", "telegram")
	if err != nil || !strings.Contains(out, "@"+telegramtest.BotUsername+" now serves club "+fmt.Sprint(s.b)) {
		t.Fatalf("bot add: %v\n%s%s", err, out, errOut)
	}
	noToken(t, telegramtest.Token, out, errOut, botTableText(t, s.db))
	if n := pgtest.Count(t, s.db, `SELECT count(*) FROM bots WHERE club_id = $1 AND removed_at IS NULL`, s.b); n != 1 {
		t.Fatalf("%d live bots of club b", n)
	}
}

func TestBotAddRefusals(t *testing.T) {
	t.Parallel()
	s := newBotSetup(t)
	// Club a has the test bot; the cases below must not add another row.
	if _, errOut, err := runCmdStdin(t, s.env, telegramtest.Token, "bot", "add", "--club", fmt.Sprint(s.a)); err != nil {
		t.Fatalf("setup: %v\n%s", err, errOut)
	}
	const refused = "7000001:not-the-right-secret"
	a, b := fmt.Sprint(s.a), fmt.Sprint(s.b)
	tests := []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
		usage bool
		want  string
	}{
		{name: "token of another club", env: s.env, stdin: telegramtest.Token, args: []string{"--club", b},
			want: "@" + telegramtest.BotUsername + " is already the bot of another club; nothing was stored"},
		{name: "second bot of the club", env: s.env, stdin: telegramtest.Token, args: []string{"--club", a},
			want: "club " + a + " already has its own telegram bot; remove it first"},
		{name: "getMe refuses the token", env: s.env, stdin: refused + "\n", args: []string{"--club", b},
			want: "Telegram refused the token (getMe: unauthorized"},
		{name: "Telegram unreachable", env: s.with("TELEGRAM_API_URL", "http://127.0.0.1:1"), stdin: telegramtest.Token, args: []string{"--club", b},
			want: "could not ask Telegram to check the token (getMe: "},
		{name: "no SECRETS_KEY", env: s.with("SECRETS_KEY", ""), stdin: telegramtest.Token, args: []string{"--club", b},
			want: "SECRETS_KEY is not set"},
		{name: "another SECRETS_KEY than the stored bots'", env: s.with("SECRETS_KEY", hex.EncodeToString(bytes.Repeat([]byte{3}, 32))), stdin: "7000009:another-bot",
			args: []string{"--club", b}, want: "SECRETS_KEY must be the key the stored bots were added with: load the clubs' bots: bot "},
		{name: "malformed SECRETS_KEY", env: s.with("SECRETS_KEY", "hunter2-is-not-a-key"), stdin: telegramtest.Token, args: []string{"--club", b},
			want: "configuration: SECRETS_KEY must be 32 random bytes"},
		{name: "short SECRETS_KEY", env: s.with("SECRETS_KEY", base64.StdEncoding.EncodeToString([]byte("sixteen byte key"))), stdin: telegramtest.Token,
			args: []string{"--club", b}, want: "SECRETS_KEY must be 32 random bytes, but it decodes to 16 bytes"},
		{name: "no token", env: s.env, stdin: "", args: []string{"--club", b}, want: "no token: give it on standard input"},
		{name: "blank line", env: s.env, stdin: "  \n" + telegramtest.Token, args: []string{"--club", b}, want: "no token"},
		{name: "not a token", env: s.env, stdin: "hello world", args: []string{"--club", b}, want: "that is not a bot token"},
		{name: "a path in the token", env: s.env, stdin: "7000001:abc/../getMe", args: []string{"--club", b}, want: "that is not a bot token"},
		{name: "too long a line", env: s.env, stdin: strings.Repeat("7", 5000), args: []string{"--club", b}, want: "too long to be a bot token"},
		{name: "the default bot's token", env: s.with("TELEGRAM_BOT_TOKEN", telegramtest.Token), stdin: telegramtest.Token, args: []string{"--club", b},
			want: "this is the deployment's default bot"},
		{name: "unknown club", env: s.env, stdin: telegramtest.Token, args: []string{"--club", "424242"}, want: "there is no club with id 424242"},
		{name: "token as a flag", env: s.env, args: []string{"--club", b, "--token=" + telegramtest.Token}, usage: true, want: "takes no --token"},
		{name: "token as -token", env: s.env, args: []string{"-token", telegramtest.Token, "--club", b}, usage: true, want: "takes no --token"},
		{name: "token as an argument", env: s.env, args: []string{"--club", b, telegramtest.Token}, usage: true, want: "takes no arguments"},
		{name: "no club", env: s.env, stdin: telegramtest.Token, usage: true, want: "--club ID is required"},
		{name: "viber", env: s.env, stdin: telegramtest.Token, args: []string{"--club", b, "--channel", "viber"}, usage: true, want: "only telegram"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := runCmdStdin(t, tc.env, tc.stdin, append([]string{"bot", "add"}, tc.args...)...)
			if err == nil {
				t.Fatalf("accepted:\n%s", out)
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usage {
				t.Errorf("usage error = %v, want %v: %v", !tc.usage, tc.usage, err)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: not one line with %q", err, tc.want)
			}
			noToken(t, telegramtest.Token, err.Error(), out, errOut)
			noToken(t, refused, err.Error(), out, errOut)
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error echoes SECRETS_KEY: %v", err)
			}
		})
	}
	if n := pgtest.Count(t, s.db, `SELECT count(*) FROM bots`); n != 1 {
		t.Fatalf("refusals left %d bot rows, want the setup's 1", n)
	}
}

// A malformed SECRETS_KEY stops every command with one line, before
// anything is read or written, and never shows the key.
func TestMalformedSecretsKeyRefusesToStart(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"club", "list"}, {"migrate"}} {
		_, errOut, err := runCmdStdin(t, map[string]string{"SECRETS_KEY": "zzzz-not-base64-zzzz"}, "", args...)
		if err == nil || !strings.Contains(err.Error(), "SECRETS_KEY must be 32 random bytes") || strings.Contains(err.Error(), "zzzz") ||
			strings.Contains(err.Error(), "\n") || errOut != "" {
			t.Errorf("%q: %v %q", args, err, errOut)
		}
	}
	var logged bytes.Buffer
	cfg := config{SecretsKey: testSecretsKey, TelegramToken: telegramtest.Token}
	fmt.Fprint(&logged, cfg.LogValue())
	if strings.Contains(logged.String(), testSecretsKey) || !strings.Contains(logged.String(), "secrets_key_set=true") {
		t.Errorf("config log value: %s", logged.String())
	}
}
