package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"dev.proclab/core"
	"dev.proclab/core/procmon"
	"dev.proclab/core/spawn"
)

func newSpawnTest(t *testing.T) *spawnView {
	env := newTestEnv(t)
	var v *spawnView
	onUI(env, func() {
		v = newSpawnView(env)
		env.Window.SetContent(v.content())
	})
	return v
}

func TestSpawnTabStartShowsWorkersResultCheckAndSpeedup(t *testing.T) {
	v := newSpawnTest(t)
	onUI(v.env, func() {
		v.task.SetSelectedIndex(0)
		v.size.SetText("50,000,000") // long enough to time (see shortRun)
		v.workers.SetSelected("3")
		v.compare.SetChecked(true)
		test.Tap(v.start)
	})
	eventually(t, "the run to finish", func() bool { return !v.running() })
	uiSerial.Lock()
	defer uiSerial.Unlock()
	v.tick()
	if rows, _ := v.table.Length(); rows != 3 {
		t.Fatalf("%d worker rows, want 3", rows)
	}
	pids := map[string]bool{}
	for r := range 3 {
		pid := cellText(v.table, r, 1)
		if n, _ := strconv.Atoi(pid); n <= 0 {
			t.Fatalf("row %d PID %q", r, pid)
		}
		pids[pid] = true
		if res := cellText(v.table, r, 4); !strings.HasSuffix(res, " primes") {
			t.Fatalf("row %d result %q", r, res)
		}
	}
	if len(pids) != 3 {
		t.Fatalf("3 workers in %d processes", len(pids))
	}
	if v.resResult.Text != "3,001,134 primes below 50,000,000" {
		t.Fatalf("result %q", v.resResult.Text)
	}
	if !strings.HasPrefix(v.resCheck.Text, "✓") {
		t.Fatalf("check %q", v.resCheck.Text)
	}
	if !strings.Contains(v.resSpawn.Text, "ms per process") || !strings.Contains(v.resSpeedup.Text, "× with 3 processes") ||
		!strings.Contains(v.resSpeedup.Text, "with goroutines") {
		t.Fatalf("spawn %q, speedup %q", v.resSpawn.Text, v.resSpeedup.Text)
	}
	for _, c := range v.env.Sup.List() {
		if c.Group != "spawn" || c.State != core.Exited {
			t.Fatalf("worker %s ended %s: %s", c.Label, c.State, c.Reason)
		}
	}
}

func TestSpawnTabSweepChartsEveryCountAndCancelStopsAll(t *testing.T) {
	v := newSpawnTest(t)
	ui := func(fn func()) { onUI(v.env, fn) }
	ui(func() {
		v.task.SetSelectedIndex(2) // Collatz
		v.size.SetText("200k")
		v.workers.SetSelected("3")
		test.Tap(v.sweep)
	})
	eventually(t, "the sweep to finish", func() bool { return !v.running() })
	// The last result reaches the chart on a tick: poll, as the window would.
	uiEventually(t, v.env, "every sweep point on the chart", func() bool {
		v.tick()
		v.chart.mu.Lock()
		defer v.chart.mu.Unlock()
		return len(v.chart.points) == 6 // 1, 2, 3 workers, processes and goroutines
	})
	ui(func() {
		if !strings.HasPrefix(v.resCheck.Text, "✓") || !strings.Contains(v.phase.Text, "Sweep done") {
			t.Fatalf("check %q, phase %q", v.resCheck.Text, v.phase.Text)
		}
		v.size.SetText("1G") // the same task (Collatz, at most 1G), far too big to finish here
		v.workers.SetSelected("2")
		test.Tap(v.start)
	})
	uiEventually(t, v.env, "workers computing", func() bool {
		v.tick()
		return len(v.rows) == 1 && v.rows[0].Done > 0 // the single-process reference at work
	})
	ui(func() {
		if got := cellText(v.table, 0, 0); got != "ref" {
			t.Errorf("the reference run's row is labelled %q, want ref", got)
		}
	})
	ui(func() { test.Tap(v.cancel) })
	eventually(t, "the cancel", func() bool { return !v.running() })
	if n := v.env.Sup.Running(); n != 0 {
		t.Fatalf("%d workers still running after Cancel", n)
	}
	ui(func() {
		if !strings.HasPrefix(v.phase.Text, "Cancelled") {
			t.Fatalf("phase %q", v.phase.Text)
		}
		v.tick()
		v.chart.mu.Lock()
		defer v.chart.mu.Unlock()
		if len(v.chart.points) != 6 {
			t.Errorf("after a Start the chart holds %d points; the last sweep's 6 should stay", len(v.chart.points))
		}
	})
	// Another task: the chart, the table and the results were the last task's.
	ui(func() {
		v.task.SetSelectedIndex(1)
		v.tick()
		v.chart.mu.Lock()
		defer v.chart.mu.Unlock()
		if len(v.chart.points) != 0 || len(v.rows) != 0 || v.resResult.Text != "–" {
			t.Errorf("after picking another task: %d chart points, %d rows, result %q", len(v.chart.points), len(v.rows), v.resResult.Text)
		}
	})
}

func TestSpawnTabRefusesSizesItCannotTakeAndTimesNoTinyRun(t *testing.T) {
	// Any run of size 2 counts as tiny here: under -race on a busy machine its start-up
	// alone can pass 20 ms.
	defer func(d time.Duration) { shortRun = d }(shortRun)
	shortRun = time.Hour
	v := newSpawnTest(t)
	ui := func(fn func()) { onUI(v.env, fn) }
	ui(func() {
		v.task.SetSelectedIndex(0)
		v.workers.SetSelected("2")
		for in, want := range map[string]string{
			"9000000000000000000":  "is more than Count primes takes: enter at most 1,000,000,000,000",
			"99999999999999999999": "is too large",
		} {
			v.size.SetText(in)
			test.Tap(v.start)
			if v.running() || !strings.Contains(v.phase.Text, want) {
				t.Errorf("size %s: running %v, phase %q; want %q", in, v.running(), v.phase.Text, want)
			}
		}
		v.size.SetText("2")
		test.Tap(v.start)
	})
	eventually(t, "the tiny run to finish", func() bool { return !v.running() })
	ui(func() {
		if !strings.HasPrefix(v.resSpeedup.Text, "not measured: one process took") || strings.Contains(v.resSpeedup.Text, "×") {
			t.Errorf("speedup of a run of size 2: %q", v.resSpeedup.Text)
		}
	})
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1,000": 1000, "2_000_000": 2_000_000, "500M": 500_000_000, "2G": 2_000_000_000, " 7k ": 7000} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "-5", "0", "1.5M"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

// A long job says about how long is left, from its slowest worker, once it is 2 s in.
func TestSpawnTabEstimatesTimeLeft(t *testing.T) {
	v := &spawnView{jobStart: time.Now().Add(-3 * time.Second)}
	v.rows = []spawn.Worker{{Chunk: spawn.Chunk{Lo: 0, Hi: 100}, Done: 25}, {Chunk: spawn.Chunk{Lo: 100, Hi: 200}, Done: 50}}
	if got := v.timeLeft(); got != " · about 9 s left" {
		t.Errorf("a quarter done in 3 s: %q, want about 9 s left", got)
	}
	v.jobStart = time.Now()
	if got := v.timeLeft(); got != "" {
		t.Errorf("just started: %q, want nothing yet", got)
	}
}

func TestSpawnChartAxisFollowsThePickedWorkerCountBeforeASweep(t *testing.T) {
	v := newSpawnTest(t)
	ticks := func() []string {
		var got []string
		for _, o := range test.WidgetRenderer(v.chart).Objects() {
			if txt, ok := o.(*canvas.Text); ok {
				if _, err := strconv.Atoi(txt.Text); err == nil {
					got = append(got, txt.Text)
				}
			}
		}
		return got
	}
	onUI(v.env, func() { v.workers.SetSelected("8") })
	uiSerial.Lock()
	defer uiSerial.Unlock()
	if got, want := strings.Join(ticks(), " "), "1 2 4 8"; got != want {
		t.Fatalf("x axis before a sweep of 8 workers reads %q, want %q", got, want)
	}
	// Mid-sweep, with points for 1 and 2 workers only, it still runs to 8.
	v.chart.SetPoints([]spawn.Point{{Workers: 1, Speedup: 1}, {Workers: 2, Speedup: 1.9}}, 2)
	if got, want := strings.Join(ticks(), " "), "1 2 4 8"; got != want {
		t.Fatalf("x axis mid-sweep reads %q, want %q", got, want)
	}
}

// A busy loop from the Kill tab takes a CPU the run would have had: the result says so.
func TestSpawnTabWarnsOfOtherLoad(t *testing.T) {
	v := newSpawnTest(t)
	v.env.Mon = procmon.NewMonitor(v.env.Sup, 200*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go v.env.Mon.Run(ctx)
	busy, err := v.env.Sup.Start(core.Spec{Role: "busy", Group: killGroup})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Kill("test over")
	eventually(t, "the monitor to see the busy loop", func() bool { n, ok := v.env.Mon.Others(); return ok && n >= 0.5 })
	onUI(v.env, func() {
		v.size.SetText("1,000,000")
		v.workers.SetSelected("2")
		test.Tap(v.start)
	})
	eventually(t, "the run to finish", func() bool { return !v.running() })
	onUI(v.env, func() {
		if !strings.Contains(v.phase.Text, "Other work had") || !strings.Contains(v.phase.Text, "the speedup is understated") {
			t.Fatalf("with a busy loop running, the result says %q; want a warning of the other load", v.phase.Text)
		}
	})
	busy.Kill("test over")
	<-busy.Done()
}
