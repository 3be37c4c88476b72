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
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
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

// TestServeEndToEndOnViber: serve with Viber only (no Telegram token). An
// administrator joins through the invite's Viber link (the code arrives as
// the conversation's context), and a task assigned to them reaches them on
// Viber through the outbox, a worker and the notifier, with the card's
// buttons on the keyboard.
func TestServeEndToEndOnViber(t *testing.T) {
	t.Parallel()
	vb := vibertest.New(t)
	addr := freeAddr(t)
	dbURL := pgtest.NewURL(t)
	resetSchema(t, dbURL)
	env := map[string]string{
		"DATABASE_URL": dbURL, "HTTP_ADDR": addr, "PUBLIC_URL": "http://" + addr, "LOG_FORMAT": "text",
		"VIBER_BOT_TOKEN": vibertest.Token, "VIBER_API_URL": vb.URL,
	}
	_, logs := startServe(t, env)
	bot := vb.Bot(vibertest.Token)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := vb.Await(ctx, func() bool { return bot.Webhook() != "" }); err != nil {
		t.Fatalf("webhook never registered: %v\n%s", err, logs.String())
	}
	db := openTestDB(t, dbURL)
	club, err := db.ClubBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, env, "staff", "invite", "--club", itoa(club.ID), "--role", "staff", "--name", "Ірина")
	m := viberInvite.FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("invite: %v %q", err, out)
	}
	iryna := vibertest.User{ID: "iryna+EEEEEEEEEEEEEEE==", Name: "Ірина", Language: "uk"}
	if d, err := bot.Start(iryna, m[2]); err != nil || d.Welcome == nil {
		t.Fatalf("open the link: %v %+v", err, d)
	}
	if _, err := bot.Tap(iryna, "▶️ Почати"); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.AwaitMessages(ctx, iryna.ID, 2); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	var staff domain.Staff
	waitUntil(t, 20*time.Second, func() bool {
		staff, _, _, err = db.Identify(ctx, chat.Address{Channel: chat.Viber, Bot: chat.DefaultBot, Chat: iryna.ID})
		return err == nil
	})
	if staff.ClubID != club.ID {
		t.Fatalf("joined club %d, want %d", staff.ClubID, club.ID)
	}

	client, err := db.ClientCreate(ctx, domain.Client{ClubID: club.ID, Name: "Марина Петрова", Phones: []string{"+380663456789"}, Status: domain.ClientLead})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(time.Hour)
	// Assigned by someone else (an owner without a messenger): the notice goes out.
	owner := pgtest.Staff(t, db, club, pgtest.StaffOpts{Name: "Owner", Role: domain.RoleOwner, NoAccount: true}).ID
	if _, err := db.TaskCreate(ctx, postgres.TaskCreateInput{ClubID: club.ID, TemplateID: templateByKey(t, db, club.ID, "personal_call").ID,
		ClientID: client.ID, AuthorID: owner, AssigneeID: staff.ID, DueAt: &due}); err != nil {
		t.Fatal(err)
	}
	var notice vibertest.Message
	if err := vb.Await(ctx, func() bool {
		for _, msg := range bot.Messages(iryna.ID) {
			if strings.Contains(msg.Text, "Марина Петрова") {
				notice = msg
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no assignment notice on Viber: %v\n%s", err, logs.String())
	}
	if notice.Keyboard == nil || len(notice.Keyboard.Buttons) == 0 {
		t.Fatalf("the notice has no keyboard: %+v", notice)
	}
}
