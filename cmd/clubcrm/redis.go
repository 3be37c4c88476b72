package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The Redis topology is configuration, not code: everything that talks to
// Redis (asynq's client and server, the rate limiter, asynqmon, the queue
// metrics) takes the one redis.UniversalClient built here.
const (
	topologySingle   = "single"
	topologySentinel = "sentinel"
	topologyCluster  = "cluster"
)

func (c config) redisTopology() string {
	switch {
	case len(c.RedisSentinelAddrs) > 0:
		return topologySentinel
	case len(c.RedisClusterAddrs) > 0:
		return topologyCluster
	default:
		return topologySingle
	}
}

func (c config) validateRedisTopology() error {
	switch {
	case len(c.RedisSentinelAddrs) > 0 && len(c.RedisClusterAddrs) > 0:
		return fmt.Errorf("configuration: set REDIS_SENTINEL_ADDRS or REDIS_CLUSTER_ADDRS, not both")
	case len(c.RedisSentinelAddrs) > 0 && c.RedisSentinelMaster == "":
		return fmt.Errorf("configuration: REDIS_SENTINEL_MASTER is required with REDIS_SENTINEL_ADDRS")
	case len(c.RedisSentinelAddrs) == 0 && (c.RedisSentinelMaster != "" || c.RedisSentinelPassword != ""):
		return fmt.Errorf("configuration: REDIS_SENTINEL_MASTER and REDIS_SENTINEL_PASSWORD need REDIS_SENTINEL_ADDRS")
	}
	for _, a := range append(append([]string{}, c.RedisSentinelAddrs...), c.RedisClusterAddrs...) {
		if a = strings.TrimSpace(a); a == "" || !strings.Contains(a, ":") {
			return fmt.Errorf("configuration: Redis node address %q must be host:port", a)
		}
	}
	if c.redisTopology() == topologyCluster {
		if opt, err := redis.ParseURL(c.RedisURL); err == nil && opt.DB != 0 {
			return fmt.Errorf("configuration: Redis Cluster has only database 0; REDIS_URL names %d", opt.DB)
		}
	}
	return nil
}

// newRedisClient builds the client for the configured topology:
//   - single: REDIS_URL, as before;
//   - sentinel: a failover client that asks the sentinels for the primary
//     and follows them when they promote a replica;
//   - cluster: a cluster client that follows MOVED/ASK redirections.
//
// REDIS_URL's user, password, database (not in a cluster) and TLS apply to
// the data nodes of every topology.
func newRedisClient(cfg config) (redis.UniversalClient, error) {
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: malformed URL")
	}
	trim := func(addrs []string) []string {
		out := make([]string, 0, len(addrs))
		for _, a := range addrs {
			out = append(out, strings.TrimSpace(a))
		}
		return out
	}
	switch cfg.redisTopology() {
	case topologySentinel:
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: cfg.RedisSentinelMaster, SentinelAddrs: trim(cfg.RedisSentinelAddrs),
			SentinelPassword: cfg.RedisSentinelPassword,
			Username:         opt.Username, Password: opt.Password, DB: opt.DB, TLSConfig: opt.TLSConfig,
		}), nil
	case topologyCluster:
		return redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:    trim(cfg.RedisClusterAddrs),
			Username: opt.Username, Password: opt.Password, TLSConfig: opt.TLSConfig,
		}), nil
	default:
		return redis.NewClient(opt), nil
	}
}

// openRedis connects to Redis in the configured topology and checks that
// it answers.
func openRedis(ctx context.Context, cfg config) (redis.UniversalClient, error) {
	rdb, err := newRedisClient(cfg)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("connect to redis (%s): %w", cfg.redisTopology(), err)
	}
	return rdb, nil
}
