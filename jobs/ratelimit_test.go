package jobs

import (
	"context"
	"errors"
	"sort"
	"strconv"
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
			b, err := reserveOne(ctx, l, tgChat(int64(100+i)))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			all = append(all, b.at)
			mu.Unlock()
		})
	}
	var chat []time.Time
	for range 6 { // one chat, asked in sequence
		b, err := reserveOne(ctx, l, tgChat(42))
		if err != nil {
			t.Fatal(err)
		}
		chat = append(chat, b.at)
		mu.Lock()
		all = append(all, b.at)
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
	first, err := reserveOne(ctx, l, tgChat(-100))
	if err != nil {
		t.Fatal(err)
	}
	second, err := reserveOne(ctx, l, tgChat(-100))
	if err != nil {
		t.Fatal(err)
	}
	if gap := second.at.Sub(first.at); gap < 3*time.Second {
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
	b, err := reserveOne(ctx, l, tgChat(1))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(b.due); d < 4*time.Second {
		t.Errorf("reservation during a 5s pause waits %s", d)
	}
}

// The commit is the safety net for senders that woke late: however the
// reservations went, no window ever records more sends than allowed, and a
// chat's sends stay an interval apart; a pause turns a commit back. (Each
// send is answered at once here: settled right after its commit.)
func TestLimiterCommit(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 3, PerChatPerSecond: 2, PerGroupPerMinute: 20})
	ctx := context.Background()
	var sent []time.Time                          // commit times, by Redis's clock
	for _, chat := range []int64{1, 2, 3, 4, 1} { // the 4th waits for the window, the 5th for chat 1
		m, err := l.commit(ctx, tgChat(chat), 0) // booked long ago: only the limits hold it
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, time.UnixMicro(m.until).Add(-l.inFlight))
		if err := l.settle(ctx, m); err != nil {
			t.Fatal(err)
		}
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
	if _, err := l.commit(ctx, tgChat(9), 0); !errors.Is(err, errPaused) {
		t.Errorf("commit during a pause: %v, want errPaused", err)
	}
}

// A send counts from its commit until its answer (settle), plus the window:
// its arrival lies somewhere in between. With every send of the window in
// flight a commit is told to try again after a window (no room can come
// sooner), not to sleep out the in-flight bound; a settled send leaves the
// window a window after its answer; and one never settled (its process
// died) holds its place only until its bound, then leaves by itself.
func TestLimiterCountsASendUntilItsAnswer(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 3, PerChatPerSecond: 1, PerGroupPerMinute: 20})
	ctx := context.Background()
	score := func(m sendMark) int64 {
		t.Helper()
		s, err := rdb.ZScore(ctx, l.keys(m.to).sent, strconv.FormatInt(m.id, 10)).Result()
		if err != nil {
			t.Fatalf("mark %d: %v", m.id, err)
		}
		return int64(s)
	}

	var marks []sendMark
	for _, c := range []int64{1, 2, 3} {
		wait, paused, m, err := l.tryCommit(ctx, tgChat(c), 0)
		if err != nil || paused || wait != 0 {
			t.Fatalf("commit %d: wait %s, paused %v, %v", c, wait, paused, err)
		}
		if got := score(m); got != m.until {
			t.Errorf("mark of chat %d scored %d, want its in-flight bound %d", c, got, m.until)
		}
		marks = append(marks, m)
	}
	wait, _, _, err := l.tryCommit(ctx, tgChat(4), 0)
	if err != nil || wait <= 0 || wait > l.window {
		t.Errorf("commit with the window full of sends in flight: wait %s, %v; want (0, %s], not the bound %s", wait, err, l.window, l.inFlight)
	}
	// The chat interval likewise: chat 1's send is still in flight.
	if wait, _, _, err := l.tryCommit(ctx, tgChat(1), 0); err != nil || wait <= 0 || wait > l.chatEvery {
		t.Errorf("commit to a chat with a send in flight: wait %s, %v; want (0, %s]", wait, err, l.chatEvery)
	}

	if err := l.settle(ctx, marks[0]); err != nil {
		t.Fatal(err)
	}
	answered := score(marks[0])
	if answered >= marks[0].until || answered < marks[0].until-l.inFlight.Microseconds() {
		t.Errorf("settled mark scored %d, want its answer's time, in [commit %d, bound %d)", answered, marks[0].until-l.inFlight.Microseconds(), marks[0].until)
	}
	wait, _, _, err = l.tryCommit(ctx, tgChat(4), 0)
	if err != nil || wait <= 0 || wait > l.window {
		t.Errorf("commit while the answered send is in the window: wait %s, %v", wait, err)
	}
	last, err := rdb.HGet(ctx, l.keys(tgChat(1)).chat, "last").Int64()
	if err != nil || last != answered {
		t.Errorf("chat 1's last send %d, %v; want its answer's time %d", last, err, answered)
	}

	// A short bound: marks never settled leave by themselves, so commits
	// go on (this would wait a minute under the real bound).
	short := newLimiter(rdb, Queues{Prefix: prefix + "short:"}, Limits{PerSecond: 3, PerChatPerSecond: 1, PerGroupPerMinute: 20})
	short.inFlight = 100 * time.Millisecond
	for _, c := range []int64{1, 2, 3} {
		if _, err := short.commit(ctx, tgChat(c), 0); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := short.commit(ctx, tgChat(4), 0); err != nil {
		t.Errorf("commit after sends that were never settled: %v", err)
	}
}

// reserveOne books one sending time for to.
func reserveOne(ctx context.Context, l *limiter, to chat.Address) (turn, error) {
	turns, err := l.reserveN(ctx, to, 1)
	if err != nil {
		return turn{}, err
	}
	return turns[0], nil
}

// tgChat is a chat of the deployment's Telegram bot.
func tgChat(id int64) chat.Address { return chat.TelegramAddress(chat.DefaultBot, id) }
