package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// A backup too big for its disk says so once, with the room it needs, and lists the
// files it never reached as one line; its JSON says why it stopped and counts them.
func TestBackupWithoutRoomSaysWhatToFreeInOneLine(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs as a full disk")
	}
	src := filepath.Join(t.TempDir(), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d.bin", i)), bytes.Repeat([]byte{byte(i)}, 100<<10), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a 1 MiB tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI=backup --workers 1 "+src+" "+filepath.Join(mnt, "dst"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("proclab backup onto a full disk: %v, want exit code 1", err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	seen := map[string]bool{}
	stopped := 0
	for _, l := range lines {
		if seen[l] {
			t.Errorf("printed twice: %q", l)
		}
		seen[l] = true
		if strings.Contains(l, "not copied: the run stopped") {
			t.Errorf("a line per file not reached: %q", l)
		}
		if strings.Contains(l, "stopped early") {
			stopped++
			if !strings.Contains(l, "bigger disk") || !strings.Contains(l, "files not copied") {
				t.Errorf("stop line %q: want how much to free and how many files were not copied", l)
			}
		}
	}
	if stopped != 1 || !strings.Contains(stdout.String(), "not copied of 40 files") {
		t.Fatalf("stderr:\n%s\nstdout:\n%s\nwant one stop line and a summary counting files not copied", stderr.String(), stdout.String())
	}

	// A dry run says so, and its exit code tells a script.
	cmd = exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI=backup --dry-run "+src+" "+filepath.Join(mnt, "dry"))
	dry, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(dry), "It would not fit: the destination disk is too small") {
		t.Fatalf("dry run: %v, stdout %s; want exit 1 and why it would not fit", err, dry)
	}

	cmd = exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PROCLAB_TEST_CLI=backup --json "+src+" "+filepath.Join(mnt, "dst2"))
	out, _ := cmd.Output()
	var sum struct {
		Stopped        string `json:"stopped"`
		FilesFailed    int    `json:"files_failed"`
		FilesNotCopied int    `json:"files_not_copied"`
	}
	if err := json.Unmarshal(out, &sum); err != nil || !strings.Contains(sum.Stopped, "too small") ||
		sum.FilesNotCopied == 0 || sum.FilesFailed != 0 || strings.Contains(string(out), `"not-copied"`) {
		t.Fatalf("--json %s (%v): want why it stopped and the files not copied, counted apart from failures and not listed as errors", out, err)
	}
}
