package scheduler_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/scheduler"
)

// The morning lists at the club's digest hour and the mid-day summary at
// 13:00, each swept by two schedulers at once and again a minute later,
// through the notifier to the fake Bot API: every staff member with
// something due gets one list of their own tasks (another club's never in
// it), someone with nothing due gets nothing, and the managers get one
// summary — of a club with overdue tasks only.
func TestMorningListsAndMiddaySummaryOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startWorker()
	beta := pgtest.NewClub(t, e.db, "beta")
	f := e.f
	// 10 March 2026, 09:30 in Kyiv (EET, UTC+2): both clubs' digest hour is 9.
	e.clock.Set(utc(t, "2026-03-10T07:30:00Z"))
	oldCall := e.task(f, f.Staff.ID, "Old call", ptr(utc(t, "2026-03-09T08:00:00Z")), nil)
	anna := e.task(f, f.Staff.ID, "Call Anna", ptr(utc(t, "2026-03-10T13:00:00Z")), nil)
	e.task(f, f.Staff.ID, "Tomorrow call", ptr(utc(t, "2026-03-11T08:00:00Z")), nil)
	e.task(f, f.Colleague.ID, "Next week", ptr(utc(t, "2026-03-17T08:00:00Z")), nil)
	e.task(f, 0, "Nobody's", ptr(utc(t, "2026-03-09T09:00:00Z")), nil)
	betaTask := e.task(beta, beta.Staff.ID, "Beta secret", ptr(utc(t, "2026-03-10T12:00:00Z")), nil)

	second := e.newScheduler()
	sweepBoth := func(sweep func(*scheduler.Scheduler) func() error) {
		t.Helper()
		var wg sync.WaitGroup
		for _, s := range []*scheduler.Scheduler{e.sched, second, e.sched, second} {
			wg.Go(func() {
				if err := sweep(s)(); err != nil {
					t.Errorf("sweep: %v", err)
				}
			})
		}
		wg.Wait()
		e.waitIdle(30 * time.Second)
	}
	morning := func(at time.Time) func(*scheduler.Scheduler) func() error {
		return func(s *scheduler.Scheduler) func() error {
			return func() error { _, err := s.SweepMorning(e.ctx, at); return err }
		}
	}
	midday := func(at time.Time) func(*scheduler.Scheduler) func() error {
		return func(s *scheduler.Scheduler) func() error {
			return func() error { _, err := s.SweepMidday(e.ctx, at); return err }
		}
	}
	now := e.clock.Now()
	sweepBoth(morning(now))
	e.clock.Set(now.Add(time.Minute))
	sweepBoth(morning(now.Add(time.Minute)))

	lists := e.sentContaining(f.Staff.TelegramID, "Ваши задачи на")
	if len(lists) != 1 {
		t.Fatalf("staff got %d morning lists, want 1: %q", len(lists), e.sent(f.Staff.TelegramID))
	}
	l := lists[0]
	for _, want := range []string{"на сегодня 1, просрочено 1", "Old call", "Call Anna"} {
		if !strings.Contains(l.Text, want) {
			t.Errorf("staff's list lacks %q:\n%s", want, l.Text)
		}
	}
	for _, not := range []string{"Tomorrow call", "Next week", "Nobody's", "Beta secret"} {
		if strings.Contains(l.Text, not) {
			t.Errorf("staff's list names %q:\n%s", not, l.Text)
		}
	}
	if strings.Index(l.Text, "Old call") > strings.Index(l.Text, "Call Anna") {
		t.Errorf("overdue task not first:\n%s", l.Text)
	}
	var got []string
	for _, row := range l.Keyboard {
		for _, b := range row {
			got = append(got, b.CallbackData)
		}
	}
	if want := []string{callback.New("tc", oldCall), callback.New("tc", anna)}; !slices.Equal(got, want) {
		t.Errorf("buttons %v, want %v", got, want)
	}
	for name, chat := range map[string]int64{"colleague (nothing due)": f.Colleague.TelegramID, "manager (nothing assigned)": f.Manager.TelegramID} {
		if got := e.sent(chat); len(got) != 0 {
			t.Errorf("%s got %q, want nothing", name, got)
		}
	}
	betaLists := e.sentContaining(beta.Staff.TelegramID, "Ваши задачи на")
	if len(betaLists) != 1 || !strings.Contains(betaLists[0].Text, "Beta secret") || strings.Contains(betaLists[0].Text, "Old call") {
		t.Fatalf("beta's staff got %q, want one list with beta's task only", e.sent(beta.Staff.TelegramID))
	}
	if len(betaLists[0].Keyboard) != 1 || betaLists[0].Keyboard[0][0].CallbackData != callback.New("tc", betaTask) {
		t.Errorf("beta's button %v", betaLists[0].Keyboard)
	}

	// 12:59 in Kyiv: no summary yet.
	if n, err := e.sched.SweepMidday(e.ctx, utc(t, "2026-03-10T10:59:00Z")); err != nil || n != 0 {
		t.Fatalf("midday sweep before 13:00: %d jobs, %v", n, err)
	}
	noon := utc(t, "2026-03-10T11:05:00Z")
	e.clock.Set(noon)
	sweepBoth(midday(noon))
	e.clock.Set(noon.Add(time.Minute))
	sweepBoth(midday(noon.Add(time.Minute)))

	sums := e.sentContaining(f.Manager.TelegramID, "середину дня")
	if len(sums) != 1 {
		t.Fatalf("manager got %d summaries, want 1: %q", len(sums), e.sent(f.Manager.TelegramID))
	}
	for _, want := range []string{"середину дня: 2", "• Staff alpha: 1", "• Без исполнителя: 1"} {
		if !strings.Contains(sums[0].Text, want) {
			t.Errorf("summary lacks %q:\n%s", want, sums[0].Text)
		}
	}
	if strings.Contains(sums[0].Text, "Old call") {
		t.Errorf("summary lists tasks, want counts only:\n%s", sums[0].Text)
	}
	if got := e.sent(f.Staff.TelegramID); len(got) != 1 {
		t.Errorf("staff got %d messages, want only the morning list", len(got))
	}
	if got := e.sent(beta.Manager.TelegramID); len(got) != 0 {
		t.Errorf("beta (nothing overdue) sent %q, want nothing", got)
	}
	if n := pgtest.Count(t, e.db, `SELECT count(*) FROM daily_runs WHERE sent_at IS NOT NULL`); n != 4 {
		t.Errorf("%d daily runs marked sent, want 4 (2 clubs × morning, midday)", n)
	}
}

// Morning lists (at the digest hour) and mid-day summaries (13:00) across
// the DST changes of Kyiv and New York: once per club and local date,
// enqueued at the local hour, never skipped or doubled.
func TestDailyNoticesOncePerLocalDateAcrossDST(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clubs := map[string]*dstClub{
		"kyiv-03": {zone: "Europe/Kyiv", hour: 3}, // skipped on 29 March, repeated on 25 October
		"kyiv-09": {zone: "Europe/Kyiv", hour: 9},
		"ny-09":   {zone: "America/New_York", hour: 9},
	}
	e.dstClubs(clubs)
	second := e.newScheduler()
	for _, w := range dstWindows {
		for now := utc(t, w[0]); now.Before(utc(t, w[1])); now = now.Add(5 * time.Minute) {
			for _, s := range []*scheduler.Scheduler{e.sched, second} {
				if _, err := s.SweepMorning(e.ctx, now); err != nil {
					t.Fatalf("morning sweep at %s: %v", now, err)
				}
				if _, err := s.SweepMidday(e.ctx, now); err != nil {
					t.Fatalf("midday sweep at %s: %v", now, err)
				}
			}
		}
	}
	want := []struct{ club, kind, date, at string }{
		{"kyiv-03", "morning", "2026-03-29", "2026-03-29T01:00:00Z"}, // 03:00 skipped: 04:00 EEST
		{"kyiv-03", "morning", "2026-10-25", "2026-10-25T00:00:00Z"}, // the first 03:00
		{"kyiv-09", "morning", "2026-03-29", "2026-03-29T06:00:00Z"},
		{"kyiv-09", "midday", "2026-03-28", "2026-03-28T12:00:00Z"}, // 13:00 EET was 11:00Z: late, same day
		{"kyiv-09", "midday", "2026-03-29", "2026-03-29T10:00:00Z"},
		{"kyiv-09", "midday", "2026-10-25", "2026-10-25T11:00:00Z"},
		{"ny-09", "morning", "2026-03-08", "2026-03-08T13:00:00Z"},
		{"ny-09", "morning", "2026-11-01", "2026-11-01T14:00:00Z"},
		{"ny-09", "midday", "2026-03-08", "2026-03-08T17:00:00Z"},
		{"ny-09", "midday", "2026-11-01", "2026-11-01T18:00:00Z"},
	}
	for _, w := range want {
		c := clubs[w.club]
		var at time.Time
		if err := e.db.Pool().QueryRow(e.ctx, `SELECT enqueued_at FROM daily_runs WHERE club_id = $1 AND kind = $2 AND local_date = $3::date`,
			c.id, w.kind, w.date).Scan(&at); err != nil {
			t.Errorf("%s %s %s: none: %v", w.club, w.kind, w.date, err)
			continue
		}
		if !at.Equal(utc(t, w.at)) {
			t.Errorf("%s %s %s: started at %s, want %s", w.club, w.kind, w.date, at.UTC().Format(time.RFC3339), w.at)
		}
		p := jobs.DailyPayload{ClubID: c.id, Date: w.date}
		id := jobs.MorningTaskID(p)
		if w.kind == "midday" {
			id = jobs.MiddayTaskID(p)
		}
		if e.taskInfo(e.queues.Low(), id) == nil {
			t.Errorf("%s %s %s: job %s not queued", w.club, w.kind, w.date, id)
		}
	}
	// Per window (it starts at 12:00 UTC, as if the scheduler came up then):
	// Kyiv's hours have passed locally, so that day's notices go at once, then
	// two more days: three; New York's are still ahead and after the window's
	// end two days later: two.
	runs := pgtest.Count(t, e.db, `SELECT count(*) FROM daily_runs`)
	if queued := e.queued(e.queues.Low()); queued != runs {
		t.Errorf("%d jobs for %d daily runs", queued, runs)
	}
	for name, c := range clubs {
		perWindow := 3
		if name == "ny-09" {
			perWindow = 2
		}
		for _, kind := range []string{"morning", "midday"} {
			if n := pgtest.Count(t, e.db, `SELECT count(*) FROM daily_runs WHERE club_id = $1 AND kind = $2`, c.id, kind); n != perWindow*len(dstWindows) {
				t.Errorf("%s %s: %d over %d windows, want %d", name, kind, n, len(dstWindows), perWindow*len(dstWindows))
			}
		}
	}
}
