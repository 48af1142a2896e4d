package ui

var queueTab = Tab{
	Name:  "queue",
	Title: "Queue",
	How:   `Producers and consumers are separate processes. The app is the broker: producers send messages over their pipes, a bounded buffer holds them, consumers take batches and acknowledge them. A full queue blocks producers instead of dropping messages. Python: multiprocessing.Queue(maxsize), put/get, one None poison pill per consumer.`,
	Build: func(env *Env) Screen {
		return placeholder(`Coming soon: producers and consumers exchanging messages through a bounded queue, with live lists, queue depth, throughput and latency.`)
	},
}
