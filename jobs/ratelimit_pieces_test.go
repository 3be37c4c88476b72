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

	turns, err := l.reserveN(ctx, tgChat(42), 3)
	if err != nil || len(turns) != 3 {
		t.Fatalf("reserve 3: %v, %v", turns, err)
	}
	next, err := reserveOne(ctx, l, tgChat(42))
	if err != nil {
		t.Fatal(err)
	}
	all := append(turns, next)
	for i := 1; i < len(all); i++ {
		if gap := all[i].at.Sub(all[i-1].at); gap < l.chatEvery {
			t.Errorf("bookings %d and %d are %s apart, want at least %s", i-1, i, gap, l.chatEvery)
		}
		if gap := all[i].booked - all[i-1].booked; gap < l.chatEvery.Microseconds() {
			t.Errorf("virtual bookings %d and %d are %dµs apart, want at least %s", i-1, i, gap, l.chatEvery)
		}
		if i < len(turns) && turns[i].due.Sub(turns[i-1].due) < l.chatEvery-l.slot {
			t.Errorf("piece %d is due %s after piece %d, want about %s", i, turns[i].due.Sub(turns[i-1].due), i-1, l.chatEvery)
		}
	}
	if _, err := l.reserveN(ctx, tgChat(42), 0); err == nil {
		t.Errorf("reserve 0 pieces: no error")
	}
}
