package spawn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"dev.proclab/core"
	"dev.proclab/internal/numfmt"
	"dev.proclab/ipc"
	"dev.proclab/ipc/ipcjson"
)

// Mode says what runs the chunks.
type Mode int

const (
	Processes  Mode = iota // one worker process per chunk (self re-exec)
	Goroutines             // one goroutine per chunk, in this process
)

func (m Mode) String() string {
	if m == Goroutines {
		return "goroutines"
	}
	return "processes"
}

// Job is one run: a task, its size and how many workers share it.
type Job struct {
	Task    *Task
	Size    int64
	Workers int
	Mode    Mode
}

// MaxWorkers is the most workers a job may ask for.
const MaxWorkers = 256

// Check says what is wrong with the job, in a sentence that says what to enter; every
// run checks it before starting anything.
func (j Job) Check() error {
	switch {
	case j.Task == nil:
		return errors.New("no task chosen")
	case j.Workers < 1 || j.Workers > MaxWorkers:
		return fmt.Errorf("%d workers: choose 1 to %d", j.Workers, MaxWorkers)
	case j.Size > j.Task.MaxSize:
		return fmt.Errorf("A size of %s is more than %s takes: enter at most %s",
			numfmt.Thousands(j.Size), j.Task.Title, numfmt.Thousands(j.Task.MaxSize))
	case j.Task.Units(j.Size) < int64(j.Workers):
		return fmt.Errorf("A size of %s is too small to share among %d workers: enter a larger number", numfmt.Thousands(j.Size), j.Workers)
	}
	return nil
}

// Worker states, as the table shows them.
const (
	WStarting  = "starting"
	WReady     = "ready"
	WComputing = "computing"
	WDone      = "done"
	WCancelled = "cancelled"
	WFailed    = "failed"
)

// Worker is one row of a run: who computes which chunk, how far it is, what it found.
type Worker struct {
	Index   int
	PID     int
	ChildID string // empty for a goroutine
	Chunk   Chunk
	Done    int64 // numbers of the chunk done so far
	State   string
	Result  Partial
	Spawn   time.Duration // from asking for the process to its hello (processes), or to running (goroutines)
	Compute time.Duration // time spent on the chunk, as the worker measured it
}

// Outcome is a finished run.
type Outcome struct {
	Job      Job
	Result   Partial
	Text     string        // the result as a sentence
	Wall     time.Duration // from the first spawn to the last result
	AllReady time.Duration // from the first spawn until every worker was ready
	Compute  time.Duration // from handing out the chunks to the last result
	Workers  []Worker
}

// SpawnPerWorker is the mean and the largest start-to-ready time of one worker.
func (o Outcome) SpawnPerWorker() (mean, most time.Duration) {
	if len(o.Workers) == 0 {
		return 0, 0
	}
	var sum time.Duration
	for _, w := range o.Workers {
		sum += w.Spawn
		most = max(most, w.Spawn)
	}
	return sum / time.Duration(len(o.Workers)), most
}

// Engine runs jobs with a supervisor's children.
type Engine struct {
	sup   *core.Supervisor
	group string

	mu   sync.Mutex
	refs map[refKey]Outcome // single-worker runs, the reference for checks and speedups
}

type refKey struct {
	task string
	size int64
}

// NewEngine makes an engine whose workers are listed under group (e.g. "spawn").
func NewEngine(sup *core.Supervisor, group string) *Engine {
	return &Engine{sup: sup, group: group, refs: map[refKey]Outcome{}}
}

// Reference is the single-process run of the task at size, running it (one worker
// process) if none is known yet.
func (e *Engine) Reference(ctx context.Context, t *Task, size int64, b *Board) (Outcome, error) {
	k := refKey{t.Name, size}
	e.mu.Lock()
	ref, ok := e.refs[k]
	e.mu.Unlock()
	if ok {
		return ref, nil
	}
	b.setPhase("single-process run: the reference for the check and the speedup")
	ref, err := e.Run(ctx, Job{Task: t, Size: size, Workers: 1, Mode: Processes}, b)
	if err != nil {
		return Outcome{}, err
	}
	return ref, nil
}

func (e *Engine) remember(o Outcome) {
	if o.Job.Workers == 1 && o.Job.Mode == Processes {
		e.mu.Lock()
		e.refs[refKey{o.Job.Task.Name, o.Job.Size}] = o
		e.mu.Unlock()
	}
}

// Run runs one job and returns once every worker it started has ended. b (may be nil)
// shows its workers while it runs. Cancelling ctx kills every worker at once.
func (e *Engine) Run(ctx context.Context, job Job, b *Board) (Outcome, error) {
	if err := job.Check(); err != nil {
		return Outcome{}, err
	}
	if b == nil {
		b = new(Board) // the rows are the outcome's too
	}
	chunks := job.Task.Split(job.Size, job.Workers)
	rows := make([]Worker, len(chunks))
	for i, c := range chunks {
		rows[i] = Worker{Index: i, Chunk: c, State: WStarting}
	}
	b.begin(job, rows)
	var o Outcome
	var err error
	if job.Mode == Goroutines {
		o, err = e.runGoroutines(ctx, job, chunks, b)
	} else {
		o, err = e.runProcesses(ctx, job, chunks, b)
	}
	o.Workers = b.Workers()
	if err != nil {
		return o, err
	}
	o.Job = job
	o.Text = job.Task.Describe(job.Size, o.Result)
	e.remember(o)
	return o, nil
}

// workerName is what the Kill tab and the messages call worker i of n. One alone is the
// single-process run the Spawn table labels "ref": "worker 1 of 1" was a third name.
func workerName(i, n int) string {
	if n == 1 {
		return "single-process run (ref)"
	}
	return fmt.Sprintf("worker %d of %d", i+1, n)
}

type result struct {
	i   int
	msg resultMsg
}

func (e *Engine) runProcesses(ctx context.Context, job Job, chunks []Chunk, b *Board) (Outcome, error) {
	n := len(chunks)
	results := make(chan result, n) // never blocks a child's reader
	ended := make(chan int, n)
	children := make([]*core.Child, 0, n)
	// However the run ends, no worker outlives it.
	defer func() {
		for _, c := range children {
			c.TerminateBecause(2*time.Second, "pool closed: every result is in")
		}
		for _, c := range children {
			<-c.Done()
		}
	}()
	stopAll := func(reason, state string) {
		for _, c := range children {
			c.Kill(reason)
		}
		for _, c := range children {
			<-c.Done()
		}
		b.endAll(state)
	}

	t0 := time.Now()
	asked := make([]time.Time, n) // when each Start was called: its spawn time counts the exec too
	for i := range chunks {
		asked[i] = time.Now()
		c, err := e.sup.Start(core.Spec{
			Role: RoleWorker, Group: e.group,
			Label:   job.Task.Name + " " + workerName(i, n),
			OnFrame: func(_ *core.Child, f ipc.Frame) { onWorkerFrame(i, f, b, results) },
		})
		if err != nil {
			stopAll("killed: the run could not start every worker", WFailed)
			return Outcome{}, fmt.Errorf("start worker %d of %d: %w", i+1, n, err)
		}
		children = append(children, c)
		b.update(i, func(w *Worker) { w.PID, w.ChildID = c.PID(), c.ID() })
		go func() { <-c.Done(); ended <- i }()
	}
	for i, c := range children {
		if err := c.WaitReady(ctx); err != nil {
			if ctx.Err() != nil {
				stopAll("killed: run cancelled", WCancelled)
				return Outcome{}, ctx.Err()
			}
			stopAll("killed: another worker failed to start", WFailed)
			return Outcome{}, fmt.Errorf("worker %d of %d: %w", i+1, n, err)
		}
		inf := c.Info()
		b.update(i, func(w *Worker) { w.State, w.Spawn = WReady, inf.Ready.Sub(asked[i]) })
	}
	allReady := time.Since(t0)
	phase := fmt.Sprintf("%s ready after %s; computing", numfmt.Count(n, "worker process", "worker processes"), numfmt.Duration(allReady))
	if n == 1 {
		// Not "1 worker process ready" while the workers picked were 4.
		phase = fmt.Sprintf("Reference process ready after %s; computing the single-process result for the check and the speedup", numfmt.Duration(allReady))
	}
	b.setPhase(phase)

	tSend := time.Now()
	for i, c := range children {
		b.update(i, func(w *Worker) { w.State = WComputing })
		if err := ipcjson.Send(c, tJob, jobMsg{Task: job.Task.Name, Chunk: chunks[i]}); err != nil {
			stopAll("killed: another worker could not be given its chunk", WFailed)
			return Outcome{}, fmt.Errorf("hand chunk %d to worker PID %d: %w", i+1, c.PID(), err)
		}
	}
	parts := make([]Partial, n)
	have := make([]bool, n)
	got := 0
	take := func(r result) {
		if have[r.i] {
			return
		}
		have[r.i] = true
		got++
		parts[r.i] = r.msg.Partial
		b.update(r.i, func(w *Worker) {
			w.State, w.Result, w.Done, w.Compute = WDone, r.msg.Partial, w.Chunk.Len(), time.Duration(r.msg.Nanos)
		})
	}
	for got < n {
		select {
		case r := <-results:
			take(r)
		case i := <-ended:
			// Its result, if any, was queued before Done closed: take what is there.
			for len(results) > 0 {
				take(<-results)
			}
			if have[i] {
				continue
			}
			inf := children[i].Info()
			b.update(i, func(w *Worker) { w.State = WFailed })
			stopAll("killed: another worker died, the run cannot finish", WCancelled)
			return Outcome{}, fmt.Errorf("%s (PID %d) ended before its result: %s; the run was abandoned rather than left waiting", workerName(i, n), inf.PID, inf.Reason)
		case <-ctx.Done():
			stopAll("killed: run cancelled", WCancelled)
			return Outcome{}, ctx.Err()
		}
	}
	wall := time.Since(t0)
	return Outcome{Result: job.Task.Combine(parts), Wall: wall, AllReady: allReady, Compute: time.Since(tSend)}, nil
}

func onWorkerFrame(i int, f ipc.Frame, b *Board, results chan<- result) {
	switch f.Type {
	case tProgress:
		var m progressMsg
		if json.Unmarshal(f.Payload, &m) == nil {
			b.update(i, func(w *Worker) { w.Done = m.Done })
		}
	case tResult:
		var m resultMsg
		if json.Unmarshal(f.Payload, &m) == nil {
			results <- result{i, m}
		}
	}
}

func (e *Engine) runGoroutines(ctx context.Context, job Job, chunks []Chunk, b *Board) (Outcome, error) {
	n := len(chunks)
	pid := os.Getpid()
	var stop atomic.Bool
	parts := make([]Partial, n)
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(n)
	gate := make(chan struct{})
	var readyAt atomic.Int64
	t0 := time.Now()
	for i, c := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spawn := time.Since(t0)
			b.update(i, func(w *Worker) { w.PID, w.State, w.Spawn = pid, WReady, spawn })
			ready.Done()
			<-gate // like the processes, start computing once all are ready
			b.update(i, func(w *Worker) { w.State = WComputing })
			start := time.Now()
			last := start
			p, ok := job.Task.Run(c, func(done int64) {
				if now := time.Now(); now.Sub(last) >= progressEvery {
					last = now
					b.update(i, func(w *Worker) { w.Done = done })
				}
			}, stop.Load)
			if !ok {
				b.update(i, func(w *Worker) { w.State = WCancelled })
				return
			}
			parts[i] = p
			b.update(i, func(w *Worker) { w.State, w.Result, w.Done, w.Compute = WDone, p, c.Len(), time.Since(start) })
		}()
	}
	ready.Wait()
	readyAt.Store(int64(time.Since(t0)))
	allReady := time.Duration(readyAt.Load())
	b.setPhase(fmt.Sprintf("%s ready after %s; computing", numfmt.Count(n, "goroutine", "goroutines"), numfmt.Duration(allReady)))
	tSend := time.Now()
	close(gate)
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
		stop.Store(true)
		<-finished
		return Outcome{}, ctx.Err()
	}
	wall := time.Since(t0)
	return Outcome{Result: job.Task.Combine(parts), Wall: wall, AllReady: allReady, Compute: time.Since(tSend)}, nil
}

// Report is what Start tells: the run, the single-process reference, and, when asked,
// the same run as goroutines.
type Report struct {
	Run        Outcome
	Reference  Outcome  // one worker process: the check and the speedup's baseline
	Goroutines *Outcome // the same job as goroutines, when compared
}

// Match reports whether every run agrees exactly with the single-process run.
func (r Report) Match() bool {
	if r.Goroutines != nil && r.Goroutines.Result != r.Reference.Result {
		return false
	}
	return r.Run.Result == r.Reference.Result
}

// Speedup is the reference's wall time over the run's.
func (r Report) Speedup() float64 { return speedup(r.Reference.Wall, r.Run.Wall) }

// GoSpeedup is the same for the goroutines, against the same single process.
func (r Report) GoSpeedup() float64 {
	if r.Goroutines == nil {
		return 0
	}
	return speedup(r.Reference.Wall, r.Goroutines.Wall)
}

func speedup(base, t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	return float64(base) / float64(t)
}

// Start runs the single-process reference first if none is known for this task and
// size, then the job itself, then (when compare) the same job as goroutines, and puts
// the job's own workers back on the board. Processes go before goroutines: children
// started right after this process has kept both CPUs busy say hello 10-20 ms late
// (measured; a fresh start takes 2 ms), which would make the spawn figure lie.
func (e *Engine) Start(ctx context.Context, job Job, compare bool, b *Board) (Report, error) {
	var r Report
	ref, err := e.Reference(ctx, job.Task, job.Size, b)
	if err != nil {
		return r, err
	}
	r.Reference = ref
	b.setPhase(fmt.Sprintf("starting %d worker %s", job.Workers, job.Mode))
	run, err := e.Run(ctx, job, b)
	if err != nil {
		return r, err
	}
	r.Run = run
	b.setOutcome(run)
	if compare {
		other := job
		other.Mode = Goroutines
		b.setPhase(fmt.Sprintf("the same job as %d goroutines in this process", other.Workers))
		o, err := e.Run(ctx, other, b)
		if err != nil {
			return r, err
		}
		b.setOutcome(o)
		r.Goroutines = &o
		b.show(run)
	}
	b.setPhase("done")
	return r, nil
}

// Point is one run of a sweep.
type Point struct {
	Workers  int
	Mode     Mode
	Wall     time.Duration
	AllReady time.Duration
	Spawn    time.Duration // mean start-to-ready per worker
	Speedup  float64       // against the same mode's one-worker run
	Match    bool          // the result equals the single-process run's
}

// SweepCounts is 1, 2, 4, … up to most, and most itself.
func SweepCounts(most int) []int {
	var out []int
	for n := 1; n < most; n *= 2 {
		out = append(out, n)
	}
	return append(out, max(most, 1))
}

// Sweep runs the task at size with 1, 2, 4, … most worker processes (and, when
// compare, goroutines after each), and reports the speedups. b shows the points as
// they come.
func (e *Engine) Sweep(ctx context.Context, t *Task, size int64, most int, compare bool, b *Board) ([]Point, error) {
	// Every process count before any goroutine run (see Start for why); the board is
	// put back on the last processes' workers at the end.
	modes := []Mode{Processes}
	if compare {
		modes = []Mode{Processes, Goroutines}
	}
	var lastProcesses Outcome
	base := map[Mode]Outcome{}
	var points []Point
	counts := SweepCounts(most)
	step, steps := 0, len(modes)*len(counts)
	for _, m := range modes {
		for _, n := range counts {
			step++
			b.setPhase(fmt.Sprintf("sweep %d of %d: %d %s", step, steps, n, m))
			o, err := e.Run(ctx, Job{Task: t, Size: size, Workers: n, Mode: m}, b)
			if err != nil {
				return points, err
			}
			if n == 1 {
				base[m] = o
			}
			mean, _ := o.SpawnPerWorker()
			p := Point{Workers: n, Mode: m, Wall: o.Wall, AllReady: o.AllReady, Spawn: mean,
				Speedup: speedup(base[m].Wall, o.Wall), Match: o.Result == base[modes[0]].Result}
			points = append(points, p)
			b.addPoint(p)
			b.setOutcome(o)
			if m == Processes {
				lastProcesses = o
			}
		}
	}
	b.show(lastProcesses)
	b.setPhase("sweep done")
	return points, nil
}
