package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"dev.proclab/core"
	"dev.proclab/internal/numfmt"
	"dev.proclab/ipc"
)

// maxAttempts is how many workers may die holding one file before it is given up.
const maxAttempts = 3

// pool hands batches of files to worker processes and collects what they report. It
// lives in the parent, so it always knows which files a worker held when it died.
type pool struct {
	r       *Run
	cfg     string // worker configuration, JSON
	workers int    // pool size

	mu        sync.Mutex
	cond      *sync.Cond
	tasks     []task
	out       []result       // by task index
	has       []bool         // out[i] is final
	queue     []int          // task indices, front first
	busy      map[string]int // folder → its files in flight
	left      int            // tasks without a final result
	big       int            // tasks of bigFile or more: each goes to a worker alone
	closed    bool           // the plan is complete: no more tasks
	stop      string
	attempts  []uint8
	procs     []*pworker
	started   int
	deaths    int
	maxDeaths int
	nextBatch int
	live      int

	onFinal func(dir string) // a file of folder dir has its final result; called unlocked
}

// pworker is the parent's view of one worker process.
type pworker struct {
	slot     int
	child    *core.Child
	inflight map[int][]int // batch ID → its task indices still without a result
	status   statusMsg
	since    time.Time // when status first named its file
	from     int64     // its bytes done then
	files    int
	stopping bool // we asked it to stop: its exit is not a death
	ended    bool
}

func newPool(r *Run, workers int) *pool {
	p := &pool{r: r, workers: workers, maxDeaths: 3*workers + 3, busy: map[string]int{}}
	p.cond = sync.NewCond(&p.mu)
	cfg, _ := json.Marshal(workerConfig{Src: r.src, Dst: r.dst, Tag: r.tag, Fsync: r.opt.Fsync,
		Verify: r.opt.Verify, Delay: r.opt.SlowMotion})
	p.cfg = string(cfg)
	return p
}

// add queues files as the plan finds them, so copying starts while the walk goes on,
// and starts workers as the work grows: one per 8 files queued so far, up to the pool
// size. Nothing added, no worker started. It returns the index of the first task (the
// rest follow in order).
func (p *pool) add(ts []task) int {
	p.mu.Lock()
	firstTask := len(p.tasks)
	p.tasks, p.out = growTwice(p.tasks, len(ts)), growTwice(p.out, len(ts))
	p.has, p.attempts, p.queue = growTwice(p.has, len(ts)), growTwice(p.attempts, len(ts)), growTwice(p.queue, len(ts))
	for _, t := range ts {
		t.I = len(p.tasks)
		t.dir = filepath.Dir(t.Rel)
		p.tasks = append(p.tasks, t)
		p.out = append(p.out, result{})
		p.has = append(p.has, false)
		p.attempts = append(p.attempts, 0)
		p.left++
		if t.Size >= bigFile {
			p.big++
			// Big files first, so the end of the run is not one worker on one big file.
			p.queue = append([]int{t.I}, p.queue...)
		} else {
			p.queue = append(p.queue, t.I)
		}
		p.r.toDo.Add(1)
		p.r.bytesToDo.Add(contentBytes(t.Kind, t.Size, t.LinkOf))
	}
	// A worker per 8 small files (a process for two files costs more than it saves),
	// and one per big file: two 400 MB files went to one worker of two.
	want := min(p.workers, (len(p.tasks)-p.big+7)/8+p.big)
	if p.stop != "" || p.r.ctx.Err() != nil {
		want = 0
	}
	first := p.started == 0 && want > 0
	var slots []int
	for p.started < want {
		p.started++
		slots = append(slots, p.started)
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	if first {
		p.r.beginCopying()
	}
	for _, slot := range slots {
		p.startWorker(slot, false)
	}
	return firstTask
}

// growTwice makes room for n more elements, doubling the capacity when it grows: append
// grows a slice this long by a quarter at a time, which copied the pool's tables about
// four times over (6.7 of the parent's 43 MB allocated for the Go src tree).
func growTwice[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	return slices.Grow(s, max(n, cap(s)))
}

// halt stops the run for why: no more batches, and the workers are told to stop.
func (p *pool) halt(why string) {
	p.mu.Lock()
	if p.stop == "" {
		p.stop = why
	}
	p.cond.Broadcast()
	p.mu.Unlock()
}

// close says no more files will be added.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.r.counted.Store(true)
	p.cond.Broadcast()
	p.mu.Unlock()
}

// startWorker starts the worker of slot. One that cannot start stops the run when no
// other worker is left to do the work.
func (p *pool) startWorker(slot int, replacement bool) {
	label, what := fmt.Sprintf("backup worker %d", slot), "a backup worker process"
	if replacement {
		label, what = label+" (replacement)", "a replacement worker"
	}
	w := &pworker{slot: slot, inflight: map[int][]int{}}
	child, err := p.r.opt.Sup.Start(core.Spec{
		Role: WorkerRole, Args: []string{p.cfg}, Label: label, Group: "backup",
		OnFrame: func(_ *core.Child, f ipc.Frame) { p.onFrame(w, f) },
	})
	if err != nil {
		p.mu.Lock()
		if p.live == 0 && p.stop == "" {
			p.stop = "cannot start " + what + ": " + err.Error()
		}
		p.cond.Broadcast()
		p.mu.Unlock()
		return
	}
	w.child = child
	p.mu.Lock()
	p.procs = append(p.procs, w)
	p.live++
	p.mu.Unlock()
	p.r.emit(Event{Kind: EvWorkerStarted, PID: child.PID(), Worker: slot, Msg: label + " started"})
	go p.feed(w)
	go p.watch(w)
}

// feed keeps two batches in flight on w: one being copied, one waiting, so the worker
// never idles for a round trip.
func (p *pool) feed(w *pworker) {
	if err := w.child.WaitReady(p.r.ctx); err != nil {
		return // watch() handles the end
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if w.ended {
			return
		}
		if p.stop != "" || p.closed && p.left == 0 {
			w.stopping = true
			why := "every file is done"
			if p.stop != "" {
				why = "the run stopped: " + p.stop
			}
			p.mu.Unlock()
			w.child.TerminateBecause(5*time.Second, why)
			p.mu.Lock()
			return
		}
		if p.mayTake(w) {
			b := p.takeBatch(w)
			p.mu.Unlock()
			err := w.child.Send(tBatch, encodeBatch(b))
			p.mu.Lock()
			if err != nil {
				return // the worker is gone; watch() requeues
			}
			continue
		}
		p.cond.Wait()
	}
}

// mayTake says whether w is sent the next batch: two batches in hand, one copying and
// one waiting, so a worker never idles for a round trip. But a big file waits for a
// worker with nothing in hand, or one worker took both of two 300 MB files while the
// other sat idle; and a worker on a big file takes no second batch: the small files in
// it waited out a 2 GiB copy while seven workers sat idle, and a cancel left them not
// copied.
func (p *pool) mayTake(w *pworker) bool {
	switch {
	case len(p.queue) == 0:
		return false
	case len(w.inflight) == 0:
		return true
	case len(w.inflight) > 1 || p.tasks[p.queue[0]].Size >= bigFile:
		return false
	}
	for _, idx := range w.inflight {
		if len(idx) == 1 && p.tasks[idx[0]].Size >= bigFile {
			return false
		}
	}
	return true
}

func (p *pool) takeBatch(w *pworker) batch {
	p.nextBatch++
	b := batch{ID: p.nextBatch}
	var bytes int64
	var idx []int
	// Enough batches per worker to balance the end of the run, few enough that ten
	// thousand small files are a few hundred frames.
	limit := max(1, min(len(p.queue)/(2*p.workers), 64))
	// Start in a folder no other batch is writing into: creating and renaming files
	// holds the folder's lock, so two workers in one folder take turns.
	start := 0
	for k := 0; k < len(p.queue) && k < 1024; k++ {
		if p.busy[p.tasks[p.queue[k]].dir] == 0 {
			start = k
			break
		}
	}
	end := start
	n := min(limit, len(p.queue)-start)
	b.Tasks, idx = make([]task, 0, n), make([]int, 0, n)
	for end < len(p.queue) && len(b.Tasks) < limit && bytes < 16<<20 {
		i := p.queue[end]
		if len(b.Tasks) > 0 && p.tasks[i].Size >= bigFile {
			break // a big file goes alone, so its progress is its worker's
		}
		end++
		b.Tasks = append(b.Tasks, p.tasks[i])
		idx = append(idx, i)
		bytes += p.tasks[i].Size
		p.busy[p.tasks[i].dir]++
	}
	p.queue = append(p.queue[:start], p.queue[end:]...)
	w.inflight[b.ID] = idx
	return b
}

// release marks task i as no longer being written.
func (p *pool) release(i int) {
	d := p.tasks[i].dir
	if p.busy[d]--; p.busy[d] <= 0 {
		delete(p.busy, d)
	}
}

// onFrame runs on the worker's reader goroutine.
func (p *pool) onFrame(w *pworker, f ipc.Frame) {
	switch f.Type {
	case tStatus:
		var s statusMsg
		if json.Unmarshal(f.Payload, &s) == nil {
			p.mu.Lock()
			if s.Rel != w.status.Rel || s.Done < w.status.Done {
				w.since, w.from = time.Now(), s.Done
			}
			w.status = s
			p.mu.Unlock()
		}
	case tResults:
		m, err := decodeResults(f.Payload)
		if err != nil {
			w.child.Kill("sent a broken result: " + err.Error())
			return
		}
		var failed []*FileError
		var final []string
		p.mu.Lock()
		idx := w.inflight[m.Batch]
		for _, res := range m.Results {
			if res.I < 0 || res.I >= len(p.tasks) || p.has[res.I] {
				continue
			}
			p.out[res.I], p.has[res.I] = res, true
			final = append(final, p.tasks[res.I].dir)
			p.left--
			stopped := res.Err != nil && res.Err.Kind == ErrNotCopied
			if !stopped {
				w.files++ // so the workers' counts add up to the run's
			}
			idx = removeInt(idx, res.I)
			p.release(res.I)
			p.r.account(p.tasks[res.I], res)
			if res.Err != nil && !stopped {
				failed = append(failed, res.Err)
				if res.Err.Kind == ErrDiskFull && p.stop == "" {
					p.stop = stopDiskFull
				}
			}
		}
		if m.Done || len(idx) == 0 {
			delete(w.inflight, m.Batch)
			w.status = statusMsg{}
		} else {
			w.inflight[m.Batch] = idx
		}
		p.cond.Broadcast()
		p.mu.Unlock()
		p.finalized(final)
		for _, fe := range failed {
			p.r.emit(Event{Kind: EvFileFailed, PID: w.child.PID(), Worker: w.slot, Path: fe.Path, Msg: fe.Error()})
		}
	}
}

func (p *pool) finalized(dirs []string) {
	if p.onFinal != nil {
		for _, d := range dirs {
			p.onFinal(d)
		}
	}
}

func removeInt(s []int, v int) []int {
	for i, x := range s {
		if x == v {
			return append(s[:i], s[i+1:]...)
		}
	}
	return s
}

// watch waits for w to end. Files it held without a result go back into the queue (their
// temporary files removed first), and a replacement starts while work is left.
func (p *pool) watch(w *pworker) {
	<-w.child.Done()
	info := w.child.Info()
	p.mu.Lock()
	w.ended = true
	p.live--
	var unfinished []int
	for _, idx := range w.inflight {
		unfinished = append(unfinished, idx...)
	}
	w.inflight = nil
	w.status = statusMsg{}
	sort.Ints(unfinished)
	for _, i := range unfinished {
		p.release(i)
	}
	// After a cancel a worker's end is the run's stop, not a death: a Kill all cancels
	// the run and kills its workers at once, and the pool may not have told them to
	// stop yet (seen under load).
	died := !w.stopping && p.r.ctx.Err() == nil
	if died {
		p.deaths++
	}
	stop, files := p.stop, w.files
	p.mu.Unlock()

	for _, i := range unfinished {
		os.Remove(tempPath(filepath.Join(p.r.dst, p.tasks[i].Rel), p.r.tag))
	}
	var retried, final []string
	p.mu.Lock()
	for _, i := range unfinished {
		if stop != "" {
			continue // reported as not copied at the end
		}
		p.attempts[i]++
		if p.attempts[i] >= maxAttempts {
			res := result{I: i, Err: &FileError{Path: p.tasks[i].Rel, Kind: ErrWorker,
				Msg: fmt.Sprintf("%d worker processes died while copying it; it may crash the copier", maxAttempts)}}
			p.out[i], p.has[i] = res, true
			p.left--
			p.r.account(p.tasks[i], res)
			final = append(final, p.tasks[i].dir)
			continue
		}
		retried = append(retried, p.tasks[i].Rel)
	}
	// Requeued files go first: they were next anyway.
	requeue := make([]int, 0, len(retried))
	for _, i := range unfinished {
		if !p.has[i] && stop == "" {
			requeue = append(requeue, i)
		}
	}
	p.queue = append(requeue, p.queue...)
	// Not after a cancel: the pool's stop may not be set yet when a Kill all, which
	// cancels the run first, kills the workers.
	replace := died && p.stop == "" && p.r.ctx.Err() == nil && (p.left > 0 || !p.closed) && p.deaths <= p.maxDeaths
	if died && p.stop == "" && p.left > 0 && !replace && p.live == 0 {
		p.stop = fmt.Sprintf("worker processes kept dying (%d deaths); the last: %s", p.deaths, info.Reason)
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	p.finalized(final)

	if died {
		d := WorkerDeath{PID: info.PID, Worker: w.slot, Label: info.Label, Reason: info.Reason, Retried: append([]string{}, retried...)}
		p.r.addDeath(d)
		msg := fmt.Sprintf("%s (PID %d) ended: %s; %s", info.Label, info.PID, info.Reason, numfmt.Count(len(retried), "unfinished file requeued", "unfinished files requeued"))
		p.r.log().Warn("backup worker died", "run_id", p.r.id, "pid", info.PID, "detail", msg)
		p.r.emit(Event{Kind: EvWorkerDied, PID: info.PID, Worker: w.slot, Msg: msg})
	} else {
		p.r.emit(Event{Kind: EvWorkerEnded, PID: info.PID, Worker: w.slot, Msg: fmt.Sprintf("%s (PID %d) finished: %d files, %.3f s of CPU", info.Label, info.PID, files, info.CPU.Seconds())})
	}
	if replace {
		p.startWorker(w.slot, true)
	}
}

// wakeOnCancel wakes whoever waits on the pool's cond when the run is cancelled, until
// the returned func is called.
func (p *pool) wakeOnCancel() (stop func() bool) {
	return context.AfterFunc(p.r.ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
}

// drain returns when every file queued so far has a final result, or the run stopped;
// the workers stay for more.
func (p *pool) drain() {
	defer p.wakeOnCancel()()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.left > 0 && p.stop == "" && p.r.ctx.Err() == nil {
		p.cond.Wait()
	}
}

// wait returns when every file has a result, or the run stopped and every worker ended.
func (p *pool) wait() {
	stopAsked := false
	defer p.wakeOnCancel()() // a cancel must wake the loop below
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.live == 0 && (p.closed && p.left == 0 || p.stop != "") {
			return
		}
		if p.r.ctx.Err() != nil && p.stop == "" {
			p.stop = "cancelled"
			if c := context.Cause(p.r.ctx); c != nil && c != context.Canceled {
				p.stop = c.Error()
			}
		}
		if p.stop != "" && !stopAsked {
			stopAsked = true
			ws, why := append([]*pworker(nil), p.procs...), "the run stopped: "+p.stop
			p.cond.Broadcast()
			p.mu.Unlock()
			for _, w := range ws {
				p.mu.Lock()
				w.stopping = true
				p.mu.Unlock()
				w.child.TerminateBecause(5*time.Second, why)
			}
			p.mu.Lock()
			continue
		}
		p.cond.Wait()
	}
}

// snapshot copies each worker's view for Progress, and counts the files no worker has
// taken yet.
func (p *pool) snapshot() (out []WorkerProgress, queued int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.procs {
		info := w.child.Info()
		holds := 0
		for _, idx := range w.inflight {
			holds += len(idx)
		}
		var rate float64
		// Under a third of a second says little of a file's speed.
		if dt := time.Since(w.since).Seconds(); w.status.Rel != "" && dt > 0.3 {
			rate = float64(w.status.Done-w.from) / dt
		}
		out = append(out, WorkerProgress{Worker: w.slot, PID: info.PID, Label: info.Label, State: info.State.String(),
			Ended: w.ended, File: w.status.Rel, FileDone: w.status.Done, FileSize: w.status.Size, FileRate: rate, Checking: w.status.Check,
			Files: w.files, Holds: holds})
	}
	return out, len(p.queue)
}

// streamed is the bytes of big files copied so far that have no result yet.
func (p *pool) streamed() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int64
	for _, w := range p.procs {
		if !w.ended {
			n += w.status.Done
		}
	}
	return n
}
