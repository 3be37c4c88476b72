package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/jobs"
)

// poolWatch is the real messenger with a probe: at every send it records
// how many of the store's pool connections are in use.
type poolWatch struct {
	chat.Messenger
	db   *postgres.DB
	mu   sync.Mutex
	held []int32
}

func (w *poolWatch) Send(ctx context.Context, to chat.Address, m chat.Message) (int64, error) {
	w.mu.Lock()
	w.held = append(w.held, w.db.Pool().Stat().AcquiredConns())
	w.mu.Unlock()
	return w.Messenger.Send(ctx, to, m)
}

// The pool is shared with the bot: a message waiting for Telegram (or for a
// 429 on its second piece) must not hold a connection or an open
// transaction meanwhile.
func TestNotifyHoldsNoConnectionWhileSending(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := &poolWatch{Messenger: e.msgr, db: e.db}
	n := jobs.NewNotifier(e.db, e.rdb, chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, w), jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000},
		e.q, e.deps.Log, domain.SystemClock{})
	if err := n.Notify(e.ctx, jobs.Outgoing{Key: "pool:1", ClubID: e.club.ID, StaffID: e.alice.ID, Msg: chat.Message{Text: "hi"}}); err != nil {
		t.Fatalf("notify: %v", err)
	}
	if len(w.held) != 1 || w.held[0] != 0 {
		t.Fatalf("pool connections in use during the send: %v, want [0]", w.held)
	}
	if k := e.count(`SELECT count(*) FROM deliveries WHERE key = 'pool:1' AND claimed_until IS NULL AND message_id IS NOT NULL`); k != 1 {
		t.Fatalf("delivery not recorded as done")
	}
}

// A sender that died mid-send leaves its claim behind: while the claim
// lasts another attempt neither sends nor gives up (it is retried, without
// counting as a failure); once the claim has run out a retry sends.
func TestNotifyAfterASenderDied(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pgtest := func(sql string) {
		t.Helper()
		if _, err := e.db.Pool().Exec(e.ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	pgtest(`INSERT INTO deliveries (key, chat, claimed_until) VALUES ('died:1', 'telegram:0:5002', now() + interval '1 minute')`)
	o := jobs.Outgoing{Key: "died:1", ClubID: e.club.ID, StaffID: e.alice.ID, Msg: chat.Message{Text: "after the crash"}}
	err := e.deps.Notifier.Notify(e.ctx, o)
	if !errors.Is(err, postgres.ErrDeliveryInFlight) || errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("notify while another sender holds the key: %v, want ErrDeliveryInFlight", err)
	}
	if jobs.IsFailure(err) {
		t.Errorf("a message in flight elsewhere counts as a failed job")
	}
	if n := len(e.sent(aliceChat)); n != 0 {
		t.Fatalf("sent %d while another sender held the key", n)
	}
	pgtest(`UPDATE deliveries SET claimed_until = now() - interval '1 second' WHERE key = 'died:1'`)
	for range 2 {
		if err := e.deps.Notifier.Notify(e.ctx, o); err != nil {
			t.Fatalf("notify after the claim ran out: %v", err)
		}
	}
	if n := len(e.sent(aliceChat)); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
}

// A failed send gives its claim back at once: the retry does not wait for
// the claim to run out.
func TestNotifyFailedSendReleasesTheKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.tg.FailNext("sendMessage", aliceChat, 500, 0)
	o := jobs.Outgoing{Key: "fail:1", ClubID: e.club.ID, StaffID: e.alice.ID, Msg: chat.Message{Text: "second time lucky"}}
	if err := e.deps.Notifier.Notify(e.ctx, o); err == nil || errors.Is(err, postgres.ErrDeliveryInFlight) {
		t.Fatalf("failed send: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM deliveries WHERE key = 'fail:1'`); n != 0 {
		t.Fatalf("a failed send kept its claim")
	}
	if err := e.deps.Notifier.Notify(e.ctx, o); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(e.sent(aliceChat)); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
}
