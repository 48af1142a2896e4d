//go:build unix

package core_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"dev.proclab/core"
)

// A child terminated in its first moments, before it catches SIGTERM, ends on the
// signal's default action; that is still the stop ProcLab asked for. Later, SIGTERM is
// caught and the role returns.
func TestTerminateYoungAndOldChildren(t *testing.T) {
	s := newSup(t)
	young := startReady(t, s, core.Spec{Role: "hang"}) // reads no stop frame in its first 50 ms
	young.Terminate(5 * time.Second)
	wantEnd(t, young, core.Exited, "terminated (stopped on request)")

	old := startReady(t, s, core.Spec{Role: "busy"})
	time.Sleep(200 * time.Millisecond)
	p, _ := os.FindProcess(old.PID())
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	i := wantEnd(t, old, core.Exited, "exited 0") // caught: a stop request, not a kill
	if i.Signal != "" {
		t.Fatalf("signal = %q, want a clean exit", i.Signal)
	}
}
