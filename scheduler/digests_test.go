package scheduler_test

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report/chart"
	"github.com/clubcrm/clubcrm/jobs"
)

// Walking the clock through DST days minute by minute (in five-minute steps:
// every digest hour is on one), each club's digest is started exactly once
// per local date, at the expected instant, including an hour that does not
// exist (spring forward) and one that happens twice (fall back).
func TestDigestOncePerLocalDateAcrossDST(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clubs := map[string]*dstClub{
		"kyiv-03": {zone: "Europe/Kyiv", hour: 3}, // skipped on 29 March, repeated on 25 October
		"kyiv-09": {zone: "Europe/Kyiv", hour: 9},
		"ny-02":   {zone: "America/New_York", hour: 2}, // skipped on 8 March
		"ny-01":   {zone: "America/New_York", hour: 1}, // repeated on 1 November
		"ny-09":   {zone: "America/New_York", hour: 9},
		"msk-03":  {zone: "Europe/Moscow", hour: 3}, // no DST
	}
	e.dstClubs(clubs)
	second := e.newScheduler()
	for _, w := range dstWindows {
		from, to := utc(t, w[0]), utc(t, w[1])
		for now := from; now.Before(to); now = now.Add(5 * time.Minute) {
			if _, err := e.sched.SweepDigests(e.ctx, now); err != nil {
				t.Fatalf("sweep at %s: %v", now, err)
			}
			if now.Minute() == 0 { // a second scheduler now and then
				if _, err := second.SweepDigests(e.ctx, now); err != nil {
					t.Fatalf("second sweep at %s: %v", now, err)
				}
			}
		}
	}
	// The digests of the DST days and their neighbours, started when due.
	want := []struct {
		club, date, at string
	}{
		{"kyiv-03", "2026-03-28", "2026-03-28T12:00:00Z"}, // the walk starts after 03:00: sent late, same day
		{"kyiv-03", "2026-03-29", "2026-03-29T01:00:00Z"}, // 03:00 skipped: the jump, 04:00 EEST
		{"kyiv-03", "2026-03-30", "2026-03-30T00:00:00Z"},
		{"kyiv-03", "2026-10-25", "2026-10-25T00:00:00Z"}, // 03:00 EEST, the first of two
		{"kyiv-09", "2026-03-29", "2026-03-29T06:00:00Z"},
		{"kyiv-09", "2026-10-25", "2026-10-25T07:00:00Z"},
		{"ny-02", "2026-03-08", "2026-03-08T07:00:00Z"}, // 02:00 skipped: 03:00 EDT
		{"ny-02", "2026-03-09", "2026-03-09T06:00:00Z"},
		{"ny-01", "2026-11-01", "2026-11-01T05:00:00Z"}, // 01:00 EDT, the first of two
		{"ny-01", "2026-11-02", "2026-11-02T06:00:00Z"},
		{"ny-09", "2026-03-08", "2026-03-08T13:00:00Z"},
		{"ny-09", "2026-11-01", "2026-11-01T14:00:00Z"},
		{"msk-03", "2026-03-29", "2026-03-29T00:00:00Z"},
		{"msk-03", "2026-10-25", "2026-10-25T00:00:00Z"},
	}
	for _, w := range want {
		c := clubs[w.club]
		var at time.Time
		if err := e.db.Pool().QueryRow(e.ctx, `SELECT enqueued_at FROM daily_runs WHERE kind = 'digest' AND club_id = $1 AND local_date = $2::date`, c.id, w.date).Scan(&at); err != nil {
			t.Errorf("%s %s: no digest: %v", w.club, w.date, err)
			continue
		}
		if !at.Equal(utc(t, w.at)) {
			t.Errorf("%s %s: started at %s, want %s", w.club, w.date, at.UTC().Format(time.RFC3339), w.at)
		}
		id := jobs.DigestTaskID(jobs.DailyPayload{ClubID: c.id, Date: w.date})
		if e.taskInfo(e.queues.Low(), id) == nil {
			t.Errorf("%s %s: job %s not queued", w.club, w.date, id)
		}
	}
	// Every club has one digest per local date it passed its hour in: the
	// number of runs equals the number of jobs, and no date is missing. A
	// window starts at 12:00 UTC, as if the scheduler came up then: a club
	// whose hour has passed locally gets that day's digest at once (late,
	// same day); with the two days after, that is three per window. New
	// York's 09:00 is still ahead at 12:00 UTC and after its end two days
	// later: two.
	runs := pgtest.Count(t, e.db, `SELECT count(*) FROM daily_runs WHERE kind = 'digest'`)
	if jobsQueued := e.queued(e.queues.Low()); jobsQueued != runs {
		t.Errorf("%d digest jobs for %d digest runs", jobsQueued, runs)
	}
	for name, c := range clubs {
		perWindow := 3
		if name == "ny-09" {
			perWindow = 2
		}
		if n := pgtest.Count(t, e.db, `SELECT count(*) FROM daily_runs WHERE kind = 'digest' AND club_id = $1`, c.id); n != perWindow*len(dstWindows) {
			t.Errorf("%s: %d digests over %d windows, want %d", name, n, len(dstWindows), perWindow*len(dstWindows))
		}
	}
}

// A digest due hours ago (the scheduler was down at the digest hour) is
// still sent the same local day; a day the scheduler missed entirely gets no
// digest afterwards.
func TestDigestMissedIsSentLateSameDayOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // the club is in Kyiv (UTC+3 in May), digest at 09:00
	started := func(date string) int {
		return pgtest.Count(t, e.db, `SELECT count(*) FROM daily_runs WHERE kind = 'digest' AND club_id = $1 AND local_date = $2::date`, e.f.Club.ID, date)
	}
	// Down at 09:00 on the 4th, back at 15:00: sent late, once.
	if n, err := e.sched.SweepDigests(e.ctx, time.Date(2030, 5, 4, 12, 0, 0, 0, time.UTC)); err != nil || n != 1 {
		t.Fatalf("late sweep: %d, %v; want 1", n, err)
	}
	if e.taskInfo(e.queues.Low(), jobs.DigestTaskID(jobs.DailyPayload{ClubID: e.f.Club.ID, Date: "2030-05-04"})) == nil {
		t.Fatal("late digest not queued")
	}
	// Down all of the 5th; back at 08:00 on the 6th: no digest for the 5th,
	// and the 6th's is not due yet.
	if n, err := e.sched.SweepDigests(e.ctx, time.Date(2030, 5, 6, 5, 0, 0, 0, time.UTC)); err != nil || n != 0 {
		t.Fatalf("sweep on the 6th at 08:00: %d, %v; want 0", n, err)
	}
	if started("2030-05-05") != 0 || started("2030-05-06") != 0 {
		t.Fatal("a digest was started for a missed day or before its hour")
	}
	// At 23:59 on the 6th it is still the 6th: sent late.
	if n, err := e.sched.SweepDigests(e.ctx, time.Date(2030, 5, 6, 20, 59, 0, 0, time.UTC)); err != nil || n != 1 {
		t.Fatalf("sweep at 23:59: %d, %v; want 1", n, err)
	}
	if started("2030-05-06") != 1 || started("2030-05-05") != 0 {
		t.Fatal("the 6th's digest should be started at 23:59, the 5th's never")
	}
}

// End to end: two schedulers sweep at the club's digest hour; the manager
// gets the digest once, with a PNG chart of the expected size.
func TestDigestArrivesOnceWithChart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startWorker()
	kyiv := mustLoc(t, "Europe/Kyiv")
	now := time.Now()
	pgtest.Exec(t, e.db, `UPDATE clubs SET digest_hour = $2 WHERE id = $1`, e.f.Club.ID, now.In(kyiv).Hour())
	// Yesterday: a task created and done by the staff member, so there are bars to draw.
	y := now.In(kyiv).AddDate(0, 0, -1)
	pgtest.Task(t, e.db, e.f.Club, pgtest.TaskOpts{Template: e.f.Templates["internal"], Title: "Yesterday's work", Assignee: e.f.Staff.ID,
		Created: y, Due: &y, Status: domain.StatusDone, Done: &y})

	second := e.newScheduler()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := e.sched.SweepDigests(e.ctx, now); err != nil {
				t.Errorf("sweep: %v", err)
			}
		})
		wg.Go(func() {
			if _, err := second.SweepDigests(e.ctx, now); err != nil {
				t.Errorf("second: %v", err)
			}
		})
	}
	wg.Wait()
	manager := e.f.Manager.TelegramID
	photo := e.tg.WaitFor(t, func(c telegramtest.Call) bool { return c.Method == "sendPhoto" && c.ChatID() == manager && c.OK() }, 30*time.Second)
	e.waitIdle(30 * time.Second)
	if _, err := e.sched.SweepDigests(e.ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	e.waitIdle(30 * time.Second)

	cfg, format, err := image.DecodeConfig(bytes.NewReader(photo.Files["photo"].Bytes))
	if err != nil || format != "png" || cfg.Width != chart.Width || cfg.Height != chart.Height {
		t.Fatalf("chart: %s %dx%d, %v; want png %dx%d", format, cfg.Width, cfg.Height, err, chart.Width, chart.Height)
	}
	if n := len(e.sentContaining(manager, "Сводка дня")); n != 1 {
		t.Fatalf("manager got the digest %d times, want once: %v", n, e.sent(manager))
	}
	if n := len(e.tg.CallsTo("sendPhoto")); n != 1 {
		t.Fatalf("%d charts sent, want 1 (one manager)", n)
	}
	if n := len(e.sent(e.f.Staff.TelegramID)); n != 0 {
		t.Fatalf("staff got the managers' digest")
	}
	if n := pgtest.Count(t, e.db, `SELECT count(*) FROM daily_runs WHERE kind = 'digest' AND club_id = $1 AND sent_at IS NOT NULL`, e.f.Club.ID); n != 1 {
		t.Fatalf("digest not marked sent")
	}
}

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(fmt.Errorf("parse %s: %w", s, err))
	}
	return v
}
