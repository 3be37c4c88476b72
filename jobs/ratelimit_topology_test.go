package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// The limiter's scripts run on every Redis topology. In a cluster a script
// may only touch keys of one hash slot: every key the limiter writes for a
// bot carries that bot's {notify:…} hash tag, so all of them, for every chat
// of the bot, live in one slot, and the scripts run without CROSSSLOT
// errors.
func TestLimiterOnEveryTopology(t *testing.T) {
	t.Parallel()
	for _, topo := range redistest.Topologies {
		t.Run(string(topo), func(t *testing.T) {
			t.Parallel()
			rdb, prefix := redistest.NewOn(t, topo)
			l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 60000})
			ctx := context.Background()
			for _, chat := range []int64{42, 43, -1001} {
				turns, err := l.reserveN(ctx, tgChat(chat), 2)
				if err != nil {
					t.Fatalf("reserve for %d: %v", chat, err)
				}
				m, err := l.commit(ctx, tgChat(chat), turns[0].booked)
				if err != nil {
					t.Fatalf("commit for %d: %v", chat, err)
				}
				if err := l.settle(ctx, m); err != nil {
					t.Fatalf("settle for %d: %v", chat, err)
				}
			}
			// A message's pieces under a flight.
			turns, err := l.reserveN(ctx, tgChat(43), 2)
			if err != nil {
				t.Fatalf("reserve for the flight: %v", err)
			}
			f := l.flight(ctx, tgChat(43), slog.New(slog.DiscardHandler))
			for _, turn := range turns {
				if err := f.commit(turn.booked); err != nil {
					t.Fatalf("flight commit: %v", err)
				}
			}
			if err := f.end(nil); err != nil {
				t.Fatalf("flight end: %v", err)
			}
			if err := l.pause(ctx, tgChat(0), time.Millisecond); err != nil {
				t.Fatalf("pause: %v", err)
			}
			if topo != redistest.Cluster {
				return
			}
			k42, kGroup := l.keys(tgChat(42)), l.keys(tgChat(-1001))
			keys := []string{k42.global, k42.sent, k42.seq, k42.pause, k42.chat, kGroup.chat}
			cc := rdb.(*redis.ClusterClient)
			want := int64(-1)
			for _, k := range keys {
				slot, err := cc.ClusterKeySlot(ctx, k).Result()
				if err != nil {
					t.Fatalf("CLUSTER KEYSLOT %s: %v", k, err)
				}
				if want == -1 {
					want = slot
				}
				if slot != want {
					t.Errorf("key %s is in slot %d, the others in %d", k, slot, want)
				}
				if n, err := cc.Exists(ctx, k).Result(); err != nil || (n != 1 && k != l.keys(tgChat(0)).pause) {
					t.Errorf("key %s: exists = %d, %v; want the scripts to have written it", k, n, err)
				}
			}
		})
	}
}
