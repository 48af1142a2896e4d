// Package window gives the command line its window: the GUI itself, and `proclab shot`,
// which renders a tab. It is the only part of the command line that imports Fyne.
package window

import (
	"fmt"
	"strings"

	"dev.proclab/cli"
	"dev.proclab/core"
	"dev.proclab/ui"
)

func init() { cli.SetWindow(runGUI) }

func runGUI(env *cli.Env, args []string) int {
	fs := cli.NewFlags(env, "[--tab NAME [--demo]]", "Open the ProcLab window.")
	tab := fs.String("tab", "", "open on this tab: "+strings.Join(ui.TabNames(), ", "))
	demo := fs.Bool("demo", false, "with --tab: start that tab's demo (children at work) when the window opens")
	if code, done := cli.ParseNoArgs(env, fs, args); done {
		return code
	}
	if *tab != "" && ui.FindTab(*tab) < 0 {
		return cli.UsageError(env, fs, "no tab %q; the tabs are %s", *tab, strings.Join(ui.TabNames(), ", "))
	}
	sup, err := core.New(core.Options{Logger: env.Log})
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return cli.ExitFail
	}
	if *demo && *tab == "" {
		return cli.UsageError(env, fs, "--demo needs --tab NAME")
	}
	ui.Run(ui.Options{Info: uiInfo(env.Meta), Tab: *tab, Demo: *demo, Sup: sup, Log: env.Log, AppLog: env.AppLog})
	return cli.ExitOK
}

func uiInfo(m cli.Meta) ui.AppInfo {
	return ui.AppInfo{Name: m.Name, ID: m.ID, Version: m.Version, Build: m.Build}
}
