package ui

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/applog"
	"dev.proclab/resources"
)

// mainMenu is the window's menu: File › Quit (the full quit sequence, not a bare exit)
// and Help › About.
func mainMenu(env *Env) *fyne.MainMenu {
	quit := fyne.NewMenuItem("Quit", func() { env.askQuit("Quit menu") })
	quit.IsQuit = true
	quit.Shortcut = ctrlQ
	return fyne.NewMainMenu(
		fyne.NewMenu("File", fyne.NewMenuItem("Open log folder", env.openLogFolder), quit),
		fyne.NewMenu("Help", fyne.NewMenuItem("About ProcLab", func() { showAbout(env) })),
	)
}

// LogDir is where the app log lives (os.UserCacheDir()/proclab).
func LogDir() string {
	path, err := applog.DefaultPath()
	if err != nil {
		return "(no cache folder on this system: the log is kept in memory)"
	}
	return filepath.Dir(path)
}

func aboutText(info AppInfo) string {
	return fmt.Sprintf("%s %s (build %d)\n\n"+
		"A lab for process-based parallelism: every tab runs real operating-system processes, "+
		"started from this same program in a worker role, and shows what they do.\n\n"+
		"Log folder: %s", info.Name, info.Version, info.Build, LogDir())
}

func showAbout(env *Env) {
	icon := widget.NewIcon(resources.Icon)
	text := widget.NewLabel(aboutText(env.Info))
	text.Wrapping = fyne.TextWrapWord
	iconBox := container.NewGridWrap(fyne.NewSize(64, 64), icon)
	d := dialog.NewCustom("About "+env.Info.Name, "Close", container.NewBorder(nil, nil, iconBox, nil, text), env.Window)
	d.Resize(fyne.NewSize(520, 240))
	d.Show()
}
