package jobs

// Queues names the asynq queues. Prefix lets several deployments, or parallel
// tests, share one Redis without seeing each other's queues, task ids or
// rate-limit keys: every queue name and every Redis key this package writes
// starts with it.
type Queues struct {
	Prefix string
	// Deployment is the database's deployment id
	// (postgres.DB.DeploymentID); the Enqueuer puts every TaskID under it.
	// Empty only in tests that enqueue nothing with a TaskID.
	Deployment string
}

// TaskID is the asynq TaskID of a job's deterministic id: under the
// deployment id, so two databases never share one.
func (q Queues) TaskID(id string) string {
	if q.Deployment == "" {
		return id
	}
	return q.Deployment + ":" + id
}

// Critical is for what a person is waiting for: workflow follow-ups,
// reminders, assignment notices.
func (q Queues) Critical() string { return q.Prefix + "critical" }

// Default is for everything else that is not bulk: re-planning a reminder,
// overdue notices, "welcome back" catch-ups.
func (q Queues) Default() string { return q.Prefix + "default" }

// Bulk is for bulk-call fan-out: long, set-based, and nobody minds if it
// starts a second later.
func (q Queues) Bulk() string { return q.Prefix + "bulk" }

// Low is for digests and other periodic summaries.
func (q Queues) Low() string { return q.Prefix + "low" }

// Priorities is asynq.Config.Queues.
//
// The weights are used with weighted (not strict) priority. Strict priority
// would let a steady stream of follow-ups starve a fan-out or the morning
// digest indefinitely; weighted priority gives critical work about 6 of every
// 12 polls when all queues are busy (and all of them when the others are
// empty), so interactive work goes first without anything waiting forever.
// A fan-out task is one job per bulk call that commits in chunks, so it never
// holds many workers at once.
func (q Queues) Priorities() map[string]int {
	return map[string]int{
		q.Critical(): 6,
		q.Default():  3,
		q.Bulk():     2,
		q.Low():      1,
	}
}

// key is a Redis key of this package's own (rate limits, pauses), under the
// same prefix as the queues.
func (q Queues) key(name string) string { return q.Prefix + "clubcrm:" + name }
