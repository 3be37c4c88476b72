package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestPhoneSecretListAndRemove: an operator lists the club's phone secret
// (the provider, never the secret), removes it, and is told plainly when
// there is none to remove; another club's secret is neither shown nor
// removed; bad calls are usage errors.
func TestPhoneSecretListAndRemove(t *testing.T) {
	t.Parallel()
	s := newBotSetup(t)
	const value = "k9Qp77aaF0e1Zx3w"
	a, b := strconv.FormatInt(s.a, 10), strconv.FormatInt(s.b, 10)

	out, _, err := runCmd(t, s.env, "phone", "secret", "list", "--club", a)
	if err != nil || !strings.Contains(out, "no phone secret is set") {
		t.Fatalf("list before set: %v %q", err, out)
	}
	for _, club := range []string{a, b} {
		if _, _, err := runCmdStdin(t, s.env, value+"\n", "phone", "secret", "set", "--club", club, "--provider", "zadarma"); err != nil {
			t.Fatalf("set for club %s: %v", club, err)
		}
	}
	out, errOut, err := runCmd(t, s.env, "phone", "secret", "list", "--club", a)
	if err != nil || !strings.Contains(out, "club "+a+": a zadarma secret is set") {
		t.Fatalf("list: %v %q", err, out)
	}
	// Not the secret, nor any six-character piece of it.
	for i := 0; i+6 <= len(value); i++ {
		if strings.Contains(out+errOut, value[i:i+6]) {
			t.Fatalf("list shows part of the secret (%q): %q", value[i:i+6], out)
		}
	}
	// The list needs no SECRETS_KEY: it opens nothing.
	if out, _, err := runCmd(t, s.with("SECRETS_KEY", ""), "phone", "secret", "list", "--club", a); err != nil || !strings.Contains(out, "zadarma") {
		t.Errorf("list without SECRETS_KEY: %v %q", err, out)
	}

	// Removing it for another provider than the one set: absent, one line.
	_, _, err = runCmd(t, s.env, "phone", "secret", "remove", "--club", a, "--provider", "binotel")
	var ue usageError
	if err == nil || errors.As(err, &ue) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "has no binotel secret") {
		t.Errorf("remove another provider's: %v", err)
	}
	if out, _, err := runCmd(t, s.env, "phone", "secret", "remove", "--club", a, "--provider", "zadarma"); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %v %q", err, out)
	}
	// Again: nothing to remove (exit status 1, not a usage error).
	if _, _, err := runCmd(t, s.env, "phone", "secret", "remove", "--club", a, "--provider", "zadarma"); err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "club "+a+" has no zadarma secret") {
		t.Errorf("remove twice: %v", err)
	}
	if out, _, _ := runCmd(t, s.env, "phone", "secret", "list", "--club", a); !strings.Contains(out, "no phone secret is set") {
		t.Errorf("list after remove: %q", out)
	}
	// Club b's secret is untouched.
	if n := pgtest.Count(t, s.db, `SELECT count(*) FROM phone_secrets WHERE club_id = $1`, s.b); n != 1 {
		t.Errorf("club b's secrets: %d, want its own one", n)
	}

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"list without club", []string{"list"}, "--club ID is required"},
		{"list with argument", []string{"list", "--club", a, "extra"}, "takes no arguments"},
		{"remove without provider", []string{"remove", "--club", a}, "--provider must be one of"},
		{"remove unknown provider", []string{"remove", "--club", a, "--provider", "skype"}, "--provider must be one of"},
		{"remove without club", []string{"remove", "--provider", "zadarma"}, "--club ID is required"},
	} {
		_, _, err := runCmd(t, s.env, append([]string{"phone", "secret"}, c.args...)...)
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a usage error with %q", c.name, err, c.want)
		}
	}
	for _, args := range [][]string{{"list", "--club", "999999"}, {"remove", "--club", "999999", "--provider", "zadarma"}} {
		if _, _, err := runCmd(t, s.env, append([]string{"phone", "secret"}, args...)...); err == nil || !strings.Contains(err.Error(), "999999") {
			t.Errorf("%s for an unknown club: %v", args[0], err)
		}
	}
	out, _, err = runCmd(t, s.env, "help")
	if err != nil || !strings.Contains(out, "phone secret list") || !strings.Contains(out, "phone secret remove") {
		t.Errorf("help does not list the commands: %v\n%s", err, out)
	}
	if out, _, err := runCmd(t, s.env, "phone", "secret", "remove", "--help"); err != nil || !strings.Contains(out, "--provider") {
		t.Errorf("remove --help: %v %q", err, out)
	}
}

// TestPhoneSecretRemovedOverHTTP: the running service accepts a signed
// Zadarma notification while the club's secret is set; once the operator
// removes it, the same notification is refused with 422
// phone_secret_missing, as before one was set, and stores nothing.
func TestPhoneSecretRemovedOverHTTP(t *testing.T) {
	t.Parallel()
	tg := telegramtest.New(t)
	dbURL := pgtest.NewURL(t)
	resetSchema(t, dbURL)
	env := map[string]string{
		"DATABASE_URL": dbURL, "TELEGRAM_BOT_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": tg.URL,
		"TELEGRAM_BOT_USERNAME": telegramtest.BotUsername, "LOG_FORMAT": "text", "SECRETS_KEY": testSecretsKey,
	}
	base, _ := startServe(t, env)
	db := openTestDB(t, dbURL)
	club, err := db.ClubBySlug(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	admin := joinStaff(t, tg, db, env, club.ID, "staff", models.User{ID: 7031, FirstName: "Ірина", LanguageCode: "uk"})
	key := createKey(t, env, club.ID, "pbx")
	applyPhone(t, env, fmt.Sprintf("phone:\n  provider: zadarma\n  lines:\n    - {line: \"100\", staff: %d}\n", admin.ID))
	zadarma := base + "/api/v1/calls/zadarma?api_key=" + key
	form := "application/x-www-form-urlencoded"
	m := hmac.New(sha1.New, []byte("s3cret"))
	m.Write([]byte("380631112233" + "380443334455" + "2026-03-02 12:10:00"))
	sig := map[string]string{"Signature": base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%x", m.Sum(nil))))}
	clubArg := strconv.FormatInt(club.ID, 10)

	if _, _, err := runCmdStdin(t, env, "s3cret\n", "phone", "secret", "set", "--club", clubArg, "--provider", "zadarma"); err != nil {
		t.Fatal(err)
	}
	if code, body := postRaw(t, zadarma, form, sample(t, "zadarma_notify_end.form"), sig); code != 200 || body["status"] != "accepted" {
		t.Fatalf("signed notification with the secret set: %d %v", code, body)
	}
	if _, _, err := runCmd(t, env, "phone", "secret", "remove", "--club", clubArg, "--provider", "zadarma"); err != nil {
		t.Fatal(err)
	}
	stored := pgtest.Count(t, db, `SELECT count(*) FROM inbox`)
	if code, body := postRaw(t, zadarma, form, sample(t, "zadarma_notify_end.form"), sig); code != 422 || errCode(body) != "phone_secret_missing" {
		t.Errorf("signed notification after remove: %d %v, want 422 phone_secret_missing", code, body)
	}
	if n := pgtest.Count(t, db, `SELECT count(*) FROM inbox`); n != stored {
		t.Errorf("the refused notification stored %d rows", n-stored)
	}
}
