package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/logtest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// clubBotsWorld: the default bot and two clubs' own bots, each a fake bot of
// its own behind one API URL (as api.telegram.org), the club bots added with
// `clubcrm bot add`.
type clubBotsWorld struct {
	botSetup
	def, botA, botB *telegramtest.Server
	idA, idB        int64
	mux             *telegramtest.Mux
}

const (
	clubATok = "7000031:club-a-own-bot-token-0123456789"
	clubBTok = "7000032:club-b-own-bot-token-0123456789"
)

func newClubBotsWorld(t *testing.T) clubBotsWorld {
	t.Helper()
	w := clubBotsWorld{botSetup: newBotSetup(t)}
	w.def = w.tg
	w.botA = telegramtest.NewBotServer(t, clubATok)
	w.botB = telegramtest.NewBotServer(t, clubBTok)
	w.mux = telegramtest.NewMux(t, w.def, w.botA, w.botB)
	w.env["TELEGRAM_API_URL"] = w.mux.URL
	for _, c := range []struct {
		club  int64
		token string
		id    *int64
	}{{w.a, clubATok, &w.idA}, {w.b, clubBTok, &w.idB}} {
		if _, errOut, err := runCmdStdin(t, w.env, c.token+"\n", "bot", "add", "--club", fmt.Sprint(c.club)); err != nil {
			t.Fatalf("bot add: %v\n%s", err, errOut)
		}
		*c.id = int64(pgtest.Count(t, w.db, `SELECT id FROM bots WHERE club_id = $1 AND removed_at IS NULL`, c.club))
	}
	return w
}

// serve runs `clubcrm serve` with the default bot and the clubs' bots.
func (w clubBotsWorld) serve(t *testing.T, extra ...string) (string, *logtest.Buffer) {
	t.Helper()
	env := w.with(append([]string{"TELEGRAM_BOT_TOKEN", telegramtest.Token, "LOG_FORMAT", "json", "LOG_LEVEL", "debug"}, extra...)...)
	return startServe(t, env)
}

// In polling mode every bot polls its own updates and answers through
// itself: a stranger writing to club A's bot is answered by club A's bot,
// never by the default bot or club B's; and no token is ever in the logs.
func TestClubBotsPollAndAnswerThroughThemselves(t *testing.T) {
	t.Parallel()
	w := newClubBotsWorld(t)
	_, logs := w.serve(t)

	stranger := models.User{ID: 778001, FirstName: "Stranger", LanguageCode: "en"}
	for _, s := range []*telegramtest.Server{w.botA, w.botB, w.def} {
		s.SendText(stranger, "/tasks")
		call := s.WaitFor(t, func(c telegramtest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == stranger.ID }, 20*time.Second)
		if call.Text() == "" {
			t.Fatalf("%s answered an empty message", s.Username())
		}
	}
	for _, s := range []*telegramtest.Server{w.botA, w.botB, w.def} {
		// Messages to the stranger only: the scheduler may rightly send the
		// fixture clubs' managers their morning list meanwhile.
		n := 0
		for _, c := range s.CallsTo("sendMessage") {
			if c.ChatID() == stranger.ID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s sent the stranger %d messages, want 1 (its own answer only)", s.Username(), n)
		}
		if len(s.Commands("")) == 0 {
			t.Errorf("%s registered no command menu", s.Username())
		}
	}
	if !strings.Contains(logs.String(), "club bot started") {
		t.Fatalf("no club bot started:\n%s", logs.String())
	}
	noToken(t, clubATok, logs.String())
	noToken(t, clubBTok, logs.String())
	noToken(t, telegramtest.Token, logs.String())
}

// In webhook mode each club bot has its own path and secret: an unknown or
// removed bot and a wrong secret get 401 and nothing is handled; the right
// secret is handled and answered through that bot.
func TestClubBotsWebhooks(t *testing.T) {
	t.Parallel()
	w := newClubBotsWorld(t)
	base, _ := w.serve(t, "WEBHOOK_URL", "https://clubcrm.example/tg/default", "WEBHOOK_SECRET", "default-secret-0123456789")

	// Each bot registered its own URL; the club bots' secrets are their own.
	var secretA string
	deadline := time.Now().Add(20 * time.Second)
	for {
		a, b := w.botA.WebhookInfo(), w.botB.WebhookInfo()
		if a.URL != "" && b.URL != "" {
			if a.URL != fmt.Sprintf("https://clubcrm.example/telegram/%d", w.idA) || b.URL != fmt.Sprintf("https://clubcrm.example/telegram/%d", w.idB) {
				t.Fatalf("webhooks registered at %q and %q", a.URL, b.URL)
			}
			secretA = w.botA.WebhookSecret()
			if secretA == "" || secretA == w.botB.WebhookSecret() || secretA == "default-secret-0123456789" {
				t.Fatalf("club bot A's secret %q is not its own", secretA)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("club bots did not register webhooks: %+v %+v", a, b)
		}
		time.Sleep(50 * time.Millisecond)
	}

	stranger := &models.User{ID: 778002, FirstName: "Stranger", LanguageCode: "en"}
	upd := models.Update{Message: &models.Message{ID: 1, From: stranger, Chat: models.Chat{ID: stranger.ID, Type: models.ChatTypePrivate}, Text: "/tasks", Date: int(time.Now().Unix())}}
	for _, c := range []struct {
		name, path, secret string
	}{
		{"unknown bot", "/telegram/999999", secretA},
		{"not a bot id", "/telegram/abc", secretA},
		{"wrong secret", fmt.Sprintf("/telegram/%d", w.idA), "not-the-secret"},
		{"another bot's secret", fmt.Sprintf("/telegram/%d", w.idB), secretA},
		{"no secret", fmt.Sprintf("/telegram/%d", w.idA), ""},
	} {
		code, err := w.botA.PostWebhook(base+c.path, c.secret, upd)
		if err != nil || code != http.StatusUnauthorized {
			t.Errorf("%s: %d %v, want 401", c.name, code, err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	// Only answers to the stranger count: serve's scheduler may rightly send
	// the fixture clubs' managers their morning list meanwhile (after 09:00
	// in Kyiv), which is not a refused call being handled.
	for _, s := range []*telegramtest.Server{w.botA, w.botB, w.def} {
		for _, c := range s.CallsTo("sendMessage") {
			if c.ChatID() == stranger.ID {
				t.Fatalf("a refused webhook call was handled: %s answered the stranger %q", s.Username(), c.Params["text"])
			}
		}
	}
	code, err := w.botA.PostWebhook(base+fmt.Sprintf("/telegram/%d", w.idA), secretA, upd)
	if err != nil || code != http.StatusOK {
		t.Fatalf("club bot A's own webhook call: %d %v", code, err)
	}
	w.botA.WaitFor(t, func(c telegramtest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == stranger.ID }, 10*time.Second)
}

// An invite opens the club's own bot; once that bot is removed, the
// deployment's default bot.
func TestInviteLinksToTheClubsBot(t *testing.T) {
	t.Parallel()
	w := newClubBotsWorld(t)
	env := w.with("TELEGRAM_BOT_TOKEN", telegramtest.Token)
	invite := func() string {
		out, errOut, err := runCmd(t, env, "staff", "invite", "--club", fmt.Sprint(w.a), "--role", "staff")
		if err != nil {
			t.Fatalf("staff invite: %v\n%s", err, errOut)
		}
		m := inviteLink.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no invite link in %q", out)
		}
		return m[1]
	}
	if got := invite(); got != w.botA.Username() {
		t.Fatalf("club A's invite opens @%s, want its own @%s", got, w.botA.Username())
	}
	if _, errOut, err := runCmd(t, env, "bot", "remove", "--club", fmt.Sprint(w.a), "--bot", fmt.Sprint(w.idA)); err != nil {
		t.Fatalf("bot remove: %v\n%s", err, errOut)
	}
	if got := invite(); got != telegramtest.BotUsername {
		t.Fatalf("after its bot was removed, club A's invite opens @%s, want the default @%s", got, telegramtest.BotUsername)
	}
}

// Two clubs with their own bots and one on the default bot: people join
// through the bot their invite names, and the notices of each club leave
// through that club's bot only.
func TestClubBotsDeliverTheirOwnClubsNotices(t *testing.T) {
	t.Parallel()
	w := newClubBotsWorld(t)
	c := pgtest.NewClub(t, w.db, "c").Club.ID // on the default bot
	w.serve(t)
	env := w.with("TELEGRAM_BOT_TOKEN", telegramtest.Token)
	ctx := context.Background()

	for i, club := range []struct {
		id   int64
		bot  *telegramtest.Server
		name string
	}{{w.a, w.botA, "A"}, {w.b, w.botB, "B"}, {c, w.def, "C"}} {
		out, errOut, err := runCmd(t, env, "staff", "invite", "--club", fmt.Sprint(club.id), "--role", "staff", "--name", "Coach "+club.name)
		if err != nil {
			t.Fatalf("invite: %v\n%s", err, errOut)
		}
		m := inviteLink.FindStringSubmatch(out)
		if m == nil || m[1] != club.bot.Username() {
			t.Fatalf("club %s's invite %q does not open @%s", club.name, out, club.bot.Username())
		}
		person := models.User{ID: int64(779001 + i), FirstName: "Coach", LanguageCode: "en"}
		club.bot.SendText(person, "/start "+m[2])
		club.bot.WaitFor(t, func(c telegramtest.Call) bool {
			return c.Method == "sendMessage" && c.ChatID() == person.ID && strings.Contains(c.Text(), "Welcome")
		}, 20*time.Second)
		staffID := int64(pgtest.Count(t, w.db, `SELECT id FROM staff WHERE club_id = $1 AND name = $2`, club.id, "Coach "+club.name))

		// A task assigned to them by someone else: the notice leaves through
		// their club's bot.
		tpl := int64(pgtest.Count(t, w.db, `SELECT id FROM templates WHERE club_id = $1 AND key = 'internal'`, club.id))
		if _, err := w.db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: club.id, TemplateID: tpl, Title: "Inventory " + club.name, AssigneeID: staffID}); err != nil {
			t.Fatal(err)
		}
		club.bot.WaitFor(t, func(c telegramtest.Call) bool {
			return c.Method == "sendMessage" && c.ChatID() == person.ID && strings.Contains(c.Text(), "Inventory "+club.name)
		}, 30*time.Second)
		for _, other := range []*telegramtest.Server{w.botA, w.botB, w.def} {
			if other != club.bot && len(other.Sent(person.ID)) != 0 {
				t.Fatalf("club %s's person got messages from @%s", club.name, other.Username())
			}
		}
	}
}

// With club bots stored, a process whose SECRETS_KEY is missing or another
// key refuses to start with one line naming the key, before it sends
// anything.
func TestServeRefusesClubBotsItCannotOpen(t *testing.T) {
	t.Parallel()
	w := newClubBotsWorld(t)
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x17}, 32))
	for _, key := range []string{"", other} {
		env := w.with("TELEGRAM_BOT_TOKEN", telegramtest.Token, "SECRETS_KEY", key, "HTTP_ADDR", freeAddr(t), "REDIS_URL", redistest.URL())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var out, errOut bytes.Buffer
		err := run(ctx, []string{"serve"}, envFor(env), &out, &errOut)
		timedOut := ctx.Err()
		cancel()
		if err == nil || timedOut != nil || !strings.Contains(err.Error(), "SECRETS_KEY") {
			t.Fatalf("key %q: serve returned %v (context %v)\n%s", key, err, timedOut, errOut.String())
		}
		if strings.Contains(errOut.String(), "bot connected") || strings.Contains(errOut.String(), "Starting processing") {
			t.Fatalf("key %q: serve started roles before refusing:\n%s", key, errOut.String())
		}
		noToken(t, clubATok, err.Error(), out.String(), errOut.String())
	}
	for _, s := range []*telegramtest.Server{w.botA, w.botB} {
		if n := len(s.CallsTo("sendMessage")) + len(s.CallsTo("getUpdates")); n != 0 {
			t.Fatalf("@%s was used by a process that refused to start: %d calls", s.Username(), n)
		}
	}
}
