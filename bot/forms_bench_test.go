package bot

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/clocktest"
	"github.com/clubcrm/clubcrm/domain/i18n"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
)

// BenchmarkResultEntry drives complete result entries through the real
// handler stack: the go-telegram/bot client long polling the fake Bot API
// over HTTP, the middleware (identity from PostgreSQL), the router, the
// form with its conversation in PostgreSQL, and postgres.ResultRecord. One
// entry is eleven updates a person sends: open the form on the card, pick
// "Signed up for a trial", then a date, skip the date-time, a choice, a
// multi-select tick and Done, a typed number, a typed note, Yes, Record.
// Each update is timed from its injection until the bot has handled it;
// creating the task the entry closes is not timed.
//
//	go test ./bot -run '^$' -bench BenchmarkResultEntry -benchtime 200x
func BenchmarkResultEntry(b *testing.B) {
	clock := clocktest.New(testNow)
	db := pgtest.New(b, postgres.WithClock(clock))
	f := pgtest.NewClub(b, db, "alpha")
	pgtest.Exec(b, db, `UPDATE staff SET language = 'en' WHERE club_id = $1`, f.Club.ID)
	addTrial(b, db, f)
	tg := telegramtest.New(b)
	handled := newHandledSet()
	bot, err := New(Config{Token: telegramtest.Token, APIURL: tg.URL}, Deps{DB: db, Catalog: i18n.MustNew(), Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	bot.handled = handled.mark
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- bot.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("bot run: %v", err)
		}
	}()
	user := tgUser(f.Staff)

	var lat []time.Duration
	timed := func(id int64) {
		start := time.Now()
		handled.wait(b, id)
		lat = append(lat, time.Since(start))
	}
	press := func(label string) { timed(tg.Press(b, user, label)) }
	say := func(text string) { timed(tg.SendText(user, text)) }

	handled.wait(b, tg.SendText(user, "/help")) // a message for the first form to open in
	b.ResetTimer()
	start := time.Now()
	var untimed time.Duration
	for i := range b.N {
		b.StopTimer()
		pause := time.Now()
		task, err := db.TaskCreate(ctx, postgres.TaskCreateInput{
			ClubID: f.Club.ID, TemplateID: f.Templates["call"], ClientID: f.Clients[i%len(f.Clients)],
			AuthorID: f.Manager.ID, AssigneeID: f.Staff.ID, DueAt: &testNow,
		})
		if err != nil {
			b.Fatal(err)
		}
		last, _ := tg.LastSent(user.ID)
		untimed += time.Since(pause)
		b.StartTimer()

		timed(tg.Tap(user, last.ID, data("rs", task.ID)))
		press("Signed up for a trial")
		press("Tomorrow")
		press("Skip")
		press("Dance")
		press("▫️ Yoga")
		press("Done")
		say("7")
		say("Calm")
		press("Yes")
		press("✅ Record result")
	}
	b.StopTimer()
	elapsed := time.Since(start) - untimed

	if n := pgtest.Count(b, db, `SELECT count(*) FROM tasks WHERE status = 'done'`); n != b.N {
		b.Fatalf("%d of %d entries recorded; last message: %v", n, b.N, func() string { m, _ := tg.LastSent(user.ID); return m.Text }())
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "updates/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}
