package jobs_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/jobstest"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// The worker role runs unchanged on Sentinel and on a Cluster: the relay
// hands rows to asynq, the server runs follow-ups and a fan-out, the
// notifier's limiter paces the notices, and asynqmon and the queue metrics
// read the queues. A focused set per topology; the single-node topology has
// the full suite.
func TestWorkerOnEveryTopology(t *testing.T) {
	t.Parallel()
	for _, topo := range []redistest.Topology{redistest.Sentinel, redistest.Cluster} {
		t.Run(string(topo), func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, topo)
			reg := prometheus.NewRegistry()
			if err := jobs.RegisterQueueMetrics(reg, e.rdb); err != nil {
				t.Fatal(err)
			}
			e.deps.Notifier = jobs.NewNotifier(e.db, e.rdb, chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, e.msgr), jobs.TelegramLimits, e.q, e.deps.Log, e.deps.Clock)
			ctx, cancel := context.WithCancel(e.ctx)
			done := make(chan error)
			go func() {
				done <- jobs.RunWorker(ctx, e.deps, jobs.WorkerConfig{Concurrency: 4, ShutdownTimeout: 5 * time.Second})
			}()

			call := e.call(e.alice.ID)
			rec := e.record(call, "buy", e.alice)
			bulk, _ := e.bulk(200)
			jobstest.Eventually(t, patience, "the follow-up, the fan-out and the notices", func() bool {
				return e.count(`SELECT count(*) FROM tasks WHERE source_result_id = $1`, rec.TaskResultID) == 1 &&
					e.count(`SELECT count(*) FROM outbox WHERE completed_at IS NULL`) == 0 && len(e.sent(aliceChat)) >= 2
			})

			// asynqmon and the queue metrics see this test's queues.
			mux := http.NewServeMux()
			mux.Handle("/monitoring/", jobs.MonitoringHandler(e.rdb, "/monitoring"))
			srv := httptest.NewServer(mux)
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/monitoring/api/queues")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), e.q.Critical()) {
				t.Errorf("asynqmon queues: %d %s, want %s listed", resp.StatusCode, body, e.q.Critical())
			}
			families, err := reg.Gather()
			if err != nil {
				t.Fatalf("queue metrics: %v", err)
			}
			found := false
			for _, f := range families {
				for _, m := range f.GetMetric() {
					for _, l := range m.GetLabel() {
						found = found || (f.GetName() == "asynq_tasks_processed_total" && l.GetValue() == e.q.Critical())
					}
				}
			}
			if !found {
				t.Errorf("no asynq_tasks_processed_total series for %s", e.q.Critical())
			}

			cancel()
			if err := <-done; err != nil {
				t.Fatalf("worker: %v", err)
			}
			e.checkFanout(bulk, 200)
			if n := len(e.logs.Lines("level=ERROR")); n != 0 {
				t.Errorf("errors logged:\n%s", strings.Join(e.logs.Lines("level=ERROR"), "\n"))
			}
		})
	}
}
