package core

import (
	"os"
	"runtime"
	"sync"
	"syscall"
)

// Pdeathsig fires when the *thread* that started the child exits (golang/go#27505), so
// every start runs on one OS thread that is locked and never exits. It is started on
// first use: children, which start no grandchildren, never pay for the thread.
var (
	starter     = make(chan func())
	starterOnce sync.Once
)

func runStarter() {
	runtime.LockOSThread()
	for start := range starter {
		start()
	}
}

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Pdeathsig: syscall.SIGKILL,
		Setpgid:   true, // Ctrl+C in a terminal reaches the parent, which stops children in order
	}
}

func startProcess(name string, argv []string, attr *os.ProcAttr) (*os.Process, error) {
	starterOnce.Do(func() { go runStarter() })
	var (
		p   *os.Process
		err error
	)
	done := make(chan struct{})
	starter <- func() {
		p, err = os.StartProcess(name, argv, attr)
		close(done)
	}
	<-done
	return p, err
}

func afterStart(*os.Process) error { return nil }

func watchParent() {}
