// Package spawn is the Spawn tab's engine: CPU-bound tasks split into chunks, computed
// by worker processes (the app's own binary re-executed in the "spawn-worker" role) or,
// for comparison, by goroutines in this process. A run reports wall time, spawn overhead
// (time until every worker said hello, and per process), the combined result checked
// against a single-process run, and the speedup; a sweep repeats it for 1, 2, 4, …
// workers. It imports only the standard library and the engine: children pay for it.
package spawn
