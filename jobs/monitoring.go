package jobs

import (
	"net/http"

	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"
)

// MonitoringHandler serves asynqmon, the queue web UI, under rootPath (e.g.
// "/monitoring"): queues, running and retrying jobs, archived jobs that gave
// up. Mount it behind the same access control as /metrics; it can delete and
// re-run jobs.
func MonitoringHandler(rdb redis.UniversalClient, rootPath string) http.Handler {
	return asynqmon.New(asynqmon.Options{RootPath: rootPath, RedisConnOpt: sharedRedis{rdb}})
}

// sharedRedis hands asynqmon the process's Redis client instead of letting
// it open its own pool. asynqmon closes it only from its Close, which is
// never called.
type sharedRedis struct{ c redis.UniversalClient }

func (s sharedRedis) MakeRedisClient() any { return s.c }
