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
	"strconv"
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

// Connect checks that c answers and gives the test a prefix of its own on
// it, cleaned up (and c closed) when the test ends.
func Connect(t testing.TB, c redis.UniversalClient) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Fatalf("redistest: Redis is not reachable: %v", err)
	}
	prefix := newPrefix()
	t.Cleanup(func() { cleanup(c, prefix); c.Close() })
	return prefix
}

// Setup is a Redis deployment of one test's own, started by a .ci script on
// ports nothing else uses, so the test may kill its nodes; it is stopped
// when the test ends.
type Setup struct {
	t      testing.TB
	script string
	env    []string
	vars   map[string]string
}

// StartSentinel starts a private Sentinel setup: data nodes on dataPort and
// dataPort+1, sentinels on sentinelPort..+2.
func StartSentinel(t testing.TB, dataPort, sentinelPort int) *Setup {
	t.Helper()
	return start(t, "redis-sentinel.sh", "DATA_PORT="+itoa(dataPort), "SENTINEL_PORT="+itoa(sentinelPort))
}

// StartCluster starts a private three-primary cluster on port..port+2.
func StartCluster(t testing.TB, port int) *Setup {
	t.Helper()
	return start(t, "redis-cluster.sh", "CLUSTER_PORT="+itoa(port))
}

func start(t testing.TB, script string, env ...string) *Setup {
	t.Helper()
	s := &Setup{t: t, script: script, env: env}
	_, _ = Script(script, env, "down") // leftovers of an interrupted run
	out, err := Script(script, env, "up")
	if err != nil {
		t.Fatalf("redistest: .ci/%s up: %v\n%s", script, err, out)
	}
	t.Cleanup(func() { _, _ = Script(script, env, "down") })
	s.vars = map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "="); ok {
			s.vars[k] = v
		}
	}
	return s
}

// Client returns a new client for the setup (the caller closes it, or hands
// it to Connect).
func (s *Setup) Client() redis.UniversalClient {
	if a := s.vars["TEST_REDIS_CLUSTER_ADDRS"]; a != "" {
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(a, ",")})
	}
	return redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: s.vars["TEST_REDIS_SENTINEL_MASTER"], SentinelAddrs: strings.Split(s.vars["TEST_REDIS_SENTINEL_ADDRS"], ",")})
}

// Run runs the setup's script with args (e.g. "kill-primary") and returns
// its output; a failure fails the test.
func (s *Setup) Run(args ...string) string {
	s.t.Helper()
	out, err := Script(s.script, s.env, args...)
	if err != nil {
		s.t.Fatalf("redistest: .ci/%s %s: %v\n%s", s.script, strings.Join(args, " "), err, out)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// Slot is the cluster hash slot of key.
func Slot(t testing.TB, c redis.UniversalClient, key string) int64 {
	t.Helper()
	s, err := c.ClusterKeySlot(context.Background(), key).Result()
	if err != nil {
		t.Fatalf("redistest: CLUSTER KEYSLOT %s: %v", key, err)
	}
	return s
}

// NodePortOfSlot is the port of the primary serving slot.
func NodePortOfSlot(t testing.TB, c redis.UniversalClient, slot int64) int {
	t.Helper()
	slots, err := c.ClusterSlots(context.Background()).Result()
	if err != nil {
		t.Fatalf("redistest: CLUSTER SLOTS: %v", err)
	}
	for _, s := range slots {
		if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
			_, port, _ := strings.Cut(s.Nodes[0].Addr, ":")
			p, err := strconv.Atoi(port)
			if err == nil {
				return p
			}
		}
	}
	t.Fatalf("redistest: no node serves slot %d", slot)
	return 0
}
