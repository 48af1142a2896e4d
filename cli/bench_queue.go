package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"time"

	"dev.proclab/core"
	"dev.proclab/core/queue"
	"dev.proclab/internal/numfmt"
)

func init() { registerBench("queue", benchQueue) }

const benchQueueUsage = "bench queue [-n N] [--producers P] [--consumers C] [--capacity K] [--json]"

// benchQueue moves N messages from producer processes to consumer processes through the
// broker, spawn time included, and fails unless every (producer, seq) was acknowledged
// exactly once. Compare with `py_mp_bench.py queue` (one producer, two consumers).
func benchQueue(env *Env, args []string) int {
	fs := NewFlags(env, benchQueueUsage,
		"Send N small messages (uuid, producer, sequence number, timestamp) from producer processes to consumer processes through the queue, and check each was consumed exactly once.")
	n := fs.Int64("n", 2_000_000, "number of messages")
	producers := fs.Int("producers", 1, fmt.Sprintf("producer processes (1 to %d)", queue.MaxWorkers))
	consumers := fs.Int("consumers", 2, fmt.Sprintf("consumer processes (1 to %d)", queue.MaxWorkers))
	capacity := fs.Int("capacity", 100_000, "queue capacity: most messages produced and not yet acknowledged")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if code, done := ParseNoArgs(env, fs, args); done {
		return code
	}
	switch {
	case *n < 1 || *n > 1_000_000_000:
		return UsageError(env, fs, "-n must be between 1 and 1000000000")
	case *producers < 1 || *producers > queue.MaxWorkers:
		return UsageError(env, fs, "--producers must be between 1 and %d", queue.MaxWorkers)
	case *consumers < 1 || *consumers > queue.MaxWorkers:
		return UsageError(env, fs, "--consumers must be between 1 and %d", queue.MaxWorkers)
	case *capacity < 1:
		return UsageError(env, fs, "--capacity must be at least 1")
	}
	sup, err := core.New(core.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return ExitFail
	}
	defer StopAll(sup)
	q, err := queue.Start(sup, queue.Config{Producers: *producers, Consumers: *consumers, Capacity: *capacity,
		Total: *n, Group: "bench"})
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: bench queue: %v\n", err)
		return ExitFail
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r, err := q.Wait(ctx)
	if err != nil {
		q.Kill()
		fmt.Fprintf(env.Stderr, "proclab: bench queue: gave up waiting: %v\n", err)
		return ExitFail
	}
	if r.Err != nil {
		fmt.Fprintf(env.Stderr, "proclab: bench queue failed: %v (produced %d, consumed %d, duplicates %d, missing %d)\n",
			r.Err, r.Produced, r.Consumed, r.Duplicates, r.Missing)
		return ExitFail
	}
	if r.Produced != *n {
		fmt.Fprintf(env.Stderr, "proclab: bench queue failed: %d messages produced, %d asked for\n", r.Produced, *n)
		return ExitFail
	}
	rate := float64(r.Consumed) / r.Elapsed.Seconds()
	if *asJSON {
		b, _ := json.Marshal(map[string]any{"bench": "queue", "n": *n, "msgs_per_s": math.Round(rate),
			"producers": *producers, "consumers": *consumers, "capacity": *capacity, "exactly_once": true,
			"seconds": r.Elapsed.Seconds(), "p50_us": r.P50.Microseconds(), "p99_us": r.P99.Microseconds()})
		fmt.Fprintln(env.Stdout, string(b))
		return ExitOK
	}
	fmt.Fprintf(env.Stdout, "queue: %s, %s → %s, capacity %d: %.2f s, %s msgs/s (spawn included)\n",
		numfmt.Count(int(*n), "message", "messages"), numfmt.Count(*producers, "producer", "producers"),
		numfmt.Count(*consumers, "consumer", "consumers"), *capacity, r.Elapsed.Seconds(), rateText(rate))
	fmt.Fprintf(env.Stdout, "latency produce→consume: p50 %s, p99 %s\n", r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	fmt.Fprintf(env.Stdout, "exactly once: each of the %d (producer, seq) pairs acknowledged once, none missing, none twice\n", r.Produced)
	return ExitOK
}

// rateText writes a message rate in millions a second, or plainly when under a million
// (a run of one message must not read "0.00 M").
func rateText(r float64) string {
	if r < 1e6 {
		return numfmt.Thousands(int64(math.Round(r)))
	}
	return fmt.Sprintf("%.2f M", r/1e6)
}
