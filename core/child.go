package core

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"

	"dev.proclab/ipc"
)

// RoleEnv carries the role from parent to child. The child clears it at once so a
// grandchild never inherits it.
const RoleEnv = "PROCLAB_ROLE"

// ExitParentGone is the exit code of a child whose stdin reached EOF: its parent died or
// let go of it.
const ExitParentGone = 3

// RoleFunc runs a child role and returns its exit code.
type RoleFunc func(c *Conn) int

// Roles maps a role name to its function.
type Roles map[string]RoleFunc

// RunIfChild runs the role named in the environment, if any, and exits; in the parent it
// returns at once. Call it as early as possible: from an init() of a package that sorts
// before fyne.io (see dev.proclab/role), or from TestMain.
func RunIfChild(roles Roles) {
	name, ok := os.LookupEnv(RoleEnv)
	if !ok {
		return
	}
	os.Unsetenv(RoleEnv)
	fn := roles[name]
	if fn == nil {
		fmt.Fprintf(os.Stderr, "proclab: unknown child role %q\n", name)
		os.Exit(2)
	}
	os.Exit(runChild(fn))
}

func runChild(fn RoleFunc) int {
	// Keep the real stdout for frames; anything else that prints goes to stderr, where
	// the parent logs it, instead of corrupting the frame stream.
	frames := os.Stdout
	os.Stdout = os.Stderr
	// Catch the polite signal before the hello: the parent may send it right after.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, politeSignals...)
	if err := ipc.WriteHello(frames, os.Getpid()); err != nil {
		return ExitParentGone
	}
	c := &Conn{
		Args: os.Args[1:],
		w:    ipc.NewWriter(frames),
		in:   make(chan ipc.Frame, 256),
		stop: make(chan struct{}),
	}
	go c.readStdin(os.Stdin)
	go func() {
		<-sig
		c.requestStop()
	}()
	watchParent()
	return fn(c)
}

// Conn is a child's end of the link to its parent.
type Conn struct {
	Args     []string // the child's command-line arguments, after the program name
	w        *ipc.Writer
	in       chan ipc.Frame
	stop     chan struct{}
	stopOnce sync.Once
}

// Send writes one frame to the parent.
func (c *Conn) Send(typ byte, payload []byte) error { return c.w.Write(typ, payload) }

// SendJSON writes v as JSON in a frame of type typ.
func (c *Conn) SendJSON(typ byte, v any) error { return c.w.WriteJSON(typ, v) }

// Frames delivers the parent's frames (stop requests excluded). Payloads are the
// receiver's to keep.
func (c *Conn) Frames() <-chan ipc.Frame { return c.in }

// Stop is closed when the parent asks the child to finish (a stop frame or SIGTERM).
func (c *Conn) Stop() <-chan struct{} { return c.stop }

// Stopping reports whether a stop was requested.
func (c *Conn) Stopping() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

func (c *Conn) requestStop() { c.stopOnce.Do(func() { close(c.stop) }) }

func (c *Conn) readStdin(r io.Reader) {
	fr := ipc.NewReader(r)
	for {
		f, err := fr.Read()
		if err != nil {
			// EOF: the parent is gone or has let go of us. Never outlive it.
			if err != io.EOF {
				fmt.Fprintf(os.Stderr, "proclab child: reading from parent: %v\n", err)
			}
			os.Exit(ExitParentGone)
		}
		if f.Type == ipc.TStop {
			c.requestStop()
			continue
		}
		c.in <- ipc.Frame{Type: f.Type, Payload: append([]byte(nil), f.Payload...)}
	}
}
