package core_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dev.proclab/internal/testsup"

	"dev.proclab/core"
	"dev.proclab/ipc"
)

// The test binary doubles as the child: the supervisor re-executes it with a role.
func TestMain(m *testing.M) {
	switch os.Getenv(core.RoleEnv) {
	case "mute": // started, but never says hello
		time.Sleep(time.Hour)
	case "not-proclab": // a stray program's output instead of a hello
		fmt.Println("hello, I am not a ProcLab child")
		time.Sleep(time.Hour)
	}
	roles := core.Roles{
		"garbage": func(c *core.Conn) int {
			os.NewFile(1, "stdout").Write([]byte("\x00\x00\x00\x03\x00xyz garbage"))
			select {}
		},
		"stray-print": func(c *core.Conn) int {
			fmt.Println("a stray print must not reach the frame stream")
			c.Send(ipc.TUser, []byte("ok"))
			<-c.Stop()
			return 0
		},
		"env": func(c *core.Conn) int {
			c.Send(ipc.TUser, []byte(os.Getenv(core.RoleEnv)))
			<-c.Stop()
			return 0
		},
	}
	for _, more := range []core.Roles{core.Behaviours, osRoles} {
		for k, v := range more {
			roles[k] = v
		}
	}
	core.RunIfChild(roles)
	os.Exit(testsup.Run(m))
}

// osRoles are the roles of tests that run on some systems only (their files add them).
var osRoles = core.Roles{}

var quiet = slog.New(slog.DiscardHandler)

func newSup(t *testing.T) *core.Supervisor {
	t.Helper()
	s := testsup.New(t)
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func startReady(t *testing.T, s *core.Supervisor, spec core.Spec) *core.Child {
	t.Helper()
	c, err := s.StartReady(ctx(t), spec)
	if err != nil {
		t.Fatalf("start %s: %v", spec.Role, err)
	}
	return c
}

func wantEnd(t *testing.T, c *core.Child, st core.State, reason string) core.Info {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(20 * time.Second):
		t.Fatalf("%s child %d did not end", c.Info().Role, c.PID())
	}
	i := c.Info()
	if i.State != st || !strings.Contains(i.Reason, reason) {
		t.Fatalf("%s child ended %s (%q), want %s containing %q", i.Role, i.State, i.Reason, st, reason)
	}
	return i
}

func TestSpawnSaysHelloAndRuns(t *testing.T) {
	s := newSup(t)
	c := startReady(t, s, core.Spec{Role: "idle", Label: "w1"})
	i := c.Info()
	if i.State != core.Running || i.PID <= 0 || len(i.ID) != 36 || i.Ready.IsZero() {
		t.Fatalf("after hello: %+v", i)
	}
	c.Terminate(5 * time.Second)
	wantEnd(t, c, core.Exited, "terminated")
}

func TestChildClearsRoleFromItsEnvironment(t *testing.T) {
	s := newSup(t)
	got := make(chan string, 1)
	startReady(t, s, core.Spec{Role: "env", OnFrame: func(_ *core.Child, f ipc.Frame) { got <- string(f.Payload) }})
	if v := <-got; v != "" {
		t.Fatalf("child still sees %s=%q; a grandchild would inherit it", core.RoleEnv, v)
	}
}

func TestFramesRoundTripThroughChild(t *testing.T) {
	s := newSup(t)
	got := make(chan string, 10)
	c := startReady(t, s, core.Spec{Role: "echo", OnFrame: func(_ *core.Child, f ipc.Frame) { got <- string(f.Payload) }})
	for _, m := range []string{"a", "bb", strings.Repeat("c", 1<<20)} {
		if err := c.Send(ipc.TUser, []byte(m)); err != nil {
			t.Fatal(err)
		}
		if r := <-got; r != m {
			t.Fatalf("echo: got %d bytes, want %d", len(r), len(m))
		}
	}
}

func TestStrayPrintGoesToStderrNotTheStream(t *testing.T) {
	s := newSup(t)
	var lines atomic.Int32
	defer s.Subscribe(func(e core.Event) {
		if e.Kind == core.EvStderr && strings.Contains(e.Line, "stray print") {
			lines.Add(1)
		}
	})()
	got := make(chan string, 1)
	c := startReady(t, s, core.Spec{Role: "stray-print", OnFrame: func(_ *core.Child, f ipc.Frame) { got <- string(f.Payload) }})
	if r := <-got; r != "ok" {
		t.Fatalf("frame = %q", r)
	}
	c.Terminate(5 * time.Second)
	wantEnd(t, c, core.Exited, "terminated")
	if lines.Load() != 1 {
		t.Fatalf("stray print seen %d times on stderr, want 1", lines.Load())
	}
}

func TestTerminateEscalatesToKill(t *testing.T) {
	s := newSup(t)
	c := startReady(t, s, core.Spec{Role: "ignore-stop"})
	start := time.Now()
	c.Terminate(300 * time.Millisecond)
	if st := c.Info().State; st != core.Stopping && !st.Ended() {
		t.Fatalf("state right after Terminate = %s, want stopping", st)
	}
	i := wantEnd(t, c, core.Killed, "ignored the stop request")
	if time.Since(start) < 300*time.Millisecond {
		t.Fatalf("killed before the grace period ran out")
	}
	if !strings.Contains(i.Reason, "for 0.3 s") {
		t.Fatalf("reason %q does not name the grace period", i.Reason)
	}
}

func TestKillIsRecordedAsUserKill(t *testing.T) {
	s := newSup(t)
	c := startReady(t, s, core.Spec{Role: "busy"})
	if err := s.Kill(c.ID()); err != nil {
		t.Fatal(err)
	}
	wantEnd(t, c, core.Killed, "killed by user")
}

func TestKillAllEndsEveryChild(t *testing.T) {
	s := newSup(t)
	var cs []*core.Child
	for _, r := range []string{"busy", "hang", "idle", "ignore-stop"} {
		cs = append(cs, startReady(t, s, core.Spec{Role: r}))
	}
	s.KillAll("killed by user (kill all)")
	for _, c := range cs {
		wantEnd(t, c, core.Killed, "kill all")
	}
	if n := s.Running(); n != 0 {
		t.Fatalf("%d children still running", n)
	}
	s.ClearEnded()
	if n := len(s.List()); n != 0 {
		t.Fatalf("%d children listed after ClearEnded", n)
	}
}

func TestExitReasons(t *testing.T) {
	s := newSup(t)
	cases := []struct {
		spec   core.Spec
		state  core.State
		reason string
		code   int
	}{
		{core.Spec{Role: "exit", Args: []string{"0"}}, core.Exited, "exited 0", 0},
		{core.Spec{Role: "exit", Args: []string{"7"}}, core.Failed, "exited 7", 7},
		{core.Spec{Role: "crash", Args: []string{"0"}}, core.Failed, "crashed: panic: simulated crash", 2},
	}
	for _, tc := range cases {
		c, err := s.Start(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		i := wantEnd(t, c, tc.state, tc.reason)
		if i.ExitCode != tc.code {
			t.Errorf("%v: exit code %d, want %d", tc.spec.Args, i.ExitCode, tc.code)
		}
	}
}

func TestKilledFromOutsideIsNotAUserKill(t *testing.T) {
	s := newSup(t)
	c := startReady(t, s, core.Spec{Role: "hang"})
	p, _ := os.FindProcess(c.PID())
	p.Kill()
	wantEnd(t, c, core.Killed, "not sent by ProcLab")
}

func TestGarbageOnTheStreamFailsTheChild(t *testing.T) {
	s := newSup(t)
	c := startReady(t, s, core.Spec{Role: "garbage", OnFrame: func(*core.Child, ipc.Frame) {
		t.Error("a garbage frame was delivered")
	}})
	wantEnd(t, c, core.Failed, "corrupt stream")
}

func TestNoHelloFromAStrayProgram(t *testing.T) {
	s := newSup(t)
	c, err := s.Start(core.Spec{Role: "not-proclab"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitReady(ctx(t)); err == nil || !strings.Contains(err.Error(), "no ProcLab hello") {
		t.Fatalf("WaitReady = %v", err)
	}
	wantEnd(t, c, core.Failed, "no ProcLab hello")
}

func TestChildThatNeverSaysHelloTimesOut(t *testing.T) {
	s := newSup(t)
	c, err := s.Start(core.Spec{Role: "mute", ReadyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitReady(ctx(t)); err == nil || !strings.Contains(err.Error(), "no hello within 300ms") {
		t.Fatalf("WaitReady = %v", err)
	}
	wantEnd(t, c, core.Failed, "no hello within 300ms")
}

func TestChildExitsWhenItsStdinCloses(t *testing.T) {
	s := newSup(t)
	c := startReady(t, s, core.Spec{Role: "ignore-stop"})
	core.CloseStdinForTest(c)
	wantEnd(t, c, core.Failed, "lost its link to the parent")
}

func TestShutdownStopsEverythingAndRefusesNewChildren(t *testing.T) {
	s, err := core.New(core.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	a := startReady(t, s, core.Spec{Role: "idle"})
	b := startReady(t, s, core.Spec{Role: "ignore-stop"})
	if err := s.Shutdown(ctx(t), 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if a.Info().State != core.Exited || b.Info().State != core.Killed {
		t.Fatalf("after shutdown: %+v, %+v", a.Info(), b.Info())
	}
	if _, err := s.Start(core.Spec{Role: "idle"}); err == nil {
		t.Fatal("Start after Shutdown succeeded")
	}
}

func TestEventsReportEveryStateChange(t *testing.T) {
	s := newSup(t)
	seen := make(chan core.State, 10)
	defer s.Subscribe(func(e core.Event) {
		if e.Kind == core.EvState {
			seen <- e.Child.State
		}
	})()
	c := startReady(t, s, core.Spec{Role: "idle"})
	c.Terminate(5 * time.Second)
	c.Wait()
	want := []core.State{core.Starting, core.Running, core.Stopping, core.Exited}
	for _, w := range want {
		if got := <-seen; got != w {
			t.Fatalf("event %s, want %s", got, w)
		}
	}
}

func TestManualReaderGetsEveryReply(t *testing.T) {
	s := newSup(t)
	c := startReady(t, s, core.Spec{Role: "echo", Manual: true})
	for i := 0; i < 100; i++ {
		msg := fmt.Sprint("m", i)
		if err := c.Send(ipc.TUser, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		f, err := c.ReadFrame()
		if err != nil || string(f.Payload) != msg {
			t.Fatalf("reply %d: %q, %v", i, f.Payload, err)
		}
	}
	c.Kill("test over")
	c.Wait()
	if _, err := c.ReadFrame(); err == nil {
		t.Fatal("ReadFrame after exit returned no error")
	}
}

func TestCrashedChildRestartsUpToItsLimit(t *testing.T) {
	s := newSup(t)
	first, err := s.Start(core.Spec{Role: "crash", Args: []string{"0"}, Restart: core.RestartOnCrash, MaxRestarts: 2})
	if err != nil {
		t.Fatal(err)
	}
	first.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for {
		l := s.List()
		if len(l) == 3 && l[2].State.Ended() && strings.Contains(l[2].Reason, "gave up") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a crash with restart on crash, max 2: %+v", l)
		}
		time.Sleep(20 * time.Millisecond)
	}
	l := s.List()
	for i, c := range l {
		if c.State != core.Failed || c.Restarts != i || c.Restart != core.RestartOnCrash || !strings.Contains(c.Reason, "crashed") {
			t.Fatalf("child %d: %s, restarts %d, policy %s, %q", i, c.State, c.Restarts, c.Restart, c.Reason)
		}
		if i > 0 && c.RestartOf != l[i-1].ID {
			t.Fatalf("child %d does not name the one it replaced: %+v", i, c)
		}
		if i < 2 && (c.RestartedAs != l[i+1].ID || !strings.Contains(c.Reason, fmt.Sprintf("restarting (%d of 2)", i+1))) {
			t.Fatalf("child %d does not name its replacement: %+v", i, c)
		}
	}
	if !strings.Contains(l[2].Reason, "gave up after 2 restarts") {
		t.Fatalf("last reason %q", l[2].Reason)
	}
}

func TestKillsAndStopsByProcLabAreNeverRestarted(t *testing.T) {
	s := newSup(t)
	a := startReady(t, s, core.Spec{Role: "busy", Restart: core.RestartOnCrash})
	b := startReady(t, s, core.Spec{Role: "idle", Restart: core.RestartOnCrash})
	a.Kill("killed by user")
	b.Terminate(5 * time.Second)
	a.Wait()
	b.Wait()
	time.Sleep(2 * core.RestartDelay)
	if n := len(s.List()); n != 2 {
		t.Fatalf("%d children listed; a user's kill or stop must not restart", n)
	}
}

func TestRestartPolicyCanBeChangedWhileRunning(t *testing.T) {
	s := newSup(t)
	c := startReady(t, s, core.Spec{Role: "crash", Args: []string{"1"}})
	c.SetRestart(core.RestartOnCrash)
	if c.Info().Restart != core.RestartOnCrash {
		t.Fatal("policy not shown in Info")
	}
	c.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for len(s.List()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("crashed child with policy set while running was not restarted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.List()
	if r := s.Get(c.Info().RestartedAs); r == nil || r.Info().Restarts != 1 {
		t.Fatal("replacement not found or not counted")
	}
	s.Get(c.Info().RestartedAs).Kill("killed by user")
}

// An ended child stays listed (the Kill tab shows it until Clear ended), but its frame
// handler, and all it holds of its owner's run, is let go: each run's queue, plan or
// board had stayed in memory for the app's whole life.
func TestEndedChildLetsGoOfItsFrameHandler(t *testing.T) {
	s := newSup(t)
	freed := make(chan struct{})
	func() {
		run := make([]byte, 1<<20) // what an owner's handler holds
		runtime.AddCleanup(&run[0], func(ch chan struct{}) { close(ch) }, freed)
		c := startReady(t, s, core.Spec{Role: "exit", Args: []string{"0"},
			OnFrame: func(*core.Child, ipc.Frame) { _ = run[0] }})
		wantEnd(t, c, core.Exited, "exited 0")
	}()
	for i := 0; ; i++ {
		runtime.GC()
		select {
		case <-freed:
			if len(s.List()) == 0 {
				t.Fatal("the ended child is no longer listed")
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
		if i == 100 {
			t.Fatal("the ended child's record still holds its frame handler's state")
		}
	}
}
