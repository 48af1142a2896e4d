package ui

var killTab = Tab{
	Name:  "kill",
	Title: "Kill",
	How:   `Every child is a real OS process with its own PID. Terminate asks politely (a stop message on its stdin, and SIGTERM on Unix) and kills it if it has not exited when the grace period runs out; Kill ends it at once (SIGKILL, TerminateProcess on Windows). Python: p.terminate(), p.kill(), p.exitcode.`,
	Build: func(env *Env) Screen {
		return placeholder(`Coming soon: a process monitor for every child of the app: PID, state, uptime, CPU and memory, with Terminate, Kill and Kill all, and the reason each one ended.`)
	},
}
