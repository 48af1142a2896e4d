package core

import (
	"os"
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func startProcess(name string, argv []string, attr *os.ProcAttr) (*os.Process, error) {
	return os.StartProcess(name, argv, attr)
}

// awaitExit: Wait blocks until the child exits.
func awaitExit(*os.Process) {}

func afterStart(*os.Process) error { return nil }

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
