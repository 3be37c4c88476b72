package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// envFor returns a getenv for the given variables only: tests never read the
// developer's real environment.
func envFor(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// runCmd runs the binary's run() and returns stdout, stderr and the error.
func runCmd(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, envFor(env), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestHelpAndUnknownCommand(t *testing.T) {
	t.Parallel()
	out, _, err := runCmd(t, nil, "help")
	if err != nil || !strings.Contains(out, "migrate") || !strings.Contains(out, "serve") {
		t.Fatalf("help: %v\n%s", err, out)
	}
	_, _, err = runCmd(t, nil, "frobnicate")
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("unknown command: %v", err)
	}
	out, _, err = runCmd(t, nil, "version")
	if err != nil || !strings.HasPrefix(out, "clubcrm ") {
		t.Fatalf("version: %q %v", out, err)
	}
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewURL(t)}
	out, _, err := runCmd(t, env, "migrate")
	if err != nil || !strings.Contains(out, "up to date") {
		// pgtest databases are already migrated: the first run has nothing to do either
		t.Fatalf("first migrate: %v %q", err, out)
	}
	out, _, err = runCmd(t, env, "migrate")
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %v %q", err, out)
	}
	if _, _, err := runCmd(t, env, "migrate", "--force"); err == nil {
		t.Fatal("unknown flag accepted")
	}
	if _, _, err := runCmd(t, env, "migrate", "extra"); err == nil {
		t.Fatal("extra argument accepted")
	}
}

func TestMigrateFreshDatabase(t *testing.T) {
	t.Parallel()
	url := pgtest.NewURL(t)
	// Drop everything in the cloned database so migrate has work to do.
	env := map[string]string{"DATABASE_URL": url}
	resetSchema(t, url)
	out, _, err := runCmd(t, env, "migrate")
	if err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("migrate on an empty database: %v %q", err, out)
	}
	out, _, err = runCmd(t, env, "migrate")
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %v %q", err, out)
	}
}

func TestBadConfigurationFailsWithOneLine(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]string{
		"database url":  {"DATABASE_URL": "mysql://x"},
		"redis url":     {"REDIS_URL": "http://x"},
		"log level":     {"LOG_LEVEL": "loud"},
		"log format":    {"LOG_FORMAT": "xml"},
		"webhook alone": {"WEBHOOK_URL": "https://example.com/hook"},
		"duration":      {"SHUTDOWN_TIMEOUT": "soon"},
	}
	for name, env := range cases {
		_, _, err := runCmd(t, env, "migrate")
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want a one-line error", name, err)
		}
	}
}

func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	_, _, err := runCmd(t, map[string]string{"DATABASE_URL": "postgres://postgres:secret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"}, "migrate")
	if err == nil {
		t.Fatal("migrate against a closed port succeeded")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error leaks the password: %v", err)
	}
}

func TestConfigLogValueHidesSecrets(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(envFor(map[string]string{
		"DATABASE_URL": "postgres://u:dbpass@h/db", "REDIS_URL": "redis://:redispass@h:6379/0",
		"TELEGRAM_BOT_TOKEN": "123:tokensecret", "WEBHOOK_URL": "https://x/hook", "WEBHOOK_SECRET": "hooksecret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.LogValue().String()
	for _, secret := range []string{"dbpass", "redispass", "tokensecret", "hooksecret"} {
		if strings.Contains(s, secret) {
			t.Errorf("log value contains %q: %s", secret, s)
		}
	}
}
