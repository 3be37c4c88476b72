package jobs_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/clubcrm/clubcrm/bot/viber"
	"github.com/clubcrm/clubcrm/bot/vibertest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/domain/report"
	"github.com/clubcrm/clubcrm/jobs"
)

// viberEnv is env with the deployment's Viber bot beside Telegram: the real
// viber.Channel talking to the fake Viber API, its sessions in Redis, and a
// notifier routing Viber addresses to it under Viber's limits and the
// hourly cap (capped at hourCap here, so a test need not send 95).
type viberEnv struct {
	*env
	vb       *vibertest.Server
	bot      *vibertest.Bot
	ch       *viber.Channel
	sessions *viber.RedisSessions
	metrics  *countingMetrics
	notifier *jobs.Notifier
	reg      *prometheus.Registry // the notifier's jobs.Metrics
}

// countingMetrics is viber.Metrics counted in memory.
type countingMetrics struct{ billable, noBalance, blocked atomic.Int64 }

func (m *countingMetrics) Billable()       { m.billable.Add(1) }
func (m *countingMetrics) NoBalance()      { m.noBalance.Add(1) }
func (m *countingMetrics) AccountBlocked() { m.blocked.Add(1) }

func newViberEnv(t *testing.T, hourCap int) *viberEnv {
	t.Helper()
	e := newEnv(t)
	vb := vibertest.New(t)
	// A webhook that takes every callback: these tests are about sending;
	// the phones' callbacks only subscribe people.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(hook.Close)
	client := viber.NewClient(vb.URL, vibertest.Token, nil)
	if err := client.SetWebhook(e.ctx, hook.URL, nil); err != nil {
		t.Fatalf("set webhook: %v", err)
	}
	v := &viberEnv{env: e, vb: vb, bot: vb.Bot(vibertest.Token), metrics: &countingMetrics{},
		sessions: viber.NewRedisSessions(e.rdb, e.prefix+"viber:in:")}
	files, err := viber.NewFileStore(e.rdb, e.prefix+"files:", "https://crm.example.com", []byte("0123456789abcdef-test"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	v.ch = viber.NewChannel(client, viber.Config{Bot: chat.DefaultBot, Sender: viber.Sender{Name: "Club"},
		Links: files, Sessions: v.sessions, Metrics: v.metrics, Log: e.deps.Log})
	router := chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, e.msgr).Add(chat.Viber, chat.DefaultBot, v.ch)
	v.reg = prometheus.NewRegistry()
	m, err := jobs.NewMetrics(v.reg)
	if err != nil {
		t.Fatal(err)
	}
	v.notifier = jobs.NewNotifier(e.db, e.rdb, router, jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000},
		e.q, e.deps.Log, domain.SystemClock{},
		jobs.WithChannelLimits(chat.Viber, jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000}),
		jobs.WithHourlyCap(chat.Viber, hourCap, v.sessions), jobs.WithFreeWindow(chat.Viber, v.sessions),
		jobs.WithNotifierMetrics(m))
	return v
}

// counter is the value of one of the notifier's counters, e.g.
// "clubcrm_messages_skipped_total".
func (v *viberEnv) counter(name string) float64 {
	v.t.Helper()
	families, err := v.reg.Gather()
	if err != nil {
		v.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	v.t.Fatalf("no counter %s", name)
	return 0
}

// phone subscribes a Viber user to the bot and returns their address.
func (v *viberEnv) phone(id string) (vibertest.User, chat.Address) {
	v.t.Helper()
	u := vibertest.User{ID: id, Name: id, Language: "en"}
	if _, err := v.bot.Subscribe(u); err != nil {
		v.t.Fatalf("subscribe %s: %v", id, err)
	}
	return u, chat.Address{Channel: chat.Viber, Bot: chat.DefaultBot, Chat: id}
}

// A person who does not reply gets at most the hourly cap of notices; the
// next one is deferred (a retry-after error, not a failure and not a loss),
// and once they write, the count starts again and it goes.
func TestViberNotifyKeepsUnderTheHourlyCap(t *testing.T) {
	t.Parallel()
	v := newViberEnv(t, 3)
	_, to := v.phone("olenaAAAA==")
	notify := func(key string) error {
		return v.notifier.Notify(v.ctx, jobs.Outgoing{Key: key, To: to, Msg: chat.Message{Text: "notice " + key}})
	}
	for _, k := range []string{"cap:1", "cap:2", "cap:3"} {
		if err := notify(k); err != nil {
			t.Fatalf("notify %s: %v", k, err)
		}
	}
	err := notify("cap:4")
	var ra *chat.RetryAfterError
	if !errors.As(err, &ra) || ra.After <= 0 || ra.After > time.Hour || errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("the notice over the cap: %v, want a retry-after within the hour", err)
	}
	if jobs.IsFailure(err) {
		t.Errorf("a deferred notice counts as a failed job")
	}
	if n := len(v.bot.Messages(to.Chat)); n != 3 {
		t.Fatalf("messages = %d, want 3 (the cap)", n)
	}
	if err := v.sessions.Inbound(v.ctx, to, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := notify("cap:4"); err != nil {
		t.Fatalf("after the person wrote: %v", err)
	}
	if n := len(v.bot.Messages(to.Chat)); n != 4 {
		t.Fatalf("messages = %d, want 4", n)
	}
}

// No balance (and a blocked account) is an operator alert and a job that
// fails to be retried: the notice is not marked delivered, and the retry
// after a top-up delivers it once.
func TestViberNotifyNoBalanceIsRetriedNotLost(t *testing.T) {
	t.Parallel()
	v := newViberEnv(t, 95)
	_, to := v.phone("petroBBBB==")
	o := jobs.Outgoing{Key: "bal:1", To: to, Msg: chat.Message{Text: "morning list"}}
	for status, counter := range map[int]*atomic.Int64{vibertest.StatusNoBalance: &v.metrics.noBalance, vibertest.StatusAccountBlocked: &v.metrics.blocked} {
		v.bot.FailNext(to.Chat, status, 1)
		err := v.notifier.Notify(v.ctx, o)
		if err == nil || errors.Is(err, asynq.SkipRetry) || !jobs.IsFailure(err) {
			t.Fatalf("status %d: %v, want a failure to retry", status, err)
		}
		if counter.Load() != 1 {
			t.Errorf("status %d: alert counted %d times", status, counter.Load())
		}
		if n := v.count(`SELECT count(*) FROM deliveries WHERE key = 'bal:1' AND claimed_until IS NULL`); n != 0 {
			t.Fatalf("status %d: the notice was recorded as delivered", status)
		}
	}
	if len(v.logs.Lines("no balance")) == 0 || len(v.logs.Lines("account blocked")) == 0 {
		t.Errorf("no operator alert in the logs")
	}
	for range 2 {
		if err := v.notifier.Notify(v.ctx, o); err != nil {
			t.Fatalf("retry after the top-up: %v", err)
		}
	}
	if n := len(v.bot.Messages(to.Chat)); n != 1 {
		t.Fatalf("messages = %d, want the notice once", n)
	}
}

// A send to someone who never subscribed counts as billable outside a
// session, and one inside the 24-hour window after their message does not.
func TestViberNotifyCountsBillableSends(t *testing.T) {
	t.Parallel()
	v := newViberEnv(t, 95)
	_, to := v.phone("ivanCCCC==")
	if err := v.notifier.Notify(v.ctx, jobs.Outgoing{Key: "bill:1", To: to, Msg: chat.Message{Text: "out of session"}}); err != nil {
		t.Fatal(err)
	}
	if err := v.sessions.Inbound(v.ctx, to, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := v.notifier.Notify(v.ctx, jobs.Outgoing{Key: "bill:2", To: to, Msg: chat.Message{Text: "in session"}}); err != nil {
		t.Fatal(err)
	}
	if got := v.metrics.billable.Load(); got != 1 {
		t.Fatalf("billable = %d, want 1", got)
	}
}

// Viber cannot edit: a progress edit would be a new message, so the
// notifier says the channel cannot edit, and an edit over the hourly cap
// is skipped rather than deferred.
func TestViberNotifierCannotEdit(t *testing.T) {
	t.Parallel()
	v := newViberEnv(t, 1)
	_, to := v.phone("annaDDDD==")
	if v.notifier.CanEdit(to) || !v.notifier.CanEdit(chat.TelegramAddress(chat.DefaultBot, aliceChat)) {
		t.Fatal("CanEdit: want false for Viber, true for Telegram")
	}
	if err := v.notifier.Notify(v.ctx, jobs.Outgoing{Key: "ed:1", To: to, Msg: chat.Message{Text: "started"}}); err != nil {
		t.Fatal(err)
	}
	if err := v.notifier.Edit(context.Background(), to, 1, chat.Message{Text: "progress"}); err != nil {
		t.Fatal(err)
	}
	if n := len(v.bot.Messages(to.Chat)); n != 1 {
		t.Fatalf("messages = %d, want 1: the edit over the cap is skipped", n)
	}
}

// A job told to wait (a 429, the hourly cap) is retried when the wait is
// over, not on asynq's default schedule.
func TestRetryDelayHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	task := asynq.NewTask("x", nil)
	err := errors.Join(errors.New("notify"), &chat.RetryAfterError{After: 40 * time.Minute})
	if got := jobs.RetryDelay(0, err, task); got < 40*time.Minute || got > 41*time.Minute {
		t.Fatalf("retry delay after a 40-minute wait: %s", got)
	}
	if got := jobs.RetryDelay(0, errors.New("boom"), task); got >= 40*time.Minute {
		t.Fatalf("an ordinary failure waits %s", got)
	}
}

// A low-value message (FreeWindowOnly) goes to a Viber person only inside
// the 24 hours after their last message; outside it, it is skipped (not an
// error, not retried, not recorded as delivered). Telegram has no window.
func TestViberFreeWindowOnly(t *testing.T) {
	t.Parallel()
	v := newViberEnv(t, 95)
	_, to := v.phone("mariaEEEE==")
	o := jobs.Outgoing{Key: "fw:1", To: to, Msg: chat.Message{Text: "morning list"}, FreeWindowOnly: true}
	if err := v.notifier.Notify(v.ctx, o); err != nil {
		t.Fatalf("never wrote: %v", err)
	}
	if err := v.sessions.Inbound(v.ctx, to, time.Now().Add(-25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := v.notifier.Notify(v.ctx, o); err != nil {
		t.Fatalf("wrote 25 hours ago: %v", err)
	}
	if n := len(v.bot.Messages(to.Chat)); n != 0 {
		t.Fatalf("outside the free window: %d messages, want 0", n)
	}
	if n := v.count(`SELECT count(*) FROM deliveries WHERE key = 'fw:1'`); n != 0 {
		t.Fatalf("a skipped message was recorded as a delivery")
	}
	if len(v.logs.Lines("outside the person's free window")) != 2 {
		t.Errorf("skips not logged")
	}
	if err := v.sessions.Inbound(v.ctx, to, time.Now().Add(-23*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := v.notifier.Notify(v.ctx, o); err != nil {
		t.Fatal(err)
	}
	if n := len(v.bot.Messages(to.Chat)); n != 1 {
		t.Fatalf("inside the free window: %d messages, want 1", n)
	}
	// The same for a staff member, through the recipient look-up.
	u2, to2 := v.phone("staffFW==")
	st := v.staff("Mykola", domain.RoleStaff, 0)
	pgtest.LinkIdentity(t, v.db, v.club.ID, st.ID, to2)
	if err := v.notifier.Notify(v.ctx, jobs.Outgoing{Key: "fw:st", ClubID: v.club.ID, StaffID: st.ID, Msg: chat.Message{Text: "morning"}, FreeWindowOnly: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(v.bot.Messages(u2.ID)); n != 0 {
		t.Fatalf("a staff member outside the window got %d messages", n)
	}
	tg := jobs.Outgoing{Key: "fw:tg", To: chat.TelegramAddress(chat.DefaultBot, aliceChat), Msg: chat.Message{Text: "morning list"}, FreeWindowOnly: true}
	if err := v.notifier.Notify(v.ctx, tg); err != nil {
		t.Fatal(err)
	}
	if n := len(v.sent(aliceChat)); n != 1 {
		t.Fatalf("Telegram has no free window: %d messages, want 1", n)
	}
}

// A Viber-only manager (no Telegram at all) gets their reminder, their
// overdue notice and the club's digest on Viber, each once however often
// its job runs; once they leave the bot (Viber: not subscribed) their
// identity is marked unreachable and nothing more is sent.
func TestViberOnlyStaffGetsNoticesOnce(t *testing.T) {
	t.Parallel()
	v := newViberEnv(t, 95)
	u, to := v.phone("veraFFFF==")
	vera := v.staff("Vera", domain.RoleManager, 0)
	pgtest.LinkIdentity(t, v.db, v.club.ID, vera.ID, to)
	deps := v.deps
	deps.Notifier = v.notifier
	mux := jobs.NewMux(deps)
	run := func(task *asynq.Task, _ []asynq.Option, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := mux.ProcessTask(v.ctx, task); err != nil {
				t.Fatalf("%s: %v", task.Type(), err)
			}
		}
	}
	at := time.Now().Add(-2 * time.Second).Truncate(time.Second)
	reminded := v.reminderFor(vera.ID, at)
	run(jobs.NewReminderTask(v.q, jobs.ReminderPayload{ClubID: v.club.ID, TaskID: reminded, RemindAt: at}))
	slot := time.Now().Truncate(time.Minute)
	v.overdueTask(vera.ID, "Order water", slot.Add(-time.Hour))
	run(jobs.NewOverdueTask(v.q, jobs.OverduePayload{ClubID: v.club.ID, StaffID: vera.ID, Slot: slot}))
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	today := report.DateOf(time.Now().In(kyiv)).String()
	pgtest.Exec(t, v.db, `INSERT INTO daily_runs (club_id, kind, local_date, enqueued_at) VALUES ($1, 'digest', $2::date, now())`, v.club.ID, today)
	run(jobs.NewDigestTask(v.q, jobs.DailyPayload{ClubID: v.club.ID, Date: today}))

	var texts []string
	for _, m := range v.bot.Messages(u.ID) {
		texts = append(texts, m.Type+": "+m.Text)
	}
	all := strings.Join(texts, "\n")
	for what, want := range map[string]string{"reminder": "⏰ Reminder: Call about the trial", "overdue": "task of yours is overdue", "digest": "Daily digest"} {
		if n := strings.Count(all, want); n != 1 {
			t.Errorf("%s: %d messages with %q, want 1:\n%s", what, n, want, all)
		}
	}
	if strings.Contains(all, "<b>") || strings.Contains(all, "&amp;") {
		t.Errorf("markup on Viber:\n%s", all)
	}
	for _, m := range v.bot.Messages(u.ID) {
		if strings.Contains(m.Text, "Reminder") && (m.Keyboard == nil || len(m.Keyboard.Buttons) == 0) {
			t.Errorf("the reminder has no keyboard")
		}
	}

	// They leave the bot: the next notice finds them not subscribed.
	if _, err := v.bot.Unsubscribe(u); err != nil {
		t.Fatal(err)
	}
	n := len(v.bot.Messages(u.ID))
	if err := v.notifier.Notify(v.ctx, jobs.Outgoing{Key: "after:1", ClubID: v.club.ID, StaffID: vera.ID, Msg: chat.Message{Text: "x"}}); err != nil {
		t.Fatalf("notify someone who left: %v", err)
	}
	if k := v.count(`SELECT count(*) FROM staff_identities WHERE staff_id = $1 AND unreachable_at IS NOT NULL`, vera.ID); k != 1 {
		t.Fatalf("the identity is not marked unreachable")
	}
	if err := v.notifier.Notify(v.ctx, jobs.Outgoing{Key: "after:2", ClubID: v.club.ID, StaffID: vera.ID, Msg: chat.Message{Text: "y"}}); err != nil {
		t.Fatal(err)
	}
	if got := len(v.bot.Messages(u.ID)); got != n {
		t.Fatalf("%d messages reached someone who left", got-n)
	}
	if calls := len(v.vb.CallsOf("send_message")); calls == 0 {
		t.Fatal("no send_message calls at all")
	}
}

// A bulk call created on Viber: Viber cannot edit its progress message, so
// the fan-out sends no running count (each would be a new message), only
// the final one, once.
func TestViberBulkProgressOnlyWhenDone(t *testing.T) {
	t.Parallel()
	v := newViberEnv(t, 95)
	u, to := v.phone("bulkGGGG==")
	pgtest.LinkIdentity(t, v.db, v.club.ID, v.manager.ID, to)
	deps := v.deps
	deps.Notifier, deps.FanoutChunk = v.notifier, 3
	v.mux = jobs.NewMux(deps)
	msgID, err := v.ch.Send(v.ctx, to, chat.Message{Text: "Creating the bulk call…"})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	if _, err := v.db.TaskCreate(v.ctx, postgres.TaskCreateInput{ClubID: v.club.ID, TemplateID: v.tmpl["bulk_call"],
		Title: "Call lapsed clients", ClientIDs: v.clients(10), AuthorID: v.manager.ID, AssigneeID: v.alice.ID,
		DueAt: &due, ProgressChat: to, ProgressMessageID: msgID}); err != nil {
		t.Fatal(err)
	}
	row := v.claim(domain.OutboxBulkCreated)[0]
	v.mustProcess(row)
	v.mustProcess(row)
	var texts []string
	for _, m := range v.bot.Messages(u.ID)[1:] {
		texts = append(texts, m.Text)
	}
	if len(texts) != 1 || !strings.Contains(texts[0], "10 calls created") {
		t.Fatalf("progress on Viber: %q, want the final count once", texts)
	}
}
