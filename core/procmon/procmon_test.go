package procmon

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestSampleSeesABusyProcessAndForgetsTheDead(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PROCMON_BUSY=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	s := New()
	pid := cmd.Process.Pid
	s.Sample([]int{pid})
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
	os.Exit(m.Run())
}
