package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/jobstest"
)

// bulk creates a bulk call of n new clients by the manager, assigned to
// Alice, with a progress message in the manager's chat.
func (e *env) bulk(n int) (domain.Task, int64) {
	e.t.Helper()
	msgID, err := e.msgr.Send(e.ctx, chat.TelegramAddress(chat.DefaultBot, managerChat), chat.Message{Text: "Creating the bulk call…"})
	if err != nil {
		e.t.Fatalf("progress message: %v", err)
	}
	due := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	remind := due.Add(-time.Hour)
	task, err := e.db.TaskCreate(e.ctx, postgres.TaskCreateInput{ClubID: e.club.ID, TemplateID: e.tmpl["bulk_call"],
		Title: "Call lapsed clients", ClientIDs: e.clients(n), AuthorID: e.manager.ID, AssigneeID: e.alice.ID,
		DueAt: &due, RemindAt: &remind, ProgressChat: chat.TelegramAddress(chat.DefaultBot, managerChat), ProgressMessageID: msgID})
	if err != nil {
		e.t.Fatalf("bulk call: %v", err)
	}
	return task, msgID
}

// checkFanout asserts a bulk call has exactly one subtask per client, with
// the bulk call's assignee and due and no reminder of its own (the bulk
// call's reminds once), and records it as finished.
func (e *env) checkFanout(bulk domain.Task, n int) {
	e.t.Helper()
	if got := e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID); got != n {
		e.t.Errorf("subtasks = %d, want %d", got, n)
	}
	if got := e.count(`
SELECT count(*) FROM bulk_call_clients b
WHERE b.task_id = $1 AND NOT EXISTS (SELECT 1 FROM tasks s WHERE s.parent_id = b.task_id AND s.client_id = b.client_id)`, bulk.ID); got != 0 {
		e.t.Errorf("%d clients have no subtask", got)
	}
	if got := e.count(`
SELECT count(*) FROM tasks s JOIN tasks p ON p.id = s.parent_id
WHERE s.parent_id = $1 AND s.task_type = 'personal_call' AND s.template_id = $2 AND s.title = p.title
  AND s.assignee_id = p.assignee_id AND s.author_id = p.author_id AND s.due_at = p.due_at AND s.remind_at IS NULL
  AND s.status = 'new'`, bulk.ID, e.tmpl["personal_call"]); got != n {
		e.t.Errorf("subtasks like their bulk call = %d, want %d", got, n)
	}
	if got := e.count(`SELECT count(*) FROM bulk_calls WHERE task_id = $1 AND created = $2 AND fanned_out_at IS NOT NULL`, bulk.ID, n); got != 1 {
		e.t.Errorf("bulk_calls not finished with created = %d", n)
	}
}

func TestFanoutCreatesOneSubtaskPerClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deps.FanoutChunk = 7
	e.mux = jobs.NewMux(e.deps)
	bulk, msgID := e.bulk(25)
	row := e.claim(domain.OutboxBulkCreated)[0]
	e.mustProcess(row)
	e.checkFanout(bulk, 25)
	e.mustProcess(row) // a duplicate delivery changes nothing
	e.checkFanout(bulk, 25)

	m, ok := e.tg.LastSent(managerChat)
	if !ok || m.ID != msgID || !strings.Contains(m.Text, "25 calls created") {
		t.Errorf("progress message = %d %q, want %d saying 25 calls created", m.ID, m.Text, msgID)
	}
	if n := len(e.sent(aliceChat)); n != 0 {
		t.Errorf("Alice got %d messages for the subtasks; the bulk call's own notice is enough", n)
	}
}

// A fan-out stopped mid-way (its context cancelled while chunks commit, as
// on shutdown or a lost lease) and run again ends with exactly N subtasks.
func TestFanoutResumesAfterCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deps.FanoutChunk = 100
	e.mux = jobs.NewMux(e.deps)
	const n = 3000
	bulk, _ := e.bulk(n)
	row := e.claim(domain.OutboxBulkCreated)[0]

	ctx, cancel := context.WithCancel(e.ctx)
	go func() { // cancel once some chunks have committed
		for e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID) < 500 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	err := e.mux.ProcessTask(ctx, e.task(row))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled fan-out: err = %v, want context.Canceled", err)
	}
	created := e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID)
	if created >= n || created%100 != 0 {
		t.Fatalf("after the cancel %d subtasks exist, want a whole number of chunks short of %d", created, n)
	}
	if got := e.count(`SELECT created FROM bulk_calls WHERE task_id = $1`, bulk.ID); got != created {
		t.Errorf("bulk_calls.created = %d, subtasks = %d", got, created)
	}
	e.mustProcess(row)
	e.checkFanout(bulk, n)
}

// Two workers fanning out the same bulk call at once (a re-hand while the
// first still runs) end with exactly N subtasks.
func TestFanoutConcurrentRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deps.FanoutChunk = 50
	e.mux = jobs.NewMux(e.deps)
	bulk, _ := e.bulk(1000)
	row := e.claim(domain.OutboxBulkCreated)[0]
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := e.process(row); err != nil {
				t.Errorf("process: %v", err)
			}
		})
	}
	wg.Wait()
	e.checkFanout(bulk, 1000)
}

func TestFanoutGoneOrCancelled(t *testing.T) {
	t.Parallel()
	t.Run("deleted bulk call", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		bulk, _ := e.bulk(3)
		pgtest.Exec(t, e.db, `UPDATE tasks SET deleted_at = now() WHERE id = $1`, bulk.ID)
		err := e.process(e.claim(domain.OutboxBulkCreated)[0])
		if !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("err = %v, want SkipRetry", err)
		}
		if n := e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID); n != 0 {
			t.Errorf("subtasks = %d, want 0", n)
		}
	})
	t.Run("cancelled bulk call", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		bulk, _ := e.bulk(3)
		pgtest.Exec(t, e.db, `UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, bulk.ID)
		e.mustProcess(e.claim(domain.OutboxBulkCreated)[0])
		if n := e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID); n != 0 {
			t.Errorf("subtasks = %d, want 0", n)
		}
		if n := e.count(`SELECT count(*) FROM bulk_calls WHERE task_id = $1 AND fanned_out_at IS NOT NULL`, bulk.ID); n != 1 {
			t.Errorf("fan-out not closed")
		}
	})
	t.Run("no personal-call template", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		bulk, _ := e.bulk(3)
		pgtest.Exec(t, e.db, `UPDATE templates SET archived_at = now() WHERE id = $1`, e.tmpl["personal_call"])
		if err := e.process(e.claim(domain.OutboxBulkCreated)[0]); !errors.Is(err, asynq.SkipRetry) {
			t.Fatalf("err = %v, want SkipRetry", err)
		}
		if n := e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID); n != 0 {
			t.Errorf("subtasks = %d, want 0", n)
		}
	})
}

// The bulk call follows its subtasks: in progress once one is closed, done
// when all are; its progress message shows the counts by result.
func TestBulkStatusFollowsSubtasks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bulk, _ := e.bulk(3)
	e.mustProcess(e.claim(domain.OutboxBulkCreated)[0])
	subs := e.subtasks(bulk.ID)

	status := func() string {
		var s string
		if err := e.db.Pool().QueryRow(e.ctx, `SELECT status FROM tasks WHERE id = $1`, bulk.ID).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for i, key := range []string{"think", "buy", "think"} {
		e.record(subs[i], key, e.alice)
		for _, row := range e.claim(domain.OutboxResultRecorded) {
			e.mustProcess(row)
		}
		want := "in_progress"
		if i == 2 {
			want = "done"
		}
		if got := status(); got != want {
			t.Errorf("after %d closed: bulk call %s, want %s", i+1, got, want)
		}
	}
	s, err := e.db.BulkStatusGet(e.ctx, e.club.ID, bulk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Done != 3 || s.Open != 0 || len(s.ByResult) != 2 || s.ByResult[0].Name != "Result think" || s.ByResult[0].Count != 2 {
		t.Errorf("status = %+v", s)
	}

	// The progress refresh job (queued by the result jobs) edits the message.
	payload, _ := json.Marshal(jobs.BulkProgressPayload{ClubID: e.club.ID, TaskID: bulk.ID})
	refresh := asynq.NewTask(jobs.TypeBulkProgress, payload)
	if err := e.mux.ProcessTask(e.ctx, refresh); err != nil {
		t.Fatal(err)
	}
	m, _ := e.tg.LastSent(managerChat)
	for _, want := range []string{"is finished", "Result think: 2", "Result buy: 1"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("progress message %q lacks %q", m.Text, want)
		}
	}
	if n := pending(t, e.rdb, e.q.Default()); n == 0 {
		t.Errorf("no progress refresh was queued")
	}
}

func (e *env) subtasks(bulkID int64) []domain.Task {
	e.t.Helper()
	rows, err := e.db.Pool().Query(e.ctx, `SELECT id FROM tasks WHERE parent_id = $1 ORDER BY client_id`, bulkID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []domain.Task
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, domain.Task{ID: id})
	}
	return out
}

// A worker killed mid fan-out (kill -9: no shutdown, no requeue, its asynq
// task left active under a lease nobody extends) is resumed by the next
// worker's relay as soon as the fan-out's heartbeat is stale, not after
// asynq's lease, recoverer tick and retry delay; the resumed run says so in
// the log and the progress message, and the fan-out ends exactly once.
func TestFanoutResumesAfterWorkerKilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deps.FanoutChunk = 50
	const n = 3000
	bulk, msgID := e.bulk(n)

	// The doomed worker: an asynq server with its own database pool and its
	// own Redis client, through a proxy, so that cutting both off stops it
	// as a kill would.
	single, ok := e.rdb.(*redis.Client)
	if !ok {
		t.Fatalf("this test cuts one Redis node off; the world has %T", e.rdb)
	}
	proxy := newTCPProxy(t, single.Options().Addr)
	optA := *single.Options()
	optA.Addr = proxy.addr()
	rdbA := redis.NewClient(&optA)
	t.Cleanup(func() { rdbA.Close() })
	dbA, err := postgres.Open(e.ctx, e.db.Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	depsA := e.deps
	depsA.DB, depsA.Redis = dbA, rdbA
	depsA.Enqueuer = jobs.NewEnqueuer(rdbA, e.q)
	depsA.Notifier = jobs.NewNotifier(dbA, rdbA, chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, e.msgr), jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000},
		e.q, e.deps.Log, e.deps.Clock)
	srvA := jobs.NewServer(rdbA, e.q, 1, time.Second, slog.New(slog.DiscardHandler))
	if err := srvA.Start(jobs.NewMux(depsA)); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.NewRelay(e.deps, jobs.RelayConfig{}).RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	jobstest.Eventually(t, patience, "some chunks to commit", func() bool {
		return e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID) >= 500
	})
	proxy.kill()
	dbA.Close()
	t.Cleanup(srvA.Shutdown)
	created := e.count(`SELECT count(*) FROM tasks WHERE parent_id = $1`, bulk.ID)
	if created >= n {
		t.Fatalf("the fan-out finished (%d subtasks) before the kill", created)
	}
	ins := asynq.NewInspectorFromRedisClient(e.rdb)
	if active, err := ins.ListActiveTasks(e.q.Bulk()); err != nil || len(active) != 1 {
		t.Fatalf("after the kill %d fan-out jobs are active (%v), want the dead worker's one", len(active), err)
	}

	// A new worker. Its relay looks for stalled fan-outs every 100ms and
	// takes one for dead after 3 s without a chunk.
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() {
		done <- jobs.RunWorker(ctx, e.deps, jobs.WorkerConfig{Concurrency: 2, ShutdownTimeout: time.Second,
			Relay: jobs.RelayConfig{PollInterval: 50 * time.Millisecond, FanoutStallAfter: 3 * time.Second, FanoutStallCheck: 100 * time.Millisecond}})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	jobstest.Eventually(t, patience, "the fan-out to finish", func() bool {
		return e.count(`SELECT count(*) FROM bulk_calls WHERE task_id = $1 AND fanned_out_at IS NOT NULL`, bulk.ID) == 1
	})
	e.checkFanout(bulk, n)
	jobstest.Eventually(t, patience, "the bulk call's outbox row to complete", func() bool {
		return e.count(`SELECT count(*) FROM outbox WHERE kind = $1 AND completed_at IS NULL`, domain.OutboxBulkCreated) == 0
	})
	// One resume; a second is possible (and harmless) only if the first
	// itself went 3 s without a chunk on a loaded machine.
	if lines := e.logs.Lines("resuming fan-out", "created_before="); len(lines) == 0 {
		t.Errorf("no 'resuming fan-out' line with counts")
	}
	var said bool
	for _, c := range e.tg.CallsTo("editMessageText") {
		if c.ChatID() == managerChat && strings.Contains(c.Text(), "resuming") {
			said = true
		}
	}
	if !said {
		t.Errorf("the progress message never said the fan-out was resuming")
	}
	if m, ok := e.tg.LastSent(managerChat); !ok || m.ID != msgID || !strings.Contains(m.Text, "3000 calls created") {
		t.Errorf("progress message = %d %q, want %d saying 3000 calls created", m.ID, m.Text, msgID)
	}
}

// tcpProxy forwards connections to a server until kill cuts them all.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	t.Cleanup(p.kill)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

// kill stops accepting and cuts every connection.
func (p *tcpProxy) kill() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
