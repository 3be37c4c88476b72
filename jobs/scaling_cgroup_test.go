package jobs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cpuBudget puts a process under a CPU quota of its own: a cgroup with
// cores × 100 ms of CPU time per 100 ms period, whatever the process's
// thread count. The scaling benchmarks use it (CLUBCRM_SCALING_WORKER_CPU)
// to give each worker process the share of a core it would have on a
// machine of its own, so that on a machine with fewer cores than processes,
// PostgreSQL and Redis beside them, the worker tier rather than the machine
// bounds the rate: what "does another worker process add capacity" asks.
//
// It needs root and the cpu controller, as cgroup v1 (/sys/fs/cgroup/cpu)
// or v2 (cpu.max); the benchmark fails with the reason where neither is
// writable. release removes the group once the process has exited.
type cpuBudget struct {
	dir string
}

// newCPUBudget makes an empty group with the quota, named after name.
func newCPUBudget(name string, cores float64) (*cpuBudget, error) {
	const period = 100_000 // µs
	quota := int(cores * period)
	if quota < 1000 {
		return nil, fmt.Errorf("cpu budget %.3f cores: the least quota is 1 ms per 100 ms (0.01 cores)", cores)
	}
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		// A child group has cpu.max only when the root hands the cpu
		// controller down (cgroup.subtree_control), which it may not yet.
		sub := "/sys/fs/cgroup/cgroup.subtree_control"
		if on, _ := os.ReadFile(sub); !strings.Contains(" "+strings.TrimSpace(string(on))+" ", " cpu ") {
			if err := os.WriteFile(sub, []byte("+cpu"), 0o644); err != nil {
				return nil, fmt.Errorf("cgroup v2: enable the cpu controller for child groups: %w", err)
			}
		}
		dir := filepath.Join("/sys/fs/cgroup", name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cgroup v2: %w", err)
		}
		b := &cpuBudget{dir: dir}
		if err := os.WriteFile(filepath.Join(dir, "cpu.max"), []byte(strconv.Itoa(quota)+" "+strconv.Itoa(period)), 0o644); err != nil {
			b.release()
			return nil, fmt.Errorf("cgroup v2 cpu.max: %w", err)
		}
		return b, nil
	}
	dir := filepath.Join("/sys/fs/cgroup/cpu", name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cgroup v1 cpu: %w", err)
	}
	b := &cpuBudget{dir: dir}
	for file, v := range map[string]int{"cpu.cfs_period_us": period, "cpu.cfs_quota_us": quota} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(strconv.Itoa(v)), 0o644); err != nil {
			b.release()
			return nil, fmt.Errorf("cgroup v1 %s: %w", file, err)
		}
	}
	return b, nil
}

// add moves the process pid, all its threads, into the group.
func (b *cpuBudget) add(pid int) error {
	if err := os.WriteFile(filepath.Join(b.dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return fmt.Errorf("cgroup %s: add %d: %w", b.dir, pid, err)
	}
	return nil
}

// throttled is how many of the group's periods ran out of quota: a budget
// that never binds measures nothing.
func (b *cpuBudget) throttled() int {
	raw, err := os.ReadFile(filepath.Join(b.dir, "cpu.stat"))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "nr_throttled" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return -1
}

// release removes the group; the process in it must have exited.
func (b *cpuBudget) release() {
	_ = os.Remove(b.dir)
}

// scalingWorkerCPU is CLUBCRM_SCALING_WORKER_CPU: each worker process's CPU
// budget in cores (0.15 is 15 ms a 100 ms), or 0 (none) when unset.
func scalingWorkerCPU(b *testing.B) float64 {
	v := os.Getenv("CLUBCRM_SCALING_WORKER_CPU")
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0.01 || f > 64 {
		b.Fatalf("CLUBCRM_SCALING_WORKER_CPU=%q: want cores per worker process, from 0.01", v)
	}
	return f
}
