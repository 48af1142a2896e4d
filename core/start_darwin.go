package core

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

func prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func startProcess(cmd *exec.Cmd) error { return cmd.Start() }

func afterStart(*exec.Cmd) error { return nil }

// watchParent is macOS's backstop to stdin EOF (it has no Pdeathsig): when the parent
// dies the child is re-parented, and getppid changes.
func watchParent() {
	ppid := os.Getppid()
	go func() {
		for range time.Tick(500 * time.Millisecond) {
			if os.Getppid() != ppid {
				os.Exit(ExitParentGone)
			}
		}
	}()
}
