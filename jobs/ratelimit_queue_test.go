package jobs

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// Two messages booked behind a send in flight commit in booking order once
// it is answered: the later one, asking first with the chat's interval over,
// is told to wait (briefly: a poll, not an interval) until the earlier one
// has gone.
func TestLimiterCommitsInBookingOrderBehindASendInFlight(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 1, PerGroupPerMinute: 20})
	ctx := context.Background()
	to := tgChat(42)
	book := func() int64 {
		t.Helper()
		ticket, _, _, err := l.reserveN(ctx, to, 1, true)
		if err != nil || ticket == 0 {
			t.Fatalf("reserve: ticket %d, %v", ticket, err)
		}
		return ticket
	}

	slow, first, second := book(), book(), book()
	m, err := l.commit(ctx, to, slow)
	if err != nil {
		t.Fatal(err)
	}
	for _, ticket := range []int64{second, first} { // both wait for the answer
		if wait, _, _, err := l.tryCommit(ctx, to, ticket, 0); err != nil || wait <= 0 {
			t.Errorf("ticket %d with a send in flight: wait %s, %v; want a wait", ticket, wait, err)
		}
	}
	if err := l.settle(ctx, m, false); err != nil {
		t.Fatal(err)
	}
	// The chat's interval after the answer long over: only the queue decides.
	if err := rdb.Del(ctx, l.keys(to).last).Err(); err != nil {
		t.Fatal(err)
	}
	wait, _, _, err := l.tryCommit(ctx, to, second, 0)
	if err != nil || wait <= 0 || wait > queuePoll {
		t.Errorf("the later message, asking first: wait %s, %v; want (0, %s]", wait, err, queuePoll)
	}
	if wait, _, _, err := l.tryCommit(ctx, to, first, 0); err != nil || wait != 0 {
		t.Fatalf("the earlier message: wait %s, %v; want it to go", wait, err)
	}
	if n, err := rdb.ZCard(ctx, l.keys(to).queue).Result(); err != nil || n != 1 {
		t.Errorf("queue holds %d tickets after the earlier one went, %v; want 1", n, err)
	}
}

// A ticket whose process died before its commit holds its chat back only
// until it is stale (staleAfter past its booked time), then the next
// message goes; a ticket given back (a message that will not commit) does
// not hold it back at all.
func TestLimiterDropsStaleAndGivenBackTickets(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 60000})
	l.staleAfter = 200 * time.Millisecond
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	book := func(chat int64) int64 {
		t.Helper()
		ticket, _, _, err := l.reserveN(ctx, tgChat(chat), 1, true)
		if err != nil || ticket == 0 {
			t.Fatalf("reserve: ticket %d, %v", ticket, err)
		}
		return ticket
	}

	dead, early := book(42), book(42)
	if wait, _, _, err := l.tryCommit(ctx, tgChat(42), early, 0); err != nil || wait <= 0 {
		t.Errorf("behind a fresh ticket: wait %s, %v; want a wait", wait, err)
	}
	l.dequeue(ctx, tgChat(42), early, log)
	time.Sleep(l.staleAfter + 50*time.Millisecond)
	live := book(42) // fresh: it goes as the chat's first, not as one gone stale
	if wait, _, _, err := l.tryCommit(ctx, tgChat(42), live, 0); err != nil || wait != 0 {
		t.Errorf("behind a stale ticket: wait %s, %v; want it to go", wait, err)
	}
	if err := rdb.ZScore(ctx, l.keys(tgChat(42)).queue, strconv.FormatInt(dead, 10)).Err(); err == nil {
		t.Errorf("stale ticket %d still queued", dead)
	}

	abandoned, next := book(43), book(43)
	l.dequeue(ctx, tgChat(43), abandoned, log)
	if wait, _, _, err := l.tryCommit(ctx, tgChat(43), next, 0); err != nil || wait != 0 {
		t.Errorf("behind a ticket given back: wait %s, %v; want it to go", wait, err)
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
	f := l.flight(ctx, to, 0, slog.New(slog.DiscardHandler))
	if err := f.commit(); err != nil {
		t.Fatal(err)
	}
	first := f.mark
	sent := l.keys(to).sent
	if err := rdb.Set(ctx, sent, "not a zset", 0).Err(); err != nil { // settle's ZADD fails
		t.Fatal(err)
	}
	f.settle(true)
	if err := rdb.Del(ctx, sent).Err(); err != nil {
		t.Fatal(err)
	}
	if err := f.commit(); err != nil {
		t.Fatalf("the next piece after a failed settle: %v", err)
	}
	if got, err := rdb.ZScore(ctx, sent, strconv.FormatInt(first.id, 10)).Result(); err != nil || int64(got) >= first.until {
		t.Errorf("first piece's mark scored %.0f, %v; want settled, before its bound %d", got, err, first.until)
	}
	if err := f.end(nil); err != nil {
		t.Fatal(err)
	}
}
