package cli

import (
	"fmt"
	"strings"

	"dev.proclab/core"
	"dev.proclab/ui"
)

func runGUI(env *Env, args []string) int {
	fs := newFlags(env, "[--tab NAME [--demo]]", "Open the ProcLab window.")
	tab := fs.String("tab", "", "open on this tab: "+strings.Join(ui.TabNames(), ", "))
	demo := fs.Bool("demo", false, "with --tab: start that tab's demo (children at work) when the window opens")
	if code, done := parseNoArgs(env, fs, args); done {
		return code
	}
	if *tab != "" && ui.FindTab(*tab) < 0 {
		return usageError(env, fs, "no tab %q; the tabs are %s", *tab, strings.Join(ui.TabNames(), ", "))
	}
	sup, err := core.New(core.Options{Logger: env.Log})
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return exitFail
	}
	if *demo && *tab == "" {
		return usageError(env, fs, "--demo needs --tab NAME")
	}
	ui.Run(ui.Options{Info: uiInfo(env.Meta), Tab: *tab, Demo: *demo, Sup: sup, Log: env.Log, AppLog: env.AppLog})
	return exitOK
}
