package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// The limiter's scripts run on every Redis topology. In a cluster a script
// may only touch keys of one hash slot: every key the limiter writes carries
// the {notify} hash tag, so all of them, for every chat, live in one slot,
// and the scripts run without CROSSSLOT errors.
func TestLimiterOnEveryTopology(t *testing.T) {
	t.Parallel()
	for _, topo := range redistest.Topologies {
		t.Run(string(topo), func(t *testing.T) {
			t.Parallel()
			rdb, prefix := redistest.NewOn(t, topo)
			l := newLimiter(rdb, Queues{Prefix: prefix}, Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 60000})
			ctx := context.Background()
			for _, chat := range []int64{42, 43, -1001} {
				if _, _, err := l.reserveN(ctx, chat, 2); err != nil {
					t.Fatalf("reserve for %d: %v", chat, err)
				}
				if err := l.commit(ctx, chat); err != nil {
					t.Fatalf("commit for %d: %v", chat, err)
				}
			}
			if err := l.pause(ctx, time.Millisecond); err != nil {
				t.Fatalf("pause: %v", err)
			}
			if topo != redistest.Cluster {
				return
			}
			keys := []string{l.globalKey, l.sentKey, l.seqKey, l.pauseKey,
				l.chatPrefix + "42", l.chatPrefix + "-1001", l.lastPrefix + "42", l.lastPrefix + "-1001"}
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
				if n, err := cc.Exists(ctx, k).Result(); err != nil || (n != 1 && k != l.pauseKey) {
					t.Errorf("key %s: exists = %d, %v; want the scripts to have written it", k, n, err)
				}
			}
		})
	}
}
