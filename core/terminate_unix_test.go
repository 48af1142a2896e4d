//go:build unix

package core_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"dev.proclab/core"
	"dev.proclab/ipc"
	"golang.org/x/sys/unix"
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

func init() {
	// Reports how its stdin is read once the background reader runs, then echoes a frame
	// through it.
	osRoles["stdin-mode"] = func(c *core.Conn) int {
		frames := c.Frames()
		flags, err := unix.FcntlInt(0, unix.F_GETFL, 0)
		mode := "blocking"
		if err == nil && flags&unix.O_NONBLOCK != 0 {
			mode = "polled"
		}
		c.Send(ipc.TUser, []byte(mode))
		f := <-frames
		c.Send(ipc.TUser, f.Payload)
		<-c.Stop()
		return 0
	}
}

// A child's stdin is read through the netpoller, not by a thread parked in read(2): such
// a thread holds a processor that the scheduler's monitor keeps taking back, which in a
// busy backup worker meant thousands of wake-ups a second on the CPUs it copies with.
func TestChildReadsStdinThroughThePoller(t *testing.T) {
	s := newSup(t)
	got := make(chan string, 2)
	c := startReady(t, s, core.Spec{Role: "stdin-mode", OnFrame: func(_ *core.Child, f ipc.Frame) { got <- string(f.Payload) }})
	if m := <-got; m != "polled" {
		t.Fatalf("child's stdin is %s, want polled (non-blocking, in the netpoller)", m)
	}
	if err := c.Send(ipc.TUser, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m != "ping" {
		t.Fatalf("echo through the polled stdin = %q, want ping", m)
	}
	c.Terminate(5 * time.Second)
	wantEnd(t, c, core.Exited, "terminated")
}
