package ui

var daemonsTab = Tab{
	Name:  "daemons",
	Title: "Daemons",
	How:   `Daemons here are background goroutines that live as long as the app: the log writer, the process monitor, a heartbeat. Like Python's daemon threads they are abandoned when the app quits; a non-daemon task keeps the app alive until it finishes. Python: Thread(daemon=True).`,
	Build: func(env *Env) Screen {
		return placeholder(`Coming soon: the app's background goroutines, their state and ticks, and the live app log.`)
	},
}
