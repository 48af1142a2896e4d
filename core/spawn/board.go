package spawn

import "sync"

// Board is what a run shows while it goes: the phase, the current run's workers, the
// sweep's points and the last finished run. Workers write to it from their goroutines;
// a view reads a Snapshot a few times a second. A nil *Board ignores everything.
type Board struct {
	mu      sync.Mutex
	phase   string
	job     Job
	workers []Worker
	points  []Point
	last    []Outcome
}

// BoardView is a copy of a Board.
type BoardView struct {
	Phase   string
	Job     Job
	Workers []Worker
	Points  []Point
	Last    []Outcome // finished runs of the current Start or Sweep, latest last
}

// Snapshot copies the board.
func (b *Board) Snapshot() BoardView {
	if b == nil {
		return BoardView{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return BoardView{Phase: b.phase, Job: b.job, Workers: append([]Worker(nil), b.workers...),
		Points: append([]Point(nil), b.points...), Last: append([]Outcome(nil), b.last...)}
}

// Reset clears the points and runs before a new Start or Sweep.
func (b *Board) Reset() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.points, b.last, b.workers, b.phase = nil, nil, nil, ""
	b.mu.Unlock()
}

// Workers copies the current run's rows.
func (b *Board) Workers() []Worker {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Worker(nil), b.workers...)
}

func (b *Board) begin(job Job, rows []Worker) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.job, b.workers = job, rows
	b.mu.Unlock()
}

func (b *Board) setPhase(s string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.phase = s
	b.mu.Unlock()
}

func (b *Board) update(i int, fn func(w *Worker)) {
	if b == nil {
		return
	}
	b.mu.Lock()
	if i < len(b.workers) {
		fn(&b.workers[i])
	}
	b.mu.Unlock()
}

func (b *Board) endAll(state string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	for i := range b.workers {
		if w := &b.workers[i]; w.State != WDone && w.State != WFailed {
			w.State = state
		}
	}
	b.mu.Unlock()
}

func (b *Board) addPoint(p Point) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.points = append(b.points, p)
	b.mu.Unlock()
}

func (b *Board) setOutcome(o Outcome) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.last = append(b.last, o)
	b.mu.Unlock()
}

// show puts a finished run's rows back on the board, after a later run (the goroutine
// comparison) replaced them.
func (b *Board) show(o Outcome) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.job, b.workers = o.Job, append([]Worker(nil), o.Workers...)
	b.mu.Unlock()
}
