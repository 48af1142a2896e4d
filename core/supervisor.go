package core

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"dev.proclab/ipc"
)

// DefaultReadyTimeout is how long a child has to say hello.
const DefaultReadyTimeout = 10 * time.Second

// Spec describes a child to start.
type Spec struct {
	Role  string
	Args  []string
	Env   []string // extra KEY=VALUE pairs
	Label string
	Group string
	// OnFrame receives every frame the child sends, on the child's reader goroutine, in
	// order. The payload is only valid during the call. Keep it fast: the child's stdout
	// is not read while it runs.
	OnFrame func(c *Child, f ipc.Frame)
	// Manual leaves the child's frames to its owner, who reads them with ReadFrame on
	// its own goroutine: a request/response loop then costs no goroutine hop per reply.
	// OnFrame is not called.
	Manual bool
	// ReadyTimeout overrides DefaultReadyTimeout.
	ReadyTimeout time.Duration
	// Restart says whether a crashed child is started again (supervisord's autorestart),
	// at most MaxRestarts times in a row (0: DefaultMaxRestarts).
	Restart     Restart
	MaxRestarts int
}

// Restart is a child's restart policy.
type Restart int

const (
	RestartNever   Restart = iota // an ended child stays ended
	RestartOnCrash                // a child that failed, or was killed by someone other than ProcLab, is started again
)

func (r Restart) String() string {
	if r == RestartOnCrash {
		return "on crash"
	}
	return "never"
}

// DefaultMaxRestarts bounds restarts, so a child that crashes at once cannot loop forever.
const DefaultMaxRestarts = 5

// RestartDelay is the pause before a crashed child is started again.
var RestartDelay = 500 * time.Millisecond

// Options configure a Supervisor.
type Options struct {
	Executable string // defaults to os.Executable(), resolved once
	Logger     Logger // the app log; nil logs nothing
}

// Supervisor starts, watches and stops children.
type Supervisor struct {
	exe string
	log Logger

	mu       sync.Mutex
	children map[string]*Child
	order    []*Child
	subs     map[int]func(Event)
	nextSub  int
	closed   bool
}

// New resolves the executable once, so a binary replaced on disk while the app runs
// does not change what the children run.
func New(o Options) (*Supervisor, error) {
	exe := o.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find own executable: %w", err)
		}
	}
	log := o.Logger
	if log == nil {
		log = discard{}
	}
	return &Supervisor{exe: exe, log: log, children: map[string]*Child{}, subs: map[int]func(Event){}}, nil
}

// Logger is the supervisor's log, for parts of the engine that report through it.
func (s *Supervisor) Logger() Logger { return s.log }

// Logger is what the supervisor logs through; a *slog.Logger is one. core does not
// import log/slog itself: children initialise core before their role runs, and
// log/slog would bring everything that sorts before it along.
type Logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
}

type discard struct{}

func (discard) Info(string, ...any) {}
func (discard) Warn(string, ...any) {}

// Subscribe registers fn for every event and returns a function that unregisters it. fn
// runs on the supervisor's goroutines: it must not block (append to a buffer and return).
func (s *Supervisor) Subscribe(fn func(Event)) (cancel func()) {
	s.mu.Lock()
	id := s.nextSub
	s.nextSub++
	s.subs[id] = fn
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.subs, id)
		s.mu.Unlock()
	}
}

func (s *Supervisor) emit(e Event) {
	s.mu.Lock()
	fns := make([]func(Event), 0, len(s.subs))
	for _, fn := range s.subs {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn(e)
	}
}

// ErrClosed is returned by Start after Close.
var ErrClosed = errors.New("supervisor is shutting down")

// Start starts a child and returns once the OS has started it; use Child.WaitReady for
// its hello. A child that says no hello in time is killed and marked failed.
func (s *Supervisor) Start(spec Spec) (*Child, error) {
	return s.start(spec, 0, "")
}

func (s *Supervisor) start(spec Spec, restarts int, restartOf string) (*Child, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	c := &Child{
		sup:   s,
		spec:  spec,
		ready: make(chan struct{}),
		done:  make(chan struct{}),
		info: Info{
			ID: newID(), Role: spec.Role, Label: spec.Label, Group: spec.Group,
			State: Starting, ExitCode: -1, Restart: spec.Restart, Restarts: restarts, RestartOf: restartOf,
		},
	}
	if c.info.Label == "" {
		c.info.Label = spec.Role
	}
	if err := c.start(s.exe); err != nil {
		return nil, fmt.Errorf("start %s child: %w", spec.Role, err)
	}
	s.mu.Lock()
	s.children[c.info.ID] = c
	s.order = append(s.order, c)
	s.mu.Unlock()
	s.log.Info("child started", "child", c.info.ID, "role", spec.Role, "pid", c.info.PID, "group", spec.Group)
	s.emit(Event{Kind: EvState, Child: c.Info()})
	go c.supervise()
	return c, nil
}

// StartReady starts a child and waits for its hello.
func (s *Supervisor) StartReady(ctx context.Context, spec Spec) (*Child, error) {
	c, err := s.Start(spec)
	if err != nil {
		return nil, err
	}
	if err := c.WaitReady(ctx); err != nil {
		c.Kill("start abandoned")
		<-c.Done()
		return nil, err
	}
	return c, nil
}

// Get finds a child by ID.
func (s *Supervisor) Get(id string) *Child {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.children[id]
}

// List returns a snapshot of every child still listed, in start order.
func (s *Supervisor) List() []Info {
	s.mu.Lock()
	cs := append([]*Child(nil), s.order...)
	s.mu.Unlock()
	out := make([]Info, len(cs))
	for i, c := range cs {
		out[i] = c.Info()
	}
	return out
}

// Running counts children that have not ended.
func (s *Supervisor) Running() int {
	n := 0
	for _, i := range s.List() {
		if !i.State.Ended() {
			n++
		}
	}
	return n
}

// ClearEnded forgets every child that has ended.
func (s *Supervisor) ClearEnded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.order[:0]
	for _, c := range s.order {
		if c.Info().State.Ended() {
			delete(s.children, c.info.ID)
			continue
		}
		kept = append(kept, c)
	}
	clear(s.order[len(kept):])
	s.order = kept
}

// Terminate asks a child to stop and kills it when grace runs out. It does not wait.
func (s *Supervisor) Terminate(id string, grace time.Duration) error {
	c := s.Get(id)
	if c == nil {
		return fmt.Errorf("no child %s", id)
	}
	c.Terminate(grace)
	return nil
}

// Kill ends a child at once, recording that the user asked for it.
func (s *Supervisor) Kill(id string) error {
	c := s.Get(id)
	if c == nil {
		return fmt.Errorf("no child %s", id)
	}
	c.Kill("killed by user")
	return nil
}

// KillAll kills every live child. It does not wait.
func (s *Supervisor) KillAll(reason string) {
	for _, c := range s.live() {
		c.Kill(reason)
	}
}

func (s *Supervisor) live() []*Child {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Child
	for _, c := range s.order {
		select {
		case <-c.done:
		default:
			out = append(out, c)
		}
	}
	return out
}

// StopAccepting makes Start refuse new children (ErrClosed) and leaves the live ones
// alone: the first step of quitting, before running work is wound down.
func (s *Supervisor) StopAccepting() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// Shutdown refuses new children, asks every live one to stop, kills those still there
// after grace, and waits for every exit (or ctx).
func (s *Supervisor) Shutdown(ctx context.Context, grace time.Duration) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	live := s.live()
	for _, c := range live {
		c.Terminate(grace)
	}
	for _, c := range live {
		select {
		case <-c.Done():
		case <-ctx.Done():
			s.KillAll("killed: app quitting")
			return ctx.Err()
		}
	}
	return nil
}

// Child is one supervised process.
type Child struct {
	sup   *Supervisor
	spec  Spec
	proc  *os.Process
	in    *ipc.Writer
	stdin *os.File

	ready chan struct{}
	done  chan struct{}

	mu         sync.Mutex
	info       Info
	readyErr   error
	stopAsked  bool
	stopWhy    string // the reason a stop as asked shows: "terminated (why)"
	killReason string // set before ProcLab kills, so a user's kill is never taken for a crash
	failReason string
	stderrTail []string
	stopTimer  *time.Timer

	stdoutR, stderrR *os.File
	frames           *ipc.Reader // the stdout decoder; in Manual mode the owner reads it
}

// ID is the child's uuid.
func (c *Child) ID() string { return c.info.ID }

// PID is the child's process ID.
func (c *Child) PID() int { return c.info.PID }

// Info returns a snapshot.
func (c *Child) Info() Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// Done is closed once the process has exited and its streams are drained.
func (c *Child) Done() <-chan struct{} { return c.done }

// Ready is closed when the child said hello (or failed before it).
func (c *Child) Ready() <-chan struct{} { return c.ready }

// WaitReady waits for the hello.
func (c *Child) WaitReady(ctx context.Context) error {
	select {
	case <-c.ready:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.readyErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait waits for the process to end and returns its final snapshot.
func (c *Child) Wait() Info {
	<-c.done
	return c.Info()
}

// Send writes a frame to the child's stdin.
func (c *Child) Send(typ byte, payload []byte) error { return c.in.Write(typ, payload) }

func (c *Child) start(exe string) error {
	inR, inW, err := os.Pipe()
	if err != nil {
		return err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return err
	}
	if c.spec.Manual {
		// Fd switches the file to blocking reads: the owner's goroutine then sleeps in
		// read(2) and wakes straight from the kernel, without the netpoller's round.
		outR.Fd()
	}
	// os.StartProcess rather than os/exec: the path is absolute, and os/exec would make
	// every child initialise path/filepath and what sorts before it ahead of its role.
	attr := &os.ProcAttr{
		Env:   append(append(os.Environ(), RoleEnv+"="+c.spec.Role), c.spec.Env...),
		Files: []*os.File{inR, outW, errW},
		Sys:   sysProcAttr(),
	}
	proc, err := startProcess(exe, append([]string{exe}, c.spec.Args...), attr)
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		errR.Close()
		return err
	}
	if err := afterStart(proc); err != nil {
		proc.Kill()
		proc.Wait()
		inW.Close()
		outR.Close()
		errR.Close()
		return err
	}
	c.proc = proc
	c.stdin = inW
	c.in = ipc.NewWriter(inW)
	c.info.PID = proc.Pid
	c.info.Started = time.Now()
	c.stdoutR, c.stderrR = outR, errR
	return nil
}

func (c *Child) setState(st State) {
	c.mu.Lock()
	if c.info.State.Ended() {
		c.mu.Unlock()
		return
	}
	c.info.State = st
	if st == Running {
		c.info.Ready = time.Now()
	}
	info := c.info
	c.mu.Unlock()
	c.sup.emit(Event{Kind: EvState, Child: info})
}

// supervise reads the child's streams and reaps it.
func (c *Child) supervise() {
	var streams sync.WaitGroup
	streams.Add(2)
	go func() { defer streams.Done(); c.readStderr() }()
	go func() { defer streams.Done(); c.readStdout() }()

	awaitExit(c.proc)
	state, err := c.proc.Wait()
	// A grandchild could hold the pipes open; give the readers a moment, then cut them.
	drained := make(chan struct{})
	go func() { streams.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(time.Second):
		c.stdoutR.Close()
		c.stderrR.Close()
		<-drained
	}
	c.stdin.Close()
	if c.spec.Manual {
		c.stdoutR.Close() // unblocks the owner's ReadFrame
	}
	c.finish(state, err)
}

// readStdout reads the hello and then, unless the owner reads manually, every frame.
func (c *Child) readStdout() {
	manual := false
	defer func() {
		if !manual {
			c.stdoutR.Close()
		}
	}()
	timeout := c.spec.ReadyTimeout
	if timeout <= 0 {
		timeout = DefaultReadyTimeout
	}
	noHello := time.AfterFunc(timeout, func() {
		c.fail(fmt.Sprintf("failed: no hello within %s", timeout))
	})
	var r *ipc.Reader
	if c.spec.Manual {
		r = ipc.NewReader(lowLatency(c.stdoutR))
	} else {
		r = ipc.NewReader(c.stdoutR)
	}
	c.frames = r
	h, err := r.Hello()
	noHello.Stop()
	if err == nil && h.PID != c.info.PID {
		err = fmt.Errorf("%w: hello from PID %d, expected %d", ipc.ErrCorrupt, h.PID, c.info.PID)
	}
	if err != nil {
		if errors.Is(err, ipc.ErrCorrupt) {
			c.fail("failed: " + err.Error())
		}
		c.markReady(fmt.Errorf("%s child %d said no hello: %w", c.spec.Role, c.info.PID, c.readyFailure(err)))
		io.Copy(io.Discard, c.stdoutR)
		return
	}
	c.setState(Running)
	if c.spec.Manual {
		manual = true
		c.markReady(nil)
		return
	}
	c.markReady(nil)
	for {
		f, err := c.ReadFrame()
		if err != nil {
			if errors.Is(err, ipc.ErrCorrupt) {
				io.Copy(io.Discard, c.stdoutR)
			}
			return
		}
		if c.spec.OnFrame != nil {
			c.spec.OnFrame(c, f)
		}
	}
}

// ReadFrame returns the child's next frame. Only one goroutine may read: the
// supervisor, or in Manual mode the owner (after WaitReady). A corrupt frame fails and
// kills the child; once the child has exited, it returns an error.
func (c *Child) ReadFrame() (ipc.Frame, error) {
	f, err := c.frames.Read()
	if err != nil && errors.Is(err, ipc.ErrCorrupt) {
		c.fail("failed: " + err.Error())
	}
	return f, err
}

func (c *Child) readyFailure(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failReason != "" {
		return errors.New(c.failReason)
	}
	if c.killReason != "" {
		return errors.New(c.killReason)
	}
	return err
}

func (c *Child) markReady(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.ready:
		return
	default:
	}
	c.readyErr = err
	close(c.ready)
}

const stderrTailLines = 30

func (c *Child) readStderr() {
	defer c.stderrR.Close()
	eachLine(c.stderrR, 1<<20, func(line string) {
		c.mu.Lock()
		if len(c.stderrTail) == stderrTailLines {
			copy(c.stderrTail, c.stderrTail[1:])
			c.stderrTail = c.stderrTail[:stderrTailLines-1]
		}
		c.stderrTail = append(c.stderrTail, line)
		info := c.info
		c.mu.Unlock()
		c.sup.log.Info("child stderr", "child", info.ID, "role", info.Role, "pid", info.PID, "line", line)
		c.sup.emit(Event{Kind: EvStderr, Child: info, Line: line})
	})
}

// eachLine calls fn with every line of r, without its line end, until r ends. Not
// bufio.Scanner: see ipc's buffered reader on why core imports nothing that imports
// strings. A line longer than max goes on in pieces of max bytes rather than stopping
// the reading: a child must never block on a full stderr pipe.
func eachLine(r io.Reader, max int, fn func(line string)) {
	buf := make([]byte, 1<<10) // most children write nothing here
	start, end := 0, 0
	for {
		if end == len(buf) {
			if start > 0 {
				end = copy(buf, buf[start:end])
				start = 0
			} else {
				buf = append(buf, make([]byte, len(buf))...)
			}
		}
		n, err := r.Read(buf[end:])
		end += n
		for start < end {
			i := bytes.IndexByte(buf[start:end], '\n')
			if i < 0 {
				if end-start >= max {
					fn(string(buf[start : start+max]))
					start += max
					continue
				}
				break
			}
			fn(string(bytes.TrimSuffix(buf[start:start+i], []byte{'\r'})))
			start += i + 1
		}
		if start == end {
			start, end = 0, 0
		}
		if err != nil {
			if start < end {
				fn(string(buf[start:end]))
			}
			return
		}
	}
}

// fail marks the stream untrustworthy and kills the child.
func (c *Child) fail(reason string) {
	c.mu.Lock()
	if c.failReason == "" && c.killReason == "" {
		c.failReason = reason
	}
	c.mu.Unlock()
	c.proc.Kill()
}

// Kill ends the child now and records why.
func (c *Child) Kill(reason string) {
	c.mu.Lock()
	if c.info.State.Ended() {
		c.mu.Unlock()
		return
	}
	if c.killReason == "" && c.failReason == "" {
		c.killReason = reason
	}
	if c.stopTimer != nil {
		c.stopTimer.Stop()
	}
	c.mu.Unlock()
	c.proc.Kill()
}

// Terminate asks the child to stop (a stop frame, and SIGTERM on unix) and kills it if
// it is still there after grace. It returns at once.
func (c *Child) Terminate(grace time.Duration) { c.TerminateBecause(grace, "stopped on request") }

// TerminateBecause is Terminate with the reason the exit will show, "terminated (why)",
// when the child stops as asked.
func (c *Child) TerminateBecause(grace time.Duration, why string) {
	c.mu.Lock()
	if c.info.State.Ended() || c.stopAsked {
		c.mu.Unlock()
		return
	}
	c.stopAsked, c.stopWhy = true, why
	c.info.State = Stopping
	c.info.KillAt = time.Now().Add(grace)
	info := c.info
	c.stopTimer = time.AfterFunc(grace, func() {
		// Shown after the state: "killed: ignored the stop request for 3 s".
		c.Kill("ignored the stop request for " + graceText(grace))
	})
	c.mu.Unlock()
	c.sup.emit(Event{Kind: EvState, Child: info})
	// The stop frame can block if the child's stdin is full; never hold up the caller.
	go func() {
		_ = c.in.Write(ipc.TStop, nil)
		askToStop(c.proc)
	}()
}

// finish records how the process ended.
func (c *Child) finish(st *os.ProcessState, waitErr error) {
	c.mu.Lock()
	if c.stopTimer != nil {
		c.stopTimer.Stop()
	}
	c.info.Ended = time.Now()
	c.info.KillAt = time.Time{}
	if st != nil {
		c.info.CPU = st.UserTime() + st.SystemTime()
		c.info.ExitCode = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			c.info.Signal = ws.Signal().String()
		}
	}
	code := c.info.ExitCode
	switch {
	case c.failReason != "":
		c.info.State, c.info.Reason = Failed, c.failReason
	case c.killReason != "":
		c.info.State, c.info.Reason = Killed, c.killReason
	case c.stopAsked && (code == 0 || c.info.Signal == syscall.SIGTERM.String()):
		// A young child ends on SIGTERM's default action: the stop we asked for.
		c.info.State, c.info.Reason = Exited, "terminated ("+c.stopWhy+")"
	case code == 0:
		c.info.State, c.info.Reason = Exited, "exited 0"
	case c.info.Signal != "":
		c.info.State, c.info.Reason = Killed, "killed by signal: "+c.info.Signal+" (not sent by ProcLab)"
	case code == ExitParentGone:
		c.info.State, c.info.Reason = Failed, "exited: lost its link to the parent"
	default:
		c.info.State = Failed
		if p := panicLine(c.stderrTail); p != "" {
			c.info.Reason = "crashed: " + p
		} else if code == -1 && waitErr != nil {
			c.info.Reason = "failed: " + waitErr.Error()
		} else {
			c.info.Reason = fmt.Sprintf("exited %d", code)
			if last := lastLine(c.stderrTail); last != "" {
				c.info.Reason += ": " + last
			}
		}
	}
	// A crash is an end nobody in ProcLab asked for.
	crashed := c.killReason == "" && !c.stopAsked && code != ExitParentGone &&
		(c.info.State == Failed || c.info.State == Killed)
	// The ended child's record stays listed (the Kill tab) until Clear ended; its frame
	// handler must not: it holds its owner's whole run (a queue, a backup's plan and
	// report, a spawn board), about 100 KiB a run that was never freed. Its readers are
	// done (supervise waited for them); a restart gets the handler passed on.
	onFrame := c.spec.OnFrame
	c.spec.OnFrame = nil
	info := c.info
	c.mu.Unlock()
	c.markReady(fmt.Errorf("%s child ended before its hello: %s", info.Role, info.Reason))
	close(c.done)
	logAt := c.sup.log.Info
	if info.State == Failed {
		logAt = c.sup.log.Warn
	}
	logAt("child ended", "child", info.ID, "role", info.Role,
		"pid", info.PID, "state", info.State.String(), "reason", info.Reason)
	c.sup.emit(Event{Kind: EvState, Child: info})
	if crashed {
		go c.restart(onFrame)
	}
}

// SetRestart changes the child's restart policy while it runs.
func (c *Child) SetRestart(r Restart) {
	c.mu.Lock()
	c.spec.Restart, c.info.Restart = r, r
	c.mu.Unlock()
}

// restart starts a fresh process for a crashed child's spec, after RestartDelay, unless
// the policy says no or the limit is reached (then the reason says so).
func (c *Child) restart(onFrame func(*Child, ipc.Frame)) {
	c.mu.Lock()
	spec, n, id := c.spec, c.info.Restarts, c.info.ID
	spec.OnFrame = onFrame
	limit := spec.MaxRestarts
	if limit <= 0 {
		limit = DefaultMaxRestarts
	}
	if spec.Restart != RestartOnCrash {
		c.mu.Unlock()
		return
	}
	if n >= limit {
		c.info.Reason += fmt.Sprintf("; gave up after %d restarts", n)
		c.mu.Unlock()
		return
	}
	c.info.Reason += fmt.Sprintf("; restarting (%d of %d)", n+1, limit)
	c.info.Restarting = true
	c.mu.Unlock()
	time.Sleep(RestartDelay)
	nc, err := c.sup.start(spec, n+1, id)
	c.mu.Lock()
	c.info.Restarting = false
	if err != nil {
		c.info.Reason += "; restart failed: " + err.Error()
	} else {
		c.info.RestartedAs = nc.info.ID
	}
	c.mu.Unlock()
}

func panicLine(tail []string) string {
	for _, l := range tail {
		if hasPrefix(l, "panic: ") || hasPrefix(l, "fatal error: ") {
			return l
		}
	}
	return ""
}

func hasPrefix(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

func lastLine(tail []string) string {
	for i := len(tail) - 1; i >= 0; i-- {
		if s := string(bytes.TrimSpace([]byte(tail[i]))); s != "" {
			if len(s) > 200 {
				s = s[:200] + "…"
			}
			return s
		}
	}
	return ""
}

// newID returns a random (version 4) UUID. Not github.com/google/uuid here: it imports
// net (for version 1 node IDs), and every child would initialise the network stack and
// two dozen packages before its role could start.
func newID() string {
	// math/rand/v2's global source is ChaCha8, seeded from the OS: unpredictable enough
	// for IDs, without crypto/rand's math/big at every child's start.
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:16], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// graceText writes a grace period as the window does ("3 s", "0.5 s"), not as Go does
// ("3s"). Not numfmt: core stays clear of strings, one package init less per child.
func graceText(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}
