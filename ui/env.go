package ui

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"dev.proclab/applog"
	"dev.proclab/core"
	"dev.proclab/core/procmon"
	"dev.proclab/daemon"
	"dev.proclab/internal/numfmt"
)

// AppInfo is the app's identity, read from FyneApp.toml by the caller.
type AppInfo struct {
	Name, ID, Version string
	Build             int
}

// Options configure the window.
type Options struct {
	Info AppInfo
	Tab  string // open on this tab
	Demo bool   // and run its demo scenario (children at work) once the window is up
	Sup  *core.Supervisor
	Log  *slog.Logger
	// AppLog is the logging daemon behind Log; without one the window keeps a log in
	// memory only (tests, a cache folder that cannot be written).
	AppLog *applog.Log
}

// Env is what every tab gets: the app, its window, and the engine.
type Env struct {
	App    fyne.App
	Window fyne.Window
	Sup    *core.Supervisor
	Log    *slog.Logger
	Info   AppInfo
	Mon    *procmon.Monitor // CPU and memory of the app and its children, about once a second
	AppLog *applog.Log      // the logging daemon: its ring feeds the Daemons tab
	// Daemons lists the app's background goroutines; a non-daemon task keeps a quitting
	// app alive until it finishes.
	Daemons *daemon.Registry

	how  *howPanels         // main goroutine only
	tabs *container.AppTabs // the window's tabs, once built
	// tabNames names them (Tabs itself is out of reach here: its tabs quit through Env).
	tabNames []string

	killAllMu     sync.Mutex
	beforeKillAll []func(reason string)

	quitting  chan struct{}
	quitOnce  sync.Once
	quitDone  chan struct{} // closed when the quit sequence (or a forced quit) is over
	doneOnce  sync.Once
	forced    context.Context // ends when a quit is forced
	force     context.CancelFunc
	loopEnded atomic.Bool  // the window's loop has returned: nothing more can be shown
	stage     atomic.Value // string: what the quit sequence is doing, for its dialog
	mu        sync.Mutex
	quitAt    time.Time
	onQuit    []func()
}

// OnKillAll registers fn to run when the user kills every child (the Kill tab), before
// they are killed: a tab ends its run there, so that it starts no replacement.
func (e *Env) OnKillAll(fn func(reason string)) {
	e.killAllMu.Lock()
	defer e.killAllMu.Unlock()
	e.beforeKillAll = append(e.beforeKillAll, fn)
}

// KillAll ends the tabs' runs and kills every child, each with reason.
func (e *Env) KillAll(reason string) {
	e.killAllMu.Lock()
	fns := slices.Clone(e.beforeKillAll)
	e.killAllMu.Unlock()
	for _, fn := range fns {
		fn(reason)
	}
	e.Sup.KillAll(reason)
}

// uiSerial is held while a function from Every or Do runs. On the main loop that costs
// nothing; Fyne's test driver runs them inline on other goroutines, so a test holds it
// while it touches widgets (Fyne's widget caches are global, hence one lock for all).
var uiSerial sync.Mutex

// Do runs fn on the main goroutine, like fyne.Do, serialised with Every's functions.
func (e *Env) Do(fn func()) {
	fyne.Do(func() {
		uiSerial.Lock()
		defer uiSerial.Unlock()
		fn()
	})
}

func newEnv(a fyne.App, w fyne.Window, o Options) *Env {
	lg := o.AppLog
	if lg == nil {
		lg, _ = applog.Open(applog.Options{Source: "gui"}) // memory only: cannot fail
	}
	log := o.Log
	if log == nil {
		log = lg.Logger()
	}
	env := &Env{App: a, Window: w, Sup: o.Sup, Log: log, Info: o.Info, quitting: make(chan struct{}),
		quitDone: make(chan struct{}), Mon: procmon.NewMonitor(o.Sup, time.Second), AppLog: lg,
		Daemons: daemon.New(log)}
	env.forced, env.force = context.WithCancel(context.Background())
	env.stage.Store("")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-env.quitting; cancel() }()
	go env.Mon.Run(ctx)
	env.startDaemons()
	return env
}

// startDaemons lists the app's own daemons: the log writer and the monitor run
// elsewhere and are watched; the heartbeat is started here.
func (e *Env) startDaemons() {
	e.Daemons.Watch("logging", func() daemon.Probe {
		st := e.AppLog.Stats()
		act := fmt.Sprintf("%d records written", st.Written)
		if e.AppLog.Path() == "" {
			act = fmt.Sprintf("%d records kept in memory (no log file)", st.Written)
		}
		if st.Dropped > 0 {
			act += fmt.Sprintf(", %d dropped", st.Dropped)
		}
		if st.LastErr != nil {
			act += ": " + st.LastErr.Error()
		}
		// It ticks only when records come: say so, or "12 s ago" reads as stuck.
		if time.Since(st.LastWrite) >= 2*time.Second {
			act = "idle until a record comes; " + act
		}
		return daemon.Probe{Ticks: st.Written, Last: st.LastWrite, Activity: act}
	})
	e.Daemons.Watch("monitor", func() daemon.Probe {
		ticks, last := e.Mon.Heartbeat()
		self := e.Mon.Self()
		return daemon.Probe{Ticks: ticks, Last: last,
			Activity: fmt.Sprintf("app CPU %.0f%%, memory %s; %s sampled", self.CPUPercent, mib(self.RSS), numfmt.Count(e.Sup.Running(), "child", "children"))}
	})
	e.Daemons.Go("heartbeat", daemon.Daemon, func(t *daemon.Task) {
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			t.Tick(fmt.Sprintf("alive: %d goroutines, Go heap %s, %d GCs", runtime.NumGoroutine(), mib(ms.HeapAlloc), ms.NumGC))
			select {
			case <-t.Abandoned():
				return
			case <-tk.C:
			}
		}
	})
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// Quitting is closed when the app starts to quit; background loops end on it.
func (e *Env) Quitting() <-chan struct{} { return e.quitting }

// OnQuit registers work to do when the app quits, before children are stopped (cancel a
// backup cleanly, say). fn runs off the main goroutine and may block briefly.
func (e *Env) OnQuit(fn func()) {
	e.mu.Lock()
	e.onQuit = append(e.onQuit, fn)
	e.mu.Unlock()
}

// Every runs fn on the main goroutine every interval until the app quits. This is how
// tabs batch a stream: producers fill a buffer, fn moves it to the widgets once a tick.
func (e *Env) Every(interval time.Duration, fn func()) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-e.quitting:
				return
			case <-t.C:
				// DoAndWait: a slow frame delays the next tick instead of queueing a backlog.
				fyne.DoAndWait(func() {
					uiSerial.Lock()
					defer uiSerial.Unlock()
					select {
					case <-e.quitting: // quit while this tick waited
					default:
						fn()
					}
				})
			}
		}
	}()
}

// untilExit is Every for views that should stay live while the app quits (the log
// and the task list show the quit sequence as it happens): it stops when the quit is
// over or the window's loop has ended.
func (e *Env) untilExit(interval time.Duration, fn func()) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-e.quitDone:
				return
			case <-t.C:
				if e.loopEnded.Load() {
					return
				}
				fyne.DoAndWait(func() {
					uiSerial.Lock()
					defer uiSerial.Unlock()
					fn()
				})
			}
		}
	}()
}

func (e *Env) beginQuit() (first bool) {
	e.quitOnce.Do(func() {
		e.mu.Lock()
		e.quitAt = time.Now()
		e.mu.Unlock()
		close(e.quitting)
		first = true
	})
	return first
}

// runQuitHooks runs every OnQuit function at once and waits for them; it returns how
// many ran.
func (e *Env) runQuitHooks() int {
	e.mu.Lock()
	hooks := append([]func(){}, e.onQuit...)
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, fn := range hooks {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	wg.Wait()
	return len(hooks)
}
