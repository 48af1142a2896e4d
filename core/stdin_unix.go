//go:build unix

package core

import (
	"os"
	"syscall"
)

// polledStdin is the child's stdin through the netpoller. The pipe the parent hands over
// is blocking (os/exec gives children blocking descriptors), and os.Stdin then parks a
// thread in read(2) holding a processor, which the scheduler's monitor takes back each
// time: in a busy backup worker that kept it waking every 20 µs, thousands of context
// switches a second on the CPUs the copying needs.
func polledStdin() *os.File {
	if syscall.SetNonblock(0, true) != nil {
		return os.Stdin
	}
	return os.NewFile(0, "/dev/stdin") // non-blocking now: the netpoller takes it
}
