package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/logtest"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// tablesIn counts the tables of a test database's public schema: zero
// means nothing was migrated.
func tablesIn(t *testing.T, url string) int {
	t.Helper()
	db := openTestDB(t, url)
	return pgtest.Count(t, db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
}

// A port already in use stops serve with one clear line before it has
// touched the database: no migration, no demo club.
func TestServePortInUseWritesNothing(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dbURL := pgtest.NewURL(t)
	resetSchema(t, dbURL)
	_, prefix := redistest.New(t)
	_, _, err = runCmd(t, map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": redistest.URL(), "QUEUE_PREFIX": prefix,
		"HTTP_ADDR": busy.Addr().String()}, "serve")
	if err == nil {
		t.Fatal("serve on a port in use succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "HTTP_ADDR") || !strings.Contains(msg, "in use") {
		t.Errorf("want one line naming HTTP_ADDR and the port in use, got:\n%s", msg)
	}
	if n := tablesIn(t, dbURL); n != 0 {
		t.Errorf("serve on a port in use created %d tables", n)
	}
}

// With Redis unreachable the worker stops before it migrates a fresh
// database, and what go-redis has to say about it comes through the
// service's logger (JSON here), not as raw lines. Not parallel: go-redis has
// one logger per process.
func TestWorkerRedisUnreachableWritesNothing(t *testing.T) {
	dbURL := pgtest.NewURL(t)
	resetSchema(t, dbURL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr logtest.Buffer
	env := map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": "redis://127.0.0.1:1/0", "HTTP_ADDR": freeAddr(t), "LOG_FORMAT": "json"}
	err := run(ctx, []string{"worker"}, envFor(env), io.Discard, &stderr)
	if err == nil {
		t.Fatal("worker with Redis unreachable succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "redis") {
		t.Errorf("want one line about Redis, got:\n%s", msg)
	}
	if n := tablesIn(t, dbURL); n != 0 {
		t.Errorf("worker with Redis unreachable migrated the database (%d tables)", n)
	}
	redisLines := 0
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if rec["component"] == "redis" {
			redisLines++
		}
	}
	if redisLines == 0 {
		t.Errorf("go-redis's lines did not come through the logger:\n%s", stderr.String())
	}
}

// Telegram failing getMe at start does not take serve down: the bot
// retries, /readyz says the bot is not ready meanwhile (and only the bot),
// one line says why, and once Telegram answers the bot serves.
func TestServeOutlivesTelegramDownAtStart(t *testing.T) {
	t.Parallel()
	tg := telegramtest.New(t)
	tg.Hold("getMe", time.Hour) // Telegram does not answer …
	tg.FailNext("getMe", 0, http.StatusBadGateway, 0)
	base, logs := startServe(t, map[string]string{
		"TELEGRAM_BOT_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": tg.URL, "LOG_FORMAT": "json",
	})
	code, body := get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"bot":"unavailable"`) || !strings.Contains(body, `"database":"ok"`) {
		t.Errorf("readyz while Telegram is down: %d %s", code, body)
	}
	tg.Hold("getMe", 0) // … then it answers 502 once, then it is back
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body = get(t, base+"/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz after Telegram came back: %d %s\n%s", code, body, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(body, `"bot":"ok"`) {
		t.Errorf("readyz = %s, want the bot ok", body)
	}
	if n := strings.Count(logs.String(), "telegram unreachable"); n != 1 {
		t.Errorf("want one 'telegram unreachable' line, got %d\n%s", n, logs.String())
	}
	stranger := models.User{ID: 777002, FirstName: "Stranger", LanguageCode: "en"}
	tg.SendText(stranger, "/tasks")
	tg.WaitFor(t, func(c telegramtest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == stranger.ID }, 20*time.Second)
}
