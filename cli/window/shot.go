package window

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"

	"dev.proclab/cli"
	"dev.proclab/core"
	"dev.proclab/ui"
)

func init() {
	cli.Register("shot", "shot TAB OUT.png [--size WxH]", "render a tab (at work) to a PNG, no display needed", runShot)
}

func runShot(env *cli.Env, args []string) int {
	fs := cli.NewFlags(env, "shot TAB OUT.png [--size WxH]",
		"Render a tab as the window shows it and write a PNG. Tabs: "+strings.Join(ui.TabNames(), ", "))
	size := fs.String("size", "1100x760", "picture size in pixels, WIDTHxHEIGHT")
	pos, code, done := cli.Parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 2 {
		return cli.UsageError(env, fs, "shot needs a tab and an output file, e.g. 'proclab shot spawn spawn.png'")
	}
	if ui.FindTab(pos[0]) < 0 {
		return cli.UsageError(env, fs, "no tab %q; the tabs are %s", pos[0], strings.Join(ui.TabNames(), ", "))
	}
	var w, h int
	if n, err := fmt.Sscanf(*size, "%dx%d", &w, &h); n != 2 || err != nil || w < 200 || h < 150 || w > 8000 || h > 8000 {
		return cli.UsageError(env, fs, "--size %q is not WIDTHxHEIGHT (200x150 to 8000x8000)", *size)
	}
	sup, err := core.New(core.Options{Logger: env.Log})
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return cli.ExitFail
	}
	defer cli.StopAll(sup)
	if err := ui.Shot(ui.Options{Info: uiInfo(env.Meta), Sup: sup, Log: env.Log, AppLog: env.AppLog}, pos[0], pos[1], fyne.NewSize(float32(w), float32(h))); err != nil {
		fmt.Fprintf(env.Stderr, "proclab: shot: %v\n", err)
		return cli.ExitFail
	}
	fmt.Fprintln(env.Stdout, pos[1])
	return cli.ExitOK
}
