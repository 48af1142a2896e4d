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

// awaitExit returns once the child has exited, so the Wait after it does not block.
// A blocking wait per child pins an OS thread each, and every such long system call
// keeps the Go scheduler's monitor waking every 20 µs to take its processor back (a
// quarter of the parent's time in bench spawn). A pidfd becomes readable when its process
// exits, and waits in the netpoller like a socket. Without pidfd_open (Linux < 5.3) the
// Wait simply blocks.
func awaitExit(p *os.Process) {
	const sysPidfdOpen = 434 // the same number on every Linux architecture
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(p.Pid), syscall.O_NONBLOCK, 0)
	if errno != 0 {
		return
	}
	f := os.NewFile(fd, "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	polled := false
	rc.Read(func(uintptr) bool {
		done := polled // the first call only arms the poller
		polled = true
		return done
	})
}
