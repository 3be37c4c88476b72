package jobs_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clubcrm/clubcrm/bot/telegramtest"
	"github.com/clubcrm/clubcrm/domain/chat"
	"github.com/clubcrm/clubcrm/domain/logtest"
	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/postgres/pgtest"
	"github.com/clubcrm/clubcrm/jobs"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

// BenchmarkWorkerScaling drains the same backlog (a burst of follow-ups, or
// several bulk calls' fan-outs) with 1, 2 and 3 workers, each with its own
// PostgreSQL pool and Redis client as a worker process has, and reports the
// rate and its ratio to k times the one-worker rate of the same run
// (docs/scaling.md). The workers share this process's CPUs: on a machine
// with fewer free cores than workers the ratio measures the machine.
func BenchmarkWorkerScaling(b *testing.B) {
	for _, kind := range []string{"followups", "fanout"} {
		b.Run(kind, func(b *testing.B) {
			for range b.N {
				var one float64
				for k := 1; k <= 3; k++ {
					rate := drainWith(b, kind, k)
					if k == 1 {
						one = rate
					}
					b.ReportMetric(rate, kind+"_per_s_"+string(rune('0'+k))+"w")
					if k > 1 {
						b.ReportMetric(rate/(float64(k)*one), "linearity_"+string(rune('0'+k))+"w")
					}
				}
			}
		})
	}
}

// drainWith builds a backlog, starts k workers and returns items per second.
func drainWith(b *testing.B, kind string, k int) float64 {
	b.Helper()
	e, items, done := scalingBacklog(b, kind)
	ctx, cancel := context.WithCancel(e.ctx)
	var wg sync.WaitGroup
	start := time.Now()
	for range k {
		opt, err := redis.ParseURL(redistest.URL())
		if err != nil {
			b.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		b.Cleanup(func() { rdb.Close() })
		d := e.deps
		d.DB = workerDB(b, e, 12)
		d.Redis = rdb
		d.Enqueuer = jobs.NewEnqueuer(rdb, e.q)
		d.Notifier = jobs.NewNotifier(d.DB, rdb, chat.NewRouter().Add(chat.Telegram, chat.DefaultBot, e.msgr), jobs.Limits{PerSecond: 1000, PerChatPerSecond: 1000, PerGroupPerMinute: 6000},
			e.q, d.Log, d.Clock)
		d.FanoutChunk = 500
		wg.Go(func() {
			if err := jobs.RunWorker(ctx, d, jobs.WorkerConfig{Concurrency: scalingEnvInt(b, "CLUBCRM_SCALING_CONCURRENCY", 10), ShutdownTimeout: 5 * time.Second}); err != nil {
				b.Error(err)
			}
		})
	}
	for !done() {
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	return float64(items) / elapsed.Seconds()
}

// scalingEnvInt reads a positive whole number that shapes the scaling
// benchmarks, or def when unset:
//
//   - CLUBCRM_SCALING_CONCURRENCY: each worker's WORKER_CONCURRENCY (10).
//   - CLUBCRM_SCALING_CLIENTS: the fan-out backlog's clients (18,000); a
//     larger one makes the drain's start and tail a smaller share of it.
//   - CLUBCRM_SCALING_BULKS: how many bulk calls share the fan-out backlog's
//     clients (6). One bulk call is one job that fans out chunk by
//     chunk, so a backlog of fewer bulk calls than one worker's concurrency
//     gives a second worker nothing to take: to measure the worker tier, the
//     backlog needs more bulk calls than 1 × concurrency.
//
// With a low concurrency and many bulk calls the worker tier, not the
// machine, bounds the rate, which is what "does a second worker process add
// capacity" asks on a machine whose cores PostgreSQL shares
// (docs/scaling.md).
func scalingEnvInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		b.Fatalf("%s=%q: want a whole number from 1 to 1,000,000", name, v)
	}
	return n
}

// scalingBacklog builds kind's backlog in an env of its own: 2,000 results
// whose rule creates a follow-up, or bulk calls (6 of 3,000 clients by default) to fan
// out. Nobody has a Telegram chat, so the jobs send nothing: this measures
// the jobs, not Telegram. done reports whether the backlog is drained.
func scalingBacklog(b *testing.B, kind string) (e *env, items int, done func() bool) {
	b.Helper()
	e = newEnv(b)
	pgtest.Exec(b, e.db, `DELETE FROM staff_identities`) // no messages: measure the jobs, not Telegram
	switch kind {
	case "followups":
		items = 2000
		for range items {
			e.record(e.call(e.alice.ID), "buy", e.alice)
		}
		done = func() bool {
			return e.count(`SELECT count(*) FROM tasks WHERE source_result_id IS NOT NULL`) == items
		}
	case "fanout":
		bulks := scalingEnvInt(b, "CLUBCRM_SCALING_BULKS", 6)
		clients := scalingEnvInt(b, "CLUBCRM_SCALING_CLIENTS", 18000) / bulks
		items = bulks * clients
		for range bulks {
			e.bulk(clients)
		}
		done = func() bool {
			return e.count(`SELECT count(*) FROM bulk_calls WHERE fanned_out_at IS NOT NULL`) == bulks
		}
	default:
		b.Fatalf("unknown backlog %q", kind)
	}
	return e, items, done
}

// BenchmarkWorkerProcesses is BenchmarkWorkerScaling with real worker
// processes: the clubcrm binary is built once, and 1, 2, then 3 `clubcrm
// worker` processes (WORKER_CONCURRENCY 10, their own pools and Redis
// clients, the Bot API the fake) drain the same backlog on loopback, once
// all of them are ready (drainProcesses); linearity_kp
// is the k-process rate over k times the one-process rate. The issue asks
// for ≥ 0.8; the processes share this machine's cores with PostgreSQL,
// Redis and each other, so on a machine with fewer free cores than
// processes the ratio measures the machine (docs/scaling.md).
//
//	go test ./jobs -run '^$' -bench WorkerProcesses -benchtime=1x -timeout 30m
func BenchmarkWorkerProcesses(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "clubcrm")
	build := exec.Command("go", "build", "-o", bin, "github.com/clubcrm/clubcrm/cmd/clubcrm")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, kind := range []string{"followups", "fanout"} {
		b.Run(kind, func(b *testing.B) {
			for range b.N {
				var one float64
				for k := 1; k <= 3; k++ {
					rate, busy, workerCores := drainProcesses(b, bin, kind, k)
					if k == 1 {
						one = rate
					}
					b.ReportMetric(rate, kind+"_per_s_"+strconv.Itoa(k)+"p")
					b.ReportMetric(busy, "machine_busy_"+strconv.Itoa(k)+"p")
					b.ReportMetric(workerCores, "worker_cores_"+strconv.Itoa(k)+"p")
					if k > 1 {
						b.ReportMetric(rate/(float64(k)*one), "linearity_"+strconv.Itoa(k)+"p")
					}
				}
			}
		})
	}
}

// drainProcesses builds kind's backlog, starts k worker processes on it
// and returns items per second. The backlog is held back (its outbox rows
// made due in a day) until every process answers /readyz and has had a
// second to start its asynq server and relay, so the processes' start-up,
// slow on a loaded machine, is not counted and no process joins late; the
// rate runs from releasing the backlog to its last item done. It also
// returns how busy the machine's CPUs were meanwhile (0..1, /proc/stat:
// every process on it, PostgreSQL and other tenants included) and how many
// cores the worker processes used meanwhile.
func drainProcesses(b *testing.B, bin, kind string, k int) (rate, busy, workerCores float64) {
	b.Helper()
	e, items, done := scalingBacklog(b, kind)
	pgtest.Exec(b, e.db, `UPDATE outbox SET available_at = now() + interval '1 day' WHERE completed_at IS NULL`)
	env := append(os.Environ(),
		"DATABASE_URL="+e.db.Pool().Config().ConnString(),
		"DATABASE_MAX_CONNS=12",
		"REDIS_URL="+redistest.URL(),
		"QUEUE_PREFIX="+e.q.Prefix,
		"WORKER_CONCURRENCY="+strconv.Itoa(scalingEnvInt(b, "CLUBCRM_SCALING_CONCURRENCY", 10)),
		"TELEGRAM_BOT_TOKEN="+telegramtest.Token,
		"TELEGRAM_API_URL="+e.tg.URL,
		"NOTIFY_RATE_PER_SECOND=1000", "NOTIFY_CHAT_RATE_PER_SECOND=1000", "NOTIFY_GROUP_RATE_PER_MINUTE=6000",
		"LOG_LEVEL=warn", "LOG_FORMAT=text",
	)
	var procs []*exec.Cmd
	var logs []*logtest.Buffer
	var addrs []string
	var budgets []*cpuBudget
	cores := scalingWorkerCPU(b)
	stop := func() {
		for _, p := range procs {
			_ = p.Process.Signal(syscall.SIGTERM)
		}
		for i, p := range procs {
			if err := p.Wait(); err != nil {
				b.Errorf("worker %d: %v\n%s", i, err, logs[i].String())
			}
		}
		for i, cg := range budgets {
			b.Logf("%s, %d processes: worker %d was held to %g cores in %d periods of 100 ms", kind, k, i, cores, cg.throttled())
			cg.release()
		}
	}
	for range k {
		addr := freeAddr(b)
		cmd := exec.Command(bin, "worker")
		cmd.Env = append(env, "HTTP_ADDR="+addr)
		out := &logtest.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			stop()
			b.Fatalf("start worker: %v", err)
		}
		procs, logs, addrs = append(procs, cmd), append(logs, out), append(addrs, addr)
		if cores > 0 {
			cg, err := newCPUBudget("clubcrm-bench-"+strconv.Itoa(cmd.Process.Pid), cores)
			if err == nil {
				budgets = append(budgets, cg)
				err = cg.add(cmd.Process.Pid)
			}
			if err != nil {
				stop()
				b.Fatalf("CLUBCRM_SCALING_WORKER_CPU: %v", err)
			}
		}
	}
	for i, addr := range addrs {
		if !ready(addr, 2*time.Minute) {
			stop()
			b.Fatalf("worker %d not ready at %s:\n%s", i, addr, logs[i].String())
		}
	}
	time.Sleep(time.Second)

	start := time.Now()
	cpu0, w0 := machineCPU(b), procsCPU(procs)
	pgtest.Exec(b, e.db, `UPDATE outbox SET available_at = now() WHERE completed_at IS NULL`)
	// Wake the relays as a committed write does, rather than leave them to
	// their next poll (up to a second, a tenth of a short drain).
	pgtest.Exec(b, e.db, `SELECT pg_notify($1, '')`, postgres.OutboxChannel)
	deadline := start.Add(10 * time.Minute)
	for !done() {
		if time.Now().After(deadline) {
			stop()
			b.Fatalf("%s with %d processes: not drained in 10 minutes", kind, k)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	cpu1, w1 := machineCPU(b), procsCPU(procs)
	stop()
	return float64(items) / elapsed.Seconds(), cpu1.busySince(cpu0), (w1 - w0) / elapsed.Seconds()
}

// procsCPU is the CPU time the processes have used, in seconds
// (/proc/<pid>/stat utime + stime, in USER_HZ ticks of 1/100 s).
func procsCPU(procs []*exec.Cmd) float64 {
	var ticks float64
	for _, p := range procs {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(p.Process.Pid) + "/stat")
		if err != nil {
			continue
		}
		_, rest, _ := strings.Cut(string(raw), ") ") // after the command name
		f := strings.Fields(rest)
		if len(f) > 12 {
			u, _ := strconv.ParseFloat(f[11], 64)
			s, _ := strconv.ParseFloat(f[12], 64)
			ticks += u + s
		}
	}
	return ticks / 100
}

// cpuTimes is the first line of /proc/stat: all CPUs' time, in ticks.
type cpuTimes struct{ total, idle float64 }

func machineCPU(b *testing.B) cpuTimes {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Logf("cpu: %v", err)
		return cpuTimes{}
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	var t cpuTimes
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseFloat(f, 64)
		t.total += v
		if i == 3 || i == 4 { // idle, iowait
			t.idle += v
		}
	}
	return t
}

// busySince is the share of CPU time spent busy between c0 and c.
func (c cpuTimes) busySince(c0 cpuTimes) float64 {
	if c.total <= c0.total {
		return 0
	}
	return 1 - (c.idle-c0.idle)/(c.total-c0.total)
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// ready polls a process's /readyz until it answers 200 or timeout passes.
func ready(addr string, timeout time.Duration) bool {
	c := &http.Client{Timeout: 2 * time.Second}
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		resp, err := c.Get("http://" + addr + "/readyz")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return true
		}
	}
	return false
}
