// Package role turns this process into a child worker before anything else runs.
//
// Every package that owns roles claims its own from its init() (core.ClaimRole), so a
// child starts as soon as that package is initialised, before Fyne's packages and
// usually before their dependencies. This package lists those packages (importing them
// links them in), and its init() is the backstop: its path sorts before fyne.io, so it
// still runs before any Fyne package, and a role nobody claimed is an error there.
// Everything it imports is paid by every child: never ui, never the monitor.
package role

import (
	"dev.proclab/backup"
	"dev.proclab/core"
	"dev.proclab/core/pipe"
	"dev.proclab/core/queue"
	"dev.proclab/core/spawn"
)

// Table lists every role a ProcLab child can play.
func Table() core.Roles {
	t := core.Roles{}
	for _, roles := range []core.Roles{core.Behaviours, queue.Roles, pipe.Roles, spawn.Roles, backup.Roles} {
		for name, fn := range roles {
			t[name] = fn
		}
	}
	return t
}

func init() { core.RunIfChild(Table()) }
