package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/core"
	"dev.proclab/daemon"
)

func coreSpecIdle() core.Spec { return core.Spec{Role: "idle", Group: "daemons"} }

// logHas reports whether the app log holds a record whose message starts with msg.
func logHas(env *Env, msg string) bool {
	env.AppLog.Flush(context.Background())
	for _, e := range env.AppLog.Since(0) {
		if strings.HasPrefix(e.Msg, msg) {
			return true
		}
	}
	return false
}

func quitDone(env *Env) bool {
	select {
	case <-env.quitDone:
		return true
	default:
		return false
	}
}

// findObject returns the first object in o's tree (a dialog on the overlay) that match
// accepts, or nil.
func findObject(o fyne.CanvasObject, match func(fyne.CanvasObject) bool) fyne.CanvasObject {
	if match(o) {
		return o
	}
	var kids []fyne.CanvasObject
	switch c := o.(type) {
	case *fyne.Container:
		kids = c.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(c).Objects()
	}
	for _, k := range kids {
		if f := findObject(k, match); f != nil {
			return f
		}
	}
	return nil
}

// findButton finds the button labelled text in o's tree.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	b, _ := findObject(o, func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == text
	}).(*widget.Button)
	return b
}

// answer taps button on the question shown over w (a dialog), after checking that the
// question contains says (unless empty); why is the failure when no question shows.
func answer(t *testing.T, w fyne.Window, why, says, button string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal(why)
	}
	if says != "" && !hasLabel(top, says) {
		t.Errorf("the question does not say %q", says)
	}
	b := findButton(top, button)
	if b == nil {
		t.Fatalf("the question has no %q button", button)
	}
	test.Tap(b)
}

// hasLabel reports whether o's tree shows a label containing text.
func hasLabel(o fyne.CanvasObject, text string) bool {
	return findObject(o, func(o fyne.CanvasObject) bool {
		l, ok := o.(*widget.Label)
		return ok && strings.Contains(l.Text, text)
	}) != nil
}

// Closing the window while children run asks first: "Keep running" changes nothing.
func TestQuitAsksFirstWhileChildrenRun(t *testing.T) {
	env := newTestEnv(t)
	if _, err := env.Sup.Start(coreSpecIdle()); err != nil {
		t.Fatal(err)
	}
	ask := func(button string) {
		onUI(env, func() {
			env.askQuit("window closed")
			answer(t, env.Window, "no question before stopping a running child", "", button)
		})
	}
	ask("Keep running")
	if !env.quitStarted().IsZero() || env.Sup.Running() != 1 {
		t.Fatalf("Keep running: quit started %v, %d children running", env.quitStarted(), env.Sup.Running())
	}
	ask("Quit")
	eventually(t, "the quit to stop the child and end", func() bool { return quitDone(env) && env.Sup.Running() == 0 })
}

func TestQuitWaitsForARunningNonDaemonTask(t *testing.T) {
	env := newTestEnv(t)
	release := make(chan struct{})
	if _, err := env.Daemons.Go("copy files", daemon.NonDaemon, func(t *daemon.Task) { <-release }); err != nil {
		t.Fatal(err)
	}
	env.Quit()
	eventually(t, "the quit sequence to wait for the non-daemon task", func() bool {
		return logHas(env, "quit: waiting for non-daemon tasks")
	})
	if quitDone(env) {
		t.Fatal("the app quit while a non-daemon task was still running")
	}
	if s := env.quitStatus(); !strings.Contains(s, "Waiting for 1 non-daemon task") || !strings.Contains(s, "copy files") {
		t.Fatalf("quit dialog says %q", s)
	}
	if env.Window.Canvas().Overlays().Top() == nil {
		t.Fatal("no quit dialog over the window while waiting")
	}
	close(release)
	eventually(t, "the app to quit once the task finished", func() bool { return quitDone(env) })
	for _, step := range []string{"quit: no new work", "quit: running work cancelled", "quit: non-daemon tasks finished",
		"quit: terminating children", "quit: children stopped", "quit: flushing the log"} {
		if !logHas(env, step) {
			t.Errorf("the log lacks the quit step %q", step)
		}
	}
}

func TestQuitDoesNotWaitForADaemonTask(t *testing.T) {
	env := newTestEnv(t)
	v, _ := newDaemonsView(env)
	v.startDaemonTask()
	env.Quit()
	eventually(t, "the app to quit", func() bool { return quitDone(env) })
	if logHas(env, "quit: waiting for non-daemon tasks") {
		t.Fatal("the app waited although only daemon tasks were running")
	}
	for _, ti := range env.Daemons.List() {
		if ti.Name == "demo daemon 1" && ti.State != daemon.Abandoned {
			t.Fatalf("the demo daemon is %s after quitting, want abandoned", ti.State)
		}
	}
	if !logHas(env, "quit: daemon tasks abandoned") {
		t.Fatal("the log does not say which daemons were abandoned")
	}
}

func TestSecondQuitForcesWhileWaiting(t *testing.T) {
	env := newTestEnv(t)
	release := make(chan struct{})
	defer close(release)
	env.Daemons.Go("stuck", daemon.NonDaemon, func(t *daemon.Task) { <-release })
	env.Quit()
	eventually(t, "the quit sequence to wait", func() bool { return logHas(env, "quit: waiting for non-daemon tasks") })
	env.Quit()
	eventually(t, "the forced quit to finish", func() bool { return quitDone(env) })
	if !logHas(env, "quit forced") {
		t.Fatal("the log does not record the forced quit")
	}
}

func TestQuittingAppRefusesNewWork(t *testing.T) {
	env := newTestEnv(t)
	env.Quit()
	if _, err := env.Daemons.Go("late", daemon.NonDaemon, func(*daemon.Task) {}); err == nil {
		t.Fatal("a background task started after Quit")
	}
	if _, err := env.Sup.Start(coreSpecIdle()); err == nil {
		t.Fatal("a child started after Quit")
	}
	eventually(t, "the app to quit", func() bool { return quitDone(env) })
}

func TestDaemonsTabListsTheAppsDaemons(t *testing.T) {
	env := newTestEnv(t)
	var v *daemonsView
	onUI(env, func() {
		v, _ = newDaemonsView(env)
		v.refreshTasks()
		var names []string
		for _, ti := range v.tasks {
			names = append(names, ti.Name)
		}
		if strings.Join(names, ",") != "logging,monitor,heartbeat" {
			t.Fatalf("daemons listed: %v", names)
		}
		v.startDaemonTask()
		v.startNonDaemonTask(0)
	})
	uiEventually(t, env, "the demo tasks to be listed", func() bool { v.refreshTasks(); return len(v.tasks) == 5 })
}

func TestLogViewFiltersByLevelAndText(t *testing.T) {
	env := newTestEnv(t)
	var v *daemonsView
	onUI(env, func() {
		var s Screen
		v, s = newDaemonsView(env)
		test.NewTempWindow(t, s.Content)
	})
	env.Log.Info("copied a file", "path", "needle.txt")
	env.Log.Warn("slow disk", "path", "other.txt")
	env.Log.Error("copy failed", "path", "needle.bin")
	env.AppLog.Flush(context.Background())
	onUI(env, func() {
		v.pullLog()
		if len(v.shown) < 3 {
			t.Fatalf("log view shows %d records, want at least 3", len(v.shown))
		}
		v.levelSel.SetSelected("Warnings and errors")
		for _, i := range v.shown {
			if v.entries[i].Level < 4 {
				t.Fatalf("level filter let %q through", v.entries[i].Msg)
			}
		}
		test.Type(v.search, "needle")
		if len(v.shown) != 1 || v.entries[v.shown[0]].Msg != "copy failed" {
			t.Fatalf("warnings+ with 'needle' show %d records", len(v.shown))
		}
		v.levelSel.SetSelected("All levels")
		if len(v.shown) != 2 {
			t.Fatalf("'needle' at all levels shows %d records, want 2", len(v.shown))
		}
		v.list.Select(0) // a click shows the record in full under the list
		if want := formatEntry(v.entries[v.shown[0]]); v.detail.Text != want || !strings.Contains(want, "needle.txt") {
			t.Errorf("the selected record in full: %q, want %q", v.detail.Text, want)
		}
	})
}

func TestQuitTerminatesChildrenAndKillsStragglers(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	if _, err := env.Sup.StartReady(ctx, core.Spec{Role: "idle", Group: "daemons"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Sup.StartReady(ctx, core.Spec{Role: "ignore-stop", Group: "daemons"}); err != nil {
		t.Fatal(err)
	}
	env.Quit()
	eventually(t, "the app to quit", func() bool { return quitDone(env) })
	if n := env.Sup.Running(); n != 0 {
		t.Fatalf("%d children still running after the quit", n)
	}
	env.AppLog.Flush(ctx)
	for _, e := range env.AppLog.Since(0) {
		if e.Msg == "quit: children stopped" {
			if e.Attrs != "stopped=1 killed=1" {
				t.Fatalf("quit record says %q, want stopped=1 killed=1", e.Attrs)
			}
			return
		}
	}
	t.Fatal("the log does not record how the children stopped")
}

// With Follow on, the newest record stays in view when the list gets shorter (a panel
// opened above it), not only when a record arrives.
func TestLogFollowKeepsTheNewestRecordInViewWhenTheListShrinks(t *testing.T) {
	env := newTestEnv(t)
	var v *daemonsView
	var w fyne.Window
	onUI(env, func() {
		var s Screen
		v, s = newDaemonsView(env)
		w = test.NewTempWindow(t, s.Content)
		w.Resize(fyne.NewSize(900, 900))
	})
	for i := range 200 {
		env.Log.Info("record", "n", i)
	}
	env.AppLog.Flush(context.Background())
	onUI(env, func() {
		v.pullLog() // Follow scrolls to the newest
		tall := v.list.GetScrollOffset()
		w.Resize(fyne.NewSize(900, 600))
		got := v.list.GetScrollOffset()
		v.list.ScrollToBottom()
		want := v.list.GetScrollOffset()
		if got != want || want <= tall {
			t.Errorf("after shrinking, the log is scrolled to %v; its bottom is %v (%v in the taller window)", got, want, tall)
		}
	})
}

// Closing the window while a non-daemon task runs asks first too: once the quit has
// begun its wait, the dialog offers only Force quit.
func TestQuitAsksFirstWhileANonDaemonTaskRuns(t *testing.T) {
	env := newTestEnv(t)
	release := make(chan struct{})
	defer close(release)
	if _, err := env.Daemons.Go("copy files", daemon.NonDaemon, func(t *daemon.Task) { <-release }); err != nil {
		t.Fatal(err)
	}
	onUI(env, func() {
		env.askQuit("window closed")
		top := env.Window.Canvas().Overlays().Top()
		if top == nil || !hasLabel(top, "1 non-daemon task is running") {
			t.Fatal("no question naming the non-daemon task before the quit waits for it")
		}
		answer(t, env.Window, "no question before waiting for a non-daemon task", "", "Keep running")
	})
	if !env.quitStarted().IsZero() {
		t.Fatal("Keep running started the quit")
	}
}
