// ProcLab: a desktop lab for process-based parallelism. main only dispatches: a
// subcommand or the window. A child role never gets here: dev.proclab/role runs it from
// its init(), before Fyne's packages are initialised; nor does a command without a
// window, which dev.proclab/cli/headless runs the same way.
package main

import (
	_ "embed"
	"os"

	"dev.proclab/cli"
	_ "dev.proclab/cli/headless"
	_ "dev.proclab/cli/window"
	_ "dev.proclab/internal/fynecache"   // before Fyne's init reads FYNE_CACHE
	_ "dev.proclab/internal/plainlocale" // before Fyne's init reads the locale
	_ "dev.proclab/role"
)

//go:embed FyneApp.toml
var fyneAppTOML string

func main() {
	os.Exit(cli.Main(cli.ParseMeta(fyneAppTOML), os.Args[1:]))
}
