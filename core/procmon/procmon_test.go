package procmon

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"dev.proclab/internal/testsup"

	"dev.proclab/core"
)

// startBusy starts this test binary as a busy loop, killed and reaped when the test ends.
func startBusy(t *testing.T) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PROCMON_BUSY=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func TestSampleSeesABusyProcessAndForgetsTheDead(t *testing.T) {
	cmd := startBusy(t)
	s := New()
	pid := cmd.Process.Pid
	s.Sample([]int{pid})
	s.Self() // must not make the sampler forget the child's handle
	time.Sleep(300 * time.Millisecond)
	st, ok := s.Sample([]int{pid})[pid]
	if !ok || st.RSS == 0 {
		t.Fatalf("no sample for a live process: %+v %v", st, ok)
	}
	if st.CPUPercent <= 5 {
		t.Fatalf("busy child at %.1f%% CPU", st.CPUPercent)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if got := s.Sample([]int{pid}); len(got) != 0 {
		t.Fatalf("dead process still sampled: %+v", got)
	}
	if self, ok := s.Self(); !ok || self.RSS == 0 {
		t.Fatal("cannot sample self")
	}
}

func TestMain(m *testing.M) {
	if os.Getenv("PROCMON_BUSY") == "1" {
		for x := 0; ; x++ {
		}
	}
	core.RunIfChild(core.Behaviours)
	os.Exit(testsup.Run(m))
}

func TestWatchdogKillsOverTheMemoryOrRunTimeLimitAndSaysSo(t *testing.T) {
	sup := testsup.New(t)
	m := NewMonitor(sup, 100*time.Millisecond)
	m.SetLimits(Limits{MaxRSS: 60 << 20, MaxAge: 3 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Run(ctx)
	start := func(role string, args ...string) *core.Child {
		c, err := sup.StartReady(ctx, core.Spec{Role: role, Args: args})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	grow, idle := start("grow", "100"), start("idle")
	for _, tc := range []struct {
		c    *core.Child
		want string
	}{{grow, "over the 60 MiB limit"}, {idle, "over the 3 s run-time limit"}} {
		select {
		case <-tc.c.Done():
		case <-time.After(20 * time.Second):
			t.Fatalf("%s child not killed by the watchdog", tc.c.Info().Role)
		}
		if i := tc.c.Info(); i.State != core.Killed || !strings.Contains(i.Reason, "watchdog") || !strings.Contains(i.Reason, tc.want) {
			t.Fatalf("%s child ended %s: %q, want a watchdog kill %q", i.Role, i.State, i.Reason, tc.want)
		}
	}
}

func TestWatchdogOfOneGroupLeavesOtherGroupsAlone(t *testing.T) {
	sup := testsup.New(t)
	m := NewMonitor(sup, 50*time.Millisecond)
	m.SetLimits(Limits{MaxAge: 300 * time.Millisecond, Group: "kill"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Run(ctx)
	mine, err := sup.StartReady(ctx, core.Spec{Role: "idle", Group: "kill"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := sup.StartReady(ctx, core.Spec{Role: "idle", Group: "spawn"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-mine.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the watched group's child was not killed")
	}
	time.Sleep(300 * time.Millisecond) // a few more watchdog ticks
	if st := other.Info().State; st.Ended() {
		t.Fatalf("another group's child ended %s: %q", st, other.Info().Reason)
	}
	other.Kill("test over")
	<-other.Done()
}

// A busy process outside the app counts as load the app did not make.
func TestOthersCountsABusyProcess(t *testing.T) {
	startBusy(t)
	m := NewMonitor(testsup.New(t), 300*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Run(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if n, ok := m.Others(); ok && n >= 0.5 {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("others' load %.2f CPUs (known %v) with a busy loop running; want 0.5 or more", n, ok)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
