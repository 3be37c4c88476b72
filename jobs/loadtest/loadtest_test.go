package loadtest_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/jobs/loadtest"
)

// TestLoadCountsExact runs the load harness at three clubs with each kind
// of bot and checks its counts: every manager's digest and every reminder
// delivered exactly once (Run itself fails on a person with none or two),
// every Bot API call accounted for, and operations measured in every
// phase. It checks no timing.
func TestLoadCountsExact(t *testing.T) {
	for _, bots := range []loadtest.Bots{loadtest.SharedBot, loadtest.BotPerClub} {
		t.Run(string(bots), func(t *testing.T) {
			t.Parallel()
			cfg := loadtest.Config{Clubs: 3, Staff: 3, Managers: 2, Tasks: 4, Reminders: 2, Bots: bots,
				Workers: 2, Concurrency: 4, ReminderLead: time.Second}
			res := loadtest.Run(t, cfg)
			if res.Digest.Jobs != 3 || res.Digest.Delivered != 6 {
				t.Errorf("digest hour: %d jobs, %d delivered; want 3 and 6", res.Digest.Jobs, res.Digest.Delivered)
			}
			// A digest is its chart (its text the caption, or a message after it).
			if res.Digest.Calls < 6 || res.Digest.Calls > 12 {
				t.Errorf("digest hour: %d Bot API calls for 6 digests", res.Digest.Calls)
			}
			if res.Reminder.Jobs != 6 || res.Reminder.Delivered != 6 || res.Reminder.Calls != 6 {
				t.Errorf("reminder burst: %d jobs, %d delivered, %d calls; want 6 each", res.Reminder.Jobs, res.Reminder.Delivered, res.Reminder.Calls)
			}
			for name, ph := range map[string]loadtest.Phase{"digest": res.Digest, "reminder": res.Reminder} {
				if ph.Ops.PGXacts <= 0 || ph.Ops.PGWritten <= 0 || ph.Ops.Redis <= 0 {
					t.Errorf("%s: operations not measured: %+v", name, ph.Ops)
				}
			}
			if !strings.Contains(res.String(), "reminder lateness: p50") {
				t.Errorf("report lacks the lateness:\n%s", res)
			}
		})
	}
}

// TestConfigValidate: a run that could not check its own counts is refused.
func TestConfigValidate(t *testing.T) {
	ok := loadtest.Config{Clubs: 3, Staff: 3, Managers: 2, Tasks: 4, Reminders: 2, Bots: loadtest.SharedBot,
		Workers: 1, Concurrency: 1, ReminderLead: time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	bad := map[string]func(*loadtest.Config){
		"no clubs":                   func(c *loadtest.Config) { c.Clubs = 0 },
		"no staff":                   func(c *loadtest.Config) { c.Staff = 0 },
		"more managers than staff":   func(c *loadtest.Config) { c.Managers = 4 },
		"no managers":                func(c *loadtest.Config) { c.Managers = 0 },
		"more reminders than staff":  func(c *loadtest.Config) { c.Reminders = 4 },
		"more reminders than tasks":  func(c *loadtest.Config) { c.Tasks = 1 },
		"unknown bots":               func(c *loadtest.Config) { c.Bots = "two" },
		"no workers":                 func(c *loadtest.Config) { c.Workers = 0 },
		"no concurrency":             func(c *loadtest.Config) { c.Concurrency = 0 },
		"burst instant not in front": func(c *loadtest.Config) { c.ReminderLead = 0 },
	}
	for name, mutate := range bad {
		c := ok
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// BenchmarkLoad is the measured plan (docs/scaling.md): CLUBCRM_LOAD_CLUBS
// clubs (default 100; the README's figures are at 1,000) with
// CLUBCRM_LOAD_STAFF staff (5, 2 of them managers), CLUBCRM_LOAD_TASKS open
// tasks (20) and one reminder per person in the burst, once with one shared
// bot and once with a bot per club (CLUBCRM_LOAD_BOTS=shared or per-club
// runs one), on CLUBCRM_LOAD_WORKERS workers (2) of concurrency
// CLUBCRM_LOAD_CONCURRENCY (20). Run it with -benchtime=1x:
//
//	CLUBCRM_LOAD_CLUBS=1000 go test ./jobs/loadtest -run '^$' -bench Load -benchtime=1x -timeout 60m -v
func BenchmarkLoad(b *testing.B) {
	modes := []loadtest.Bots{loadtest.SharedBot, loadtest.BotPerClub}
	if m := os.Getenv("CLUBCRM_LOAD_BOTS"); m != "" {
		modes = []loadtest.Bots{loadtest.Bots(m)}
	}
	staff := envInt(b, "CLUBCRM_LOAD_STAFF", 5)
	for _, bots := range modes {
		b.Run(string(bots), func(b *testing.B) {
			for range b.N {
				cfg := loadtest.Config{Clubs: envInt(b, "CLUBCRM_LOAD_CLUBS", 100), Staff: staff, Managers: min(2, staff),
					Tasks: envInt(b, "CLUBCRM_LOAD_TASKS", 20), Reminders: staff, Bots: bots,
					Workers: envInt(b, "CLUBCRM_LOAD_WORKERS", 2), Concurrency: envInt(b, "CLUBCRM_LOAD_CONCURRENCY", 20),
					ReminderLead: time.Duration(envInt(b, "CLUBCRM_LOAD_LEAD_SECONDS", 20)) * time.Second}
				res := loadtest.Run(b, cfg)
				b.Log("\n" + res.String())
				x, w, _, rd := res.Digest.Ops.PerClub(cfg.Clubs)
				b.ReportMetric(res.Digest.Span.Seconds(), "digest_last_s")
				b.ReportMetric(res.Digest.PerSecond, "digest_msgs/s")
				b.ReportMetric(x, "digest_pg_xacts/club")
				b.ReportMetric(w, "digest_pg_rows_written/club")
				b.ReportMetric(rd, "digest_redis_cmds/club")
				x, w, _, rd = res.Reminder.Ops.PerClub(cfg.Clubs)
				b.ReportMetric(res.LatenessP50.Seconds(), "remind_p50_s")
				b.ReportMetric(res.LatenessP99.Seconds(), "remind_p99_s")
				b.ReportMetric(res.Reminder.PerSecond, "remind_msgs/s")
				b.ReportMetric(x, "remind_pg_xacts/club")
				b.ReportMetric(w, "remind_pg_rows_written/club")
				b.ReportMetric(rd, "remind_redis_cmds/club")
				b.ReportMetric(float64(res.Digest.Throttled+res.Reminder.Throttled), "429s")
			}
		})
	}
}

func envInt(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		tb.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}
