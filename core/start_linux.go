package core

import (
	"os/exec"
	"runtime"
	"syscall"
)

// Pdeathsig fires when the *thread* that started the child exits (golang/go#27505), so
// every Start runs on one OS thread that is locked and never exits.
var starter = make(chan startReq)

type startReq struct {
	cmd  *exec.Cmd
	done chan error
}

func init() {
	go func() {
		runtime.LockOSThread()
		for r := range starter {
			r.done <- r.cmd.Start()
		}
	}()
}

func prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Pdeathsig: syscall.SIGKILL,
		Setpgid:   true, // Ctrl+C in a terminal reaches the parent, which stops children in order
	}
}

func startProcess(cmd *exec.Cmd) error {
	done := make(chan error, 1)
	starter <- startReq{cmd, done}
	return <-done
}

func afterStart(*exec.Cmd) error { return nil }

func watchParent() {}
