package jobs

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// These tests read the commit script's answers (how long to wait), which
// count from the moment the script ran. Asking for the later booking first
// and the earlier one next, the difference of the two waits is at least
// the difference of the times they wait for (the second ran no earlier):
// so "the later waits longer by so much" holds whenever the two are due
// that far apart, however slow the machine, and fails when they are due at
// the same instant (unless the two calls were that far apart).

// waitsInOrder asks commit for each turn, the latest booking first, and
// returns the waits in booking order. None may go: each is still waiting.
func waitsInOrder(t *testing.T, ctx context.Context, l *limiter, to chat.Address, turns ...turn) []time.Duration {
	t.Helper()
	waits := make([]time.Duration, len(turns))
	for i := len(turns) - 1; i >= 0; i-- {
		wait, paused, _, err := l.tryCommit(ctx, to, turns[i].booked)
		if err != nil || paused || wait <= 0 {
			t.Fatalf("booking %d: wait %s, paused %v, %v; want it to wait", i, wait, paused, err)
		}
		waits[i] = wait
	}
	return waits
}

// spaced checks that the bookings are due in booking order and apart: each
// waits at least half an interval longer than the one before. Not a whole
// interval: the send ahead of them may have committed a little after its
// turn (its sleep overshot), which is not added to the slip (see
// commitScript), so the first behind it, held up by its answer, can be due
// up to that much closer to the next; the interval between their sends is
// kept by the chat's last send all the same.
func spaced(t *testing.T, l *limiter, to chat.Address, waits []time.Duration) {
	t.Helper()
	for i := 1; i < len(waits); i++ {
		if d := waits[i] - waits[i-1]; d < l.every(to)/2 {
			t.Errorf("booking %d waits %s, %s after booking %d; want them apart by about the interval %s (waits %v)", i, waits[i], d, i-1, l.every(to), waits)
		}
	}
}

// book reserves n turns for to.
func book(t *testing.T, ctx context.Context, l *limiter, to chat.Address, n int) []turn {
	t.Helper()
	turns, err := l.reserveN(ctx, to, n)
	if err != nil {
		t.Fatal(err)
	}
	return turns
}

// Two messages booked behind a slow send wait for it; while it is in
// flight they are told to ask again after an interval (not the in-flight
// bound, a minute), and once it is answered they are due in booking order,
// an interval apart, whichever asks first: none is told the same instant
// as the other.
func TestLimiterWaitersBehindASlowSendAreDueInBookingOrder(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 10, PerGroupPerMinute: 20})
	ctx := context.Background()
	to := tgChat(42)
	turns := book(t, ctx, l, to, 1)
	slow, err := l.commit(ctx, to, turns[0].booked)
	if err != nil {
		t.Fatal(err)
	}
	turns = append(book(t, ctx, l, to, 1), book(t, ctx, l, to, 1)...)
	for i, w := range waitsInOrder(t, ctx, l, to, turns...) {
		if w != l.every(to) {
			t.Errorf("booking %d behind a send in flight waits %s; want to ask again after the interval %s", i, w, l.every(to))
		}
	}
	time.Sleep(4 * l.every(to)) // the slow send's flight: past both bookings
	if err := l.settle(ctx, slow); err != nil {
		t.Fatal(err)
	}
	spaced(t, l, to, waitsInOrder(t, ctx, l, to, turns...))

	first, err := l.commit(ctx, to, turns[0].booked)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.settle(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, err := l.commit(ctx, to, turns[1].booked); err != nil {
		t.Fatal(err)
	}
}

// A send whose process died is never settled: its chat's waiters wait out
// its bound, then are due in booking order, spaced; and still so after the
// first of them has gone (the dead send's bound counts in the chat's slip,
// else the rest would all be due an interval after the first's answer).
func TestLimiterWaitersBehindADeadSendAreDueInBookingOrder(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 5, PerGroupPerMinute: 20})
	l.inFlight = 400 * time.Millisecond
	ctx := context.Background()
	to := tgChat(42)
	dead, err := l.commit(ctx, to, book(t, ctx, l, to, 1)[0].booked)
	if err != nil {
		t.Fatal(err)
	}
	var turns []turn
	for range 3 {
		turns = append(turns, book(t, ctx, l, to, 1)...)
	}
	now, err := rdb.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.UnixMicro(dead.until).Sub(now) + time.Millisecond) // its bound is over
	spaced(t, l, to, waitsInOrder(t, ctx, l, to, turns...))

	first, err := l.commit(ctx, to, turns[0].booked)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.settle(ctx, first); err != nil {
		t.Fatal(err)
	}
	spaced(t, l, to, waitsInOrder(t, ctx, l, to, turns[1:]...))
}

// A sender that wakes long after its turn adds its send's flight time to
// the chat's slip, not its lateness: the chat's later messages are not
// pushed back by one slow process.
func TestLimiterLateSenderDoesNotPushTheChat(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 10, PerGroupPerMinute: 20})
	ctx := context.Background()
	to := tgChat(42)
	b := book(t, ctx, l, to, 1)[0]
	const late = 500 * time.Millisecond
	time.Sleep(late)
	start := time.Now()
	m, err := l.commit(ctx, to, b.booked)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.settle(ctx, m); err != nil {
		t.Fatal(err)
	}
	flight := time.Since(start) // at least the flight by Redis's clock
	slip, err := rdb.HGet(ctx, l.keys(to).chat, "slip").Int64()
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(slip) * time.Microsecond; got > flight+time.Millisecond {
		t.Errorf("slip %s after a send %s late that flew at most %s; want at most its flight", got, late, flight)
	}
}

// A reservation made while a send to the chat is in flight is not booked
// behind the in-flight bound (a minute): the send may be answered in
// 100 ms, and its commit waits for it if not.
func TestLimiterReservesBesideASendInFlight(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 1, PerGroupPerMinute: 20})
	ctx := context.Background()
	to := tgChat(42)
	m, err := l.commit(ctx, to, book(t, ctx, l, to, 1)[0].booked)
	if err != nil {
		t.Fatal(err)
	}
	committed := time.UnixMicro(m.until).Add(-l.inFlight)
	next := book(t, ctx, l, to, 1)[0]
	if d := next.at.Sub(committed); d >= l.inFlight/2 {
		t.Errorf("booked %s after a send in flight; want about the interval %s, not the bound %s", d, l.every(to), l.inFlight)
	}
}

// A settle that fails (Redis) is tried again before the message's next
// piece commits: else the chat's last send would stay in flight until the
// bound and the piece would wait for it, past its request's context.
func TestFlightSettlesAgainBeforeTheNextPiece(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 60000})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // the bound is a minute
	defer cancel()
	to := tgChat(42)
	turns := book(t, ctx, l, to, 2)
	f := l.flight(ctx, to, slog.New(slog.DiscardHandler))
	if err := f.commit(turns[0].booked); err != nil {
		t.Fatal(err)
	}
	first := f.mark
	sent := l.keys(to).sent
	if err := rdb.Set(ctx, sent, "not a zset", 0).Err(); err != nil { // settle's ZADD fails
		t.Fatal(err)
	}
	f.settle()
	if err := rdb.Del(ctx, sent).Err(); err != nil {
		t.Fatal(err)
	}
	if err := f.commit(turns[1].booked); err != nil {
		t.Fatalf("the next piece after a failed settle: %v", err)
	}
	if got, err := rdb.ZScore(ctx, sent, strconv.FormatInt(first.id, 10)).Result(); err != nil || int64(got) >= first.until {
		t.Errorf("first piece's mark scored %.0f, %v; want settled, before its bound %d", got, err, first.until)
	}
	if err := f.end(nil); err != nil {
		t.Fatal(err)
	}
}
