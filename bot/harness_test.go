package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/logtest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// The test harness: a real go-telegram/bot client inside a real Bot, long
// polling the in-repo fake Bot API (telegramtest), against a real PostgreSQL
// database of its own (pgtest). A test reads like a person using the bot:
//
//	h := setup(t)
//	h.say(h.staff, "/tasks")
//	h.tap(h.staff, "1. Олена Петренко")
//	h.tap(h.staff, "▶️ Take")
//	if got := h.lastText(h.staff); !strings.Contains(got, "In progress") { ... }
//
// say and tap wait until the bot has fully handled the update (not a sleep:
// the bot reports each handled update id), so what follows sees its effects.

// testNow is the harness's "now": Thursday 26 Nov 2026, 12:00 in Kyiv.
var testNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// waitTimeout bounds how long a step waits for the bot; far above what a
// step takes, it only matters when the bot never answers.
const waitTimeout = 20 * time.Second

// handledSet records which update ids the bot has finished, for waiting.
type handledSet struct {
	mu   sync.Mutex
	done map[int64]bool
	wake chan struct{}
}

func newHandledSet() *handledSet {
	return &handledSet{done: map[int64]bool{}, wake: make(chan struct{})}
}

func (s *handledSet) mark(id int64) {
	s.mu.Lock()
	s.done[id] = true
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

// wait blocks until update id is handled, or fails the test.
func (s *handledSet) wait(t testing.TB, id int64) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		s.mu.Lock()
		done, wake := s.done[id], s.wake
		s.mu.Unlock()
		if done {
			return
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("the bot did not finish update %d within %s", id, waitTimeout)
		}
	}
}

// harness is one running bot with its world.
type harness struct {
	t       testing.TB
	db      *postgres.DB
	tg      *telegramtest.Server
	cat     *i18n.Catalog
	clock   *clocktest.Clock
	f       pgtest.Fixture
	handled *handledSet
	logs    *logtest.Buffer

	bot  *Bot
	stop func() // stops the running bot and waits for Run to return

	// routes, when set before a bot starts, adds test-only routes to it.
	routes func(rt *router)

	// The club's people as Telegram users.
	manager, staff, colleague models.User
}

// setup starts a bot for a fresh club "alpha" with a manager and two staff
// members (speaking English), polling a fake Bot API.
func setup(t *testing.T) *harness {
	t.Helper()
	return setupWith(t, nil)
}

// setupWith is setup with test-only routes added to the bot.
func setupWith(t *testing.T, routes func(rt *router)) *harness {
	t.Helper()
	h := newHarness(t)
	h.routes = routes
	h.start(Config{})
	return h
}

// newHarness builds the world (database, club, fake Bot API) without
// starting a bot.
func newHarness(t testing.TB) *harness {
	t.Helper()
	clock := clocktest.New(testNow)
	db := pgtest.New(t, postgres.WithClock(clock))
	f := pgtest.NewClub(t, db, "alpha")
	pgtest.Exec(t, db, `UPDATE staff SET language = 'en' WHERE club_id = $1`, f.Club.ID)
	return &harness{
		t: t, db: db, tg: telegramtest.New(t), cat: i18n.MustNew(), clock: clock, f: f,
		handled: newHandledSet(), logs: &logtest.Buffer{},
		manager:   tgUser(f.Manager),
		staff:     tgUser(f.Staff),
		colleague: tgUser(f.Colleague),
	}
}

// tgUser is a staff member's Telegram account.
func tgUser(s domain.Staff) models.User {
	return models.User{ID: s.TelegramID, FirstName: strings.Fields(s.Name)[0], LanguageCode: "en"}
}

// newBot builds a Bot against the harness's database and fake server.
func (h *harness) newBot(cfg Config) *Bot {
	h.t.Helper()
	cfg.Token = telegramtest.Token
	cfg.APIURL = h.tg.URL
	b, err := New(cfg, Deps{DB: h.db, Catalog: h.cat, Clock: h.clock, Log: slog.New(slog.NewTextHandler(h.logs, nil))})
	if err != nil {
		h.t.Fatalf("new bot: %v", err)
	}
	b.handled = h.handled.mark
	if h.routes != nil {
		h.routes(b.router)
	}
	return b
}

// start runs a new Bot instance (long polling unless cfg has a webhook).
func (h *harness) start(cfg Config) *Bot {
	h.t.Helper()
	b := h.newBot(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var once sync.Once
	h.bot = b
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("bot run: %v", err)
			}
		})
	}
	h.t.Cleanup(h.stop)
	return b
}

// restart stops the running bot and starts a new instance on the same
// database, as after a deploy or a crash.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start(Config{})
}

// say sends a text message as u and waits until the bot has handled it.
func (h *harness) say(u models.User, text string) {
	h.t.Helper()
	h.handled.wait(h.t, h.tg.SendText(u, text))
}

// tap presses the button labelled label on u's newest bot message that has
// it, and waits until the bot has handled the tap.
func (h *harness) tap(u models.User, label string) {
	h.t.Helper()
	h.handled.wait(h.t, h.tg.Press(h.t, u, label))
}

// taps presses the buttons labelled labels one after another, as tap does.
func (h *harness) taps(u models.User, labels ...string) {
	h.t.Helper()
	for _, l := range labels {
		h.tap(u, l)
	}
}

// tapData sends callback data as if tapped under message msgID (0: the
// newest bot message), for forged and stale buttons.
func (h *harness) tapData(u models.User, msgID int64, data string) {
	h.t.Helper()
	if msgID == 0 {
		msgID = h.last(u).ID
	}
	h.handled.wait(h.t, h.tg.Tap(u, msgID, data))
}

// last is the newest bot message in u's chat as it looks now.
func (h *harness) last(u models.User) telegramtest.Message {
	h.t.Helper()
	m, ok := h.tg.LastSent(u.ID)
	if !ok {
		h.t.Fatalf("no bot message in %s's chat", u.FirstName)
	}
	return m
}

// lastText is the text of the newest bot message in u's chat.
func (h *harness) lastText(u models.User) string {
	h.t.Helper()
	return h.last(u).Text
}

// sentCount is how many bot messages u's chat holds.
func (h *harness) sentCount(u models.User) int { return len(h.tg.Sent(u.ID)) }

// lastAnswer is the text of the bot's latest answer to one of u's button
// taps (the toast or alert).
func (h *harness) lastAnswer() string {
	h.t.Helper()
	calls := h.tg.CallsTo("answerCallbackQuery")
	if len(calls) == 0 {
		h.t.Fatal("no callback query was answered")
	}
	return calls[len(calls)-1].Params["text"]
}

// buttonData returns the callback data of the button labelled label on u's
// newest message that has it.
func (h *harness) buttonData(u models.User, label string) (msgID int64, data string) {
	h.t.Helper()
	sent := h.tg.Sent(u.ID)
	for i := len(sent) - 1; i >= 0; i-- {
		if b, ok := sent[i].Button(label); ok {
			return sent[i].ID, b.CallbackData
		}
	}
	h.t.Fatalf("no button %q in %s's chat", label, u.FirstName)
	return 0, ""
}

// hasButton reports whether u's newest message has a button labelled label.
func (h *harness) hasButton(u models.User, label string) bool {
	_, ok := h.last(u).Button(label)
	return ok
}

// expectAnswer fails the test unless the bot's latest answer to a tap
// (see lastAnswer) is want.
func (h *harness) expectAnswer(what, want string) {
	h.t.Helper()
	if got := h.lastAnswer(); got != want {
		h.t.Fatalf("%s: answered %q, want %q", what, got, want)
	}
}

// expectRows fails the test unless the query counts want rows.
func (h *harness) expectRows(what string, want int, sql string, args ...any) {
	h.t.Helper()
	if got := pgtest.Count(h.t, h.db, sql, args...); got != want {
		h.t.Fatalf("%s: %d rows, want %d", what, got, want)
	}
}

// doubleTap presses the button labelled label on u's newest message that
// has it twice at once, as a nervous double tap does, and waits for both.
func (h *harness) doubleTap(u models.User, label string) {
	h.t.Helper()
	msg, d := h.buttonData(u, label)
	first, second := h.tg.Tap(u, msg, d), h.tg.Tap(u, msg, d)
	h.handled.wait(h.t, first)
	h.handled.wait(h.t, second)
}

// clientPhone is a client's first phone number as stored (E.164).
func (h *harness) clientPhone(id int64) string {
	h.t.Helper()
	var phone string
	if err := h.db.Pool().QueryRow(context.Background(), `SELECT phone FROM client_phones WHERE client_id = $1 ORDER BY phone LIMIT 1`, id).Scan(&phone); err != nil {
		h.t.Fatalf("phone of client %d: %v", id, err)
	}
	return phone
}

// noUnanswered fails the test if any callback query went unanswered.
func (h *harness) noUnanswered() {
	h.t.Helper()
	if q := h.tg.Unanswered(); len(q) > 0 {
		h.t.Errorf("%d callback queries left unanswered: %v", len(q), q)
	}
}

// text translates id in English, for expectations.
func (h *harness) text(id string, data map[string]any) string {
	return h.cat.T(domain.LangEN, id, data)
}

// task creates a task in the harness's club.
func (h *harness) task(in postgres.TaskCreateInput) domain.Task {
	h.t.Helper()
	in.ClubID = h.f.Club.ID
	if in.TemplateID == 0 {
		in.TemplateID = h.f.Templates["call"]
		if in.ClientID == 0 {
			in.ClientID = h.f.Clients[0]
		}
	}
	t, err := h.db.TaskCreate(context.Background(), in)
	if err != nil {
		h.t.Fatalf("create task: %v", err)
	}
	return t
}

// at returns testNow moved by d, as a pointer for due times.
func at(d time.Duration) *time.Time {
	t := testNow.Add(d)
	return &t
}

// expect fails unless s contains every part.
func expect(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Fatalf("%s: %q does not contain %q", what, s, p)
		}
	}
}

// expectNot fails if s contains any part.
func expectNot(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(s, p) {
			t.Fatalf("%s: %q contains %q", what, s, p)
		}
	}
}

// taskRow reads a task's status, assignee and deletion straight from
// PostgreSQL.
func (h *harness) taskRow(id int64) (status string, assignee int64, deleted bool) {
	h.t.Helper()
	err := h.db.Pool().QueryRow(context.Background(),
		`SELECT status, coalesce(assignee_id, 0), deleted_at IS NOT NULL FROM tasks WHERE id = $1`, id).Scan(&status, &assignee, &deleted)
	if err != nil {
		h.t.Fatalf("read task %d: %v", id, err)
	}
	return status, assignee, deleted
}

// data builds callback data for forged taps.
func data(action string, args ...any) string {
	parts := []string{"v1", action}
	for _, a := range args {
		parts = append(parts, fmt.Sprint(a))
	}
	return strings.Join(parts, "|")
}

// postgresInput is a plain personal call about the first client, due
// tomorrow, assigned to the harness's staff member.
func postgresInput(h *harness) postgres.TaskCreateInput {
	return postgresInputFor(h, h.f.Staff.ID)
}

// postgresInputFor is postgresInput assigned to someone else.
func postgresInputFor(h *harness, assignee int64) postgres.TaskCreateInput {
	return postgres.TaskCreateInput{AuthorID: h.f.Manager.ID, AssigneeID: assignee, DueAt: at(24 * time.Hour)}
}

// runBot runs an already built Bot until the test ends.
func (h *harness) runBot(b *Bot) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("bot run: %v", err)
		}
	})
}

// waitWebhook waits until a bot has registered url as the webhook.
func (h *harness) waitWebhook(url string) {
	h.t.Helper()
	h.tg.WaitFor(h.t, func(c telegramtest.Call) bool {
		return c.Method == "setWebhook" && c.Params["url"] == url
	}, waitTimeout)
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
