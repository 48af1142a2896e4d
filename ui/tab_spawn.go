package ui

var spawnTab = Tab{
	Name:  "spawn",
	Title: "Spawn",
	How:   `The app starts copies of itself as separate worker processes (os/exec re-runs this same binary in a worker role, like Python's "spawn" start method; Go cannot fork without exec). Each worker gets a chunk of a CPU-bound task and sends its result back over a pipe. Python: Pool(processes=N).map(task, chunks).`,
	Build: func(env *Env) Screen {
		return placeholder(`Coming soon: pick a CPU-bound task (primes, Monte Carlo pi, ...), a problem size and a number of worker processes, then watch the chunks run in parallel and the speedup against one worker.`)
	},
}
