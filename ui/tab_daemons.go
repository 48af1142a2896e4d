package ui

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/applog"
	"dev.proclab/core"
	"dev.proclab/daemon"
)

var daemonsTab = Tab{
	Name:  "daemons",
	Title: "Daemons",
	How:   `A daemon is background work the app abandons when it quits; a non-daemon task keeps the app alive until it finishes (Python: Thread(daemon=True) versus the default, which the interpreter joins at exit). ProcLab's own daemons are goroutines: the log writer (senders never wait: when it falls behind, records are counted as dropped), the process monitor and a heartbeat. Start a daemon task and a non-daemon task, then Quit: the app asks first, then waits for the non-daemon one, with a countdown and Force quit, and abandons the daemon. The log below is the file the command line writes to as well.`,
	Build: buildDaemons,
}

// logLevels are the level filter's choices: the least severe level each one shows.
var logLevels = []struct {
	name  string
	level slog.Level
}{
	{"All levels", slog.LevelDebug},
	{"Info and above", slog.LevelInfo},
	{"Warnings and errors", slog.LevelWarn},
	{"Errors only", slog.LevelError},
}

// logViewMax caps the records the view holds, as the daemon's ring does.
const logViewMax = applog.DefaultRing

type daemonsView struct {
	env *Env

	tasks  []daemon.Info
	drawn  time.Time     // when the task table was last refreshed
	detail *widget.Label // the selected log record in full
	table  *widget.Table

	entries  []applog.Entry // the latest records, oldest first
	shown    []int          // indexes into entries that pass the filter
	lastSeq  uint64
	minLevel slog.Level
	query    string
	follow   bool
	list     *widget.List
	summary  *widget.Label
	levelSel *widget.Select
	search   *widget.Entry

	daemons, workers int // demo tasks started, for their names
}

func buildDaemons(env *Env) Screen {
	_, s := newDaemonsView(env)
	return s
}

func newDaemonsView(env *Env) (*daemonsView, Screen) {
	v := &daemonsView{env: env, follow: true, minLevel: slog.LevelDebug}
	top := container.NewBorder(nil, v.demoBar(), nil, nil, v.taskTable())
	split := container.NewVSplit(top, v.logView())
	// The app's three daemons and two started tasks above, about as many log rows below.
	split.Offset = 0.5
	v.refreshTasks()
	v.pullLog()
	env.untilExit(500*time.Millisecond, v.refreshTasks)
	env.untilExit(250*time.Millisecond, v.pullLog)
	return v, Screen{Content: split, Demo: v.demo}
}

var taskColumns = []tableColumn{{"Task", 170}, {"Kind", 118}, {"State", 95}, {"Ticks", 70}, {"Last tick", 90}, {"Last activity", 500}}

func (v *daemonsView) taskTable() fyne.CanvasObject {
	v.table = widget.NewTable(
		func() (int, int) { return len(v.tasks), len(taskColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row >= len(v.tasks) {
				l.SetText("")
				return
			}
			t := v.tasks[id.Row]
			imp, bold := widget.MediumImportance, false
			var text string
			switch id.Col {
			case 0:
				text = t.Name
			case 1:
				text = t.Kind.String()
				// Bold, the kind a quit waits for: in blue it read as a link.
				bold = t.Kind == daemon.NonDaemon
			case 2:
				text = t.State.String()
				switch t.State {
				case daemon.Finished:
					imp = widget.SuccessImportance // grey read as disabled, not as done
				case daemon.Abandoned, daemon.Stopped:
					imp = widget.WarningImportance
				}
			case 3:
				text = fmt.Sprint(t.Ticks)
			case 4:
				text = age(t.Last)
			case 5:
				text = t.Activity
			}
			l.Importance, l.TextStyle.Bold = imp, bold
			l.SetText(text)
		})
	setColumns(v.table, taskColumns)
	return v.table
}

// age says how long ago t was, briefly.
func age(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t)
	switch {
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%.0f s ago", d.Seconds())
	default:
		return fmt.Sprintf("%.0f min ago", d.Minutes())
	}
}

// refreshTasks redraws the task table when a task moved, or once a second for the ages
// it shows ("3 s ago").
func (v *daemonsView) refreshTasks() {
	tasks := v.env.Daemons.List()
	if slices.Equal(tasks, v.tasks) && time.Since(v.drawn) < time.Second {
		return
	}
	grew := len(tasks) > len(v.tasks)
	v.tasks, v.drawn = tasks, time.Now()
	v.table.Refresh()
	// A task just started shows, not below the buttons; but not while the tab has never
	// been shown: scrolled at no height, the table opened past its first rows, with
	// "heartbeat" alone in an empty table (Fyne keeps the offset; seen in the window).
	if grew && v.table.Size().Height > 0 {
		v.table.ScrollToBottom()
	}
}

// demoBar starts Python's two kinds of background work, and quits.
func (v *daemonsView) demoBar() fyne.CanvasObject {
	startDaemon := widget.NewButton("Start a daemon task", func() { v.startDaemonTask() })
	startWorker := widget.NewButton("Start a non-daemon task (10 s)", func() { v.startNonDaemonTask(10 * time.Second) })
	quit := widget.NewButton("Quit the app", func() { v.env.askQuit("Quit button on the Daemons tab") })
	quit.Importance = widget.DangerImportance
	return container.NewHBox(startDaemon, startWorker, layout.NewSpacer(), quit)
}

// startDaemonTask runs a counter until the app quits without waiting for it.
func (v *daemonsView) startDaemonTask() {
	v.daemons++
	name := fmt.Sprintf("demo daemon %d", v.daemons)
	_, err := v.env.Daemons.Go(name, daemon.Daemon, func(t *daemon.Task) {
		tk := time.NewTicker(500 * time.Millisecond)
		defer tk.Stop()
		for n := 1; ; n++ {
			t.Tick(fmt.Sprintf("counted to %d; will be abandoned at quit", n))
			select {
			case <-t.Abandoned():
				return
			case <-tk.C:
			}
		}
	})
	if err != nil {
		v.env.Log.Warn("daemon task not started", "error", err.Error())
	}
}

// startNonDaemonTask runs work of a known length that a quitting app waits for.
func (v *daemonsView) startNonDaemonTask(length time.Duration) {
	v.workers++
	name := fmt.Sprintf("demo non-daemon %d", v.workers)
	log := v.env.Log
	_, err := v.env.Daemons.Go(name, daemon.NonDaemon, func(t *daemon.Task) {
		const steps = 50
		t.SetDue(time.Now().Add(length))
		for i := 1; i <= steps; i++ {
			time.Sleep(length / steps)
			t.Tick(fmt.Sprintf("step %d of %d", i, steps))
		}
		log.Info("non-daemon task done", "task", name)
	})
	if err != nil {
		v.env.Log.Warn("non-daemon task not started", "error", err.Error())
	}
}

func (v *daemonsView) logView() fyne.CanvasObject {
	v.list = widget.NewList(
		func() int { return len(v.shown) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			l.TextStyle.Monospace = true
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id >= len(v.shown) {
				l.SetText("")
				return
			}
			e := v.entries[v.shown[id]]
			l.Importance = levelImportance(e.Level)
			l.SetText(formatEntry(e))
		})

	names := make([]string, len(logLevels))
	for i, l := range logLevels {
		names[i] = l.name
	}
	level := widget.NewSelect(names, func(s string) {
		for _, l := range logLevels {
			if l.name == s {
				v.minLevel = l.level
			}
		}
		v.refilter()
	})
	level.SetSelected(logLevels[0].name)
	v.levelSel = level
	search := widget.NewEntry()
	// Short: in a narrow window a longer placeholder scrolled inside the field.
	search.SetPlaceHolder("Search messages, child IDs, attributes")
	search.OnChanged = func(s string) {
		v.query = strings.ToLower(strings.TrimSpace(s))
		v.refilter()
	}
	v.search = search
	follow := widget.NewCheck("Follow", func(on bool) {
		v.follow = on
		if on {
			v.list.ScrollToBottom()
		}
	})
	follow.SetChecked(true)
	open := widget.NewButton("Open log folder", v.env.openLogFolder)
	if v.env.AppLog.Path() == "" {
		open.Disable()
	}
	v.summary = widget.NewLabel("")
	v.summary.Truncation = fyne.TextTruncateEllipsis
	// As wide as its longest choice: at its own least width it showed "Warnings a…".
	levelBox := container.NewGridWrap(fyne.NewSize(selectWidth(names), level.MinSize().Height), level)
	bar := container.NewBorder(nil, nil, levelBox, container.NewHBox(follow, open), search)
	// Long records are cut at the list's width.
	var show func(string)
	v.detail, show = fullLine()
	v.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(v.shown) {
			show(formatEntry(v.entries[v.shown[id]]))
		}
	}
	return container.NewBorder(container.NewVBox(bar, v.summary), v.detail, nil, nil,
		followed(v.list, func() bool { return v.follow }))
}

// selectWidth is the width a Select needs to show the longest of its options whole:
// the text, the drop-down icon and the paddings around both.
func selectWidth(options []string) float32 {
	w := float32(0)
	for _, o := range options {
		w = max(w, fyne.MeasureText(o, theme.TextSize(), fyne.TextStyle{}).Width)
	}
	return w + theme.IconInlineSize() + 4*theme.InnerPadding()
}

func levelImportance(l slog.Level) widget.Importance {
	switch {
	case l >= slog.LevelError:
		return widget.DangerImportance
	case l >= slog.LevelWarn:
		return widget.WarningImportance
	case l < slog.LevelInfo:
		return widget.LowImportance
	}
	return widget.MediumImportance
}

func formatEntry(e applog.Entry) string {
	lvl := e.Level.String()
	s := fmt.Sprintf("%s %-5s %s", e.Time.Format("15:04:05.000"), lvl, e.Msg)
	if e.Attrs != "" {
		s += "  " + e.Attrs
	}
	return s
}

func (v *daemonsView) passes(e applog.Entry) bool {
	if e.Level < v.minLevel {
		return false
	}
	if v.query == "" {
		return true
	}
	return strings.Contains(strings.ToLower(e.Msg), v.query) || strings.Contains(strings.ToLower(e.Attrs), v.query)
}

func (v *daemonsView) refilter() {
	v.shown = v.shown[:0]
	for i, e := range v.entries {
		if v.passes(e) {
			v.shown = append(v.shown, i)
		}
	}
	if v.list != nil {
		v.list.Refresh()
		if v.follow {
			v.list.ScrollToBottom()
		}
	}
	v.updateSummary()
}

// pullLog takes the records the daemon has kept since the last tick: one batch, one
// refresh, however fast the app logs.
func (v *daemonsView) pullLog() {
	fresh := v.env.AppLog.Since(v.lastSeq)
	if len(fresh) > 0 {
		v.lastSeq = fresh[len(fresh)-1].Seq
		v.entries = append(v.entries, fresh...)
		if over := len(v.entries) - logViewMax; over > 0 {
			v.entries = append([]applog.Entry(nil), v.entries[over:]...)
			v.refilter()
			return
		}
		for i := len(v.entries) - len(fresh); i < len(v.entries); i++ {
			if v.passes(v.entries[i]) {
				v.shown = append(v.shown, i)
			}
		}
		v.list.Refresh()
		if v.follow {
			v.list.ScrollToBottom()
		}
	}
	v.updateSummary()
}

func (v *daemonsView) updateSummary() {
	if v.summary == nil {
		return
	}
	lg := v.env.AppLog
	where := "kept in memory only (no log file)"
	if p := lg.Path(); p != "" {
		where = p
	}
	s := fmt.Sprintf("Showing %d of the latest %d records · %d dropped · %s", len(v.shown), len(v.entries), lg.Dropped(), where)
	setText(v.summary, s)
}

// demo starts both kinds of task and a child that crashes, so the log has levels to show.
func (v *daemonsView) demo() time.Duration {
	v.startDaemonTask()
	v.startNonDaemonTask(10 * time.Second)
	log := v.env.Log
	go func() {
		if _, err := v.env.Sup.Start(core.Spec{Role: "crash", Args: []string{"0"}, Label: "crash demo", Group: "daemons"}); err != nil {
			log.Warn("demo child not started", "error", err.Error())
		}
	}()
	log.Info("demo: one daemon and one non-daemon task started; press Quit to see the difference")
	return 1500 * time.Millisecond
}
