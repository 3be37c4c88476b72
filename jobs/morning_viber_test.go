package jobs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/jobs"
)

// A club that chose viber_free_window_only (its plan) sends the morning
// list to a Viber person only inside the 24 hours after their last
// message: a Viber-only staff member who last wrote 30 hours ago gets none
// (skipped, logged, counted), and the run still completes. With the
// setting off they get it. A Telegram staff member, with no window, gets
// theirs either way.
func TestMorningListViberFreeWindowOnly(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{true, false} {
		name := map[bool]string{true: "on", false: "off"}[on]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := newViberEnv(t, 95)
			pgtest.Exec(t, v.db, `UPDATE clubs SET viber_free_window_only = $2 WHERE id = $1`, v.club.ID, on)
			u, to := v.phone("veraMMMM==")
			vera := v.staff("Vera", domain.RoleStaff, 0)
			pgtest.LinkIdentity(t, v.db, v.club.ID, vera.ID, to)
			if err := v.sessions.Inbound(v.ctx, to, time.Now().Add(-30*time.Hour)); err != nil {
				t.Fatal(err)
			}
			due := time.Now().Add(-time.Hour)
			v.overdueTask(vera.ID, "Order water", due)
			v.overdueTask(v.alice.ID, "Print the schedule", due)

			kyiv, _ := time.LoadLocation("Europe/Kyiv")
			today := report.DateOf(time.Now().In(kyiv)).String()
			pgtest.Exec(t, v.db, `INSERT INTO daily_runs (club_id, kind, local_date, enqueued_at) VALUES ($1, 'morning', $2::date, now())`, v.club.ID, today)
			deps := v.deps
			deps.Notifier = v.notifier
			task, _, err := jobs.NewMorningTask(v.q, jobs.DailyPayload{ClubID: v.club.ID, Date: today})
			if err != nil {
				t.Fatal(err)
			}
			if err := jobs.NewMux(deps).ProcessTask(v.ctx, task); err != nil {
				t.Fatalf("morning lists: %v", err)
			}

			viberLists := 0
			for _, m := range v.bot.Messages(u.ID) {
				if strings.Contains(m.Text, "Order water") {
					viberLists++
				}
			}
			skipped := v.counter("clubcrm_messages_skipped_total")
			logged := len(v.logs.Lines("outside the person's free window"))
			wantViber, wantSkipped := 1, 0
			if on {
				wantViber, wantSkipped = 0, 1
			}
			if viberLists != wantViber || int(skipped) != wantSkipped || logged != wantSkipped {
				t.Errorf("Viber staff: %d morning lists, %v skipped, %d skips logged; want %d, %d, %d",
					viberLists, skipped, logged, wantViber, wantSkipped, wantSkipped)
			}
			var tgLists int
			for _, c := range v.sent(aliceChat) {
				if strings.Contains(c.Text(), "Print the schedule") {
					tgLists++
				}
			}
			if tgLists != 1 {
				t.Errorf("Telegram staff: %d morning lists, want 1", tgLists)
			}
			if n := v.count(`SELECT count(*) FROM daily_runs WHERE club_id = $1 AND kind = 'morning' AND sent_at IS NOT NULL`, v.club.ID); n != 1 {
				t.Errorf("the morning run is not marked sent")
			}
		})
	}
}
