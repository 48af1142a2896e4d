package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"dev.proclab/core"
	"dev.proclab/internal/numfmt"
	"dev.proclab/ipc"
)

var benches = map[string]func(env *Env, args []string) int{}

// registerBench adds `proclab bench NAME`; each bench lives beside the code it measures.
func registerBench(name string, run func(env *Env, args []string) int) { benches[name] = run }

func init() {
	registerHeadless("bench", "bench spawn|pipe|queue|backup [options]", "measure the engine (README, Measurements, compares with Python multiprocessing)", runBench)
	registerBench("spawn", benchSpawn)
	registerBench("pipe", benchPipe)
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
		w := env.Stderr
		if len(args) > 0 {
			w = env.Stdout
		}
		fmt.Fprintf(w, "Usage: proclab bench WHAT [options]\nWHAT is one of: %s\nRun 'proclab bench WHAT --help' for its options.\n", benchNames())
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	run, ok := benches[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "proclab: no bench %q; choose one of %s\n", args[0], benchNames())
		return ExitUsage
	}
	return run(env, args[1:])
}

// benchSup is a supervisor for a bench run; logs go to the app log, not the terminal.
func benchSup(env *Env) (*core.Supervisor, error) {
	return core.New(core.Options{Logger: env.logger()})
}

func printResult(env *Env, asJSON bool, obj map[string]any, human string) {
	if asJSON {
		b, _ := json.Marshal(obj)
		fmt.Fprintln(env.Stdout, string(b))
		return
	}
	fmt.Fprintln(env.Stdout, human)
}

// benchSpawn times what py_mp_bench.py spawn times: N processes started together, each
// ready (hello received), stopped, and reaped; wall time from the first start to the last
// exit, divided by N.
func benchSpawn(env *Env, args []string) int {
	fs := NewFlags(env, "bench spawn [-n N] [--json]", "Start N children together, wait for each hello, stop them, wait for every exit.")
	n := fs.Int("n", 20, "number of children")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if code, done := ParseNoArgs(env, fs, args); done {
		return code
	}
	if *n < 1 || *n > 1000 {
		return UsageError(env, fs, "-n must be between 1 and 1000")
	}
	sup, err := benchSup(env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return ExitFail
	}
	defer StopAll(sup)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	children := make([]*core.Child, *n)
	errs := make([]error, *n)
	var wg sync.WaitGroup
	for i := range children {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := sup.Start(core.Spec{Role: "idle", Group: "bench"})
			if err == nil {
				err = c.WaitReady(ctx)
				if err == nil {
					c.Terminate(10 * time.Second)
				}
			}
			children[i], errs[i] = c, err
		}()
	}
	wg.Wait()
	for i, c := range children {
		if errs[i] != nil {
			fmt.Fprintf(env.Stderr, "proclab: bench spawn: %v\n", errs[i])
			return ExitFail
		}
		if info := c.Wait(); info.State != core.Exited {
			fmt.Fprintf(env.Stderr, "proclab: bench spawn: child %d ended %s: %s\n", info.PID, info.State, info.Reason)
			return ExitFail
		}
	}
	ms := float64(time.Since(start).Microseconds()) / 1000 / float64(*n)
	printResult(env, *asJSON, map[string]any{"bench": "spawn", "n": *n, "ms_per_process": round3(ms)},
		fmt.Sprintf("spawn: %s started, ready, stopped and reaped: %.3f ms per process", numfmt.Count(*n, "child", "children"), ms))
	return ExitOK
}

// benchPipe times N request/response round trips with one echo child, one in flight.
func benchPipe(env *Env, args []string) int {
	fs := NewFlags(env, "bench pipe [-n N] [--json]", "Round trips of a small message with one child, one request in flight at a time.")
	n := fs.Int("n", 20000, "number of round trips")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if code, done := ParseNoArgs(env, fs, args); done {
		return code
	}
	if *n < 1 {
		return UsageError(env, fs, "-n must be at least 1")
	}
	sup, err := benchSup(env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return ExitFail
	}
	defer StopAll(sup)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Manual: this goroutine reads each reply itself, as Python's conn.recv() does.
	c, err := sup.StartReady(ctx, core.Spec{Role: "echo", Group: "bench", Manual: true})
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: bench pipe: %v\n", err)
		return ExitFail
	}
	msg := []byte(`["ping",12345]`) // about what Python pickles for ("ping", i)
	roundTrip := func() bool {
		if c.Send(ipc.TUser, msg) != nil {
			return false
		}
		f, err := c.ReadFrame()
		return err == nil && len(f.Payload) == len(msg)
	}
	for i := 0; i < 100; i++ { // warm up both ends
		if !roundTrip() {
			break
		}
	}
	start := time.Now()
	for i := 0; i < *n; i++ {
		if !roundTrip() {
			info := c.Info()
			fmt.Fprintf(env.Stderr, "proclab: bench pipe: the echo child ended (%s) after %d round trips\n", info.Reason, i)
			return ExitFail
		}
	}
	us := float64(time.Since(start).Nanoseconds()) / 1000 / float64(*n)
	printResult(env, *asJSON, map[string]any{"bench": "pipe", "n": *n, "rtt_us": round3(us)},
		fmt.Sprintf("pipe: %d round trips, one in flight: %.2f µs each", *n, us))
	return ExitOK
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }
