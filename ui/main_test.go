package ui

import (
	"context"
	"image/color"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/core"
	"dev.proclab/internal/testhome"
	_ "dev.proclab/role" // the test binary re-executes itself as ProcLab's children
)

func TestMain(m *testing.M) {
	os.Exit(testhome.Run(m))
}

// newTestEnv gives a tab what the window gives it, on Fyne's test driver, with a real
// supervisor whose children are stopped when the test ends.
func newTestEnv(t testing.TB) *Env {
	t.Helper()
	// A new test app clears Fyne's global caches: not while an earlier test's last
	// update (which holds uiSerial) may still be drawing.
	// Cleanups run last-registered first: the app reset that NewTempApp registers runs
	// between these two, under the lock, after the env's own cleanup below.
	t.Cleanup(uiSerial.Unlock)
	uiSerial.Lock()
	a := test.NewTempApp(t)
	t.Cleanup(uiSerial.Lock)
	w := test.NewTempWindow(t, container.NewStack())
	uiSerial.Unlock()
	w.Resize(fyne.NewSize(1100, 760))
	sup, err := core.New(core.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(a, w, Options{Info: AppInfo{Name: "ProcLab", ID: "dev.proclab.test", Version: "test"}, Sup: sup})
	t.Cleanup(func() {
		env.beginQuit()
		env.runQuitHooks()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sup.Shutdown(ctx, time.Second); err != nil {
			t.Errorf("children still running at the end of the test: %v", err)
		}
		env.finishQuit() // ends the views that stay live while the app quits
	})
	return env
}

// eventually polls cond (on the test driver, fyne.Do runs inline) until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWindowHasSixTabsInOrder(t *testing.T) {
	env := newTestEnv(t)
	uiSerial.Lock() // the tabs' tickers touch widgets too
	defer uiSerial.Unlock()
	content := Build(env, "queue")
	env.Window.SetContent(content)
	var tabs *container.AppTabs
	for _, o := range test.LaidOutObjects(content) {
		if at, ok := o.(*container.AppTabs); ok {
			tabs = at
		}
	}
	if tabs == nil {
		t.Fatal("no tabs in the window")
	}
	var got []string
	for _, it := range tabs.Items {
		got = append(got, it.Text)
	}
	want := []string{"Spawn", "Kill", "Queue", "Pipe", "Backup", "Daemons"}
	if len(got) != len(want) {
		t.Fatalf("tabs %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("tabs %v, want %v", got, want)
		}
	}
	if tabs.Selected().Text != "Queue" {
		t.Fatalf("opened on %q, want Queue", tabs.Selected().Text)
	}

	// The user's quit keeps the size and tab for the next start.
	tabs.SelectIndex(3)
	env.Window.Resize(fyne.NewSize(900, 700))
	env.rememberWindow()
	prefs := env.App.Preferences()
	if got := prefs.String(prefTab); got != "pipe" {
		t.Errorf("remembered tab %q, want pipe", got)
	}
	if w, h := prefs.Float(prefWidth), prefs.Float(prefHeight); w != 900 || h != 700 {
		t.Errorf("remembered size %vx%v, want 900x700", w, h)
	}
}

// Closing "How it works" on one tab closes it on every tab, and the next start
// (a new set of panels on the same app) opens closed.
func TestHowItWorksClosesOnEveryTabAndIsRemembered(t *testing.T) {
	env := newTestEnv(t)
	uiSerial.Lock()
	defer uiSerial.Unlock()
	framedTabs := func() []fyne.CanvasObject {
		var out []fyne.CanvasObject
		for _, tab := range Tabs {
			out = append(out, framed(env, tab, widget.NewLabel(tab.Title)))
		}
		return out
	}
	framedTabs()
	h := env.how
	if !h.open || !h.bodies[3].Visible() {
		t.Fatal("the panels start closed on a first start; they should start open")
	}
	test.Tap(h.heads[1])
	for i, b := range h.bodies {
		if b.Visible() {
			t.Errorf("tab %d's text still shows after closing it on tab 1", i)
		}
	}
	if env.App.Preferences().BoolWithFallback(prefHowOpen, true) {
		t.Error("the closed state is not remembered")
	}
	env.how = nil // as at the next start
	framedTabs()
	if env.how.open || env.how.bodies[0].Visible() {
		t.Error("the next start opens the panels the user closed")
	}
	test.Tap(env.how.heads[5])
	if !env.how.bodies[0].Visible() || !env.App.Preferences().Bool(prefHowOpen) {
		t.Error("opening them again did not open every tab's, or was not remembered")
	}
}

// In a small window the text keeps two whole lines and scrolls, and the content below it
// keeps a few rows beyond its minimum; in a large one the whole text shows.
func TestHowItWorksGivesWayToTheContentInASmallWindow(t *testing.T) {
	env := newTestEnv(t)
	uiSerial.Lock()
	defer uiSerial.Unlock()
	content := canvas.NewRectangle(color.Black)
	content.SetMinSize(fyne.NewSize(600, 400))
	c := framed(env, Tabs[0], content).(*fyne.Container)
	body := env.how.bodies[0]
	textView := c.Objects[0].(*fyne.Container).Objects[0] // the scroll around the text
	if _, ok := textView.(*container.Scroll); !ok {
		textView = c.Objects[0].(*fyne.Container).Objects[1]
	}
	line := widget.NewLabel("M\nM").MinSize().Height - widget.NewLabel("M").MinSize().Height

	c.Resize(fyne.NewSize(1100, 900))
	if view, full := textView.Size().Height, body.MinSize().Height; view < full {
		t.Errorf("large window: %v of the text's %v shows", view, full)
	}
	c.Resize(fyne.NewSize(900, 540))
	view, full := textView.Size().Height, body.MinSize().Height
	if view >= full || view < 2*line {
		t.Errorf("small window: %v of the text's %v shows, want two lines or more and less than all", view, full)
	}
	if content.Position().Y < c.Objects[0].Size().Height || content.Size().Height < 400 {
		t.Errorf("small window: content at %v, %v high, under a panel %v high", content.Position(), content.Size().Height, c.Objects[0].Size().Height)
	}
}

func TestAboutShowsVersionAndLogFolder(t *testing.T) {
	env := newTestEnv(t)
	txt := aboutText(env.Info)
	for _, want := range []string{"ProcLab test", LogDir()} {
		if !strings.Contains(txt, want) {
			t.Errorf("About text lacks %q:\n%s", want, txt)
		}
	}
	m := mainMenu(env)
	if len(m.Items) != 2 || m.Items[0].Items[1].Label != "Quit" || !m.Items[0].Items[1].IsQuit {
		t.Fatalf("menu: want File › Quit and Help › About")
	}
	showAbout(env) // must not panic on the test driver
}
