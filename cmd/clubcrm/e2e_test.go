package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// TestServeEndToEnd runs the whole service in one process, as `clubcrm
// serve` does, against real PostgreSQL and Redis and the fake Bot API, and
// follows one working day's thread through every part: an owner invites two
// people, they join through the bot, the manager assigns a call (the outbox,
// the relay, a worker and the notifier bring the assignee a message with the
// card's buttons), the assignee records "going to buy a subscription", and
// the demo plan's workflow creates "check subscription purchase", which the
// assignee is told about.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	tg := telegramtest.New(t)
	dbURL := pgtest.NewURL(t)
	resetSchema(t, dbURL) // an empty database: serve migrates it and creates the demo club
	env := map[string]string{
		"DATABASE_URL": dbURL, "TELEGRAM_BOT_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": tg.URL,
		"TELEGRAM_BOT_USERNAME": telegramtest.BotUsername, "LOG_FORMAT": "text",
	}
	startServe(t, env)
	db := openTestDB(t, dbURL)
	ctx := context.Background()
	club, err := db.ClubBySlug(ctx, "demo")
	if err != nil {
		t.Fatalf("demo club: %v", err)
	}

	join := func(role string, user models.User) domain.Staff {
		t.Helper()
		out, _, err := runCmd(t, env, "staff", "invite", "--club", itoa(club.ID), "--role", role, "--name", user.FirstName)
		if err != nil {
			t.Fatalf("invite %s: %v", role, err)
		}
		code := regexp.MustCompile(`start=([A-Za-z0-9_-]+)`).FindStringSubmatch(out)
		if code == nil {
			t.Fatalf("no deep link in %q", out)
		}
		tg.SendText(user, "/start "+code[1])
		tg.WaitFor(t, func(c telegramtest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == user.ID }, 20*time.Second)
		s, _, err := db.StaffIdentify(ctx, user.ID)
		if err != nil {
			t.Fatalf("%s did not join: %v", user.FirstName, err)
		}
		return s
	}
	manager := join("manager", models.User{ID: 5001, FirstName: "Олена", LanguageCode: "ru"})
	admin := join("staff", models.User{ID: 5002, FirstName: "Ірина", LanguageCode: "uk"})

	client, err := db.ClientCreate(ctx, domain.Client{ClubID: club.ID, Name: "Марина Петрова", Phones: []string{"+380663456789"}, Status: domain.ClientLead})
	if err != nil {
		t.Fatal(err)
	}
	tpl := templateByKey(t, db, club.ID, "personal_call")
	due := time.Now().Add(time.Hour)
	task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{
		ClubID: club.ID, TemplateID: tpl.ID, ClientID: client.ID, AuthorID: manager.ID, AssigneeID: admin.ID, DueAt: &due,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The assignee hears about it through the notifier, with the card's buttons.
	notice := tg.WaitFor(t, func(c telegramtest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() == admin.TelegramID && strings.Contains(c.Text(), "Марина Петрова")
	}, 30*time.Second)
	if len(notice.Keyboard()) == 0 {
		t.Fatalf("assignment notice has no buttons: %q", notice.Text())
	}

	goingToBuy := resultByKey(t, db, club.ID, "going_to_buy")
	if _, err := db.ResultRecord(ctx, postgres.ResultRecordInput{ClubID: club.ID, TaskID: task.ID, ResultID: goingToBuy, Actor: admin}); err != nil {
		t.Fatalf("record result: %v", err)
	}
	// The workflow creates exactly one "check subscription purchase" task for
	// the same person ("assignee: same"), about the same client.
	check := templateByKey(t, db, club.ID, "check_purchase")
	waitUntil(t, 30*time.Second, func() bool {
		return pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE template_id = $1 AND client_id = $2 AND assignee_id = $3`, check.ID, client.ID, admin.ID) == 1
	})
	tg.WaitFor(t, func(c telegramtest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID() == admin.TelegramID && strings.Contains(c.Text(), check.Name)
	}, 30*time.Second)
	// Every effect asked for through the outbox has been carried out.
	waitUntil(t, 30*time.Second, func() bool {
		return pgtest.Count(t, db, `SELECT count(*) FROM outbox WHERE completed_at IS NULL`) == 0
	})
	if n := pgtest.Count(t, db, `SELECT count(*) FROM tasks WHERE source_result_id IS NOT NULL`); n != 1 {
		t.Fatalf("follow-ups: %d, want exactly 1", n)
	}
}

func templateByKey(t *testing.T, db *postgres.DB, clubID int64, key string) domain.Template {
	t.Helper()
	list, err := db.TemplateList(context.Background(), clubID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range list {
		if tp.Key == key {
			return tp
		}
	}
	t.Fatalf("no template %q in the demo club", key)
	return domain.Template{}
}

func resultByKey(t *testing.T, db *postgres.DB, clubID int64, key string) int64 {
	t.Helper()
	return int64(pgtest.Count(t, db, `SELECT id FROM results WHERE club_id = $1 AND key = $2`, clubID, key))
}

func waitUntil(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
