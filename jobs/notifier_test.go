package jobs_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
)

func TestNotifySendsAKeyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := jobs.Outgoing{Key: "test:1", ClubID: e.club.ID, StaffID: e.alice.ID, Msg: chat.Message{Text: "hello"}}
	for range 3 {
		if err := e.deps.Notifier.Notify(e.ctx, o); err != nil {
			t.Fatalf("notify: %v", err)
		}
	}
	if n := len(e.sent(aliceChat)); n != 1 {
		t.Errorf("messages = %d, want 1", n)
	}
	var msgID *int64
	if err := e.db.Pool().QueryRow(e.ctx, `SELECT message_id FROM deliveries WHERE key = 'test:1'`).Scan(&msgID); err != nil || msgID == nil {
		t.Errorf("delivery record: message id %v, err %v", msgID, err)
	}
}

// Concurrent copies of one message (a job running twice at once) send once.
// A copy that meets another one sending is told so (to be retried), and its
// retry sends nothing more.
func TestNotifyConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := jobs.Outgoing{Key: "test:dup", ClubID: e.club.ID, StaffID: e.alice.ID, Msg: chat.Message{Text: "once"}}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			err := e.deps.Notifier.Notify(e.ctx, o)
			for try := 0; errors.Is(err, postgres.ErrDeliveryInFlight) && try < 500; try++ {
				time.Sleep(10 * time.Millisecond) // asynq's retry, once the other copy is done
				err = e.deps.Notifier.Notify(e.ctx, o)
			}
			if err != nil {
				t.Errorf("notify: %v", err)
			}
		})
	}
	wg.Wait()
	if n := len(e.sent(aliceChat)); n != 1 {
		t.Errorf("messages = %d, want 1", n)
	}
}

// Nobody the system may not write to gets anything, and it is not an error.
func TestNotifySkipsUnreachable(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"blocked the bot": `UPDATE staff_identities SET unreachable_at = now() WHERE staff_id = $1`,
		"deactivated":     `UPDATE staff SET active = false WHERE id = $1`,
		"never joined":    `DELETE FROM staff_identities WHERE staff_id = $1`,
	}
	for name, sql := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			pgtest.Exec(t, e.db, sql, e.alice.ID)
			err := e.deps.Notifier.Notify(e.ctx, jobs.Outgoing{Key: "k", ClubID: e.club.ID, StaffID: e.alice.ID, Msg: chat.Message{Text: "x"}})
			if err != nil {
				t.Fatalf("notify: %v", err)
			}
			if n := len(e.tg.CallsTo("sendMessage")); n != 0 {
				t.Errorf("calls = %d, want 0", n)
			}
		})
	}
}

// Recipients that do not exist are errors no retry can fix.
func TestNotifyUnknownRecipient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := map[string]jobs.Outgoing{
		"unknown staff":       {Key: "k1", ClubID: e.club.ID, StaffID: 999999},
		"another club's":      {Key: "k2", ClubID: e.club.ID + 1, StaffID: e.alice.ID},
		"no recipient at all": {Key: "k3", ClubID: e.club.ID},
		"no key":              {ClubID: e.club.ID, StaffID: e.alice.ID},
	}
	for name, o := range cases {
		o.Msg = chat.Message{Text: "x"}
		if err := e.deps.Notifier.Notify(e.ctx, o); !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("%s: err = %v, want SkipRetry", name, err)
		}
	}
	if n := len(e.tg.Calls()); n > 1 { // getMe only
		t.Errorf("calls = %d, want none but getMe", n)
	}
}

// The fault case of the issue: Telegram answers 429 with retry_after, then
// 403 for one person. Sending pauses for retry_after, the blocked person is
// marked unreachable and written to no more, and everyone else gets every
// message.
func TestNotify429Then403(t *testing.T) {
	t.Parallel()
	// Slots 100ms apart: far more than a round trip, so no send is already
	// on its way when the 429 comes back, and the pause can be checked.
	e := newEnvWith(t, jobs.Limits{PerSecond: 10, PerChatPerSecond: 10, PerGroupPerMinute: 60})
	e.tg.FailNext("sendMessage", 0, 429, 1)
	e.tg.Block(bobChat)

	var wg sync.WaitGroup
	for i := range 6 {
		for _, who := range []int64{e.alice.ID, e.bob.ID, e.manager.ID} {
			wg.Go(func() {
				o := jobs.Outgoing{Key: fmt.Sprintf("m:%d:%d", who, i), ClubID: e.club.ID, StaffID: who, Msg: chat.Message{Text: fmt.Sprint("message ", i)}}
				if err := e.deps.Notifier.Notify(e.ctx, o); err != nil {
					t.Errorf("notify: %v", err)
				}
			})
		}
	}
	wg.Wait()

	for _, chat := range []int64{aliceChat, managerChat} {
		got := map[string]int{}
		for _, c := range e.sent(chat) {
			got[c.Text()]++
		}
		for i := range 6 {
			if n := got[fmt.Sprint("message ", i)]; n != 1 {
				t.Errorf("chat %d got message %d %d times, want 1", chat, i, n)
			}
		}
	}
	if n := e.count(`SELECT count(*) FROM staff_identities WHERE staff_id = $1 AND unreachable_at IS NOT NULL`, e.bob.ID); n != 1 {
		t.Errorf("Bob not marked unreachable")
	}
	// After the 403 nobody writes to Bob again. The six messages to him were
	// all under way before it (each Notify checks reachability as it
	// starts), and one of them may have met the 429 first: at most 7 calls.
	var toBob int
	var throttledAt time.Time
	for _, c := range e.tg.CallsTo("sendMessage") {
		if c.ChatID() == bobChat {
			toBob++
		}
		if c.Code == 429 {
			throttledAt = c.Time
		}
	}
	if toBob == 0 || toBob > 7 {
		t.Errorf("calls to Bob = %d", toBob)
	}
	before := toBob
	if err := e.deps.Notifier.Notify(e.ctx, jobs.Outgoing{Key: "later", ClubID: e.club.ID, StaffID: e.bob.ID, Msg: chat.Message{Text: "later"}}); err != nil {
		t.Fatal(err)
	}
	if n := countTo(e.tg, bobChat); n != before {
		t.Errorf("a message to unreachable Bob reached Telegram")
	}
	// The pause: nothing was accepted in the second after the 429.
	if throttledAt.IsZero() {
		t.Fatal("no 429 was answered")
	}
	for _, c := range e.tg.CallsTo("sendMessage") {
		if c.OK() && c.Time.After(throttledAt) && c.Time.Before(throttledAt.Add(time.Second)) {
			t.Errorf("a message was sent %s after the 429, inside its retry_after", c.Time.Sub(throttledAt))
		}
	}
}

func countTo(tg *telegramtest.Server, chat int64) int {
	n := 0
	for _, c := range tg.CallsTo("sendMessage") {
		if c.ChatID() == chat {
			n++
		}
	}
	return n
}

// Under the fake API's flood limits the notifier keeps to its own: no 429s.
// Ours are set a fifth below the fake's, because a loaded test machine can
// delay one send by tens of milliseconds; the delivery benchmark measures
// the real margin at Telegram's limits.
func TestNotifyKeepsToLimits(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, jobs.Limits{PerSecond: 8, PerChatPerSecond: 1.6, PerGroupPerMinute: 20})
	e.tg.SetLimits(telegramtest.Limits{Global: 10, PerChat: 2})
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			chatID := int64(7000 + i%5)
			o := jobs.Outgoing{Key: fmt.Sprint("lim:", i), ClubID: e.club.ID, To: chat.TelegramAddress(chat.DefaultBot, chatID), Msg: chat.Message{Text: fmt.Sprint(i)}}
			if err := e.deps.Notifier.Notify(e.ctx, o); err != nil {
				t.Errorf("notify: %v", err)
			}
		})
	}
	wg.Wait()
	expectNoFloodViolations(t, e.tg)
	if n := len(e.tg.CallsTo("sendMessage")); n != 30 {
		t.Errorf("sends = %d, want 30", n)
	}
}

func TestEditKeepsToLimitsAndIgnoresBlockedChats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id, err := e.msgr.Send(e.ctx, tgChat(aliceChat), chat.Message{Text: "progress 0"})
	if err != nil {
		t.Fatal(err)
	}
	e.tg.FailNext("editMessageText", aliceChat, 429, 1)
	if err := e.deps.Notifier.Edit(e.ctx, tgChat(aliceChat), id, chat.Message{Text: "progress 1"}); err != nil {
		t.Fatalf("edit: %v", err)
	}
	if m, ok := e.tg.LastSent(aliceChat); !ok || m.Text != "progress 1" {
		t.Errorf("message shows %q", m.Text)
	}
	e.tg.Block(aliceChat)
	if err := e.deps.Notifier.Edit(e.ctx, tgChat(aliceChat), id, chat.Message{Text: "progress 2"}); err != nil {
		t.Errorf("edit in a blocked chat: %v", err)
	}
}

// A person on the staff of two clubs gets every notice with its club's
// name, and its buttons name the club, so a tap acts there whichever club
// they work in; someone in one club gets the notice as it is.
func TestNotifyNamesTheClubForPeopleInSeveralClubs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	msg := chat.Message{Text: "Reminder: call Anna", Buttons: [][]chat.Button{{{Text: "Take", Data: callback.New(callback.ActionTaskTake, 42)}}}}
	if err := e.deps.Notifier.Notify(e.ctx, jobs.Outgoing{Key: "club:1", ClubID: e.club.ID, StaffID: e.alice.ID, Msg: msg}); err != nil {
		t.Fatal(err)
	}
	if m, _ := e.tg.LastSent(aliceChat); m.Text != "Reminder: call Anna" {
		t.Fatalf("one club: %q", m.Text)
	}

	other := pgtest.NewClub(t, e.db, "other")
	pgtest.Staff(t, e.db, other.Club, pgtest.StaffOpts{Name: "Alice", Language: domain.LangEN, TgUserID: aliceChat}) // the same Telegram account
	if err := e.deps.Notifier.Notify(e.ctx, jobs.Outgoing{Key: "club:2", ClubID: e.club.ID, StaffID: e.alice.ID, Msg: msg}); err != nil {
		t.Fatal(err)
	}
	m, _ := e.tg.LastSent(aliceChat)
	if !strings.HasPrefix(m.Text, "🏢 "+e.club.Name+"\n") || !strings.Contains(m.Text, "Reminder: call Anna") {
		t.Fatalf("two clubs: %q", m.Text)
	}
	take, _ := m.Button("Take")
	data := take.CallbackData
	if d, err := callback.Decode(data); err != nil || d.Club != e.club.ID || d.Action != callback.ActionTaskTake {
		t.Fatalf("the button %q does not name club %d (%v)", data, e.club.ID, err)
	}
}
