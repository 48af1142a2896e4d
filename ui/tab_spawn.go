package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/core/spawn"
	"dev.proclab/internal/numfmt"
)

var spawnTab = Tab{
	Name:  "spawn",
	Title: "Spawn",
	How: `Spawning here starts a new process running this same program: the app starts its own binary again (fork and exec) in a worker role, like Python's "spawn" start method (Go has no fork without exec). ` +
		`Each worker says hello, gets one chunk of the task over its stdin, and sends progress and its result back over its stdout; the parent combines the chunks and checks them against a single-process run. ` +
		`Go has no GIL, so goroutines in one process scale too: tick "compare with goroutines" to see what the process boundary costs. Python: Pool(processes=N).map(task, chunks).`,
	Build: buildSpawn,
}

// spawnView is the Spawn tab: controls, the workers of the current run, the results
// and the speedup chart. Everything it shows comes from the engine's Board.
type spawnView struct {
	env    *Env
	engine *spawn.Engine
	board  spawn.Board

	task    *widget.Select
	size    *widget.Entry
	unit    *widget.Label
	workers *widget.Select
	compare *widget.Check
	start   *widget.Button
	sweep   *widget.Button
	cancel  *widget.Button
	phase   *widget.Label
	table   *widget.Table
	chart   *speedupChart

	resResult, resCheck, resWall, resSpawn, resSpeedup *widget.Label

	rows     []spawn.Worker // what the table shows, refreshed by the tick
	cur      spawn.Job      // the job those rows belong to
	jobStart time.Time      // when the board showed that job first: its time-left estimate
	npts     int
	others   float64 // CPUs kept busy by other work when the run started; -1 unknown
	mu       sync.Mutex
	stop     context.CancelFunc // cancels the running Start or Sweep
	done     chan struct{}      // closed when it has ended
	report   *spawn.Report      // the last Start's report, for tests
}

var spawnCols = []tableColumn{{"Worker", 60}, {"PID", 62}, {"Chunk", 110}, {"Progress", 100}, {"Result", 150}, {"Time", 80}}

func buildSpawn(env *Env) Screen {
	v := newSpawnView(env)
	return Screen{Content: v.content(), Demo: v.demo}
}

func newSpawnView(env *Env) *spawnView {
	v := &spawnView{env: env, engine: spawn.NewEngine(env.Sup, "spawn")}
	titles := make([]string, len(spawn.Tasks))
	for i, t := range spawn.Tasks {
		titles[i] = t.Title
	}
	v.unit = widget.NewLabel("")
	v.size = widget.NewEntry()
	v.task = widget.NewSelect(titles, func(string) {
		t := v.chosenTask()
		v.size.SetText(numfmt.Thousands(t.DefaultSize))
		v.unit.SetText(t.SizeLabel)
		if v.resResult != nil && !v.running() {
			// Another task: the last one's workers, results and chart would read as its.
			v.board.Reset()
			v.chart.SetPoints(nil, runtime.NumCPU())
			v.clearResults("–")
			v.phase.SetText("Pick a task and press Start, or Sweep for 1, 2, 4, … up to the workers picked.")
		}
	})
	var counts []string
	for n := 1; n <= 4*runtime.NumCPU(); n++ {
		counts = append(counts, strconv.Itoa(n))
	}
	v.chart = newSpeedupChart()
	v.workers = widget.NewSelect(counts, func(s string) {
		if n, err := strconv.Atoi(s); err == nil {
			v.chart.SetMost(n)
		}
	})
	v.workers.SetSelected(strconv.Itoa(runtime.NumCPU()))
	v.compare = widget.NewCheck("compare with goroutines", nil)
	v.compare.SetChecked(true)
	v.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), v.onStart)
	v.start.Importance = widget.HighImportance
	v.sweep = widget.NewButtonWithIcon("Sweep", theme.ViewRefreshIcon(), v.onSweep)
	v.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), v.onCancel)
	v.cancel.Disable()
	v.phase = widget.NewLabel("Pick a task and press Start, or Sweep for 1, 2, 4, … up to the workers picked.")
	v.phase.Wrapping = fyne.TextWrapWord // the load note ends the line: it must not be cut in a narrow window
	v.task.SetSelectedIndex(0)

	v.table = widget.NewTable(
		func() (int, int) { return len(v.rows), len(spawnCols) },
		func() fyne.CanvasObject {
			bar := newMeter()
			bar.Hide()
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis // a long result must not run into the next column
			return container.NewStack(l, bar)
		},
		v.updateCell)
	setColumns(v.table, spawnCols)
	v.table.OnSelected = func(id widget.TableCellID) { v.table.Unselect(id) }

	newVal := func() *widget.Label {
		l := widget.NewLabel("–")
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	v.resResult, v.resCheck, v.resWall, v.resSpawn, v.resSpeedup = newVal(), newVal(), newVal(), newVal(), newVal()

	env.Every(200*time.Millisecond, v.tick)
	env.OnQuit(func() {
		v.onCancel()
		v.wait()
	})
	return v
}

func (v *spawnView) content() fyne.CanvasObject {
	sizeBox := container.NewBorder(nil, nil, nil, v.unit, v.size)
	controls := container.New(layout.NewFormLayout(),
		boldLabel("Task"), container.NewGridWithColumns(2, v.task, sizeBox),
		boldLabel("Workers"), container.NewHBox(v.workers, v.compare, layout.NewSpacer(), v.start, v.sweep, v.cancel),
	)
	// Speedup, what the tab is about, second: last, it fell below a small panel's fold.
	results := container.New(layout.NewFormLayout(),
		boldLabel("Result"), v.resResult,
		boldLabel("Speedup"), v.resSpeedup,
		boldLabel("Check"), v.resCheck,
		boldLabel("Wall time"), v.resWall,
		boldLabel("Spawn overhead"), v.resSpawn,
	)
	// Scrolled: wrapped results must not raise the window's minimum height (it grew by
	// 57 px after the first run).
	top := container.NewHSplit(widget.NewCard("", "", v.table), widget.NewCard("", "", container.NewVScroll(results)))
	top.Offset = 0.55
	split := container.NewVSplit(top, widget.NewCard("", "", v.chart))
	split.Offset = 0.56
	return container.NewBorder(container.NewVBox(controls, v.phase), nil, nil, nil, split)
}

func (v *spawnView) chosenTask() *spawn.Task {
	if i := v.task.SelectedIndex(); i >= 0 {
		return spawn.Tasks[i]
	}
	return spawn.Tasks[0]
}

// job reads the controls; the error is a sentence for the phase line.
func (v *spawnView) job() (spawn.Job, error) {
	t := v.chosenTask()
	size, err := parseSize(v.size.Text)
	if err != nil {
		return spawn.Job{}, err
	}
	n, _ := strconv.Atoi(v.workers.Selected)
	j := spawn.Job{Task: t, Size: size, Workers: max(n, 1), Mode: spawn.Processes}
	return j, j.Check() // the engine's own check, before anything starts
}

func (v *spawnView) onStart() {
	v.launch(func(ctx context.Context, job spawn.Job, compare bool) {
		r, err := v.engine.Start(ctx, job, compare, &v.board)
		v.env.Do(func() {
			if err != nil {
				v.showError(err)
				return
			}
			v.mu.Lock()
			v.report = &r
			v.mu.Unlock()
			v.showReport(r)
		})
	})
}

func (v *spawnView) onSweep() {
	v.launch(func(ctx context.Context, job spawn.Job, compare bool) {
		pts, err := v.engine.Sweep(ctx, job.Task, job.Size, job.Workers, compare, &v.board)
		last := v.board.Snapshot().Last
		v.env.Do(func() {
			if err != nil {
				v.showError(err)
				return
			}
			v.showSweep(job, pts, last)
		})
	})
}

// launch reads the form (a wrong entry is shown, nothing runs) and runs fn with it off
// the main goroutine, with a cancellable context; the buttons follow.
func (v *spawnView) launch(fn func(ctx context.Context, job spawn.Job, compare bool)) {
	job, err := v.job()
	if err != nil {
		v.phase.SetText(err.Error())
		return
	}
	compare := v.compare.Checked
	v.clearResults("…")
	v.others = -1
	if v.env.Mon != nil {
		if n, ok := v.env.Mon.Others(); ok {
			v.others = n
		}
	}
	v.mu.Lock()
	if v.stop != nil {
		v.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	v.stop, v.done = cancel, done
	v.mu.Unlock()
	v.board.Reset()
	v.npts = -1
	v.setRunning(true)
	go func() {
		defer close(done)
		defer cancel()
		fn(ctx, job, compare)
		v.mu.Lock()
		v.stop = nil
		v.mu.Unlock()
		v.env.Do(func() { v.setRunning(false); v.tick() })
	}()
}

func (v *spawnView) onCancel() {
	v.mu.Lock()
	stop := v.stop
	v.mu.Unlock()
	if stop != nil {
		stop()
	}
}

func (v *spawnView) wait() {
	v.mu.Lock()
	done := v.done
	v.mu.Unlock()
	if done != nil {
		<-done
	}
}

func (v *spawnView) running() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.stop != nil
}

func (v *spawnView) setRunning(on bool) {
	setEnabled(!on, v.start, v.sweep, v.task, v.workers, v.size, v.compare)
	setEnabled(on, v.cancel)
}

// tick copies the board into the widgets: one table refresh, whatever the event rate.
func (v *spawnView) tick() {
	s := v.board.Snapshot()
	if s.Job != v.cur {
		v.jobStart = time.Now()
	}
	if s.Job != v.cur || !slices.Equal(s.Workers, v.rows) {
		v.rows, v.cur = s.Workers, s.Job
		v.table.Refresh()
	}
	if v.running() && s.Phase != "" {
		setText(v.phase, s.Phase+v.timeLeft())
	}
	if len(s.Points) != v.npts {
		v.npts = len(s.Points)
		// A Start has no points: the last sweep's chart stays until the next sweep's
		// first point replaces it.
		if len(s.Points) > 0 {
			v.chart.SetPoints(s.Points, runtime.NumCPU())
		}
	}
}

// timeLeft estimates the current job's remaining time from its slowest worker, once
// it is far enough in to say: a big size can take minutes, the reference run first.
func (v *spawnView) timeLeft() string {
	least := 1.0
	for _, w := range v.rows {
		if n := w.Chunk.Len(); n > 0 {
			least = min(least, float64(w.Done)/float64(n))
		}
	}
	took := time.Since(v.jobStart)
	if len(v.rows) == 0 || least < 0.02 || least >= 1 || took < 2*time.Second {
		return ""
	}
	return " · about " + uptimeText(time.Duration(float64(took)*(1-least)/least)) + " left"
}

func (v *spawnView) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	st := o.(*fyne.Container)
	l, bar := st.Objects[0].(*widget.Label), st.Objects[1].(*meter)
	if id.Row >= len(v.rows) {
		l.SetText("")
		bar.Hide()
		return
	}
	w := v.rows[id.Row]
	if id.Col == 3 {
		l.Hide()
		bar.Show()
		if n := w.Chunk.Len(); n > 0 {
			bar.SetValue(float64(w.Done) / float64(n))
		}
		return
	}
	bar.Hide()
	l.Show()
	text := ""
	switch id.Col {
	case 0:
		text = fmt.Sprintf("#%d", w.Index+1)
		if n, _ := strconv.Atoi(v.workers.Selected); v.cur.Workers == 1 && n > 1 {
			text = "ref" // the single-process run the check and the speedup compare with
		}
	case 1:
		if w.PID > 0 {
			text = strconv.Itoa(w.PID)
		}
	case 2:
		text = fmt.Sprintf("%s – %s", shortNum(w.Chunk.Lo), shortNum(w.Chunk.Hi))
	case 4:
		switch w.State {
		case spawn.WDone:
			if v.cur.Task != nil {
				text = v.cur.Task.PartialText(w.Result)
			}
		default:
			text = w.State
		}
	case 5:
		if w.Compute > 0 {
			text = numfmt.Duration(w.Compute)
		}
	}
	l.SetText(text)
}

// clearResults puts text ("…" while a run goes, "–" for none) in every result row.
func (v *spawnView) clearResults(text string) {
	for _, l := range []*widget.Label{v.resResult, v.resCheck, v.resWall, v.resSpawn, v.resSpeedup} {
		l.SetText(text)
	}
}

func (v *spawnView) showError(err error) {
	if errors.Is(err, context.Canceled) {
		v.phase.SetText("Cancelled: every worker process was killed at once (goroutines are told to stop).")
	} else {
		msg := err.Error()
		if !strings.HasSuffix(msg, ".") {
			msg += "." // the engine's errors are clauses; the phase line is a sentence
		}
		v.phase.SetText("The run failed: " + msg)
	}
	v.clearResults("–")
}

func (v *spawnView) showReport(r spawn.Report) {
	run, ref := r.Run, r.Reference
	v.phase.SetText(fmt.Sprintf("Done: %d worker processes on %d CPUs.", run.Job.Workers, runtime.NumCPU()) + v.loadNote())
	v.resResult.SetText(run.Text)
	v.resCheck.SetText(checkText(r.Match(), ref))
	wall := fmt.Sprintf("%s with %d processes", numfmt.Duration(run.Wall), run.Job.Workers)
	if g := r.Goroutines; g != nil {
		wall += fmt.Sprintf(", %s with %d goroutines", numfmt.Duration(g.Wall), g.Job.Workers)
	}
	v.resWall.SetText(wall + fmt.Sprintf("; one process: %s", numfmt.Duration(ref.Wall)))
	v.resSpawn.SetText(spawnText(run, r.Goroutines))
	if ref.Wall < shortRun {
		v.resSpeedup.SetText(tooShort(ref.Wall))
		return
	}
	sp := fmt.Sprintf("%.2f× with %d processes", r.Speedup(), run.Job.Workers)
	if r.Goroutines != nil {
		sp += fmt.Sprintf(", %.2f× with goroutines", r.GoSpeedup())
	}
	ideal := min(run.Job.Workers, runtime.NumCPU())
	sp += fmt.Sprintf(" (ideal %d× on %d CPUs)", ideal, runtime.NumCPU())
	if r.Speedup() > 1.03*float64(ideal) {
		sp += aboveIdeal
	}
	v.resSpeedup.SetText(sp)
}

// loadNote warns that other work had CPUs busy when the run started: the speedup then
// measures the CPUs left over, and a busy loop from the Kill tab had halved it unsaid.
func (v *spawnView) loadNote() string {
	if v.others < 0.3 {
		return ""
	}
	// Short: the phase line is cut at the window's edge ("the speedup is lowe…" at 1100 px).
	return fmt.Sprintf(" Other work had %.1f of %d CPUs busy: the speedup is understated.", v.others, runtime.NumCPU())
}

func (v *spawnView) showSweep(job spawn.Job, pts []spawn.Point, last []spawn.Outcome) {
	v.phase.SetText(fmt.Sprintf("Sweep done: %s workers on %d CPUs.", countsText(spawn.SweepCounts(job.Workers)), runtime.NumCPU()) + v.loadNote())
	match := true
	var ref, best spawn.Outcome
	var bestG *spawn.Outcome
	for _, o := range last {
		if o.Job.Workers == 1 && o.Job.Mode == spawn.Processes {
			ref = o
		}
	}
	for _, p := range pts {
		match = match && p.Match
	}
	var wall, speed []string
	for _, p := range pts {
		if p.Mode == spawn.Processes {
			wall = append(wall, fmt.Sprintf("%d: %s", p.Workers, numfmt.Duration(p.Wall)))
			if p.Workers > 1 { // 1 worker is the baseline, 1.00× by definition
				speed = append(speed, fmt.Sprintf("%d: %.2f×", p.Workers, p.Speedup))
			}
		}
	}
	for i := range last {
		o := last[i]
		if o.Job.Workers == job.Workers && o.Job.Mode == spawn.Processes {
			best = o
		}
		if o.Job.Workers == job.Workers && o.Job.Mode == spawn.Goroutines {
			bestG = &last[i]
		}
	}
	v.resResult.SetText(ref.Text)
	v.resCheck.SetText(checkText(match, ref))
	v.resWall.SetText("processes " + strings.Join(wall, ", "))
	v.resSpawn.SetText(spawnText(best, bestG))
	s := "processes " + strings.Join(speed, ", ")
	var gs []string
	for _, p := range pts {
		if p.Mode == spawn.Goroutines && p.Workers > 1 {
			gs = append(gs, fmt.Sprintf("%d: %.2f×", p.Workers, p.Speedup))
		}
	}
	if len(gs) > 0 {
		s += "; goroutines " + strings.Join(gs, ", ")
	}
	switch {
	case ref.Wall < shortRun:
		s = tooShort(ref.Wall)
	case len(speed) == 0:
		s = "a sweep of 1 worker has nothing to compare: choose 2 or more workers"
	default:
		for _, p := range pts {
			if p.Speedup > 1.03*float64(min(p.Workers, runtime.NumCPU())) {
				s += aboveIdeal
				break
			}
		}
	}
	v.resSpeedup.SetText(s)
}

// aboveIdeal explains a speedup past the CPU count, which reads as an error otherwise.
const aboveIdeal = "; past the ideal, which is timing noise: each run's time moves with what else the machine is doing"

// shortRun: below this a single-process run is mostly process start-up and timer
// noise, and a ratio of two such times says nothing (296× was seen for size 2). A var:
// a test on a loaded machine, where a tiny run can take longer, sets it.
var shortRun = 20 * time.Millisecond

func tooShort(ref time.Duration) string {
	return fmt.Sprintf("not measured: one process took %s, too short to compare; enter a size that takes a second or more", numfmt.Duration(ref))
}

func checkText(match bool, ref spawn.Outcome) string {
	if match {
		return "✓ agrees exactly with a single-process run"
	}
	return "✗ differs from the single-process run: " + ref.Text
}

func spawnText(run spawn.Outcome, g *spawn.Outcome) string {
	mean, most := run.SpawnPerWorker()
	s := fmt.Sprintf("%s per process (slowest %s); all %d ready after %s",
		numfmt.Duration(mean), numfmt.Duration(most), run.Job.Workers, numfmt.Duration(run.AllReady))
	if g != nil {
		s += fmt.Sprintf("; goroutines: %s", numfmt.Duration(g.AllReady))
	}
	return s
}

func countsText(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// demo runs a small sweep on primes, so the picture shows workers, results and a chart.
func (v *spawnView) demo() time.Duration {
	v.task.SetSelectedIndex(0)
	v.size.SetText("1,000,000,000")
	v.workers.SetSelected(strconv.Itoa(max(2, runtime.NumCPU())))
	v.compare.SetChecked(true)
	v.onSweep()
	return 9 * time.Second
}

// parseSize reads "2,000,000,000", "2_000_000", "500M" or "2G".
func parseSize(s string) (int64, error) {
	t := strings.NewReplacer(",", "", "_", "", " ", "", "\u202f", "").Replace(strings.TrimSpace(s))
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k', 'K':
			mult = 1_000
		case 'm', 'M':
			mult = 1_000_000
		case 'g', 'G':
			mult = 1_000_000_000
		}
		if mult > 1 {
			t = t[:n-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if errors.Is(err, strconv.ErrRange) && n > 0 || err == nil && n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large: enter a size such as 100,000,000 or 500M", s)
	}
	if err == nil && n <= 0 {
		return 0, fmt.Errorf("%q is no work to share: enter a size above 0, such as 100,000,000 or 500M", s)
	}
	if err != nil {
		return 0, fmt.Errorf("%q is not a size: enter a whole number, with K, M or G for thousands, millions or billions (100,000,000 or 500M)", s)
	}
	return n * mult, nil
}

func shortNum(n int64) string {
	switch {
	case n >= 1_000_000_000 && n%10_000_000 == 0:
		return strconv.FormatFloat(float64(n)/1e9, 'f', -1, 64) + "G"
	case n >= 1_000_000 && n%10_000 == 0:
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + "M"
	}
	return numfmt.Thousands(n)
}

// speedupChart draws speedup against worker count with canvas lines: processes,
// goroutines, and the ideal (linear up to the CPU count, flat after).
type speedupChart struct {
	widget.BaseWidget
	mu     sync.Mutex
	points []spawn.Point
	cpus   int
	most   int // the worker count a sweep would reach: the axis before the first sweep
}

func newSpeedupChart() *speedupChart {
	c := &speedupChart{cpus: runtime.NumCPU(), most: runtime.NumCPU()}
	c.ExtendBaseWidget(c)
	return c
}

// SetMost sets the worker count the next sweep reaches: the axis runs at least that far.
func (c *speedupChart) SetMost(n int) {
	c.mu.Lock()
	changed := c.most != n
	c.most = n
	c.mu.Unlock()
	if changed {
		c.Refresh()
	}
}

// SetPoints replaces the points and redraws.
func (c *speedupChart) SetPoints(p []spawn.Point, cpus int) {
	c.mu.Lock()
	c.points, c.cpus = append([]spawn.Point(nil), p...), cpus
	c.mu.Unlock()
	c.Refresh()
}

func (c *speedupChart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c}
	r.build(fyne.NewSize(300, 200))
	return r
}

type chartRenderer struct {
	c       *speedupChart
	objects []fyne.CanvasObject
	size    fyne.Size
}

func (r *chartRenderer) Layout(s fyne.Size)           { r.build(s) }
func (r *chartRenderer) MinSize() fyne.Size           { return fyne.NewSize(260, 140) }
func (r *chartRenderer) Refresh()                     { r.build(r.size); canvas.Refresh(r.c) }
func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *chartRenderer) Destroy()                     {}

var (
	procColor = color.NRGBA{R: 0x29, G: 0x6f, B: 0xf6, A: 0xff}
	goColor   = color.NRGBA{R: 0xf0, G: 0x8c, B: 0x1a, A: 0xff}
)

// build lays the chart out for size s from scratch: it has a few dozen objects at most.
func (r *chartRenderer) build(s fyne.Size) {
	r.size = s
	r.c.mu.Lock()
	pts, cpus, most := r.c.points, r.c.cpus, r.c.most
	r.c.mu.Unlock()
	fg := theme.Color(theme.ColorNameForeground)
	grid := theme.Color(theme.ColorNameSeparator)
	muted := theme.Color(theme.ColorNameDisabled)
	// Axis text must read as text: the disabled colour that suits the ideal line's
	// dashes was too dim for numbers.
	axis := theme.Color(theme.ColorNamePlaceHolder)
	var objs []fyne.CanvasObject
	text := func(s string, col color.Color, x, y float32, align fyne.TextAlign) {
		t := canvas.NewText(s, col)
		t.TextSize = theme.CaptionTextSize()
		t.Alignment = align
		sz := t.MinSize()
		switch align {
		case fyne.TextAlignTrailing:
			x -= sz.Width
		case fyne.TextAlignCenter:
			x -= sz.Width / 2
		}
		t.Move(fyne.NewPos(x, y-sz.Height/2))
		t.Resize(sz)
		objs = append(objs, t)
	}
	line := func(x1, y1, x2, y2 float32, col color.Color, w float32) {
		l := canvas.NewLine(col)
		l.StrokeWidth = w
		l.Position1, l.Position2 = fyne.NewPos(x1, y1), fyne.NewPos(x2, y2)
		objs = append(objs, l)
	}
	// The right margin holds the last point's dot (6 px) whole, and the split's edge.
	left, right, top, bottom := float32(36), s.Width-20, float32(44), s.Height-30
	if right-left < 40 || bottom-top < 40 {
		r.objects = nil
		return
	}
	// The picked count even mid-sweep: the axis had shrunk to the points so far, 1-2.
	maxW := most
	maxS := 1.0
	for _, p := range pts {
		maxW = max(maxW, p.Workers)
		maxS = max(maxS, p.Speedup)
	}
	maxW = max(maxW, 2)
	maxS = max(maxS, float64(min(maxW, cpus))) + 0.3
	x := func(w float64) float32 { return left + float32((w-1)/float64(maxW-1))*(right-left) }
	y := func(v float64) float32 { return bottom - float32(v/maxS)*(bottom-top) }
	// grid and axes
	for v := 0.0; v <= maxS; v++ {
		line(left, y(v), right, y(v), grid, 1)
		text(fmt.Sprintf("%.0f×", v), axis, left-4, y(v), fyne.TextAlignTrailing)
	}
	for _, w := range spawn.SweepCounts(maxW) {
		line(x(float64(w)), bottom, x(float64(w)), bottom+4, fg, 1)
		text(strconv.Itoa(w), axis, x(float64(w)), bottom+12, fyne.TextAlignCenter)
	}
	line(left, top, left, bottom, fg, 1)
	line(left, bottom, right, bottom, fg, 1)
	text("workers", axis, right, bottom+24, fyne.TextAlignTrailing)
	// ideal: linear until every CPU is busy, flat after
	dash := func(x1, y1, x2, y2 float32) {
		const seg = 6
		dx, dy := x2-x1, y2-y1
		n := int(math.Hypot(float64(dx), float64(dy)) / seg)
		for i := 0; i < n; i += 2 {
			a, b := float32(i)/float32(n), float32(min(i+1, n))/float32(n)
			line(x1+dx*a, y1+dy*a, x1+dx*b, y1+dy*b, muted, 1.5)
		}
	}
	knee := float64(min(cpus, maxW))
	dash(x(1), y(1), x(knee), y(knee))
	if knee < float64(maxW) {
		dash(x(knee), y(knee), x(float64(maxW)), y(knee))
	}
	// Goroutines first and wider: where the two lines meet (they often do), the orange
	// shows around the blue instead of vanishing under it.
	for _, m := range []spawn.Mode{spawn.Goroutines, spawn.Processes} {
		col, width, dotR := procColor, float32(2.5), float32(4)
		if m == spawn.Goroutines {
			col, width, dotR = goColor, 6, 6
		}
		var prev *spawn.Point
		for i := range pts {
			p := pts[i]
			if p.Mode != m {
				continue
			}
			px, py := x(float64(p.Workers)), y(p.Speedup)
			if prev != nil {
				line(x(float64(prev.Workers)), y(prev.Speedup), px, py, col, width)
			}
			dot := canvas.NewCircle(col)
			dot.Move(fyne.NewPos(px-dotR, py-dotR))
			dot.Resize(fyne.NewSize(2*dotR, 2*dotR))
			objs = append(objs, dot)
			prev = &pts[i]
		}
	}
	title := canvas.NewText("Speedup against worker count", fg)
	title.TextStyle.Bold = true
	title.Move(fyne.NewPos(4, 0))
	title.Resize(title.MinSize())
	objs = append(objs, title)
	if len(pts) == 0 {
		// Beside the title, where no line of the plot can run through it.
		text("Press Sweep to chart the speedup for 1, 2, 4, … up to the workers picked", axis,
			title.MinSize().Width+16, title.MinSize().Height/2, fyne.TextAlignLeading)
	}
	// legend
	lx := right - 300
	for _, it := range []struct {
		name string
		col  color.Color
	}{{"processes", procColor}, {"goroutines", goColor}, {"ideal", muted}} {
		line(lx, top-14, lx+16, top-14, it.col, 2.5)
		text(it.name, fg, lx+20, top-14, fyne.TextAlignLeading)
		lx += 100
	}
	r.objects = objs
}
