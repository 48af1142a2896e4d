package spawn_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"dev.proclab/internal/testsup"

	"dev.proclab/core"
	"dev.proclab/core/spawn"
)

// The test binary doubles as the worker: the supervisor re-executes it in its role.
func TestMain(m *testing.M) {
	core.RunIfChild(spawn.Roles)
	os.Exit(testsup.Run(m))
}

func newEngine(t *testing.T) (*spawn.Engine, *core.Supervisor) {
	t.Helper()
	s := testsup.New(t)
	return spawn.NewEngine(s, "spawn"), s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestPrimesAcrossWorkerProcessesEqualTheSingleProcessCount(t *testing.T) {
	e, sup := newEngine(t)
	primes := spawn.FindTask("primes")
	const size = 10_000_000
	var b spawn.Board
	o, err := e.Run(ctx(t), spawn.Job{Task: primes, Size: size, Workers: 3, Mode: spawn.Processes}, &b)
	if err != nil {
		t.Fatal(err)
	}
	if want := primes.Single(size); o.Result != want || o.Result.N != 664_579 {
		t.Fatalf("3 workers counted %d primes; a single process counts %d", o.Result.N, want.N)
	}
	pids := map[int]bool{}
	for _, w := range o.Workers {
		if w.State != spawn.WDone || w.PID <= 0 || w.PID == os.Getpid() || w.Done != w.Chunk.Len() || w.Spawn <= 0 {
			t.Fatalf("worker row after the run: %+v", w)
		}
		pids[w.PID] = true
	}
	if len(pids) != 3 {
		t.Fatalf("3 workers ran in %d processes", len(pids))
	}
	if o.AllReady <= 0 || o.AllReady > o.Wall {
		t.Fatalf("all-ready %v, wall %v", o.AllReady, o.Wall)
	}
	if n := sup.Running(); n != 0 {
		t.Fatalf("%d workers still running after the run", n)
	}
	for _, c := range sup.List() {
		if c.Group != "spawn" || c.State != core.Exited || c.Reason != "terminated (pool closed: every result is in)" {
			t.Fatalf("worker ended %s (%s) in group %q", c.State, c.Reason, c.Group)
		}
	}
}

func TestGoroutinesAgreeWithProcesses(t *testing.T) {
	e, _ := newEngine(t)
	for _, task := range spawn.Tasks {
		size := map[string]int64{"primes": 2_000_000, "pi": 2_000_000, "collatz": 300_000}[task.Name]
		p, err := e.Run(ctx(t), spawn.Job{Task: task, Size: size, Workers: 2, Mode: spawn.Processes}, nil)
		if err != nil {
			t.Fatal(err)
		}
		g, err := e.Run(ctx(t), spawn.Job{Task: task, Size: size, Workers: 2, Mode: spawn.Goroutines}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if mean, _ := p.SpawnPerWorker(); mean <= 0 || len(p.Workers) != 2 {
			t.Fatalf("a run without a board lost its worker rows: %+v", p.Workers)
		}
		if p.Result != g.Result || p.Result != task.Single(size) {
			t.Fatalf("%s: processes %+v, goroutines %+v, single %+v", task.Name, p.Result, g.Result, task.Single(size))
		}
	}
}

func TestCancelStopsEveryWorkerAtOnce(t *testing.T) {
	e, sup := newEngine(t)
	var b spawn.Board
	c, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(c, spawn.Job{Task: spawn.FindTask("pi"), Size: 1_000_000_000_000, Workers: 3, Mode: spawn.Processes}, &b)
		done <- err
	}()
	// Cancel once every worker is computing.
	var pids []int
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		pids = pids[:0]
		for _, w := range b.Snapshot().Workers {
			if w.State == spawn.WComputing && w.Done > 0 {
				pids = append(pids, w.PID)
			}
		}
		if len(pids) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("workers never started computing")
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run returned %v", err)
	}
	if n := sup.Running(); n != 0 {
		t.Fatalf("%d workers still running after cancel", n)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Fatalf("worker PID %d still exists after cancel", pid)
		}
	}
	for _, i := range sup.List() {
		if i.State != core.Killed || !strings.Contains(i.Reason, "cancelled") {
			t.Fatalf("worker ended %s (%q), want killed: run cancelled", i.State, i.Reason)
		}
	}
	for _, w := range b.Snapshot().Workers {
		if w.State != spawn.WCancelled {
			t.Fatalf("row %d shows %q after cancel", w.Index, w.State)
		}
	}
}

func TestCancelStopsGoroutinesToo(t *testing.T) {
	e, _ := newEngine(t)
	c, cancel := context.WithCancel(ctx(t))
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := e.Run(c, spawn.Job{Task: spawn.FindTask("pi"), Size: 1_000_000_000_000, Workers: 2, Mode: spawn.Goroutines}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled goroutine run returned %v", err)
	}
}

// A size past the task's limit (the sieve would need √size bytes per worker, 3 GB for
// 9·10¹⁸) is refused before any worker starts.
func TestASizePastTheTasksLimitIsRefused(t *testing.T) {
	e, sup := newEngine(t)
	for _, task := range spawn.Tasks {
		_, err := e.Run(ctx(t), spawn.Job{Task: task, Size: task.MaxSize + 1, Workers: 2, Mode: spawn.Processes}, nil)
		if err == nil || !strings.Contains(err.Error(), "enter at most") {
			t.Errorf("%s of size %d: %v", task.Name, task.MaxSize+1, err)
		}
	}
	if n := len(sup.List()); n != 0 {
		t.Errorf("%d workers started for sizes that were refused", n)
	}
}

// Python's Pool hangs forever when a worker is killed; a run here fails and says why.
func TestAWorkerKilledMidRunFailsTheRunInsteadOfHanging(t *testing.T) {
	e, sup := newEngine(t)
	var b spawn.Board
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(ctx(t), spawn.Job{Task: spawn.FindTask("pi"), Size: 1_000_000_000_000, Workers: 2, Mode: spawn.Processes}, &b)
		done <- err
	}()
	var victim string
	for deadline := time.Now().Add(30 * time.Second); victim == ""; time.Sleep(10 * time.Millisecond) {
		if ws := b.Snapshot().Workers; len(ws) == 2 && ws[1].State == spawn.WComputing {
			victim = ws[1].ChildID
		}
		if time.Now().After(deadline) {
			t.Fatal("workers never started computing")
		}
	}
	sup.Kill(victim)
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "worker 2 of 2") || !strings.Contains(err.Error(), "killed by user") {
		t.Fatalf("run with a killed worker returned %v", err)
	}
	if n := sup.Running(); n != 0 {
		t.Fatalf("%d workers still running", n)
	}
}

func TestStartChecksAgainstASingleProcessAndSweepMeasuresSpeedup(t *testing.T) {
	e, sup := newEngine(t)
	primes := spawn.FindTask("primes")
	var b spawn.Board
	r, err := e.Start(ctx(t), spawn.Job{Task: primes, Size: 3_000_000, Workers: 2, Mode: spawn.Processes}, true, &b)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Match() || r.Reference.Job.Workers != 1 || r.Goroutines == nil || r.Speedup() <= 0 || r.GoSpeedup() <= 0 {
		t.Fatalf("report: match %v, reference %d workers, goroutines %v, speedups %.2f %.2f",
			r.Match(), r.Reference.Job.Workers, r.Goroutines != nil, r.Speedup(), r.GoSpeedup())
	}
	if ws := b.Snapshot().Workers; len(ws) != 2 || ws[0].PID == os.Getpid() {
		t.Fatalf("the board should end on the 2 worker processes: %+v", ws)
	}
	b.Reset()
	pts, err := e.Sweep(ctx(t), primes, 3_000_000, 3, true, &b)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		n int
		m spawn.Mode
	}{{1, spawn.Processes}, {2, spawn.Processes}, {3, spawn.Processes}, {1, spawn.Goroutines}, {2, spawn.Goroutines}, {3, spawn.Goroutines}}
	if len(pts) != len(want) {
		t.Fatalf("sweep gave %d points, want %d", len(pts), len(want))
	}
	for i, p := range pts {
		if p.Workers != want[i].n || p.Mode != want[i].m || !p.Match || p.Speedup <= 0 {
			t.Fatalf("point %d: %+v", i, p)
		}
		if p.Workers == 1 && p.Speedup != 1 {
			t.Fatalf("one worker's speedup over itself is %.3f", p.Speedup)
		}
		if p.Mode == spawn.Processes && p.Spawn <= 0 {
			t.Fatalf("process point without a spawn time: %+v", p)
		}
	}
	if ws := b.Snapshot().Workers; len(ws) != 3 || ws[0].PID == os.Getpid() {
		t.Fatalf("the board should end on the 3 worker processes: %+v", ws)
	}
	if len(b.Snapshot().Points) != len(pts) {
		t.Fatal("the board did not collect the sweep's points")
	}
	if n := sup.Running(); n != 0 {
		t.Fatalf("%d workers still running", n)
	}
}
