package jobs

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
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
// interval: a send ahead of them that committed more than an interval after
// its turn is not charged its lateness (see commitScript), so the first
// behind it, held up by its answer, can be due closer to the next; the
// interval between their sends is kept by the chat's last send all the
// same.
func spaced(t *testing.T, l *limiter, to chat.Address, waits []time.Duration) {
	t.Helper()
	for i := 1; i < len(waits); i++ {
		if d := waits[i] - waits[i-1]; d < l.every(to)/2 {
			t.Errorf("booking %d waits %s, %s after booking %d; want them apart by about the interval %s (waits %v)", i, waits[i], d, i-1, l.every(to), waits)
		}
	}
}

// chatLimiter is a limiter of its own (1000 a second per bot, perChat a
// second per chat) and the chat the tests send to.
func chatLimiter(t *testing.T, perChat float64) (*limiter, *redis.Client, context.Context, chat.Address) {
	t.Helper()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: perChat, PerGroupPerMinute: 20})
	return l, rdb, context.Background(), tgChat(42)
}

// sendAnswered commits a send at turn and settles it at once: a send
// answered as it left.
func sendAnswered(t *testing.T, ctx context.Context, l *limiter, to chat.Address, turn turn) {
	t.Helper()
	m, err := l.commit(ctx, to, turn.booked)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.settle(ctx, m); err != nil {
		t.Fatal(err)
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
// bound), and once it is answered they are due in booking order,
// an interval apart, whichever asks first: none is told the same instant
// as the other.
func TestLimiterWaitersBehindASlowSendAreDueInBookingOrder(t *testing.T) {
	t.Parallel()
	l, _, ctx, to := chatLimiter(t, 10)
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

	sendAnswered(t, ctx, l, to, turns[0])
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
	l, rdb, ctx, to := chatLimiter(t, 5)
	l.inFlight = 400 * time.Millisecond
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

	sendAnswered(t, ctx, l, to, turns[0])
	spaced(t, l, to, waitsInOrder(t, ctx, l, to, turns[1:]...))
}

// A sender that wakes long after its turn adds its send's flight time to
// the chat's slip, not its lateness: the chat's later messages are not
// pushed back by one slow process.
func TestLimiterLateSenderDoesNotPushTheChat(t *testing.T) {
	t.Parallel()
	l, rdb, ctx, to := chatLimiter(t, 10)
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
// behind the in-flight bound (25 s): the send may be answered in
// 100 ms, and its commit waits for it if not.
func TestLimiterReservesBesideASendInFlight(t *testing.T) {
	t.Parallel()
	l, _, ctx, to := chatLimiter(t, 1)
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
	ctx, cancel := context.WithTimeout(context.Background(), l.inFlight/2) // short of the bound: without the retry the piece waits it out
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

// A commit may wait behind a send in flight to its chat for the bound and
// a group's interval, and its own request may then take the bound: both
// inside the delivery's send budget, or a message waiting its turn fails,
// and one sent at the budget's end may arrive and be sent again.
func TestFlightFitsTheSendBudget(t *testing.T) {
	l := newLimiter(nil, Queues{}, TelegramLimits)
	if worst := 2*l.inFlight + l.groupEvery; worst >= postgres.DeliveryLease/2 {
		t.Errorf("a commit's wait and its request may take %s, the send budget is %s", worst, postgres.DeliveryLease/2)
	}
}

// A send whose process died is never settled; once its bound has passed, a
// message booked afterwards is due at once, as the chat allows, not a
// whole bound later (the dead send's flight is folded into the slip at the
// reservation, not left to be added at the commit).
func TestLimiterDeadSendDoesNotDelayLaterBookings(t *testing.T) {
	t.Parallel()
	l, _, ctx, to := chatLimiter(t, 10)
	l.inFlight = time.Second
	if _, err := l.commit(ctx, to, book(t, ctx, l, to, 1)[0].booked); err != nil {
		t.Fatal(err)
	}
	time.Sleep(l.inFlight + 2*l.every(to)) // the dead send's bound and the chat's interval are over
	next := book(t, ctx, l, to, 1)[0]
	if d := time.Until(next.due); d > l.every(to) {
		t.Errorf("a booking after the dead send's bound is due in %s; want at once", d)
	}
	wait, paused, _, err := l.tryCommit(ctx, to, next.booked)
	if err != nil || paused || wait > l.every(to) {
		t.Errorf("its commit: wait %s, paused %v, %v; want it to go within an interval", wait, paused, err)
	}
}

// A queue of one chat's messages, each committing a little after its turn
// (a timer's overshoot, a Redis round trip, the bot's window held it): the
// small delays are charged to the chat's slip, so those behind move alike
// and stay due in booking order, apart, however many there are; not
// charged, they added up until two waiters were due at the same instant
// (with 12 ms each and an interval of 105 ms, from the ninth message on).
func TestLimiterSmallDelaysInAQueueKeepItsOrder(t *testing.T) {
	t.Parallel()
	// A long interval, so that a stall of the test machine is unlikely to
	// make a commit later than one (which is not charged, by design).
	l, _, ctx, to := chatLimiter(t, 2)
	var turns []turn
	for range 10 {
		turns = append(turns, book(t, ctx, l, to, 1)...)
	}
	const late = 40 * time.Millisecond
	for i := range len(turns) - 1 {
		if i > 0 { // the send ahead is answered: the next two are due apart
			spaced(t, l, to, waitsInOrder(t, ctx, l, to, turns[i], turns[i+1]))
		}
		for {
			wait, paused, m, err := l.tryCommit(ctx, to, turns[i].booked)
			if err != nil || paused {
				t.Fatalf("booking %d: paused %v, %v", i, paused, err)
			}
			if wait == 0 {
				time.Sleep(10 * time.Millisecond) // its flight
				if err := l.settle(ctx, m); err != nil {
					t.Fatal(err)
				}
				break
			}
			time.Sleep(wait + late)
		}
	}
}
