package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/logtest"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startServe runs `clubcrm serve` in-process until the test ends and
// returns the HTTP base URL and the log buffer.
func startServe(t *testing.T, env map[string]string) (string, *logtest.Buffer) {
	t.Helper()
	base, logs, _ := startRole(t, env, "serve")
	return base, logs
}

// startRole runs one role (serve, worker, scheduler, bot) in-process until
// the test ends or stop is called, and returns the HTTP base URL and the
// log buffer. A QUEUE_PREFIX already in env is kept, so two processes of a
// test can share queues.
func startRole(t *testing.T, env map[string]string, role string) (string, *logtest.Buffer, func()) {
	t.Helper()
	return startRoleClock(t, env, role, nil)
}

// startServeClock is startServe on an injected clock (domain/clocktest):
// the test moves time and the service's deadlines fall due by it.
func startServeClock(t *testing.T, env map[string]string, clock domain.Clock) (string, *logtest.Buffer) {
	t.Helper()
	base, logs, _ := startRoleClock(t, env, "serve", clock)
	return base, logs
}

// startRoleClock is startRole with the role's clock (nil: the system clock).
func startRoleClock(t *testing.T, env map[string]string, role string, clock domain.Clock) (string, *logtest.Buffer, func()) {
	t.Helper()
	addr := env["HTTP_ADDR"] // a test that must know it first (PUBLIC_URL) picks it
	if addr == "" {
		addr = freeAddr(t)
	}
	if env["QUEUE_PREFIX"] == "" {
		_, prefix := redistest.New(t)
		env["QUEUE_PREFIX"] = prefix
	}
	env["HTTP_ADDR"] = addr
	env["REDIS_URL"] = redistest.URL()
	env["SHUTDOWN_TIMEOUT"] = "5s"
	if env["DATABASE_URL"] == "" {
		env["DATABASE_URL"] = pgtest.NewURL(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logtest.Buffer{}
	done := make(chan error, 1)
	go func() { done <- runClock(ctx, []string{role}, envFor(env), io.Discard, logs, clock) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s returned %v\n%s", role, err, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Errorf("%s did not shut down\n%s", role, logs.String())
			}
		})
	}
	t.Cleanup(stop)
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("%s exited early: %v\n%s", role, err, logs.String())
		default:
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, logs, stop
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /healthz\n%s", role, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeWithoutTokenRunsEverythingButTheBot(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewURL(t)
	base, logs := startServe(t, map[string]string{"DATABASE_URL": dbURL, "LOG_FORMAT": "json"})

	if code, body := get(t, base+"/readyz"); code != 200 || !strings.Contains(body, `"database":"ok"`) {
		t.Fatalf("readyz: %d %s", code, body)
	}
	code, body := get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, name := range []string{"clubcrm_followups_created_total", "go_goroutines"} {
		if !strings.Contains(body, name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	if code, _ := get(t, base+"/monitoring/"); code != 200 {
		t.Errorf("asynqmon: %d", code)
	}
	if n := strings.Count(logs.String(), "bot is off"); n != 1 {
		t.Errorf("want exactly one 'bot is off' line, got %d\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "viber is off"); n != 1 {
		t.Errorf("want exactly one 'viber is off' line, got %d\n%s", n, logs.String())
	}
	// The empty database got the demo club from the embedded plan.
	db := openTestDB(t, dbURL)
	if n := pgtest.Count(t, db, "SELECT count(*) FROM clubs"); n != 1 {
		t.Errorf("clubs after serve on an empty database: %d, want the demo club", n)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM templates WHERE archived_at IS NULL"); n < 10 {
		t.Errorf("demo club has %d templates", n)
	}
}

func TestServeWithBotAnswersOverTheFakeTelegram(t *testing.T) {
	t.Parallel()
	tg := telegramtest.New(t)
	startServe(t, map[string]string{
		"TELEGRAM_BOT_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": tg.URL, "LOG_FORMAT": "text",
	})
	stranger := models.User{ID: 777001, FirstName: "Stranger", LanguageCode: "en"}
	tg.SendText(stranger, "/tasks")
	call := tg.WaitFor(t, func(c telegramtest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == stranger.ID }, 20*time.Second)
	if txt := call.Text(); txt == "" || strings.Contains(strings.ToLower(txt), "task") && strings.Contains(txt, "1.") {
		t.Fatalf("an unknown user got %q", txt)
	}
	if len(tg.Commands("")) == 0 && len(tg.Commands("ru")) == 0 {
		t.Errorf("the bot registered no command menu")
	}
}
