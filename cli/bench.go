package cli

import (
	"fmt"
	"sort"
	"strings"
)

// Minimal bench registry so `bench queue` works on its own branch; the lead's
// cli/bench.go (with bench spawn and bench pipe) replaces this file when merging.

var benches = map[string]func(env *Env, args []string) int{}

// registerBench adds `proclab bench NAME`; each bench lives beside the code it measures.
func registerBench(name string, run func(env *Env, args []string) int) { benches[name] = run }

func init() {
	register("bench", "bench queue|… [-n N] [--json]", "measure the engine (compare with ../shared/tools/py_mp_bench.py)", runBench)
}

func benchNames() string {
	names := make([]string, 0, len(benches))
	for n := range benches {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func runBench(env *Env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintf(env.Stdout, "Usage: proclab bench WHAT [options]\nWHAT is one of: %s\n", benchNames())
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	run, ok := benches[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "proclab: no bench %q; choose one of %s\n", args[0], benchNames())
		return exitUsage
	}
	return run(env, args[1:])
}
