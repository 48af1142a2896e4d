// Package role turns this process into a child worker before anything else runs.
//
// Its import path sorts before fyne.io, so Go initialises it before Fyne's packages
// (spec: the first ready package in path order), and its init() runs the role and exits:
// a child never pays for, or touches, the GUI toolkit. Everything it imports is paid by
// every child, so it imports only the engine's worker roles: never ui, never the monitor.
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
