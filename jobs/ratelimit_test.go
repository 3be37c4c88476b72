package jobs

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// Reservations for one chat come out in the order they were asked for, at
// least the chat's interval apart, however busy the global calendar is; and
// no two messages share a global slot.
func TestLimiterReservations(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 20, PerChatPerSecond: 2, PerGroupPerMinute: 30})
	ctx := context.Background()

	var mu sync.Mutex
	var all []time.Time
	var wg sync.WaitGroup
	for i := range 40 { // other chats competing for global slots
		wg.Go(func() {
			_, at, err := l.reserve(ctx, tgChat(int64(100+i)))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			all = append(all, at)
			mu.Unlock()
		})
	}
	var chat []time.Time
	for range 6 { // one chat, asked in sequence
		_, at, err := l.reserve(ctx, tgChat(42))
		if err != nil {
			t.Fatal(err)
		}
		chat = append(chat, at)
		mu.Lock()
		all = append(all, at)
		mu.Unlock()
	}
	wg.Wait()

	for i := 1; i < len(chat); i++ {
		if gap := chat[i].Sub(chat[i-1]); gap < l.chatEvery {
			t.Errorf("chat reservations %d and %d are %s apart, want at least %s", i-1, i, gap, l.chatEvery)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Before(all[j]) })
	for i := 1; i < len(all); i++ {
		if gap := all[i].Sub(all[i-1]); gap < l.slot-time.Microsecond {
			t.Errorf("global reservations %d and %d are %s apart, want at least %s", i-1, i, gap, l.slot)
		}
	}
}

// Group chats (negative ids) get the per-minute interval.
func TestLimiterGroupInterval(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20})
	ctx := context.Background()
	_, first, err := l.reserve(ctx, tgChat(-100))
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := l.reserve(ctx, tgChat(-100))
	if err != nil {
		t.Fatal(err)
	}
	if gap := second.Sub(first); gap < 3*time.Second {
		t.Errorf("group messages %s apart, want 3s (20 a minute)", gap)
	}
}

// A pause (429) holds every new reservation until it ends.
func TestLimiterPause(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, TelegramLimits)
	ctx := context.Background()
	if err := l.pause(ctx, tgChat(0), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := l.pause(ctx, tgChat(0), time.Second); err != nil { // a shorter pause does not shorten it
		t.Fatal(err)
	}
	d, _, err := l.reserve(ctx, tgChat(1))
	if err != nil {
		t.Fatal(err)
	}
	if d < 4*time.Second {
		t.Errorf("reservation during a 5s pause waits %s", d)
	}
}

// The commit is the safety net for senders that woke late: however the
// reservations went, no window ever records more sends than allowed, and a
// chat's sends stay an interval apart; a pause turns a commit back.
func TestLimiterCommit(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 3, PerChatPerSecond: 2, PerGroupPerMinute: 20})
	ctx := context.Background()
	var sent []time.Time                          // as recorded, by Redis's clock
	for _, chat := range []int64{1, 2, 3, 4, 1} { // the 4th waits for the window, the 5th for chat 1
		if err := l.commit(ctx, tgChat(chat)); err != nil {
			t.Fatal(err)
		}
		last, err := rdb.ZRangeWithScores(ctx, l.keys(tgChat(0)).sent, -1, -1).Result()
		if err != nil || len(last) != 1 {
			t.Fatalf("last send: %v %v", last, err)
		}
		sent = append(sent, time.UnixMicro(int64(last[0].Score)))
	}
	at := func(i int) time.Time { return sent[i] }
	if gap := at(3).Sub(at(0)); gap < l.window {
		t.Errorf("4th send %s after the 1st, want at least the window %s", gap, l.window)
	}
	if gap := at(4).Sub(at(0)); gap < l.chatEvery {
		t.Errorf("chat 1's sends %s apart, want at least %s", gap, l.chatEvery)
	}

	if err := l.pause(ctx, tgChat(0), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := l.commit(ctx, tgChat(9)); !errors.Is(err, errPaused) {
		t.Errorf("commit during a pause: %v, want errPaused", err)
	}
}

// tgChat is a chat of the deployment's Telegram bot.
func tgChat(id int64) chat.Address { return chat.TelegramAddress(chat.DefaultBot, id) }
