package ui

var pipeTab = Tab{
	Name:  "pipe",
	Title: "Pipe",
	How:   `The app and one child hold the two ends of a duplex pipe: commands go down the child's stdin, results come back on its stdout, each framed with a length and an ID so replies match requests. Python: parent_conn, child_conn = Pipe(); conn.send(), conn.recv().`,
	Build: func(env *Env) Screen {
		return placeholder(`Coming soon: send commands to a child process (square 12, primes 1000000, sha256 text, sleep 2) and see its replies with round-trip times.`)
	},
}
