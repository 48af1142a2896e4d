package ui

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"dev.proclab/core"
	"dev.proclab/core/procmon"
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
	Sup  *core.Supervisor
	Log  *slog.Logger
}

// Env is what every tab gets: the app, its window, and the engine.
type Env struct {
	App    fyne.App
	Window fyne.Window
	Sup    *core.Supervisor
	Log    *slog.Logger
	Info   AppInfo
	Mon    *procmon.Monitor // CPU and memory of the app and its children, about once a second

	quitting chan struct{}
	quitOnce sync.Once
	mu       sync.Mutex
	onQuit   []func()
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
	log := o.Log
	if log == nil {
		log = o.Sup.Logger()
	}
	env := &Env{App: a, Window: w, Sup: o.Sup, Log: log, Info: o.Info, quitting: make(chan struct{}),
		Mon: procmon.NewMonitor(o.Sup, time.Second)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-env.quitting; cancel() }()
	go env.Mon.Run(ctx)
	return env
}

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

func (e *Env) beginQuit() (first bool) {
	e.quitOnce.Do(func() {
		close(e.quitting)
		first = true
	})
	return first
}

func (e *Env) runQuitHooks() {
	e.mu.Lock()
	hooks := append([]func(){}, e.onQuit...)
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, fn := range hooks {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	wg.Wait()
}
