// Package redistest connects tests to the real Redis named by TEST_REDIS_URL
// (default redis://localhost:6379/15) and gives each test its own queue
// prefix, so parallel tests and packages sharing one Redis never see each
// other's queues, task ids or rate-limit buckets. When Redis is missing the
// test fails with instructions; it never skips.
package redistest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is used when TEST_REDIS_URL is not set.
const DefaultURL = "redis://localhost:6379/15"

// URL returns the Redis URL tests use.
func URL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New returns a client for the test Redis and a prefix unique to this test
// ("t<hex>:"). The client is closed and the prefix's keys deleted when the
// test ends.
func New(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("redistest: TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Fatalf("redistest: Redis is not reachable at %s: %v\n"+
			"Start it (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no, "+
			"or `docker compose up -d redis`) or set TEST_REDIS_URL.", opt.Addr, err)
	}
	prefix := newPrefix()
	t.Cleanup(func() { cleanup(c, prefix); c.Close() })
	return c, prefix
}

// DeleteMatching deletes every key matching pattern (SCAN, not KEYS, so a
// shared server is not blocked), on every primary of a cluster. Tests use it
// to simulate Redis losing a test's data without flushing what other tests
// are using.
func DeleteMatching(ctx context.Context, c redis.UniversalClient, pattern string) int {
	if cc, ok := c.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		n := 0
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			k := deleteMatching(ctx, node, pattern)
			mu.Lock()
			n += k
			mu.Unlock()
			return nil
		})
		return n
	}
	return deleteMatching(ctx, c, pattern)
}

// deleteMatching deletes one by one: in a cluster the keys of one node
// still spread over many slots, and DEL of several keys must stay in one.
func deleteMatching(ctx context.Context, c redis.Cmdable, pattern string) int {
	n := 0
	iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
	var batch []string
	flush := func() {
		cmds, _ := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range batch {
				p.Del(ctx, k)
			}
			return nil
		})
		for _, cmd := range cmds {
			n += int(cmd.(*redis.IntCmd).Val())
		}
		batch = batch[:0]
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	return n
}
