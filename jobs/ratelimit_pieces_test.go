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

	waits, ats, err := l.reserveN(ctx, tgChat(42), 3)
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
	if _, _, err := l.reserveN(ctx, tgChat(42), 0); err == nil {
		t.Errorf("reserve 0 pieces: no error")
	}
}
