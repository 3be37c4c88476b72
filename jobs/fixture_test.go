package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/jobstest"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// Telegram user ids (and private chat ids) of the fixture's staff.
const (
	managerChat = 5001
	aliceChat   = 5002
	bobChat     = 5003
)

// env is one test's world: its own database and Redis prefix, a fake Bot
// API, the real Telegram messenger pointed at it, and a small club:
//
//	staff: a manager and two staff members, Alice and Bob;
//	templates: the four defaults plus "check_purchase" (client task,
//	  reminder 30 minutes before due);
//	results: "think" and "buy" close personal calls, "bought" closes checks;
//	workflow: personal call + "buy" → check_purchase a day later, same person.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *postgres.DB
	rdb    redis.UniversalClient
	prefix string
	q      jobs.Queues
	tg     *telegramtest.Server
	msgr   *telegram.Channel // the real messenger, talking to tg
	logs   *logBuffer
	deps   jobs.Deps
	mux    *asynq.ServeMux

	club                domain.Club
	manager, alice, bob domain.Staff
	tmpl                map[string]int64 // template ids by key
	res                 map[string]int64 // result ids by key
	rule                int64            // the personal call + buy rule
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000})
}

// newEnvWith builds an env whose notifier keeps to lim.
func newEnvWith(t testing.TB, lim jobs.Limits) *env {
	t.Helper()
	return newEnvConfig(t, jobstest.Config{Limits: lim})
}

// newEnvOn builds an env whose Redis is the given topology.
func newEnvOn(t testing.TB, topo redistest.Topology) *env {
	t.Helper()
	return newEnvConfig(t, jobstest.Config{Limits: jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000},
		Topology: topo})
}

// newEnvConfig builds an env from c; its logs go to e.logs.
func newEnvConfig(t testing.TB, c jobstest.Config) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, ctx: ctx, tmpl: map[string]int64{}, res: map[string]int64{}}
	e.logs = &logBuffer{}
	c.Log = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := jobstest.New(t, c)
	e.db, e.rdb, e.q, e.tg, e.msgr, e.deps = w.DB, w.Redis, w.Queues, w.TG, w.Messenger, w.Deps
	e.prefix = w.Queues.Prefix
	e.mux = jobs.NewMux(e.deps)

	var err error
	e.club, err = e.db.ClubCreate(ctx, domain.Club{Slug: "club", Name: "Club", TimeZone: "Europe/Kyiv", Language: domain.LangEN, DigestHour: 9})
	if err != nil {
		t.Fatalf("club: %v", err)
	}
	e.manager = e.staff("Manager", domain.RoleManager, managerChat)
	e.alice = e.staff("Alice", domain.RoleStaff, aliceChat)
	e.bob = e.staff("Bob", domain.RoleStaff, bobChat)
	rows, err := e.db.Pool().Query(ctx, `SELECT key, id FROM templates WHERE club_id = $1`, e.club.ID)
	if err != nil {
		t.Fatalf("templates: %v", err)
	}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			t.Fatalf("templates: %v", err)
		}
		e.tmpl[k] = id
	}
	e.tmpl["check_purchase"] = e.id(`INSERT INTO templates (club_id, key, name, task_type, default_title, reminder_offset_min)
VALUES ($1, 'check_purchase', 'Check purchase', 'client_task', 'Check the subscription purchase', -30) RETURNING id`, e.club.ID)
	for _, k := range []string{"think", "buy", "bought"} {
		e.res[k] = e.id(`INSERT INTO results (club_id, key, name) VALUES ($1, $2, $3) RETURNING id`, e.club.ID, k, "Result "+k)
	}
	pgtest.Exec(t, e.db, `INSERT INTO template_results (club_id, template_id, result_id) VALUES
($1, $2, $3), ($1, $2, $4), ($1, $5, $6)`, e.club.ID, e.tmpl["personal_call"], e.res["think"], e.res["buy"],
		e.tmpl["check_purchase"], e.res["bought"])
	e.rule = e.id(`INSERT INTO workflow_rules (club_id, template_id, result_id, next_template_id, due_offset_min)
VALUES ($1, $2, $3, $4, 1440) RETURNING id`, e.club.ID, e.tmpl["personal_call"], e.res["buy"], e.tmpl["check_purchase"])
	return e
}

// id runs an INSERT … RETURNING id.
func (e *env) id(sql string, args ...any) int64 {
	e.t.Helper()
	var id int64
	if err := e.db.Pool().QueryRow(e.ctx, sql, args...).Scan(&id); err != nil {
		e.t.Fatalf("fixture %q: %v", strings.SplitN(sql, "\n", 2)[0], err)
	}
	return id
}

func (e *env) staff(name string, role domain.Role, tgID int64) domain.Staff {
	e.t.Helper()
	id := e.id(`INSERT INTO staff (club_id, name, role, language) VALUES ($1, $2, $3, 'en') RETURNING id`,
		e.club.ID, name, string(role))
	if tgID != 0 {
		pgtest.LinkIdentity(e.t, e.db, e.club.ID, id, chat.TelegramAddress(chat.DefaultBot, tgID))
	}
	s, err := e.db.StaffGet(e.ctx, e.club.ID, id)
	if err != nil {
		e.t.Fatalf("staff: %v", err)
	}
	return s
}

// clients creates n clients with phones and returns their ids in order.
func (e *env) clients(n int) []int64 {
	e.t.Helper()
	rows, err := e.db.Pool().Query(e.ctx, `
WITH c AS (
    INSERT INTO clients (club_id, name) SELECT $1, 'Client ' || g FROM generate_series(1, $2) g RETURNING id)
SELECT id FROM c ORDER BY id`, e.club.ID, n)
	if err != nil {
		e.t.Fatalf("clients: %v", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			e.t.Fatalf("clients: %v", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatalf("clients: %v", err)
	}
	pgtest.Exec(e.t, e.db, `INSERT INTO client_phones (club_id, client_id, phone)
SELECT $1, id, '+38050' || lpad(id::text, 7, '0') FROM unnest($2::bigint[]) id`, e.club.ID, ids)
	return ids
}

// call creates a personal call about a new client, by the manager, for
// assignee (0: unassigned).
func (e *env) call(assignee int64) domain.Task {
	e.t.Helper()
	due := time.Now().Add(time.Hour)
	t, err := e.db.TaskCreate(e.ctx, postgres.TaskCreateInput{ClubID: e.club.ID, TemplateID: e.tmpl["personal_call"],
		Title: "Call about the trial", ClientID: e.clients(1)[0], AuthorID: e.manager.ID, AssigneeID: assignee, DueAt: &due})
	if err != nil {
		e.t.Fatalf("create call: %v", err)
	}
	return t
}

// record records result key on a task as actor.
func (e *env) record(task domain.Task, key string, actor domain.Staff) postgres.ResultRecorded {
	e.t.Helper()
	r, err := e.db.ResultRecord(e.ctx, postgres.ResultRecordInput{ClubID: e.club.ID, TaskID: task.ID, ResultID: e.res[key], Actor: actor})
	if err != nil {
		e.t.Fatalf("record %s: %v", key, err)
	}
	return r
}

// claim claims every due outbox row of kind as the relay would, now.
func (e *env) claim(kind string) []postgres.OutboxRow {
	e.t.Helper()
	now := time.Now()
	rows, err := e.db.OutboxClaim(e.ctx, now, 10_000, now.Add(time.Hour))
	if err != nil {
		e.t.Fatalf("claim: %v", err)
	}
	var out []postgres.OutboxRow
	for _, r := range rows {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// task is the asynq task the relay would enqueue for row.
func (e *env) task(row postgres.OutboxRow) *asynq.Task {
	e.t.Helper()
	t, _, err := jobs.OutboxTaskFor(e.q, row)
	if err != nil {
		e.t.Fatalf("outbox task: %v", err)
	}
	return t
}

// process runs the job of row the way a worker would, and returns its error.
func (e *env) process(row postgres.OutboxRow) error {
	return e.mux.ProcessTask(e.ctx, e.task(row))
}

// processAsRetried runs row's job and, while it meets another copy of
// itself sending the same message (postgres.ErrDeliveryInFlight), runs it
// again, as asynq would retry it.
func (e *env) processAsRetried(row postgres.OutboxRow) error {
	err := e.process(row)
	for try := 0; errors.Is(err, postgres.ErrDeliveryInFlight) && try < 500; try++ {
		time.Sleep(10 * time.Millisecond)
		err = e.process(row)
	}
	return err
}

// mustProcess is process that fails the test on error.
func (e *env) mustProcess(row postgres.OutboxRow) {
	e.t.Helper()
	if err := e.process(row); err != nil {
		e.t.Fatalf("process %s %d: %v", row.Kind, row.ID, err)
	}
}

// count runs a count query.
func (e *env) count(sql string, args ...any) int {
	e.t.Helper()
	return pgtest.Count(e.t, e.db, sql, args...)
}

// sent returns the messages sent (not edited) to chat, in order.
func (e *env) sent(chat int64) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range e.tg.CallsTo("sendMessage") {
		if c.ChatID() == chat && c.OK() {
			out = append(out, c)
		}
	}
	return out
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	jobstest.Eventually(t, 60*time.Second, what, cond)
}

// logBuffer collects log output from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the log lines containing every one of parts.
func (b *logBuffer) lines(parts ...string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range strings.Split(b.buf.String(), "\n") {
		ok := l != ""
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

var _ io.Writer = (*logBuffer)(nil)

// tgChat is a chat of the deployment's Telegram bot.
func tgChat(id int64) chat.Address { return chat.TelegramAddress(chat.DefaultBot, id) }
