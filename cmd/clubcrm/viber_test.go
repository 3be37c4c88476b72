package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/vibertest"
	"github.com/clubcrm/clubcrm/domain"
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

var viberInvite = regexp.MustCompile(`(?m)^viber://pa\?chatURI=([A-Za-z0-9._-]+)&context=([A-Za-z0-9_-]{1,64})$`)

// TestStaffInvitePrintsAViberLink: with Viber configured the invite prints
// a Viber link carrying the same code as the conversation's context (the
// bot's URI asked from get_account_info, or VIBER_BOT_URI); a deployment
// with Viber and no Telegram prints only that one.
func TestStaffInvitePrintsAViberLink(t *testing.T) {
	t.Parallel()
	env, db := cmdDB(t)
	f := pgtest.NewClub(t, db, "alpha")
	vb := vibertest.New(t)
	env["VIBER_BOT_TOKEN"], env["VIBER_API_URL"], env["PUBLIC_URL"] = vibertest.Token, vb.URL, "https://crm.example.com"

	out, errOut, err := runCmd(t, env, "staff", "invite", "--club", fmt.Sprint(f.Club.ID), "--role", "staff")
	m := viberInvite.FindStringSubmatch(out)
	if err != nil || m == nil || m[1] != "clubcrmtest" || strings.Contains(out, "t.me") {
		t.Fatalf("%v %q %s", err, out, errOut)
	}
	redeemable(t, db, f.Club.ID, domain.RoleStaff, m[2])
	if n := len(vb.CallsOf("get_account_info")); n != 1 {
		t.Fatalf("get_account_info calls: %d", n)
	}

	// Both channels: both links, one code.
	env["TELEGRAM_BOT_USERNAME"], env["VIBER_BOT_URI"] = "ClubCrmBot", "myclub"
	out, _, err = runCmd(t, env, "staff", "invite", "--club", fmt.Sprint(f.Club.ID), "--role", "manager")
	tg, vm := inviteLink.FindStringSubmatch(out), viberInvite.FindStringSubmatch(out)
	if err != nil || tg == nil || vm == nil || vm[1] != "myclub" || tg[2] != vm[2] {
		t.Fatalf("%v %q", err, out)
	}
	if n := len(vb.CallsOf("get_account_info")); n != 1 {
		t.Fatalf("asked Viber although VIBER_BOT_URI is set")
	}

	env["VIBER_BOT_URI"] = "not a uri&x=1"
	if _, _, err := runCmd(t, env, "staff", "invite", "--club", fmt.Sprint(f.Club.ID), "--role", "staff"); err == nil || !strings.Contains(err.Error(), "VIBER_BOT_URI") {
		t.Fatalf("a bad VIBER_BOT_URI: %v", err)
	}
}
