// Package headless runs a command line that needs no window (backup, bench,
// demo-source) from its init(), as dev.proclab/role runs a child: its path sorts before
// fyne.io and it imports no Fyne package, so Go initialises it before any of Fyne's,
// whose cost such a command never pays. Imported by main only.
package headless

import (
	"os"

	"dev.proclab/cli"
)

func init() { cli.RunIfHeadless(os.Args[1:]) }
