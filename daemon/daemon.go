// Package daemon keeps the registry of the app's background goroutines, with Python's
// threading rule: a daemon task is abandoned when the app quits, a non-daemon task keeps
// the app alive until it finishes. The registry shows each task's state, ticks and last
// activity, and lets the quit sequence wait for exactly the tasks it must.
//
// It never imports Fyne: the UI renders what it lists.
package daemon

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Kind says whether the app waits for a task when it quits.
type Kind int

const (
	// Daemon tasks run for the app's life and are abandoned when it quits.
	Daemon Kind = iota
	// NonDaemon tasks keep the app alive until they finish.
	NonDaemon
)

func (k Kind) String() string {
	if k == NonDaemon {
		return "non-daemon"
	}
	return "daemon"
}

// State of a task.
type State int

const (
	Running State = iota
	Finished
	Abandoned // still running when the app quit; nobody waited for it
	Stopped   // a watched daemon that reports it has stopped
)

func (s State) String() string {
	return [...]string{"running", "finished", "abandoned", "stopped"}[s]
}

// Info is a snapshot of one task.
type Info struct {
	ID       int
	Name     string
	Kind     Kind
	State    State
	Ticks    uint64
	Last     time.Time // last tick
	Activity string    // what the last tick said
	Started  time.Time
	Ended    time.Time
	Due      time.Time // when the task expects to finish, if it knows
}

// Probe reports on a daemon that runs elsewhere (the log writer, the monitor).
type Probe struct {
	Ticks    uint64
	Last     time.Time
	Activity string
	Stopped  bool
}

// ErrClosed is returned by Go once the app is quitting.
var ErrClosed = errors.New("the app is quitting: no new background tasks")

// Registry lists the app's background tasks.
type Registry struct {
	log *slog.Logger

	mu      sync.Mutex
	tasks   []*Task
	closed  bool
	changed chan struct{} // closed and replaced whenever a task ends
}

// New makes an empty registry that logs task starts and ends to log.
func New(log *slog.Logger) *Registry {
	if log == nil {
		log = slog.Default()
	}
	return &Registry{log: log, changed: make(chan struct{})}
}

// Task is one registered background task.
type Task struct {
	reg       *Registry
	probe     func() Probe
	abandoned chan struct{}

	mu   sync.Mutex
	info Info
}

// Go runs fn on a new goroutine as a task of the given kind. fn reports progress with
// t.Tick; the task is finished when fn returns.
func (r *Registry) Go(name string, kind Kind, fn func(t *Task)) (*Task, error) {
	t, err := r.add(name, kind, nil)
	if err != nil {
		return nil, err
	}
	go func() {
		defer t.finish()
		fn(t)
	}()
	return t, nil
}

// Watch lists a daemon that runs elsewhere; probe is called on every List.
func (r *Registry) Watch(name string, probe func() Probe) *Task {
	t, _ := r.add(name, Daemon, probe)
	return t
}

func (r *Registry) add(name string, kind Kind, probe func() Probe) (*Task, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed && probe == nil {
		return nil, ErrClosed
	}
	t := &Task{reg: r, probe: probe, abandoned: make(chan struct{}),
		info: Info{ID: len(r.tasks) + 1, Name: name, Kind: kind, State: Running, Started: time.Now()}}
	r.tasks = append(r.tasks, t)
	if probe == nil {
		r.log.Info("background task started", "task", name, "kind", kind.String())
	}
	return t, nil
}

// Tick records that the task is alive and what it is doing.
func (t *Task) Tick(activity string) {
	t.mu.Lock()
	t.info.Ticks++
	t.info.Last = time.Now()
	t.info.Activity = activity
	t.mu.Unlock()
}

// SetDue says when the task expects to finish (a quitting app shows the countdown).
func (t *Task) SetDue(due time.Time) {
	t.mu.Lock()
	t.info.Due = due
	t.mu.Unlock()
}

// Abandoned is closed when the app quits without waiting for this daemon: the point at
// which Python would stop running a daemon thread. A task may return on it.
func (t *Task) Abandoned() <-chan struct{} { return t.abandoned }

// Info returns a snapshot.
func (t *Task) Info() Info {
	var p Probe
	if t.probe != nil {
		p = t.probe()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.probe != nil {
		t.info.Ticks, t.info.Last, t.info.Activity = p.Ticks, p.Last, p.Activity
		if p.Stopped && t.info.State == Running {
			t.info.State = Stopped
		}
	}
	return t.info
}

func (t *Task) finish() {
	t.mu.Lock()
	if t.info.State == Running {
		t.info.State = Finished
	}
	t.info.Ended = time.Now()
	info := t.info
	t.mu.Unlock()
	r := t.reg
	r.log.Info("background task ended", "task", info.Name, "kind", info.Kind.String(),
		"state", info.State.String(), "ran", info.Ended.Sub(info.Started).Round(time.Millisecond).String())
	r.mu.Lock()
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// List returns every task, in start order.
func (r *Registry) List() []Info {
	r.mu.Lock()
	ts := append([]*Task(nil), r.tasks...)
	r.mu.Unlock()
	out := make([]Info, len(ts))
	for i, t := range ts {
		out[i] = t.Info()
	}
	return out
}

// StopAccepting makes Go refuse new tasks: the first step of quitting.
func (r *Registry) StopAccepting() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}

// Pending lists the running non-daemon tasks: what a quitting app waits for.
func (r *Registry) Pending() []Info {
	var out []Info
	for _, i := range r.List() {
		if i.Kind == NonDaemon && i.State == Running {
			out = append(out, i)
		}
	}
	return out
}

// WaitNonDaemons waits until no non-daemon task is running, or ctx ends.
func (r *Registry) WaitNonDaemons(ctx context.Context) error {
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if len(r.Pending()) == 0 {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Abandon marks every daemon task still running as abandoned and returns them: the app
// is about to exit without them.
func (r *Registry) Abandon() []Info {
	r.mu.Lock()
	ts := append([]*Task(nil), r.tasks...)
	r.mu.Unlock()
	var out []Info
	for _, t := range ts {
		t.mu.Lock()
		if t.info.Kind == Daemon && t.info.State == Running {
			t.info.State = Abandoned
			close(t.abandoned)
			out = append(out, t.info)
		}
		t.mu.Unlock()
	}
	return out
}
