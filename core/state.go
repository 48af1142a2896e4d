package core

import "time"

// State is where a child is in its life, named as supervisord names them.
type State int

const (
	Starting State = iota // process started, no hello yet
	Running               // said hello: ready for work
	Stopping              // asked to stop, grace period running
	Exited                // ended on its own or after a stop request, exit code 0
	Killed                // ended by a signal or a kill (by ProcLab or from outside)
	Failed                // crashed, exited non-zero, broke the protocol, or never said hello
)

var stateNames = [...]string{"starting", "running", "stopping", "exited", "killed", "failed"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Ended reports whether the process is gone.
func (s State) Ended() bool { return s >= Exited }

// Info is a snapshot of one child, safe to keep and render.
type Info struct {
	ID       string // uuid
	Role     string
	Label    string // what the starter called it, e.g. "worker 3"
	Group    string // which part of the app started it, e.g. "spawn", "backup"
	PID      int
	State    State
	Started  time.Time
	Ready    time.Time // hello received
	Ended    time.Time
	ExitCode int           // -1 while running or when killed by a signal
	Signal   string        // e.g. "killed" when ended by a signal
	Reason   string        // a sentence: "exited 0", "killed by user", "crashed: panic: boom"
	KillAt   time.Time     // while stopping: when the grace period runs out
	CPU      time.Duration // user and system CPU time, once ended

	Restart     Restart // the restart policy
	Restarts    int     // how many times the spec was restarted before this process
	RestartedAs string  // ID of the process that replaced this one after a crash
	RestartOf   string  // ID of the process this one replaced after its crash
	Restarting  bool    // ended, and its replacement starts after the restart delay
}

// Short is the first block of the uuid, enough to tell children apart on screen.
func (i Info) Short() string {
	if len(i.ID) >= 8 {
		return i.ID[:8]
	}
	return i.ID
}

// Uptime is how long the child has lived (so far, or in all).
func (i Info) Uptime(now time.Time) time.Duration {
	if i.Started.IsZero() {
		return 0
	}
	if !i.Ended.IsZero() {
		return i.Ended.Sub(i.Started)
	}
	return now.Sub(i.Started)
}

// EventKind says what an Event reports.
type EventKind int

const (
	EvState  EventKind = iota // a child changed state; Child holds the new snapshot
	EvStderr                  // a line the child wrote to stderr; Line holds it
)

// Event is what the supervisor tells its subscribers.
type Event struct {
	Kind  EventKind
	Child Info
	Line  string
}
