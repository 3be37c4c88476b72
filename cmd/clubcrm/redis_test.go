package main

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// The topology is chosen by configuration alone, and each one connects to
// a real deployment of its kind.
func TestRedisTopologyFromConfig(t *testing.T) {
	t.Parallel()
	sentinels, master := redistest.SentinelAddrs(t)
	cluster := redistest.ClusterAddrs(t)
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"single": {map[string]string{"REDIS_URL": redistest.URL()}, "*redis.Client"},
		"sentinel": {map[string]string{"REDIS_SENTINEL_ADDRS": strings.Join(sentinels, ","),
			"REDIS_SENTINEL_MASTER": master}, "*redis.Client"}, // go-redis's failover client is a *redis.Client
		"cluster": {map[string]string{"REDIS_CLUSTER_ADDRS": strings.Join(cluster, ", ")}, "*redis.ClusterClient"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, err := loadConfig(envFor(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.redisTopology() != name {
				t.Errorf("topology = %s, want %s", cfg.redisTopology(), name)
			}
			rdb, err := openRedis(context.Background(), cfg)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer rdb.Close()
			_, isCluster := rdb.(*redis.ClusterClient)
			if isCluster != (tc.want == "*redis.ClusterClient") {
				t.Errorf("client %T, want %s", rdb, tc.want)
			}
			// The data node really is the topology's: a sentinel-managed
			// primary, or a node with cluster mode on.
			info, err := rdb.Info(context.Background(), "replication", "cluster").Result()
			if err != nil {
				t.Fatal(err)
			}
			if name == "cluster" && !strings.Contains(info, "cluster_enabled:1") {
				t.Errorf("not a cluster node:\n%s", info)
			}
			if name == "sentinel" && !strings.Contains(info, "connected_slaves:1") {
				t.Errorf("not the sentinel setup's primary:\n%s", info)
			}
		})
	}
}

func TestRedisTopologyConfigErrors(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]map[string]string{
		"both":              {"REDIS_SENTINEL_ADDRS": "h:1", "REDIS_SENTINEL_MASTER": "m", "REDIS_CLUSTER_ADDRS": "h:2"},
		"no master":         {"REDIS_SENTINEL_ADDRS": "h:1"},
		"master alone":      {"REDIS_SENTINEL_MASTER": "m"},
		"bad address":       {"REDIS_CLUSTER_ADDRS": "h:1,,h:3"},
		"cluster with db 3": {"REDIS_CLUSTER_ADDRS": "h:1", "REDIS_URL": "redis://h:1/3"},
	} {
		if _, err := loadConfig(envFor(env)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// DATABASE_REPLICA_URL is optional, checked, and kept out of logs' passwords.
func TestDatabaseReplicaConfig(t *testing.T) {
	t.Parallel()
	if _, err := loadConfig(envFor(map[string]string{"DATABASE_REPLICA_URL": "mysql://x"})); err == nil {
		t.Error("a non-postgres replica URL was accepted")
	}
	cfg, err := loadConfig(envFor(map[string]string{"DATABASE_REPLICA_URL": "postgres://u:hunter2pw@replica/db"}))
	if err != nil || cfg.DatabaseReplicaURL == "" {
		t.Fatalf("replica URL: %+v %v", cfg.DatabaseReplicaURL, err)
	}
	if v := cfg.LogValue().String(); strings.Contains(v, "hunter2pw") || !strings.Contains(v, "replica") {
		t.Errorf("log value %s", v)
	}
}
