package redistest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Topology is a Redis deployment shape the service supports.
type Topology string

const (
	// Single is one Redis server (TEST_REDIS_URL).
	Single Topology = "single"
	// Sentinel is a primary, a replica and three sentinels
	// (TEST_REDIS_SENTINEL_ADDRS, TEST_REDIS_SENTINEL_MASTER), started by
	// .ci/redis-sentinel.sh when those are unset.
	Sentinel Topology = "sentinel"
	// Cluster is a three-primary Redis Cluster (TEST_REDIS_CLUSTER_ADDRS),
	// started by .ci/redis-cluster.sh when that is unset.
	Cluster Topology = "cluster"
)

// Topologies are the shapes every topology test runs against.
var Topologies = []Topology{Single, Sentinel, Cluster}

// NewOn is New on the given topology: a client and a prefix of the test's
// own, cleaned up when the test ends.
func NewOn(t testing.TB, topo Topology) (redis.UniversalClient, string) {
	t.Helper()
	var c redis.UniversalClient
	switch topo {
	case Single:
		return New(t)
	case Sentinel:
		addrs, master := SentinelAddrs(t)
		c = redis.NewFailoverClient(&redis.FailoverOptions{MasterName: master, SentinelAddrs: addrs})
	case Cluster:
		c = redis.NewClusterClient(&redis.ClusterOptions{Addrs: ClusterAddrs(t)})
	default:
		t.Fatalf("redistest: unknown topology %q", topo)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Fatalf("redistest: Redis %s is not reachable: %v\n%s", topo, err, howToStart(topo))
	}
	prefix := newPrefix()
	t.Cleanup(func() { cleanup(c, prefix); c.Close() })
	return c, prefix
}

func newPrefix() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b) + ":"
}

// cleanup deletes the prefix's keys and its queue names from asynq's global
// set, or asynqmon and the queue metrics list them forever.
func cleanup(c redis.UniversalClient, prefix string) {
	ctx := context.Background()
	DeleteMatching(ctx, c, "*"+prefix+"*")
	if names, err := c.SMembers(ctx, "asynq:queues").Result(); err == nil {
		for _, n := range names {
			if strings.HasPrefix(n, prefix) {
				c.SRem(ctx, "asynq:queues", n)
			}
		}
	}
}

func howToStart(topo Topology) string {
	switch topo {
	case Sentinel:
		return "Start it with `eval \"$(.ci/redis-sentinel.sh up)\"` (needs redis-server on PATH) " +
			"or set TEST_REDIS_SENTINEL_ADDRS and TEST_REDIS_SENTINEL_MASTER."
	case Cluster:
		return "Start it with `eval \"$(.ci/redis-cluster.sh up)\"` (needs redis-server and redis-cli on PATH) " +
			"or set TEST_REDIS_CLUSTER_ADDRS."
	}
	return ""
}

// SentinelAddrs returns the sentinels' addresses and the master name:
// TEST_REDIS_SENTINEL_ADDRS and TEST_REDIS_SENTINEL_MASTER, or, when unset,
// the setup .ci/redis-sentinel.sh starts (once per test binary; the script
// is idempotent and locked, so parallel packages share one setup).
func SentinelAddrs(t testing.TB) ([]string, string) {
	t.Helper()
	if a := os.Getenv("TEST_REDIS_SENTINEL_ADDRS"); a != "" {
		m := os.Getenv("TEST_REDIS_SENTINEL_MASTER")
		if m == "" {
			m = "clubcrm"
		}
		return strings.Split(a, ","), m
	}
	env := scriptEnv(t, "redis-sentinel.sh", nil)
	return strings.Split(env["TEST_REDIS_SENTINEL_ADDRS"], ","), env["TEST_REDIS_SENTINEL_MASTER"]
}

// ClusterAddrs returns the cluster's node addresses: TEST_REDIS_CLUSTER_ADDRS
// or, when unset, the cluster .ci/redis-cluster.sh starts.
func ClusterAddrs(t testing.TB) []string {
	t.Helper()
	if a := os.Getenv("TEST_REDIS_CLUSTER_ADDRS"); a != "" {
		return strings.Split(a, ",")
	}
	return strings.Split(scriptEnv(t, "redis-cluster.sh", nil)["TEST_REDIS_CLUSTER_ADDRS"], ",")
}

var (
	upMu   sync.Mutex
	upDone = map[string]map[string]string{}
)

// scriptEnv runs `.ci/<script> up` with extra environment and returns the
// variables it prints.
func scriptEnv(t testing.TB, script string, extra []string) map[string]string {
	t.Helper()
	upMu.Lock()
	defer upMu.Unlock()
	key := script + strings.Join(extra, " ")
	if env, ok := upDone[key]; ok {
		return env
	}
	out, err := Script(script, extra, "up")
	if err != nil {
		t.Fatalf("redistest: .ci/%s up: %v\n%s", script, err, out)
	}
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok {
			env[k] = v
		}
	}
	upDone[key] = env
	return env
}

// Script runs one of the repository's .ci scripts with args and returns its
// combined output.
func Script(script string, extra []string, args ...string) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", ".ci", script)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), extra...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
