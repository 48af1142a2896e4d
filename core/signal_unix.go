//go:build unix

package core

import (
	"os"
	"syscall"
)

// politeSignals are the signals a child treats as a stop request.
var politeSignals = []os.Signal{syscall.SIGTERM}

// askToStop sends the polite signal; the stop frame is sent as well, so this is a second
// channel for a child whose frame reader is busy.
func askToStop(p *os.Process) { _ = p.Signal(syscall.SIGTERM) }
