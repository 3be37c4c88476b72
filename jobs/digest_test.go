package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/png"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report/chart"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/jobstest"
)

// digestWorld is a club with a hand-made day of work, seen at 09:00 Kyiv
// time on 26 November 2026 (07:00 UTC): the digest of the 26th reports the
// 25th and plans the 26th.
type digestWorld struct {
	t       *testing.T
	ctx     context.Context
	db      *postgres.DB
	tg      *telegramtest.Server
	deps    jobs.Deps
	club    int64
	record  domain.Club      // the club the factories made
	tmpl    map[string]int64 // template ids by key: call, internal
	clients map[string]int64 // client ids by name: Client 1 … Client 4
	manager int64            // chat 6001
	owner   int64            // chat 6004
	alice   int64            // chat 6002
	bob     int64            // chat 6003, blocked the bot
}

var (
	kyivDigestDay = "2026-11-26"
	digestNow     = time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC) // 09:00 in Kyiv (UTC+2)
)

// local is a wall-clock time in Kyiv on November day d.
func local(d, hour, min int) time.Time {
	return time.Date(2026, 11, d, hour, min, 0, 0, time.FixedZone("EET", 2*3600))
}

func newDigestWorld(t *testing.T, now time.Time) *digestWorld {
	t.Helper()
	w := &digestWorld{t: t, ctx: context.Background()}
	clock := clocktest.New(now)
	jw := jobstest.New(t, jobstest.Config{Limits: jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000}, Clock: clock})
	w.db, w.tg, w.deps = jw.DB, jw.TG, jw.Deps

	id := func(sql string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := w.db.Pool().QueryRow(w.ctx, sql, args...).Scan(&id); err != nil {
			t.Fatalf("fixture %q: %v", strings.SplitN(sql, "\n", 2)[0], err)
		}
		return id
	}
	// Bare: the club's templates are exactly the two below.
	club := pgtest.Club(t, w.db, pgtest.ClubOpts{Slug: "club", Name: "Sunny Dance", Language: domain.LangEN, Bare: true})
	w.club, w.record = club.ID, club
	staff := func(name string, role domain.Role, tg int64) int64 {
		return pgtest.Staff(t, w.db, club, pgtest.StaffOpts{Name: name, Role: role, Language: domain.LangEN, TgUserID: tg}).ID
	}
	w.manager, w.alice, w.bob, w.owner = staff("Maria", domain.RoleManager, 6001), staff("Alice", domain.RoleStaff, 6002),
		staff("Bob", domain.RoleStaff, 6003), staff("Oleg", domain.RoleOwner, 6004)
	pgtest.MarkUnreachable(t, w.db, w.bob, now.Add(-48*time.Hour))
	pgtest.Staff(t, w.db, club, pgtest.StaffOpts{Name: "Gone", Role: domain.RoleManager, TgUserID: 6005, Inactive: true})

	call := pgtest.Template(t, w.db, club, pgtest.TemplateOpts{Key: "call", Name: "Call", Type: domain.TypePersonalCall}).ID
	internal := pgtest.Template(t, w.db, club, pgtest.TemplateOpts{Key: "internal", Name: "Internal", Type: domain.TypeInternal}).ID
	w.tmpl = map[string]int64{"call": call, "internal": internal}
	result := func(key, name string) int64 {
		return pgtest.Result(t, w.db, club, pgtest.ResultOpts{Key: key, Name: name}).ID
	}
	think, trial, bought := result("think", "Thinking"), result("trial", "Trial booked"), result("bought", "Bought a subscription")
	for i, s := range []struct {
		key, name string
		result    int64
	}{{"contact", "First contact", think}, {"trial", "Trial", trial}, {"bought", "Subscription", bought}} {
		stage := id(`INSERT INTO funnel_stages (club_id, key, name, position) VALUES ($1, $2, $3, $4) RETURNING id`, w.club, s.key, s.name, i)
		pgtest.Exec(t, w.db, `INSERT INTO funnel_stage_results (club_id, stage_id, result_id) VALUES ($1, $2, $3)`, w.club, stage, s.result)
	}
	w.clients = map[string]int64{}
	client := func(name string) int64 {
		w.clients[name] = pgtest.Client(t, w.db, club, pgtest.ClientOpts{Name: name}).ID
		return w.clients[name]
	}
	c1, c2, c3, c4 := client("Client 1"), client("Client 2"), client("Client 3"), client("Client 4")

	// task writes a task as history; done (zero: open) closes it with result.
	task := func(title string, tmpl, clientID, assignee int64, created, due, done time.Time, result int64) int64 {
		o := pgtest.TaskOpts{Template: tmpl, Title: title, Client: clientID, Assignee: assignee, Created: created, Due: &due}
		if !done.IsZero() {
			o.Status, o.Done, o.Result = domain.StatusDone, &done, result
		}
		tid := pgtest.Task(t, w.db, club, o).ID
		if !done.IsZero() {
			pgtest.Exec(t, w.db, `INSERT INTO task_results (club_id, task_id, result_id, client_id, staff_id, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6)`, w.club, tid, result, clientID, assignee, done)
		}
		return tid
	}
	var none time.Time
	// Yesterday, the 25th (Kyiv time):
	task("T1 call Client 1", call, c1, w.alice, local(25, 10, 0), local(25, 12, 0), local(25, 11, 0), trial)
	task("T2 call Client 2", call, c2, w.alice, local(25, 10, 30), local(25, 18, 0), local(25, 12, 0), think)
	task("T3 call Client 3", call, c3, w.bob, local(25, 9, 0), local(25, 15, 0), none, 0) // missed
	task("T4 prepare the hall", internal, 0, w.alice, local(25, 14, 0), local(26, 12, 0), none, 0)
	task("T5 call Client 4", call, c4, w.bob, local(24, 9, 0), local(25, 17, 0), local(25, 16, 0), bought)
	task("T6 order water", internal, 0, 0, local(23, 9, 0), local(25, 8, 0), none, 0) // unassigned, missed
	// This morning:
	task("T7 print the schedule", internal, 0, w.alice, local(26, 8, 0), local(26, 8, 30), none, 0)
	// Not this club's business: another club's overdue task.
	other := pgtest.Club(t, w.db, pgtest.ClubOpts{Slug: "other", Name: "Other", Bare: true})
	otherTmpl := pgtest.Template(t, w.db, other, pgtest.TemplateOpts{Key: "internal", Name: "Internal", Type: domain.TypeInternal}).ID
	otherDue := local(25, 10, 0)
	pgtest.Task(t, w.db, other, pgtest.TaskOpts{Template: otherTmpl, Title: "Other club", Created: otherDue, Due: &otherDue})

	for _, c := range []struct {
		dir   string
		staff int64
		at    time.Time
	}{{"out", w.alice, local(25, 11, 0)}, {"out", w.alice, local(25, 12, 0)}, {"in", w.bob, local(25, 16, 0)}, {"out", w.alice, local(24, 16, 0)}} {
		pgtest.Exec(t, w.db, `INSERT INTO calls (club_id, direction, client_id, staff_id, called_at) VALUES ($1, $2, $3, $4, $5)`, w.club, c.dir, c1, c.staff, c.at)
	}
	pgtest.Exec(t, w.db, `INSERT INTO daily_runs (club_id, kind, local_date, enqueued_at) VALUES ($1, 'digest', $2::date, $3)`, w.club, kyivDigestDay, now)
	return w
}

// process runs the digest job of date the way a worker would.
func (w *digestWorld) process(date string) error {
	task, _, err := jobs.NewDigestTask(w.deps.Queues, jobs.DailyPayload{ClubID: w.club, Date: date})
	if err != nil {
		w.t.Fatal(err)
	}
	return jobs.NewMux(w.deps).ProcessTask(w.ctx, task)
}

// chat returns everything the bot showed in a chat: texts and captions, and
// the photos.
func (w *digestWorld) chat(id int64) (text string, photos [][]byte) {
	var parts []string
	for _, m := range w.tg.Sent(id) {
		parts = append(parts, m.Text)
		if m.Photo != nil {
			photos = append(photos, m.Photo.Bytes)
		}
	}
	return strings.Join(parts, "\n"), photos
}

// The digest's figures equal a dataset counted by hand (see
// newDigestWorld), in the recipients' language, with a chart.
func TestDigestFiguresMatchHandCount(t *testing.T) {
	t.Parallel()
	w := newDigestWorld(t, digestNow)
	if err := w.process(kyivDigestDay); err != nil {
		t.Fatalf("digest: %v", err)
	}
	text, photos := w.chat(6001)
	want := []string{
		"📊 Daily digest · Sunny Dance · Nov 26, 2026",
		"Yesterday, Nov 25, 2026",
		// created T1 T2 T3 T4; done T1 T2 T5; overdue (due yesterday, missed) T3 T6
		"Tasks: 4 created, 3 done, 2 overdue",
		"Calls: 2 outgoing, 1 incoming",
		"By staff (created / done / overdue):",
		"• Alice: 3 / 2 / 0",
		"• Bob: 1 / 1 / 1",
		"• Unassigned: 0 / 0 / 1",
		"Results:",
		"• Trial booked: 1 (33%)",
		"• Thinking: 1 (33%)",
		"• Bought a subscription: 1 (33%)",
		// cumulative: Client 1 (trial), 2 (contact), 4 (bought) made contact; 1 and 4 a trial; 4 bought
		"Sales funnel:",
		"• First contact: 3",
		"• Trial: 2 (67% of the previous stage)",
		"• Subscription: 1 (50% of the previous stage)",
		"Conversion: 33%",
		"Today",
		// One definition (domain.DueDay): T7, due 08:30 and open at 09:00,
		// is overdue, not also due today.
		"Due today: 1",   // T4 at 12:00
		"Overdue now: 3", // T3, T6, T7
		"• Alice: 1",
		"• Bob: 1",
		"• Unassigned: 1",
		"Overdue longest:",
		"• T6 order water · Unassigned · due Nov 25, 2026, 8:00 AM",
		"• T3 call Client 3 · Bob · due Nov 25, 2026, 3:00 PM",
		"• T7 print the schedule · Alice · due Nov 26, 2026, 8:30 AM",
		"⚠️ Not receiving messages (blocked the bot): Bob",
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		lines[l] = true
	}
	for _, l := range want {
		if !lines[l] {
			t.Errorf("digest lacks line %q", l)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("digest:\n%s", text)
	}
	if strings.Contains(text, "Other club") || strings.Contains(text, "• Maria") || strings.Contains(text, "• Oleg") {
		t.Errorf("digest shows another club's task or idle staff:\n%s", text)
	}
	if i, j := strings.Index(text, "T6 order water"), strings.Index(text, "T7 print"); i > j {
		t.Errorf("overdue list not longest-overdue first")
	}

	if len(photos) != 1 {
		t.Fatalf("%d charts, want 1", len(photos))
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(photos[0]))
	if err != nil || format != "png" || cfg.Width != chart.Width || cfg.Height != chart.Height {
		t.Fatalf("chart: %s %dx%d, %v; want png %dx%d", format, cfg.Width, cfg.Height, err, chart.Width, chart.Height)
	}
	// The owner got the same; staff, the blocked and the inactive got nothing.
	if owner, _ := w.chat(6004); owner != text {
		t.Errorf("owner's digest differs from the manager's:\n%s", owner)
	}
	for _, chat := range []int64{6002, 6003, 6005} {
		if n := len(w.tg.Sent(chat)); n != 0 {
			t.Errorf("chat %d got %d messages", chat, n)
		}
	}
	if n := pgtest.Count(t, w.db, `SELECT count(*) FROM daily_runs WHERE kind = 'digest' AND sent_at IS NOT NULL`); n != 1 {
		t.Fatalf("digest not marked sent")
	}
	// Run again (a duplicate job): nothing more.
	before := len(w.tg.Calls())
	if err := w.process(kyivDigestDay); err != nil {
		t.Fatalf("again: %v", err)
	}
	if n := len(w.tg.Calls()) - before; n != 0 {
		t.Fatalf("a duplicate digest job made %d more calls", n)
	}
}

// A send failing for one recipient fails the job; its retry sends only
// what is missing.
func TestDigestRetryAfterPartialFailure(t *testing.T) {
	t.Parallel()
	w := newDigestWorld(t, digestNow)
	w.tg.FailNext("sendPhoto", 6004, 500, 0)
	if err := w.process(kyivDigestDay); err == nil {
		t.Fatal("digest with a failed send succeeded")
	}
	if n := pgtest.Count(t, w.db, `SELECT count(*) FROM daily_runs WHERE kind = 'digest' AND sent_at IS NOT NULL`); n != 0 {
		t.Fatalf("a partly sent digest was marked sent")
	}
	if err := w.process(kyivDigestDay); err != nil {
		t.Fatalf("retry: %v", err)
	}
	for _, chat := range []int64{6001, 6004} {
		if _, photos := w.chat(chat); len(photos) != 1 {
			t.Errorf("chat %d has %d digests, want 1", chat, len(photos))
		}
	}
}

func TestDigestNotSent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		now     time.Time
		payload jobs.DailyPayload // ClubID 0: the world's club
		skip    bool              // the job gives up for good (SkipRetry)
	}{
		// The worker was down all day: the job runs the next morning.
		{"local day over", digestNow.Add(24 * time.Hour), jobs.DailyPayload{Date: kyivDigestDay}, false},
		// A job for the 27th (a forged or mistaken date) run on the 26th.
		{"local day not begun", digestNow, jobs.DailyPayload{Date: "2026-11-27"}, false},
		{"never started", digestNow.Add(-24 * time.Hour), jobs.DailyPayload{Date: "2026-11-25"}, true},
		{"unknown club", digestNow, jobs.DailyPayload{ClubID: 1 << 40, Date: kyivDigestDay}, true},
		{"bad date", digestNow, jobs.DailyPayload{Date: "26.11.2026"}, true},
		{"no date", digestNow, jobs.DailyPayload{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newDigestWorld(t, c.now)
			if c.payload.ClubID == 0 {
				c.payload.ClubID = w.club
			}
			task, _, err := jobs.NewDigestTask(w.deps.Queues, c.payload)
			if err != nil {
				t.Fatal(err)
			}
			err = jobs.NewMux(w.deps).ProcessTask(w.ctx, task)
			if skip := errors.Is(err, asynq.SkipRetry); skip != c.skip || (!c.skip && err != nil) {
				t.Fatalf("error = %v, want SkipRetry %v", err, c.skip)
			}
			if n := len(w.tg.CallsTo("sendPhoto")) + len(w.tg.CallsTo("sendMessage")); n != 0 {
				t.Fatalf("%d messages sent", n)
			}
			if n := pgtest.Count(t, w.db, `SELECT count(*) FROM daily_runs WHERE kind = 'digest' AND sent_at IS NOT NULL`); n != 0 {
				t.Fatalf("digest marked sent")
			}
		})
	}
	// Garbage payload.
	w := newDigestWorld(t, digestNow)
	if err := jobs.NewMux(w.deps).ProcessTask(w.ctx, asynq.NewTask(jobs.TypeDigestSend, []byte("{"))); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("garbage payload: %v, want SkipRetry", err)
	}
}

// A quiet day (no tasks, no results) still gets a digest, in Russian, without a chart.
func TestDigestQuietDay(t *testing.T) {
	t.Parallel()
	w := newDigestWorld(t, digestNow)
	pgtest.Exec(t, w.db, `DELETE FROM task_results; DELETE FROM calls; DELETE FROM tasks`)
	pgtest.Exec(t, w.db, `UPDATE staff SET language = 'ru'`)
	if err := w.process(kyivDigestDay); err != nil {
		t.Fatalf("digest: %v", err)
	}
	text, photos := w.chat(6001)
	for _, l := range []string{"📊 Сводка дня · Sunny Dance · 26 ноя 2026", "Задачи: создано 0, выполнено 0, просрочено 0", "Результатов не внесено.", "Просрочено сейчас: 0"} {
		if !strings.Contains(text, l) {
			t.Errorf("digest lacks %q:\n%s", l, text)
		}
	}
	if len(photos) != 0 {
		t.Errorf("a chart of nothing was sent")
	}
	if strings.Contains(text, "digest.") {
		t.Errorf("untranslated key in:\n%s", text)
	}
}
