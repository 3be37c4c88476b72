package jobs

import (
	"fmt"

	"github.com/hibiken/asynq"
	asynqmetrics "github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Metrics are the workers' own Prometheus series. A nil *Metrics counts
// nothing, so tests and tools need not build one.
type Metrics struct {
	FollowupsCreated  prometheus.Counter
	SubtasksCreated   prometheus.Counter
	MessagesSent      prometheus.Counter
	MessagesThrottled prometheus.Counter
	MessagesFailed    prometheus.Counter
	// MessagesSkipped counts low-value messages not sent because they
	// would have been billed (outside the person's free window).
	MessagesSkipped prometheus.Counter
	// OutboxLag is how long the oldest pending outbox row has been due, in
	// seconds: the relay's delay, and the first sign of a stuck worker.
	OutboxLag prometheus.Gauge
}

// NewMetrics creates the series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "clubcrm", Name: name, Help: help})
	}
	m := &Metrics{
		FollowupsCreated:  counter("followups_created_total", "Workflow follow-up tasks created."),
		SubtasksCreated:   counter("subtasks_created_total", "Personal-call subtasks created by bulk-call fan-out."),
		MessagesSent:      counter("messages_sent_total", "Messages the notifier delivered."),
		MessagesThrottled: counter("messages_throttled_total", "Sends the messenger answered with retry-after (429)."),
		MessagesFailed:    counter("messages_failed_total", "Sends that failed (unreachable recipient or other error)."),
		MessagesSkipped:   counter("messages_skipped_total", "Low-value messages (morning lists) not sent outside the person's free window, per the club's plan."),
		OutboxLag: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "clubcrm", Name: "outbox_lag_seconds",
			Help: "Age of the oldest due, uncompleted outbox row."}),
	}
	for _, c := range []prometheus.Collector{m.FollowupsCreated, m.SubtasksCreated, m.MessagesSent,
		m.MessagesThrottled, m.MessagesFailed, m.MessagesSkipped, m.OutboxLag} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// RegisterQueueMetrics registers asynq's queue collector (queue sizes,
// latency, processed and failed counts, per queue) on reg. It reads Redis on
// every scrape.
func RegisterQueueMetrics(reg prometheus.Registerer, rdb redis.UniversalClient) error {
	c := asynqmetrics.NewQueueMetricsCollector(asynq.NewInspectorFromRedisClient(rdb))
	if err := reg.Register(c); err != nil {
		return fmt.Errorf("register queue metrics: %w", err)
	}
	return nil
}

func (m *Metrics) followupCreated() {
	if m != nil {
		m.FollowupsCreated.Inc()
	}
}

func (m *Metrics) subtasksCreated(n int) {
	if m != nil {
		m.SubtasksCreated.Add(float64(n))
	}
}

func (m *Metrics) messageSent() {
	if m != nil {
		m.MessagesSent.Inc()
	}
}

func (m *Metrics) messageThrottled() {
	if m != nil {
		m.MessagesThrottled.Inc()
	}
}

func (m *Metrics) messageFailed() {
	if m != nil {
		m.MessagesFailed.Inc()
	}
}

func (m *Metrics) messageSkipped() {
	if m != nil {
		m.MessagesSkipped.Inc()
	}
}

func (m *Metrics) outboxLag(seconds float64) {
	if m != nil {
		m.OutboxLag.Set(seconds)
	}
}
