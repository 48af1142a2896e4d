package ui

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

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
	if i := FindTab(o.Tab); i >= 0 && o.Demo {
		content, demo := buildForShot(env, i)
		w.SetContent(content)
		if demo != nil {
			go fyne.Do(func() { demo() })
		}
	} else {
		w.SetContent(Build(env, o.Tab))
	}
	w.Resize(fyne.NewSize(1100, 760))
	w.SetMainMenu(mainMenu(env))
	w.SetCloseIntercept(env.Quit)
	w.Canvas().AddShortcut(ctrlQ, func(fyne.Shortcut) { env.Quit() })
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for range sigs {
			fyne.Do(env.Quit)
		}
	}()
	w.ShowAndRun()
	signal.Stop(sigs)
	// However the loop ended, no child outlives the window.
	ctx, cancel := context.WithTimeout(context.Background(), 2*StopGrace)
	defer cancel()
	env.Sup.Shutdown(ctx, StopGrace)
}

var ctrlQ = &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}

// Quit stops the app: quit hooks, then every child (polite, then forced), then the
// window. A second call while quitting forces it.
func (e *Env) Quit() {
	if !e.beginQuit() {
		e.Log.Warn("quit forced: killing every child now")
		e.Sup.KillAll("killed: app force-quit")
		e.App.Quit()
		return
	}
	e.Log.Info("quitting", "children", e.Sup.Running())
	go func() {
		e.runQuitHooks()
		ctx, cancel := context.WithTimeout(context.Background(), 2*StopGrace)
		defer cancel()
		e.Sup.Shutdown(ctx, StopGrace)
		e.Log.Info("every child stopped; closing the window")
		fyne.Do(e.App.Quit)
	}()
}

// Build makes the window's content: the tabs and the status bar.
func Build(env *Env, open string) fyne.CanvasObject {
	tabs := container.NewAppTabs()
	for _, t := range Tabs {
		s := t.Build(env)
		tabs.Append(container.NewTabItem(t.Title, framed(t, s.Content)))
	}
	if i := FindTab(open); i >= 0 {
		tabs.SelectIndex(i)
	}
	return container.NewBorder(nil, newStatusBar(env), nil, nil, tabs)
}

func newStatusBar(env *Env) fyne.CanvasObject {
	children := widget.NewLabel("")
	update := func() {
		n := env.Sup.Running()
		switch n {
		case 0:
			children.SetText("No child processes running")
		case 1:
			children.SetText("1 child process running")
		default:
			children.SetText(fmt.Sprintf("%d child processes running", n))
		}
	}
	update()
	env.Every(500*time.Millisecond, update)
	version := widget.NewLabel(env.Info.Name + " " + env.Info.Version)
	return container.NewBorder(widget.NewSeparator(), nil, nil, version, children)
}
