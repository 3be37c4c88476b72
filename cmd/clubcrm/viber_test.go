package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/vibertest"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestViberWithoutPublicURLRefusesToStart: a Viber token without the
// service's public URL cannot work (no webhook, no file links), so the
// process stops at once with one line that names the missing variable.
func TestViberWithoutPublicURLRefusesToStart(t *testing.T) {
	t.Parallel()
	env := map[string]string{"VIBER_BOT_TOKEN": vibertest.Token, "DATABASE_URL": pgtest.NewURL(t), "HTTP_ADDR": freeAddr(t)}
	err := run(context.Background(), []string{"serve"}, envFor(env), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PUBLIC_URL") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("serve with a Viber token and no PUBLIC_URL: %v", err)
	}
	env["PUBLIC_URL"] = "http://clubcrm.example.com"
	if err := run(context.Background(), []string{"serve"}, envFor(env), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "https") {
		t.Fatalf("serve with a plain-http public URL: %v", err)
	}
}

// TestServeWithViberAnswersOverTheFakeViber: with VIBER_BOT_TOKEN and
// PUBLIC_URL, serve registers its webhook with Viber (which calls it back
// first), a stranger who opens the bot from a link gets the welcome with a
// Start button, and tapping it with a code that is no invite gets the
// invalid-invite line; the Viber metrics are on /metrics and the file links
// are served under /files/.
func TestServeWithViberAnswersOverTheFakeViber(t *testing.T) {
	t.Parallel()
	vb := vibertest.New(t)
	addr := freeAddr(t)
	base, logs := startServe(t, map[string]string{
		"HTTP_ADDR": addr, "PUBLIC_URL": "http://" + addr, "LOG_FORMAT": "text",
		"VIBER_BOT_TOKEN": vibertest.Token, "VIBER_API_URL": vb.URL, "VIBER_SENDER_NAME": "Club staff",
	})
	bot := vb.Bot(vibertest.Token)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := vb.Await(ctx, func() bool { return bot.Webhook() != "" }); err != nil {
		t.Fatalf("webhook never registered: %v\n%s", err, logs.String())
	}
	if want := base + "/viber/0"; bot.Webhook() != want {
		t.Fatalf("webhook %q, want %q", bot.Webhook(), want)
	}
	if strings.Contains(logs.String(), "viber is off") {
		t.Errorf("viber said off with a token")
	}

	stranger := vibertest.User{ID: "strangerAAAA==", Name: "Stranger", Language: "en"}
	d, err := bot.Start(stranger, "no invite!")
	if err != nil || d.Status != 200 || d.Welcome == nil {
		t.Fatalf("conversation_started: %v %+v", err, d)
	}
	if d.Welcome.Sender.Name != "Club staff" {
		t.Errorf("welcome sent as %q", d.Welcome.Sender.Name)
	}
	if _, err := bot.Tap(stranger, "▶️ Start"); err != nil {
		t.Fatal(err)
	}
	ms, err := bot.AwaitMessages(ctx, stranger.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := ms[1].Text; !strings.Contains(got, "not valid") {
		t.Errorf("a context that is no invite got %q", got)
	}

	_, body := get(t, base+"/metrics")
	for _, name := range []string{"clubcrm_viber_billable_messages_total", "clubcrm_viber_no_balance_total", "clubcrm_viber_account_blocked_total"} {
		if !strings.Contains(body, name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	if code, _ := get(t, base+"/files/nope"); code != 404 {
		t.Errorf("a malformed file link: %d, want 404", code)
	}
}
