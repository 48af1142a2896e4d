package spawn_test

import (
	"os"
	"runtime"
	"testing"

	"dev.proclab/core/spawn"
)

// TestSweepFigures prints a primes sweep for the record (PROCLAB_SWEEP=1 go test -run
// SweepFigures -v ./core/spawn). It asserts nothing about speed: the machine is shared.
func TestSweepFigures(t *testing.T) {
	if os.Getenv("PROCLAB_SWEEP") == "" {
		t.Skip("set PROCLAB_SWEEP=1 to measure")
	}
	e, _ := newEngine(t)
	pts, err := e.Sweep(ctx(t), spawn.FindTask("primes"), 2_000_000_000, runtime.NumCPU(), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		t.Logf("%d %-10s wall %6.0f ms  speedup %.2f×  all-ready %5.1f ms  spawn/process %5.2f ms  match %v",
			p.Workers, p.Mode, float64(p.Wall.Microseconds())/1000, p.Speedup,
			float64(p.AllReady)/1e6, float64(p.Spawn)/1e6, p.Match)
	}
}
