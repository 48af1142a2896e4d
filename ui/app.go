package ui

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/core"
	"dev.proclab/daemon"
	"dev.proclab/internal/numfmt"
	"dev.proclab/resources"
)

// StopGrace is how long children get to stop politely when the app quits.
const StopGrace = 2 * time.Second

// Run opens the window and blocks until the app has quit and every child is gone.
func Run(o Options) {
	app.SetMetadata(fyne.AppMetadata{ID: o.Info.ID, Name: o.Info.Name, Version: o.Info.Version,
		Build: o.Info.Build, Icon: resources.Icon, Release: true})
	a := app.NewWithID(o.Info.ID)
	a.SetIcon(resources.Icon)
	w := a.NewWindow(o.Info.Name)
	env := newEnv(a, w, o)
	prefs := a.Preferences()
	if o.Tab == "" {
		o.Tab = prefs.String(prefTab) // where the user left off
	}
	if i := FindTab(o.Tab); i >= 0 && o.Demo {
		content, demo := buildForShot(env, i)
		w.SetContent(content)
		if demo != nil {
			go fyne.Do(func() { demo() })
		}
	} else {
		w.SetContent(Build(env, o.Tab))
	}
	w.SetMainMenu(mainMenu(env))
	keepCanvasKnown(env, w)
	// The size the user left it at; Fyne keeps it above the content's least size.
	w.Resize(fyne.NewSize(float32(prefs.FloatWithFallback(prefWidth, 1100)), float32(prefs.FloatWithFallback(prefHeight, 760))))
	w.SetCloseIntercept(func() { env.askQuit("window closed") })
	w.Canvas().AddShortcut(ctrlQ, func(fyne.Shortcut) { env.askQuit("Ctrl+Q") })
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			env.quit("signal " + s.String())
		}
	}()
	env.Log.Info("window opened", "tab", o.Tab)
	w.ShowAndRun()
	env.loopEnded.Store(true)
	// Fyne ends the loop itself on SIGINT/SIGTERM: finish the quit sequence all the same
	// (a second signal still forces it).
	env.startQuit("window loop ended")
	<-env.quitDone
	signal.Stop(sigs)
	// However the quit went, no child outlives the window.
	ctx, cancel := context.WithTimeout(context.Background(), 2*StopGrace)
	defer cancel()
	env.Sup.Shutdown(ctx, StopGrace)
	env.Log.Info("window closed")
}

// The window's place in Preferences: its size and tab are kept for the next start.
const (
	prefWidth  = "window.width"
	prefHeight = "window.height"
	prefTab    = "window.tab"
	// maxRemembered bounds a remembered size: a window left maximised on a big screen
	// must not open past the edges of a smaller one.
	maxRemembered = 2560
)

// rememberWindow keeps the window's size and tab for the next start. It runs on the
// main goroutine, when the user quits.
func (e *Env) rememberWindow() {
	if e.Window == nil {
		return
	}
	prefs := e.App.Preferences()
	if sz := e.Window.Canvas().Size(); sz.Width > 0 && sz.Height > 0 {
		prefs.SetFloat(prefWidth, float64(min(sz.Width, maxRemembered)))
		prefs.SetFloat(prefHeight, float64(min(sz.Height, maxRemembered)))
	}
	if e.tabs != nil {
		if i := e.tabs.SelectedIndex(); i >= 0 && i < len(e.tabNames) {
			prefs.SetString(prefTab, e.tabNames[i])
		}
	}
}

var ctrlQ = &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}

// Quit stops the app as the window's close button does. A second call while quitting
// forces it.
func (e *Env) Quit() { e.quit("quit requested") }

// quit starts the quit sequence, or forces it when it is already under way. It never
// blocks: it is called from the window's callbacks.
func (e *Env) quit(why string) {
	if !e.startQuit(why) {
		e.forceQuit(why)
	}
}

// askQuit is the user's quit (close button, menu, Ctrl+Q): while child processes or
// non-daemon tasks run it first asks, since quitting stops the children (a backup is
// cancelled) and waits for the tasks; once the wait has begun, only Force quit is left.
// A quit already under way is forced at once, as quit does.
func (e *Env) askQuit(why string) {
	e.rememberWindow()
	n, tasks := e.Sup.Running(), len(e.Daemons.Pending())
	if n == 0 && tasks == 0 || e.Window == nil || e.quitStarted() != (time.Time{}) {
		e.quit(why)
		return
	}
	var lines []string
	switch {
	case n == 1:
		lines = append(lines, "1 child process is running: quitting stops it.")
	case n > 1:
		lines = append(lines, fmt.Sprintf("%d child processes are running: quitting stops them.", n))
	}
	switch {
	case tasks == 1:
		lines = append(lines, "1 non-daemon task is running: the app waits for it to finish before it quits.")
	case tasks > 1:
		lines = append(lines, fmt.Sprintf("%d non-daemon tasks are running: the app waits for them to finish before it quits.", tasks))
	}
	msg := strings.Join(lines, "\n")
	for _, c := range e.Sup.List() {
		if c.Group == "backup" && !c.State.Ended() {
			msg += "\nThe backup under way is cancelled; running it again resumes it."
			break
		}
	}
	d := dialog.NewConfirm("Quit "+e.Info.Name+"?", msg, func(ok bool) {
		if ok {
			e.quit(why)
		}
	}, e.Window)
	d.SetConfirmText("Quit")
	// Red, not the blue of a suggested answer: quitting stops work under way.
	d.SetConfirmImportance(widget.DangerImportance)
	d.SetDismissText("Keep running")
	d.Show()
}

// startQuit begins the quit sequence unless it has begun already.
func (e *Env) startQuit(why string) bool {
	if !e.beginQuit() {
		return false
	}
	// Step 1: no new work. Tabs see Quitting(); new children and tasks are refused.
	e.Sup.StopAccepting()
	e.Daemons.StopAccepting()
	e.Log.Info("quit: no new work accepted", "why", why, "children", e.Sup.Running(),
		"non_daemon_tasks", len(e.Daemons.Pending()))
	if len(e.Daemons.Pending()) > 0 || e.Sup.Running() > 0 {
		e.showQuitting()
	}
	go e.quitSequence()
	return true
}

// quitSequence winds the app down in order and writes each step to the log.
func (e *Env) quitSequence() {
	defer e.finishQuit()
	e.setStage("Cancelling running work…")
	n := e.runQuitHooks()
	e.Log.Info("quit: running work cancelled", "hooks", n)

	if p := e.Daemons.Pending(); len(p) > 0 {
		e.setStage("")
		e.Log.Info("quit: waiting for non-daemon tasks, as Python waits for non-daemon threads", "tasks", taskNames(p))
		if err := e.Daemons.WaitNonDaemons(e.forced); err != nil {
			return // forced: forceQuit has done the rest
		}
		e.Log.Info("quit: non-daemon tasks finished")
	}
	if a := e.Daemons.Abandon(); len(a) > 0 {
		e.Log.Info("quit: daemon tasks abandoned, as Python abandons daemon threads", "tasks", taskNames(a))
	}

	live := e.Sup.Running()
	e.setStage(fmt.Sprintf("Stopping %d child processes (%s grace, then kill)…", live, numfmt.Duration(StopGrace)))
	e.Log.Info("quit: terminating children", "children", live, "grace", StopGrace.String())
	ctx, cancel := context.WithTimeout(e.forced, 2*StopGrace)
	defer cancel()
	err := e.Sup.Shutdown(ctx, StopGrace)
	if e.forced.Err() != nil {
		return
	}
	stopped, killed := 0, 0
	for _, c := range e.Sup.List() {
		if c.Ended.IsZero() || c.Ended.Before(e.quitStarted()) {
			continue
		}
		if c.State == core.Killed {
			killed++
		} else {
			stopped++
		}
	}
	if err != nil {
		e.Log.Warn("quit: children still running after the grace period; killed", "error", err.Error())
	}
	e.Log.Info("quit: children stopped", "stopped", stopped, "killed", killed)
	e.setStage("Writing the log…")
	e.Log.Info("quit: flushing the log and exiting")
	fctx, fcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer fcancel()
	e.AppLog.Flush(fctx)
}

// forceQuit is the second close: abandon what is still waited for, kill every child,
// and exit as soon as the log is written (or a second has passed).
func (e *Env) forceQuit(why string) {
	select {
	case <-e.quitDone:
		return
	default:
	}
	if e.forced.Err() != nil {
		return
	}
	e.force()
	e.Log.Warn("quit forced: abandoning remaining tasks and killing every child", "why", why,
		"non_daemon_tasks", taskNames(e.Daemons.Pending()), "children", e.Sup.Running())
	e.Sup.KillAll("killed: app force-quit")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		e.AppLog.Flush(ctx)
		e.finishQuit()
	}()
}

func (e *Env) finishQuit() {
	e.doneOnce.Do(func() {
		close(e.quitDone)
		e.onMain(e.App.Quit)
	})
}

// onMain runs fn on the main goroutine unless the window's loop has ended: once it has,
// fyne.Do runs fn in place, and GLFW panics on a window call (seen on a second SIGTERM).
func (e *Env) onMain(fn func()) {
	if e.loopEnded.Load() {
		return
	}
	fyne.Do(func() {
		if !e.loopEnded.Load() {
			fn()
		}
	})
}

func (e *Env) setStage(s string) { e.stage.Store(s) }

func (e *Env) quitStarted() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.quitAt
}

func taskNames(ts []daemon.Info) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return strings.Join(out, ", ")
}

// showQuitting shows what the app is waiting for, with a countdown for non-daemon tasks
// that know when they will be done, and a button to stop waiting. It may be called from
// any goroutine (a signal): the dialog is built on the main one.
func (e *Env) showQuitting() {
	if e.Window == nil || e.loopEnded.Load() {
		return
	}
	e.onMain(func() {
		what := widget.NewLabel(e.quitStatus())
		what.Wrapping = fyne.TextWrapWord
		force := widget.NewButton("Force quit", func() { e.quit("Force quit button") })
		force.Importance = widget.DangerImportance
		note := widget.NewLabel("Daemon tasks (logging, monitor, heartbeat and any you started) are abandoned, as Python abandons daemon threads.")
		note.Wrapping = fyne.TextWrapWord
		body := container.NewVBox(what, note, container.NewHBox(layout.NewSpacer(), force))
		d := dialog.NewCustomWithoutButtons("Quitting "+e.Info.Name, body, e.Window)
		d.Resize(fyne.NewSize(520, 240))
		d.Show()
		e.untilExit(200*time.Millisecond, func() { what.SetText(e.quitStatus()) })
	})
}

// quitStatus says what the quit sequence is waiting for, with countdowns.
func (e *Env) quitStatus() string {
	if p := e.Daemons.Pending(); len(p) > 0 {
		var b strings.Builder
		if len(p) == 1 {
			b.WriteString("Waiting for 1 non-daemon task to finish:")
		} else {
			fmt.Fprintf(&b, "Waiting for %d non-daemon tasks to finish:", len(p))
		}
		for _, t := range p {
			fmt.Fprintf(&b, "\n• %s", t.Name)
			if !t.Due.IsZero() {
				left := time.Until(t.Due)
				fmt.Fprintf(&b, ": %.1f s left", max(left.Seconds(), 0))
			} else {
				fmt.Fprintf(&b, ": running for %.0f s", time.Since(t.Started).Seconds())
			}
			if t.Activity != "" {
				fmt.Fprintf(&b, " (%s)", t.Activity)
			}
		}
		return b.String()
	}
	if s, _ := e.stage.Load().(string); s != "" {
		return s
	}
	return "Quitting…"
}

// openLogFolder shows the log file's folder in the system's file manager.
func (e *Env) openLogFolder() {
	path := e.AppLog.Path()
	if path == "" {
		e.Log.Warn("no log folder to open: the log is kept in memory only")
		return
	}
	u, err := url.Parse(storage.NewFileURI(filepath.Dir(path)).String())
	if err == nil {
		err = e.App.OpenURL(u)
	}
	if err != nil {
		e.Log.Warn("could not open the log folder", "folder", filepath.Dir(path), "error", err.Error())
		return
	}
	e.Log.Info("log folder opened", "folder", filepath.Dir(path))
}

// Build makes the window's content: the tabs and the status bar.
func Build(env *Env, open string) fyne.CanvasObject {
	tabs := container.NewAppTabs()
	for _, t := range Tabs {
		s := t.Build(env)
		tabs.Append(container.NewTabItem(t.Title, framed(env, t, s.Content)))
	}
	if i := FindTab(open); i >= 0 {
		tabs.SelectIndex(i)
	}
	env.tabs, env.tabNames = tabs, TabNames()
	return container.NewBorder(nil, newStatusBar(env), nil, nil, tabs)
}

func newStatusBar(env *Env) fyne.CanvasObject {
	children := widget.NewLabel("")
	usage := widget.NewLabel("")
	dropped := widget.NewLabel("")
	dropped.Importance = widget.WarningImportance
	dropped.Hide()
	update := func() {
		n := env.Sup.Running()
		switch n {
		case 0:
			setText(children, "No child processes running")
		case 1:
			setText(children, "1 child process running")
		default:
			setText(children, fmt.Sprintf("%d child processes running", n))
		}
		if self := env.Mon.Self(); !self.At.IsZero() {
			setText(usage, fmt.Sprintf("App CPU %.0f%% · memory %s", self.CPUPercent, mib(self.RSS)))
		}
		if d := env.AppLog.Dropped(); d > 0 {
			setText(dropped, fmt.Sprintf("⚠ %d log records dropped", d))
			dropped.Show()
		}
	}
	update()
	env.untilExit(500*time.Millisecond, update)
	// A child starting or ending shows at once, not up to half a second late ("No child
	// processes running" beside two workers copying); a burst of a hundred is one redraw.
	var queued atomic.Bool
	stop := env.Sup.Subscribe(func(core.Event) {
		if !env.loopEnded.Load() && queued.CompareAndSwap(false, true) {
			env.Do(func() {
				queued.Store(false)
				update()
			})
		}
	})
	env.OnQuit(stop)
	version := widget.NewLabel(env.Info.Name + " " + env.Info.Version)
	left := container.NewHBox(children, widget.NewSeparator(), usage, dropped)
	return container.NewBorder(widget.NewSeparator(), nil, nil, version, left)
}
