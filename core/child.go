package core

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

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
// returns at once. A role it does not know is an error (exit 2). Call it as early as
// possible: from dev.proclab/role's init(), or from TestMain.
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
	// Go runs init() on the main goroutine locked to the main thread, so every time the
	// role blocks and is woken, two threads hand it over (futex wake, sleep). The role
	// runs on a goroutine of its own instead, and this one parks until it exits.
	go func() {
		code := runChild(name, fn)
		exiting.Store(true)
		os.Exit(code)
	}()
	select {}
}

// ClaimRole runs the child's role and exits if roles has it, and otherwise returns, for
// a later package to claim. Each package that owns roles calls it from its own init():
// Go initialises a package as soon as its imports are, so a child starts its role before
// the app's heavier packages (Fyne's dependencies among them) are initialised at all.
func ClaimRole(roles Roles) {
	if name, ok := os.LookupEnv(RoleEnv); ok && roles[name] != nil {
		RunIfChild(roles)
	}
}

// exiting is set once the role has returned, so a stdin EOF seen while the process is
// on its way out cannot replace the role's exit code.
var exiting atomic.Bool

func runChild(name string, fn RoleFunc) int {
	// Keep the real stdout for frames; anything else that prints goes to stderr, where
	// the parent logs it, instead of corrupting the frame stream.
	frames := os.Stdout
	os.Stdout = os.Stderr
	// Blocking writes (Fd takes the file out of the netpoller): a frame goes out in one
	// write(2), with no poller round. Stdin is set up by whichever reader wins (below).
	frames.Fd()
	// SIGTERM becomes a stop request (like the stop frame) only 50 ms in: catching it
	// costs two threads (os/signal's receiver and the runtime's signal-mask thread), which
	// was a tenth of a short-lived child's start. Until then SIGTERM keeps its default
	// effect and ends the process; the parent reports that as the stop it asked for.
	sig := make(chan os.Signal, 1)
	catch := func() { signal.Notify(sig, politeSignals...) }
	if catchStopAtOnce[name] {
		catch()
	} else {
		time.AfterFunc(50*time.Millisecond, catch)
	}
	if err := ipc.WriteHello(frames, os.Getpid()); err != nil {
		return ExitParentGone
	}
	c := &Conn{
		Args: os.Args[1:],
		w:    ipc.NewWriter(frames),
		in:   make(chan ipc.Frame, 256),
		stop: make(chan struct{}),
	}
	// Exactly one goroutine reads stdin. A role that calls Serve reads it itself (no
	// goroutine hop per request: that hop is most of a round trip); any other role gets a
	// background reader, at the latest shortly after it starts, so stdin EOF is always seen.
	time.AfterFunc(50*time.Millisecond, c.startReader)
	go func() {
		<-sig
		c.requestStop()
	}()
	watchParent()
	return fn(c)
}

// Conn is a child's end of the link to its parent.
type Conn struct {
	Args       []string // the child's command-line arguments, after the program name
	w          *ipc.Writer
	r          *ipc.Reader
	in         chan ipc.Frame
	stop       chan struct{}
	stopOnce   sync.Once
	readerOnce sync.Once
	bgReader   bool
}

func (c *Conn) startReader() {
	c.readerOnce.Do(func() {
		c.bgReader = true
		// Through the netpoller: a role that only waits for its stop request costs no
		// thread parked in read(2).
		c.r = ipc.NewReader(polledStdin())
		go c.readLoop(func(f ipc.Frame) {
			c.in <- ipc.Frame{Type: f.Type, Payload: append([]byte(nil), f.Payload...)}
		})
	})
}

// Serve reads the parent's frames on the calling goroutine and hands each to handle
// (the payload is valid only during the call), until the parent asks the child to stop.
// It is the low-latency way to answer requests.
func (c *Conn) Serve(handle func(f ipc.Frame)) {
	inline := false
	c.readerOnce.Do(func() { inline = true })
	if inline {
		// Blocking reads that poll briefly first: the request/response fast path.
		c.r = ipc.NewReader(lowLatency(os.Stdin))
		c.readLoop(handle)
		return
	}
	for {
		select {
		case f := <-c.in:
			handle(f)
		case <-c.stop:
			return
		}
	}
}

// Send writes one frame to the parent.
func (c *Conn) Send(typ byte, payload []byte) error { return c.w.Write(typ, payload) }

// Frames delivers the parent's frames (stop requests excluded). Payloads are the
// receiver's to keep.
func (c *Conn) Frames() <-chan ipc.Frame {
	c.startReader()
	return c.in
}

// Stop is closed when the parent asks the child to finish (a stop frame or SIGTERM).
func (c *Conn) Stop() <-chan struct{} {
	c.startReader()
	return c.stop
}

// Stopping reports whether a stop was requested.
func (c *Conn) Stopping() bool {
	c.startReader()
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

func (c *Conn) requestStop() { c.stopOnce.Do(func() { close(c.stop) }) }

// readLoop reads frames until a stop frame (then returns, when serving inline) or EOF
// (then exits the process).
func (c *Conn) readLoop(deliver func(ipc.Frame)) {
	for {
		f, err := c.r.Read()
		if err != nil {
			// EOF: the parent is gone or has let go of us. Never outlive it.
			if exiting.Load() {
				select {} // the role's own exit is under way
			}
			if err != io.EOF {
				fmt.Fprintf(os.Stderr, "proclab child: reading from parent: %v\n", err)
			}
			os.Exit(ExitParentGone)
		}
		if f.Type == ipc.TStop {
			c.requestStop()
			if !c.bgReader {
				return
			}
			continue
		}
		deliver(f)
	}
}
