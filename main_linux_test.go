package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childrenOf lists the PIDs whose parent is pid (from /proc/PID/task/*/children).
func childrenOf(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	for _, t := range tasks {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + t.Name() + "/children")
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// A zombie has exited; only its parent's wait is missing.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// The app killed with SIGKILL cannot stop its children; the OS must (Pdeathsig, stdin EOF).
func TestChildrenDieWithTheAppEvenOnSIGKILL(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI=bench pipe -n 100000000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	var kids []int
	for deadline := time.Now().Add(20 * time.Second); len(kids) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("bench pipe started no child")
		}
		kids = childrenOf(cmd.Process.Pid)
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	deadline := time.Now().Add(2 * time.Second)
	for _, k := range kids {
		for alive(k) {
			if time.Now().After(deadline) {
				syscall.Kill(k, syscall.SIGKILL)
				t.Fatalf("child %d still running 2 s after the app was killed", k)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
