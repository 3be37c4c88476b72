package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/logtest"
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
	logs   *logtest.Buffer
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
	e.logs = &logtest.Buffer{}
	c.Log = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := jobstest.New(t, c)
	e.db, e.rdb, e.q, e.tg, e.msgr, e.deps = w.DB, w.Redis, w.Queues, w.TG, w.Messenger, w.Deps
	e.prefix = w.Queues.Prefix
	e.mux = jobs.NewMux(e.deps)

	e.club = pgtest.Club(t, e.db, pgtest.ClubOpts{Slug: "club", Name: "Club", Language: domain.LangEN})
	e.manager = e.staff("Manager", domain.RoleManager, managerChat)
	e.alice = e.staff("Alice", domain.RoleStaff, aliceChat)
	e.bob = e.staff("Bob", domain.RoleStaff, bobChat)
	tmpls, err := e.db.TemplateList(ctx, e.club.ID)
	if err != nil {
		t.Fatalf("templates: %v", err)
	}
	for _, tp := range tmpls {
		e.tmpl[tp.Key] = tp.ID
	}
	remind := -30 * time.Minute
	e.tmpl["check_purchase"] = pgtest.Template(t, e.db, e.club, pgtest.TemplateOpts{Key: "check_purchase", Name: "Check purchase",
		Type: domain.TypeClientTask, DefaultTitle: "Check the subscription purchase", ReminderOffset: &remind}).ID
	closes := map[string]int64{"think": e.tmpl["personal_call"], "buy": e.tmpl["personal_call"], "bought": e.tmpl["check_purchase"]}
	for _, k := range []string{"think", "buy", "bought"} {
		e.res[k] = pgtest.Result(t, e.db, e.club, pgtest.ResultOpts{Key: k, Templates: []int64{closes[k]}}).ID
	}
	// The store writes workflow rules only through PlanApply.
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

// staff adds a staff member reached through Telegram user tgID, or with no
// account at all when tgID is 0 (the test links one of its own).
func (e *env) staff(name string, role domain.Role, tgID int64) domain.Staff {
	e.t.Helper()
	return pgtest.Staff(e.t, e.db, e.club, pgtest.StaffOpts{Name: name, Role: role, Language: domain.LangEN, TgUserID: tgID, NoAccount: tgID == 0})
}

// clients creates n clients with phones and returns their ids in order.
// One INSERT rather than the factory: a bench makes ten thousand.
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

// patience is how long a test polls (jobstest.Eventually) for what the
// workers do: generous, as it checks outcomes, never timings.
const patience = 60 * time.Second

// tgChat is a chat of the deployment's Telegram bot.
func tgChat(id int64) chat.Address { return chat.TelegramAddress(chat.DefaultBot, id) }
