// Package loadtest is the measured plan for many clubs (docs/scaling.md):
// it builds N clubs in one time zone with their staff and tasks, then
// drives the two moments that load a deployment most, through the real
// scheduler sweeps, the real workers (jobs.RunWorker: handlers, notifier,
// per-bot limiter in Redis, outbox relay) and the real Telegram messenger,
// against the fake Bot API (bot/telegramtest) enforcing Telegram's per-bot
// limits:
//
//   - the digest hour: every club's digest hour is now; one digest sweep
//     enqueues them all, and the figure is the time from the sweep to the
//     last digest the Bot API accepted;
//   - a reminder burst: Reminders tasks per club are re-planned to remind
//     at the same instant a few seconds ahead; one reminder sweep enqueues
//     them (ProcessAt), and the figure is each reminder's lateness, from
//     its time to the Bot API accepting it (p50, p99, max).
//
// It reports the messages the Bot API accepted per second, its 429s, and
// the PostgreSQL (pg_stat_database deltas of the run's own database) and
// Redis (commands sent by the workers' and scheduler's own clients)
// operations per club of each phase, and checks that every digest and
// every reminder reached its person exactly once.
//
// Bots: with SharedBot every club's staff talk to the deployment's one bot
// (30 messages a second for all clubs). With BotPerClub every club has a
// fake bot of its own, with its own 30/s and 1/s per chat on the fake: each
// staff member's identity names their club's bot (bot id = club index + 1),
// the notifier's router has one transport per bot, and its limiter keeps
// Telegram's limits per bot, as in production. The fakes enforce each
// bot's own limits and count any 429, so a per-bot overrun would show.
//
// It takes a testing.TB because the fake Bot API, the test database and
// the Redis prefix do (pgtest, redistest, telegramtest); it runs from
// loadtest_test.go: a tiny run in the ordinary suite, the big ones under
// -bench.
package loadtest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/bot/telegram"
	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/redistest"
	"github.com/clubcrm/clubcrm/scheduler"
)

// Bots says how the clubs reach their staff.
type Bots string

const (
	SharedBot  Bots = "shared"   // the deployment's one bot for every club
	BotPerClub Bots = "per-club" // each club its own bot (the channels issue)
)

// Config is one load run.
type Config struct {
	Clubs     int  // how many clubs, all in TimeZone
	Staff     int  // staff members per club, the first Managers of them managers
	Managers  int  // digest recipients per club
	Tasks     int  // open tasks per club (some overdue), plus as many done yesterday
	Reminders int  // tasks per club reminding at the burst instant, one per staff member
	Bots      Bots // SharedBot or BotPerClub
	// Workers is how many workers run (each with its own PostgreSQL pool,
	// Redis client, notifier and Telegram clients, as a worker process has)
	// and Concurrency each one's asynq concurrency.
	Workers, Concurrency int
	// ReminderLead is how far ahead of the sweep the burst instant is: the
	// time the sweep has to enqueue it.
	ReminderLead time.Duration
	// TimeZone is the clubs' zone; empty is the Etc/GMT zone where it is
	// noon now, so no run meets a local midnight (after which the digests
	// of the day before are not sent).
	TimeZone string
	// Timeout bounds each phase's wait; 0 is 30 minutes.
	Timeout time.Duration
	Log     *slog.Logger // the workers' logs; nil discards them
}

// Validate refuses a run that could not check its own counts.
func (c Config) Validate() error {
	switch {
	case c.Clubs < 1 || c.Clubs > 100_000:
		return fmt.Errorf("loadtest: clubs %d outside 1..100000", c.Clubs)
	case c.Staff < 1 || c.Staff > 999:
		return fmt.Errorf("loadtest: staff %d per club outside 1..999", c.Staff)
	case c.Managers < 1 || c.Managers > c.Staff:
		return fmt.Errorf("loadtest: managers %d outside 1..staff (%d)", c.Managers, c.Staff)
	case c.Reminders < 0 || c.Reminders > c.Staff:
		return fmt.Errorf("loadtest: reminders %d outside 0..staff (%d): one reminder per person keeps lateness Telegram's per-chat limit free", c.Reminders, c.Staff)
	case c.Tasks < c.Reminders:
		return fmt.Errorf("loadtest: tasks %d fewer than reminders %d", c.Tasks, c.Reminders)
	case c.Bots != SharedBot && c.Bots != BotPerClub:
		return fmt.Errorf("loadtest: bots %q: want %q or %q", c.Bots, SharedBot, BotPerClub)
	case c.Workers < 1 || c.Concurrency < 1:
		return fmt.Errorf("loadtest: workers %d and concurrency %d must be positive", c.Workers, c.Concurrency)
	case c.ReminderLead <= 0:
		return fmt.Errorf("loadtest: reminder lead %s must be positive", c.ReminderLead)
	}
	return nil
}

// Ops are one phase's database and Redis operations.
type Ops struct {
	PGXacts   int64 // committed transactions (pg_stat_database.xact_commit)
	PGWritten int64 // rows inserted, updated and deleted
	PGFetched int64 // rows fetched
	Redis     int64 // commands (a pipeline's each count; a script is one)
}

// PerClub divides o by clubs.
func (o Ops) PerClub(clubs int) (pgXacts, pgWritten, pgFetched, redis float64) {
	n := float64(clubs)
	return float64(o.PGXacts) / n, float64(o.PGWritten) / n, float64(o.PGFetched) / n, float64(o.Redis) / n
}

// Phase is what one phase measured.
type Phase struct {
	Jobs      int           // jobs the sweep enqueued
	Sweep     time.Duration // the sweep's own time
	Span      time.Duration // from the sweep's start to the last accepted message
	Delivered int           // recipients who got their message (each exactly once)
	Calls     int           // Bot API calls accepted (a digest is a chart and its text)
	PerSecond float64       // accepted calls a second, first to last
	Throttled int           // 429s the fake Bot API answered
	Ops       Ops
}

// Result is a load run's figures.
type Result struct {
	Config   Config
	Digest   Phase
	Reminder Phase
	// Lateness of the reminders, from their time to the Bot API accepting
	// them.
	LatenessP50, LatenessP99, LatenessMax time.Duration
}

// chatBase is the first staff chat id; a club's staff have
// chatBase + index×1000 + j, so a chat id names its club (BotPerClub).
const chatBase = 10_000_000

func chatOf(club, j int) int64 { return chatBase + int64(club)*1000 + int64(j) }

// run is one load run's world.
type run struct {
	tb    testing.TB
	cfg   Config
	ctx   context.Context
	url   string
	admin *pgxpool.Pool // verification and pg_stat reads only
	q     jobs.Queues
	fakes []*telegramtest.Server // one (SharedBot) or one per club
	api   string                 // the Bot API URL the clients use
	clubs []int64                // club ids by index
	staff [][]int64              // staff ids by club index
	cat   *i18n.Catalog
}

// Run builds the clubs, runs the digest hour and then the reminder burst,
// checks every count, and returns the figures. A count that is off fails
// tb.
func Run(tb testing.TB, cfg Config) Result {
	tb.Helper()
	if cfg.TimeZone == "" {
		cfg.TimeZone = noonZone(time.Now())
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	r := &run{tb: tb, cfg: cfg, ctx: context.Background(), url: pgtest.NewURL(tb), cat: i18n.MustNew()}
	var err error
	if r.admin, err = pgxpool.New(r.ctx, r.url); err != nil {
		tb.Fatalf("loadtest: %v", err)
	}
	tb.Cleanup(r.admin.Close)
	_, r.q.Prefix = redistest.New(tb) // the prefix's keys go when tb ends
	if r.q.Deployment, err = postgres.New(r.admin).DeploymentID(r.ctx); err != nil {
		tb.Fatalf("loadtest: %v", err)
	}
	r.startBots()
	r.fill()

	res := Result{Config: cfg}
	res.Digest = r.digestHour()
	if cfg.Reminders > 0 {
		var late []time.Duration
		res.Reminder, late = r.reminderBurst()
		res.LatenessP50, res.LatenessP99, res.LatenessMax = percentile(late, 0.50), percentile(late, 0.99), percentile(late, 1)
	}
	return res
}

// startBots starts the fake Bot API: one bot, or one per club behind a Mux.
func (r *run) startBots() {
	lim := telegramtest.Limits{Global: 30, PerChat: 1}
	if r.cfg.Bots == SharedBot {
		f := telegramtest.New(r.tb)
		f.SetLimits(lim)
		r.fakes, r.api = []*telegramtest.Server{f}, f.URL
		return
	}
	r.fakes = make([]*telegramtest.Server, r.cfg.Clubs)
	for i := range r.fakes {
		r.fakes[i] = telegramtest.NewBotServer(r.tb, fmt.Sprintf("%d:load-bot-%d", 8_000_000+i, i))
		r.fakes[i].SetLimits(lim)
	}
	r.api = telegramtest.NewMux(r.tb, r.fakes...).URL
}

// fill creates the clubs (postgres.ClubCreate, with their default
// templates), their staff and their tasks, through a pool closed before
// the measured phases, so its statistics are not counted in them.
func (r *run) fill() {
	pool, err := pgxpool.New(r.ctx, r.url)
	if err != nil {
		r.tb.Fatalf("loadtest: %v", err)
	}
	defer pool.Close()
	db := postgres.New(pool)
	loc, err := time.LoadLocation(r.cfg.TimeZone)
	if err != nil {
		r.tb.Fatalf("loadtest: %v", err)
	}
	hour := time.Now().In(loc).Hour() // every club's digest hour is now
	r.clubs = make([]int64, r.cfg.Clubs)
	r.staff = make([][]int64, r.cfg.Clubs)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= r.cfg.Clubs {
					return
				}
				if err := r.fillClub(db, i, hour); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		r.tb.Fatalf("loadtest: fill: %v", err)
	}
	if _, err := pool.Exec(r.ctx, `VACUUM ANALYZE`); err != nil {
		r.tb.Fatalf("loadtest: analyze: %v", err)
	}
	pool.Close()
	time.Sleep(statsSettle) // the fill's statistics land before the first phase's baseline
}

// fillClub creates club i: its staff (managers first) with Telegram chats,
// Tasks open internal tasks spread over yesterday and today (a third
// overdue), as many done yesterday for the digest's report, and the first
// Reminders open tasks assigned one per staff member, reminding in a day
// (the burst re-plans them).
func (r *run) fillClub(db *postgres.DB, i, hour int) error {
	ctx := r.ctx
	c, err := db.ClubCreate(ctx, domain.Club{Slug: fmt.Sprintf("load-%d", i), Name: fmt.Sprintf("Load club %d", i),
		TimeZone: r.cfg.TimeZone, Language: domain.LangEN, DigestHour: hour, PhoneCode: "380"})
	if err != nil {
		return fmt.Errorf("club %d: %w", i, err)
	}
	r.clubs[i] = c.ID
	p := db.Pool()
	rows, err := p.Query(ctx, `
INSERT INTO staff (club_id, name, role, language)
SELECT $1, 'Person ' || j, CASE WHEN j < $2 THEN 'manager' ELSE 'staff' END, 'en'
FROM generate_series(0, $3 - 1) j ORDER BY j RETURNING id`, c.ID, r.cfg.Managers, r.cfg.Staff)
	if err != nil {
		return fmt.Errorf("staff of club %d: %w", i, err)
	}
	if r.staff[i], err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return fmt.Errorf("staff of club %d: %w", i, err)
	}
	slices.Sort(r.staff[i])
	// Each person's Telegram account, through the bot they talk to.
	if _, err := p.Exec(ctx, `
INSERT INTO staff_identities (club_id, staff_id, channel, bot_id, external_id)
SELECT $1, s.id, 'telegram', $2, ($3::bigint + s.n - 1)::text
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM unnest($4::bigint[]) id) s`,
		c.ID, r.botOf(i), chatOf(i, 0), r.staff[i]); err != nil {
		return fmt.Errorf("identities of club %d: %w", i, err)
	}
	_, err = p.Exec(ctx, `
WITH t AS (SELECT id FROM templates WHERE club_id = $1 AND key = 'internal')
INSERT INTO tasks (club_id, task_type, template_id, title, assignee_id, status, due_at, remind_at, created_at, done_at)
SELECT $1, 'internal', t.id, 'Task ' || g, ($2::bigint[])[1 + g % cardinality($2::bigint[])],
       CASE WHEN g >= $3 THEN 'done' ELSE 'new' END,
       now() + make_interval(hours => (g % 3) * 8 - 12),
       CASE WHEN g < $4 THEN now() + interval '1 day' END,
       now() - interval '1 day',
       CASE WHEN g >= $3 THEN now() - interval '1 day' + make_interval(mins => g) END
FROM t, generate_series(0, 2 * $3 - 1) g`, c.ID, r.staff[i], r.cfg.Tasks, r.cfg.Reminders)
	if err != nil {
		return fmt.Errorf("tasks of club %d: %w", i, err)
	}
	return nil
}

// noonZone is the fixed-offset zone whose local hour is 12 at now
// ("Etc/GMT-8" is UTC+8: POSIX signs are inverted).
func noonZone(now time.Time) string {
	offset := 12 - now.UTC().Hour() // -11..12, all of which exist
	switch {
	case offset > 0:
		return fmt.Sprintf("Etc/GMT-%d", offset)
	case offset < 0:
		return fmt.Sprintf("Etc/GMT+%d", -offset)
	}
	return "Etc/GMT"
}

// workers are one phase's workers and scheduler, each with the pools and
// clients a process of its own would have; stop closes them all, which
// also flushes their backends' statistics into pg_stat_database.
type workers struct {
	sched  *scheduler.Scheduler
	redis  *opCounter
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closes []func()
}

func (r *run) startWorkers() *workers {
	w := &workers{redis: &opCounter{}}
	ctx, cancel := context.WithCancel(r.ctx)
	w.cancel = cancel
	lim := jobs.TelegramLimits // per bot
	for range r.cfg.Workers {
		db, rdb := r.open(w, int32(r.cfg.Concurrency+2))
		d := jobs.Deps{DB: db, Redis: rdb, Enqueuer: jobs.NewEnqueuer(rdb, r.q), Catalog: r.cat, Queues: r.q,
			Clock: domain.SystemClock{}, Log: r.cfg.Log}
		d.Notifier = jobs.NewNotifier(db, rdb, r.transports(), lim, r.q, r.cfg.Log, domain.SystemClock{})
		w.wg.Go(func() {
			if err := jobs.RunWorker(ctx, d, jobs.WorkerConfig{Concurrency: r.cfg.Concurrency, ShutdownTimeout: 5 * time.Second}); err != nil {
				r.tb.Errorf("loadtest: worker: %v", err)
			}
		})
	}
	db, rdb := r.open(w, 4)
	w.sched = scheduler.New(scheduler.Deps{DB: db, Enqueuer: jobs.NewEnqueuer(rdb, r.q), Queues: r.q, Log: r.cfg.Log})
	return w
}

// open gives a worker or the scheduler a pool and a counted Redis client.
func (r *run) open(w *workers, conns int32) (*postgres.DB, redis.UniversalClient) {
	cfg, err := pgxpool.ParseConfig(r.url)
	if err != nil {
		r.tb.Fatalf("loadtest: %v", err)
	}
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(r.ctx, cfg)
	if err != nil {
		r.tb.Fatalf("loadtest: %v", err)
	}
	opt, err := redis.ParseURL(redistest.URL())
	if err != nil {
		r.tb.Fatalf("loadtest: %v", err)
	}
	rdb := redis.NewClient(opt)
	rdb.AddHook(w.redis)
	w.closes = append(w.closes, pool.Close, func() { rdb.Close() })
	return postgres.New(pool), rdb
}

// stop shuts the workers down and closes their pools and clients.
func (w *workers) stop() {
	w.cancel()
	w.wg.Wait()
	for _, c := range w.closes {
		c()
	}
}

// transports is a worker's Telegram side: its own clients of the fake.
func (r *run) transports() chat.Transports {
	if r.cfg.Bots == SharedBot {
		return chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, telegram.New(r.client(r.fakes[0].Token())))
	}
	router := chat.NewRouter()
	for i, f := range r.fakes {
		router.Add(chat.Telegram, r.botOf(i), telegram.NewBot(r.client(f.Token()), r.botOf(i)))
	}
	return router
}

// botOf is the bot club i's people talk to: the default bot, or with
// BotPerClub the club's own (bot id i+1).
func (r *run) botOf(i int) int64 {
	if r.cfg.Bots == SharedBot {
		return chat.DefaultBot
	}
	return int64(i + 1)
}

func (r *run) client(token string) *tgbot.Bot {
	b, err := tgbot.New(token, tgbot.WithServerURL(r.api), tgbot.WithSkipGetMe())
	if err != nil {
		r.tb.Fatalf("loadtest: telegram client: %v", err)
	}
	return b
}

// opCounter counts the Redis commands a client sends.
type opCounter struct{ n atomic.Int64 }

func (c *opCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *opCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *opCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// pgStats reads the run database's counters.
func (r *run) pgStats() Ops {
	var o Ops
	var ins, upd, del int64
	if err := r.admin.QueryRow(r.ctx, `
SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, tup_fetched
FROM pg_stat_database WHERE datname = current_database()`).Scan(&o.PGXacts, &ins, &upd, &del, &o.PGFetched); err != nil {
		r.tb.Fatalf("loadtest: pg_stat_database: %v", err)
	}
	o.PGWritten = ins + upd + del
	return o
}

// statsSettle lets closed backends' statistics reach pg_stat_database.
const statsSettle = 500 * time.Millisecond

// marks are how many calls each fake had recorded: a phase's calls are
// those after its marks.
func (r *run) marks() []int {
	m := make([]int, len(r.fakes))
	for i, f := range r.fakes {
		m[i] = len(f.Calls())
	}
	return m
}

// accepted are the accepted send calls since marks, by chat.
func (r *run) accepted(marks []int) map[int64][]telegramtest.Call {
	out := map[int64][]telegramtest.Call{}
	for i, f := range r.fakes {
		for _, c := range f.Calls()[marks[i]:] {
			if c.OK() && (c.Method == "sendMessage" || c.Method == "sendPhoto") {
				out[c.ChatID()] = append(out[c.ChatID()], c)
			}
		}
	}
	return out
}

func (r *run) violations() int {
	n := 0
	for _, f := range r.fakes {
		n += f.Violations()
	}
	return n
}

// idle reports whether the run's queues hold nothing waiting, running,
// scheduled or to be retried; an archived (failed for good) job fails tb.
func (r *run) idle(insp *asynq.Inspector) bool {
	for q := range r.q.Priorities() {
		info, err := insp.GetQueueInfo(q)
		if err != nil {
			continue // a queue nothing was ever put on
		}
		if info.Archived > 0 {
			r.tb.Fatalf("loadtest: %d jobs of %s failed for good", info.Archived, q)
		}
		if info.Pending+info.Active+info.Scheduled+info.Retry > 0 {
			return false
		}
	}
	return true
}

// await polls done (and the queues) until both hold or the timeout.
func (r *run) await(what string, done func() bool) {
	opt, err := redis.ParseURL(redistest.URL())
	if err != nil {
		r.tb.Fatalf("loadtest: %v", err)
	}
	rdb := redis.NewClient(opt) // not counted: the harness's own
	defer rdb.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	deadline := time.Now().Add(r.cfg.Timeout)
	for !done() || !r.idle(insp) {
		if time.Now().After(deadline) {
			r.tb.Fatalf("loadtest: timed out waiting for %s", what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// digestHour runs the digest sweep once for every club and waits for every
// manager's digest.
func (r *run) digestHour() Phase {
	var ph Phase
	marks, throttled := r.marks(), r.violations()
	w := r.startWorkers()
	before := r.pgStats()
	start := time.Now()
	n, err := w.sched.SweepDigests(r.ctx, start)
	ph.Sweep = time.Since(start)
	if err != nil || n != r.cfg.Clubs {
		r.tb.Fatalf("loadtest: digest sweep enqueued %d of %d: %v", n, r.cfg.Clubs, err)
	}
	ph.Jobs = n
	want := r.cfg.Clubs * r.cfg.Managers
	r.await("the digests", func() bool { return r.photos(marks) >= want })
	w.stop()
	time.Sleep(statsSettle)
	ph.Ops = r.pgStats().minus(before)
	ph.Ops.Redis = w.redis.n.Load()

	got := r.accepted(marks)
	for i := range r.clubs {
		for j := range r.cfg.Staff {
			photos := 0
			for _, c := range got[chatOf(i, j)] {
				if c.Method == "sendPhoto" {
					photos++
				}
			}
			if want := btoi(j < r.cfg.Managers); photos != want {
				r.tb.Errorf("loadtest: club %d person %d got %d digests, want %d", i, j, photos, want)
			}
		}
	}
	ph.Delivered = r.count(`SELECT count(*) FROM deliveries WHERE key LIKE 'digest:%'`)
	if sent := r.count(`SELECT count(*) FROM daily_runs WHERE kind = 'digest' AND sent_at IS NOT NULL`); sent != r.cfg.Clubs {
		r.tb.Errorf("loadtest: %d digests marked sent, want %d", sent, r.cfg.Clubs)
	}
	r.phaseCalls(&ph, got, start)
	ph.Throttled = r.violations() - throttled
	return ph
}

// photos counts the charts accepted since marks.
func (r *run) photos(marks []int) int {
	n := 0
	for i, f := range r.fakes {
		for _, c := range f.Calls()[marks[i]:] {
			if c.OK() && c.Method == "sendPhoto" {
				n++
			}
		}
	}
	return n
}

// reminderBurst re-plans Reminders tasks per club (one per staff member)
// to remind at one instant ReminderLead ahead, runs the reminder sweep, and
// waits for every reminder; it returns each one's lateness.
func (r *run) reminderBurst() (Phase, []time.Duration) {
	var ph Phase
	// A whole second, ReminderLead after the sweep starts (reminder job ids
	// are in seconds).
	at := time.Now().Add(statsSettle + r.cfg.ReminderLead + time.Second).Truncate(time.Second)
	// Re-planned through a connection of its own, closed before the phase's
	// statistics are read.
	conn, err := pgx.Connect(r.ctx, r.url)
	if err != nil {
		r.tb.Fatalf("loadtest: %v", err)
	}
	tag, err := conn.Exec(r.ctx, `UPDATE tasks SET remind_at = $1 WHERE remind_at IS NOT NULL AND reminded_at IS NULL`, at)
	conn.Close(r.ctx)
	if err != nil || int(tag.RowsAffected()) != r.cfg.Clubs*r.cfg.Reminders {
		r.tb.Fatalf("loadtest: burst: %d tasks re-planned, want %d: %v", tag.RowsAffected(), r.cfg.Clubs*r.cfg.Reminders, err)
	}
	time.Sleep(statsSettle)

	marks, throttled := r.marks(), r.violations()
	w := r.startWorkers()
	before := r.pgStats()
	start := time.Now()
	n, err := w.sched.SweepReminders(r.ctx, start)
	ph.Sweep = time.Since(start)
	want := r.cfg.Clubs * r.cfg.Reminders
	if err != nil || n != want {
		r.tb.Fatalf("loadtest: reminder sweep enqueued %d of %d: %v", n, want, err)
	}
	if time.Now().After(at) {
		r.tb.Logf("loadtest: the reminder sweep ended %s after the burst instant: raise ReminderLead", time.Since(at))
	}
	ph.Jobs = n
	r.await("the reminders", func() bool { return len(r.accepted(marks)) >= want })
	w.stop()
	time.Sleep(statsSettle)
	ph.Ops = r.pgStats().minus(before)
	ph.Ops.Redis = w.redis.n.Load()

	got := r.accepted(marks)
	var late []time.Duration
	for i := range r.clubs {
		for j := range r.cfg.Staff {
			calls := got[chatOf(i, j)]
			if want := btoi(j < r.cfg.Reminders); len(calls) != want {
				r.tb.Errorf("loadtest: club %d person %d got %d reminders, want %d", i, j, len(calls), want)
				continue
			}
			if len(calls) == 1 {
				late = append(late, calls[0].Time.Sub(at))
			}
		}
	}
	ph.Delivered = r.count(`SELECT count(*) FROM deliveries WHERE key LIKE 'remind:%'`)
	if left := r.count(`SELECT count(*) FROM tasks WHERE remind_at IS NOT NULL AND reminded_at IS NULL`); left != 0 {
		r.tb.Errorf("loadtest: %d reminders not marked sent", left)
	}
	r.phaseCalls(&ph, got, start)
	ph.Span = max(ph.Span-at.Sub(start), 0) // from the burst instant, not the sweep
	ph.Throttled = r.violations() - throttled
	return ph, late
}

// phaseCalls fills the phase's call count, span and rate from its calls.
func (r *run) phaseCalls(ph *Phase, got map[int64][]telegramtest.Call, start time.Time) {
	var first, last time.Time
	for _, calls := range got {
		for _, c := range calls {
			ph.Calls++
			if first.IsZero() || c.Time.Before(first) {
				first = c.Time
			}
			if c.Time.After(last) {
				last = c.Time
			}
		}
	}
	ph.Span = last.Sub(start)
	if ph.Calls > 1 && last.After(first) {
		ph.PerSecond = float64(ph.Calls-1) / last.Sub(first).Seconds()
	}
}

func (r *run) count(sql string) int {
	var n int
	if err := r.admin.QueryRow(r.ctx, sql).Scan(&n); err != nil {
		r.tb.Fatalf("loadtest: %s: %v", sql, err)
	}
	return n
}

func (o Ops) minus(b Ops) Ops {
	return Ops{PGXacts: o.PGXacts - b.PGXacts, PGWritten: o.PGWritten - b.PGWritten, PGFetched: o.PGFetched - b.PGFetched, Redis: o.Redis - b.Redis}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// percentile is the q-quantile of ds (nearest rank); 0 for none.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// String is the run's report, one figure a line.
func (res Result) String() string {
	c := res.Config
	line := func(name string, ph Phase) string {
		x, w, f, rd := ph.Ops.PerClub(c.Clubs)
		return fmt.Sprintf("%s: %d jobs, sweep %s, last accepted %s after the %s, %d delivered, %d Bot API calls at %.1f/s, %d 429s; per club: %.1f PG xacts, %.1f rows written, %.0f rows fetched, %.1f Redis commands\n",
			name, ph.Jobs, ph.Sweep.Round(time.Millisecond), ph.Span.Round(time.Millisecond), map[bool]string{true: "sweep", false: "burst instant"}[name == "digest hour"],
			ph.Delivered, ph.Calls, ph.PerSecond, ph.Throttled, x, w, f, rd)
	}
	s := fmt.Sprintf("load: %d clubs × %d staff (%d managers), %d open tasks, %d reminders; bots %s; %d workers × %d\n",
		c.Clubs, c.Staff, c.Managers, c.Tasks, c.Reminders, c.Bots, c.Workers, c.Concurrency)
	s += line("digest hour", res.Digest)
	if c.Reminders > 0 {
		s += line("reminder burst", res.Reminder)
		s += fmt.Sprintf("reminder lateness: p50 %s, p99 %s, max %s\n", res.LatenessP50.Round(time.Millisecond),
			res.LatenessP99.Round(time.Millisecond), res.LatenessMax.Round(time.Millisecond))
	}
	return s
}
