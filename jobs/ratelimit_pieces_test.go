package jobs

import (
	"context"
	"testing"

	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// A message's pieces are booked together: a chat interval apart, and the
// chat's next booking (another message, asked for after) comes after the
// last of them.
func TestLimiterReservesPiecesTogether(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 20, PerChatPerSecond: 2, PerGroupPerMinute: 30})
	ctx := context.Background()

	_, waits, ats, err := l.reserveN(ctx, tgChat(42), 3, false)
	if err != nil || len(waits) != 3 || len(ats) != 3 {
		t.Fatalf("reserve 3: %v, %v, %v", waits, ats, err)
	}
	_, next, err := l.reserve(ctx, tgChat(42))
	if err != nil {
		t.Fatal(err)
	}
	all := append(ats, next)
	for i := 1; i < len(all); i++ {
		if gap := all[i].Sub(all[i-1]); gap < l.chatEvery {
			t.Errorf("bookings %d and %d are %s apart, want at least %s", i-1, i, gap, l.chatEvery)
		}
		if i < len(waits) && waits[i] < waits[i-1]+l.chatEvery-l.slot {
			t.Errorf("wait %d is %s after wait %d, want about %s", i, waits[i]-waits[i-1], i-1, l.chatEvery)
		}
	}
	if _, _, _, err := l.reserveN(ctx, tgChat(42), 0, false); err == nil {
		t.Errorf("reserve 0 pieces: no error")
	}
}

// Between the pieces of a message the chat is held: another message's
// commit waits (at least an interval), the message's own next piece goes,
// and once its last piece is answered the chat is free again.
func TestLimiterHoldsTheChatBetweenPieces(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 60000})
	ctx := context.Background()
	first, err := l.commit(ctx, tgChat(42), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.settle(ctx, first, true); err != nil {
		t.Fatal(err)
	}
	// The chat's interval long over: only the hold keeps it.
	if err := rdb.Del(ctx, l.keys(tgChat(42)).last).Err(); err != nil {
		t.Fatal(err)
	}
	if wait, _, _, err := l.tryCommit(ctx, tgChat(42), 0, 0); err != nil || wait < l.chatEvery {
		t.Errorf("another message's commit while the chat is held: wait %s, %v; want at least %s", wait, err, l.chatEvery)
	}
	if _, _, _, err := l.tryCommit(ctx, tgChat(43), 0, 0); err != nil {
		t.Errorf("another chat: %v", err)
	}
	second, err := l.commitPiece(ctx, tgChat(42), 0, first.token)
	if err != nil || second.token != first.token {
		t.Fatalf("the next piece: %+v, %v", second, err)
	}
	if err := l.settle(ctx, second, false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.commit(ctx, tgChat(42), 0); err != nil {
		t.Errorf("the next message after the last piece: %v", err)
	}
}
