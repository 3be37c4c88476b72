package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/secret"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// TestPhoneSecretSet: the command stores the secret sealed (no plain byte
// of it in the table), bound to the club and provider, and prints nothing
// of it; a flag, an argument, no secret, an unknown provider and a missing
// or malformed SECRETS_KEY are refused and store nothing.
func TestPhoneSecretSet(t *testing.T) {
	t.Parallel()
	s := newBotSetup(t)
	ctx := context.Background()
	const value = "zadarma-api-secret-4f1c"
	club := strconv.FormatInt(s.a, 10)
	for _, c := range []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
		want  string
	}{
		{"flag", s.env, "", []string{"--club", club, "--provider", "zadarma", "--secret=" + value}, "takes no --secret"},
		{"argument", s.env, "", []string{"--club", club, "--provider", "zadarma", value}, "takes no arguments"},
		{"no secret", s.env, "\n", []string{"--club", club, "--provider", "zadarma"}, "no secret"},
		{"unknown provider", s.env, value + "\n", []string{"--club", club, "--provider", "skype"}, "--provider must be one of"},
		{"no club", s.env, value + "\n", []string{"--provider", "zadarma"}, "--club ID is required"},
		{"missing SECRETS_KEY", s.with("SECRETS_KEY", ""), value + "\n", []string{"--club", club, "--provider", "zadarma"}, "SECRETS_KEY is not set"},
		{"malformed SECRETS_KEY", s.with("SECRETS_KEY", "short"), value + "\n", []string{"--club", club, "--provider", "zadarma"}, "SECRETS_KEY"},
		{"unknown club", s.env, value + "\n", []string{"--club", "999999", "--provider", "zadarma"}, "999999"},
	} {
		out, errOut, err := runCmdStdin(t, c.env, c.stdin, append([]string{"phone", "secret", "set"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if strings.Contains(out+errOut+errString(err), value) {
			t.Errorf("%s: the secret leaked: %q %q %v", c.name, out, errOut, err)
		}
	}
	if n := pgtest.Count(t, s.db, `SELECT count(*) FROM phone_secrets`); n != 0 {
		t.Fatalf("refused commands stored %d secrets", n)
	}

	// From standard input, then replaced from CLUBCRM_PHONE_SECRET.
	out, errOut, err := runCmdStdin(t, s.env, value+"\n", "phone", "secret", "set", "--club", club, "--provider", "zadarma")
	if err != nil || strings.Contains(out+errOut, value) {
		t.Fatalf("set: %v %q %q", err, out, errOut)
	}
	box, err := secret.New(testSecretsKey)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.db.PhoneSecretGet(ctx, s.a)
	if err != nil || stored.Provider != "zadarma" {
		t.Fatalf("stored: %+v %v", stored, err)
	}
	if bytes.Contains(stored.Sealed, []byte(value)) {
		t.Error("the secret is stored in plain text")
	}
	if got, err := box.Open(stored.Sealed, postgres.PhoneSecretAAD(s.a, "zadarma")); err != nil || string(got) != value {
		t.Errorf("open: %q %v", got, err)
	}
	for _, aad := range [][]byte{postgres.PhoneSecretAAD(s.b, "zadarma"), postgres.PhoneSecretAAD(s.a, "binotel")} {
		if _, err := box.Open(stored.Sealed, aad); err == nil {
			t.Errorf("the sealed secret opens for %q", aad)
		}
	}
	if _, _, err := runCmdStdin(t, s.with("CLUBCRM_PHONE_SECRET", "second"), "", "phone", "secret", "set", "--club", club, "--provider", "zadarma"); err != nil {
		t.Fatalf("replace from the environment: %v", err)
	}
	stored, _ = s.db.PhoneSecretGet(ctx, s.a)
	if got, err := box.Open(stored.Sealed, postgres.PhoneSecretAAD(s.a, "zadarma")); err != nil || string(got) != "second" {
		t.Errorf("replaced: %q %v", got, err)
	}
	if n := pgtest.Count(t, s.db, `SELECT count(*) FROM phone_secrets`); n != 1 {
		t.Errorf("secrets: %d, want one per club", n)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestAPIPhoneSecretOpen: the call handler opens the club's sealed secret
// with its SECRETS_KEY; no secret, one set for another provider, no
// SECRETS_KEY in the serving process and another key are refused, each
// with its own answer, and never with the secret in it.
func TestAPIPhoneSecretOpen(t *testing.T) {
	t.Parallel()
	s := newBotSetup(t)
	ctx := context.Background()
	box, err := secret.New(testSecretsKey)
	if err != nil {
		t.Fatal(err)
	}
	other, err := secret.New(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal([]byte("s3cret"), postgres.PhoneSecretAAD(s.a, "zadarma"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.PhoneSecretSet(ctx, s.a, postgres.PhoneSecret{Provider: "zadarma", Sealed: sealed}); err != nil {
		t.Fatal(err)
	}
	// Club b's row holds club a's sealed value: moved, it does not open.
	if err := s.db.PhoneSecretSet(ctx, s.b, postgres.PhoneSecret{Provider: "zadarma", Sealed: sealed}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name     string
		box      *secret.Box
		club     int64
		provider string
		status   int
		code     string
	}{
		{"opens", box, s.a, "zadarma", 0, ""},
		{"another provider", box, s.a, "binotel", 422, "phone_secret_missing"},
		{"none stored", box, 999999, "zadarma", 422, "phone_secret_missing"},
		{"no SECRETS_KEY", nil, s.a, "zadarma", 503, "secrets_key_missing"},
		{"another key", other, s.a, "zadarma", 500, "internal"},
		{"moved to another club", box, s.b, "zadarma", 500, "internal"},
	} {
		h := &api{db: s.db, log: log, box: c.box}
		rec := httptest.NewRecorder()
		got, ok := h.phoneSecret(rec, httptest.NewRequest(http.MethodPost, "/api/v1/calls/zadarma", nil), c.club, c.provider)
		if c.status == 0 {
			if !ok || got != "s3cret" {
				t.Errorf("%s: %q %v", c.name, got, ok)
			}
			continue
		}
		if ok || rec.Code != c.status || !strings.Contains(rec.Body.String(), `"`+c.code+`"`) || strings.Contains(rec.Body.String(), "s3cret") {
			t.Errorf("%s: %v %d %s, want %d %s", c.name, ok, rec.Code, rec.Body, c.status, c.code)
		}
	}
}

// TestServeRefusesPhoneSecretsItCannotOpen: with a phone secret stored, a
// process whose SECRETS_KEY is missing or another key refuses to start
// with one line naming SECRETS_KEY and the club, never the secret; and
// `phone secret set` under another key stores nothing.
func TestServeRefusesPhoneSecretsItCannotOpen(t *testing.T) {
	t.Parallel()
	s := newBotSetup(t)
	if _, _, err := runCmdStdin(t, s.env, "s3cret-value\n", "phone", "secret", "set", "--club", strconv.FormatInt(s.a, 10), "--provider", "zadarma"); err != nil {
		t.Fatal(err)
	}
	box, _ := secret.New(testSecretsKey)
	if err := checkPhoneSecrets(context.Background(), s.db, box); err != nil {
		t.Fatalf("the right key: %v", err)
	}
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x17}, 32))
	if _, _, err := runCmdStdin(t, s.with("SECRETS_KEY", other), "x\n", "phone", "secret", "set", "--club", strconv.FormatInt(s.b, 10), "--provider", "zadarma"); err == nil || !strings.Contains(err.Error(), "SECRETS_KEY must be the key the stored phone secrets were set with") {
		t.Errorf("set under another key: %v", err)
	}
	if n := pgtest.Count(t, s.db, `SELECT count(*) FROM phone_secrets`); n != 1 {
		t.Errorf("phone secrets: %d, want only club a's", n)
	}
	for _, key := range []string{"", other} {
		env := s.with("TELEGRAM_BOT_TOKEN", telegramtest.Token, "SECRETS_KEY", key, "HTTP_ADDR", freeAddr(t), "REDIS_URL", redistest.URL())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var out, errOut bytes.Buffer
		err := run(ctx, []string{"serve"}, envFor(env), &out, &errOut)
		timedOut := ctx.Err()
		cancel()
		if err == nil || timedOut != nil || !strings.Contains(err.Error(), "SECRETS_KEY") || !strings.Contains(err.Error(), "club "+strconv.FormatInt(s.a, 10)) {
			t.Fatalf("key %q: serve returned %v (context %v)\n%s", key, err, timedOut, errOut.String())
		}
		if strings.Contains(out.String()+errOut.String()+err.Error(), "s3cret-value") {
			t.Fatalf("key %q: the secret leaked", key)
		}
		if strings.Contains(errOut.String(), "Starting processing") {
			t.Fatalf("key %q: serve started roles before refusing:\n%s", key, errOut.String())
		}
	}
}
