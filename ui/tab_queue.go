package ui

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/core/queue"
	"dev.proclab/internal/numfmt"
)

var queueTab = Tab{
	Name:  "queue",
	Title: "Queue",
	How: `Producers and consumers are separate processes and the app is the broker between them (Python: multiprocessing.Queue(maxsize), put, get). ` +
		`Producers send only against credits the broker grants, so capacity bounds every message produced and not yet acknowledged: a full queue blocks the producers instead of dropping. ` +
		`Consumers acknowledge batches; kill one and what it held goes back to the queue. ` +
		`Stop drains the queue with one poison pill per consumer (Python: q.put(None) per worker) and checks each (producer, sequence number) was consumed exactly once.`,
	Build: func(env *Env) Screen {
		v := newQueueView(env)
		return Screen{Content: v.content, Demo: v.demo}
	},
}

// queueRows bounds the message list: the view shows the latest, never the whole stream.
const queueRows = 300

type queueView struct {
	env     *Env
	content fyne.CanvasObject

	producers, consumers, capacity, rate, work *widget.Select
	form                                       *widget.Form
	start, stop, kill                          *widget.Button

	depth                        *meter
	depthText                    string
	produced, consumed, inflight *widget.Label
	throughput, latency, status  *widget.Label
	workers, notes               *widget.Label
	list                         *widget.List
	follow                       *widget.Check
	detail                       *widget.Label // the clicked row in full

	// Owned by the main goroutine.
	rows    []queueRow // the latest, oldest first, as the Pipe and Daemons lists
	lastSeq uint64
	// Where following left the list (scroll offset, at that list height): an offset
	// above it is the user scrolling up to read, which ends Follow.
	followAt, followH float32
	msgTitle          *widget.Label // says when the list shows only a sample
	shownQ            *queue.Queue
	ended             bool

	// tickMu is uncontended in the app (ticks and taps share the main goroutine); on
	// Fyne's test driver ticks run on their own goroutine, and tests take it to look.
	tickMu  sync.Mutex
	mu      sync.Mutex
	q       *queue.Queue
	pending string // an error from a start attempt, for the next tick
}

type queueRow struct {
	seq  uint64 // the event's place in the run's history
	kind queue.EventKind
	text string
}

var (
	queueRates = []string{"10 / s", "100 / s", "1,000 / s", "10,000 / s", "as fast as possible"}
	queueWorks = []string{"none", "1 ms", "10 ms", "100 ms"}
	queueCaps  = []string{"10", "100", "1,000", "10,000", "100,000"}
)

func newQueueView(env *Env) *queueView {
	v := &queueView{env: env}
	counts := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	v.producers = widget.NewSelect(counts, nil)
	v.producers.SetSelected("2")
	v.consumers = widget.NewSelect(counts, nil)
	v.consumers.SetSelected("2")
	v.capacity = widget.NewSelect(queueCaps, nil)
	v.capacity.SetSelected("1,000")
	v.rate = widget.NewSelect(queueRates, nil)
	v.rate.SetSelected("100 / s")
	v.work = widget.NewSelect(queueWorks, nil)
	v.work.SetSelected("10 ms")

	v.start = widget.NewButton("Start", v.onStart)
	v.start.Importance = widget.HighImportance
	v.stop = widget.NewButton("Stop and drain", v.onStop)
	v.kill = widget.NewButton("Kill a consumer", v.onKill)
	v.stop.Disable()
	v.kill.Disable()

	v.depth = newMeter()
	v.depth.TextFormatter = func() string { return v.depthText }
	v.produced = widget.NewLabel("")
	v.consumed = widget.NewLabel("")
	v.inflight = widget.NewLabel("")
	v.throughput = widget.NewLabel("")
	v.latency = widget.NewLabel("")
	// Cut, not widened: in a grid each column is as wide as the widest counter, and a
	// latency of "p99 686.5 ms" pushed the whole pane past its divider.
	for _, l := range []*widget.Label{v.produced, v.consumed, v.inflight, v.throughput, v.latency} {
		l.Truncation = fyne.TextTruncateEllipsis
	}
	v.workers = widget.NewLabel("Press Start to run producers and consumers.")
	v.workers.Wrapping = fyne.TextWrapWord
	v.notes = widget.NewLabel("")
	v.notes.Wrapping = fyne.TextWrapWord
	v.notes.Importance = widget.WarningImportance
	v.status = widget.NewLabel("Not running: pick the numbers, then press Start.")
	v.status.Wrapping = fyne.TextWrapWord

	v.list = widget.NewList(
		func() int { return len(v.rows) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("00:00:00.000  consumed by C8  P8 #000000000  00000000-0000-4000-8000-000000000000")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if i >= len(v.rows) {
				l.SetText("")
				return
			}
			r := v.rows[i]
			switch r.kind {
			case queue.Produced:
				l.Importance = widget.MediumImportance
			case queue.Consumed:
				l.Importance = widget.SuccessImportance
			case queue.Pill:
				l.Importance = widget.HighImportance
			default:
				l.Importance = widget.WarningImportance
			}
			l.SetText(r.text)
		})
	// Off, the list holds still to be read while the run and its counters go on.
	v.follow = widget.NewCheck("Follow", func(on bool) {
		if on {
			v.pullRows()
		}
	})
	v.follow.SetChecked(true)
	detail, show := fullLine()
	v.detail = detail
	v.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(v.rows) {
			show(v.rows[id].text)
			v.follow.SetChecked(false) // the row stays where it was clicked
		}
	}

	v.form = widget.NewForm(
		widget.NewFormItem("Producers", v.producers),
		widget.NewFormItem("Consumers", v.consumers),
		widget.NewFormItem("Capacity", v.capacity),
		widget.NewFormItem("Rate per producer", v.rate),
		widget.NewFormItem("Work per message", v.work),
	)
	// Latency on a line of its own: the longest counter, cut in half a line.
	counters := container.NewVBox(container.NewGridWithColumns(2,
		v.produced, v.consumed, v.inflight, v.throughput), v.latency)
	var left *fyne.Container
	left = container.NewVBox(v.form,
		// Natural widths: a grid would make each as wide as the widest, and that (559 px)
		// held the divider in place in a 900 px window. In a narrow pane they wrap: in
		// one line the last two had been cut off at 800 px.
		newFlow(func() { left.Refresh() }, v.start, v.stop, v.kill),
		// The run's state under the buttons that change it: at the bottom, a small
		// window scrolled "Stopping…" out of sight.
		// Two lines, always: a status that grew from one to two lines, or to three, had
		// moved the bar and the counters down and pushed Latency out of the pane.
		container.NewStack(linesTall(2), v.status), v.depth, counters)
	v.msgTitle = boldLabel("Latest messages")
	messages := container.NewBorder(container.NewBorder(nil, nil, nil, v.follow, v.msgTitle),
		detail, nil, nil, followed(v.list, func() bool { return v.follow.Checked }))
	procs := container.NewVScroll(container.NewVBox(boldLabel("Processes"), v.workers, v.notes))
	right := container.NewVSplit(messages, procs)
	right.Offset = 0.62
	leftView := container.NewVScroll(left)
	// The pane asks for all it shows, so that "How it works" gives way in a small window:
	// asking for nothing, it left the counters scrolled out of sight at 800×600.
	leftView.SetMinSize(fyne.NewSize(0, left.MinSize().Height))
	split := container.NewHSplit(leftView, right)
	split.Offset = 0.45
	v.content = split
	v.showStats(queue.Stats{Capacity: 1000})
	env.Every(250*time.Millisecond, v.tick)
	env.OnQuit(func() {
		if q := v.current(); q != nil {
			q.Kill()
		}
	})
	env.OnKillAll(func(reason string) {
		if q := v.current(); q != nil {
			q.KillBecause(reason) // no consumer replaced
		}
	})
	return v
}

func (v *queueView) current() *queue.Queue {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.q
}

func (v *queueView) config() queue.Config {
	atoi := func(s string) int {
		var n int
		fmt.Sscan(strings.ReplaceAll(s, ",", ""), &n)
		return n
	}
	c := queue.Config{Producers: atoi(v.producers.Selected), Consumers: atoi(v.consumers.Selected),
		Capacity: atoi(v.capacity.Selected), Group: "queue"}
	if r := v.rate.Selected; r != "as fast as possible" {
		c.Rate = float64(atoi(strings.TrimSuffix(r, " / s")))
	}
	switch v.work.Selected {
	case "1 ms":
		c.Work = time.Millisecond
	case "10 ms":
		c.Work = 10 * time.Millisecond
	case "100 ms":
		c.Work = 100 * time.Millisecond
	}
	return c
}

func (v *queueView) onStart() {
	cfg := v.config()
	v.start.Disable()
	v.setSettings(false)
	v.status.SetText("Starting producers and consumers…")
	v.status.Importance = widget.MediumImportance
	// Spawning takes a few milliseconds a child: never on the main goroutine.
	go func() {
		q, err := queue.Start(v.env.Sup, cfg)
		v.mu.Lock()
		if err != nil {
			v.pending = "Could not start the queue: " + err.Error()
		} else {
			v.q = q
		}
		v.mu.Unlock()
	}()
}

// setSettings enables the run's settings, or disables them while a run goes: a
// running queue keeps the producers, consumers and capacity it started with.
func (v *queueView) setSettings(on bool) {
	setEnabled(on, v.producers, v.consumers, v.capacity, v.rate, v.work)
	// The form greys its labels only when it is itself refreshed: they had stayed grey
	// after a run that ended while another tab was shown.
	v.form.Refresh()
}

func (v *queueView) onStop() {
	if q := v.current(); q != nil {
		v.stop.Disable()
		v.kill.Disable()
		v.status.SetText("Stopping: the queue drains, then each consumer takes a poison pill…")
		q.Stop()
	}
}

func (v *queueView) onKill() {
	if q := v.current(); q != nil {
		go q.KillConsumer()
	}
}

// tick moves the engine's news into the widgets, a few times a second.
func (v *queueView) tick() {
	v.tickMu.Lock()
	defer v.tickMu.Unlock()
	v.mu.Lock()
	q, pending := v.q, v.pending
	v.pending = ""
	v.mu.Unlock()
	if pending != "" {
		v.status.Importance = widget.DangerImportance
		v.status.SetText(pending)
		v.start.Enable()
		v.setSettings(true)
	}
	if q == nil || (q == v.shownQ && v.ended) {
		return
	}
	if q != v.shownQ {
		v.shownQ, v.ended, v.lastSeq = q, false, 0
		v.rows = v.rows[:0]
		v.follow.SetChecked(true) // a new run is watched from its start
		clearFullLine(v.detail)
		v.stop.Enable()
		v.kill.Enable()
		v.status.Importance = widget.MediumImportance
		v.status.SetText("Running. Stop drains the queue and checks every message.")
	}
	if v.follow.Checked && v.list.Size().Height == v.followH && v.list.GetScrollOffset() < v.followAt-1 {
		v.follow.SetChecked(false) // scrolled up: hold the list still to be read
	}
	// Whether the run is over, asked before the snapshot: taken after, a snapshot from
	// just before the end showed "Consumed: 2,008" beside "Done: 2,010 consumed".
	ended := isDone(q.Done())
	if v.follow.Checked {
		v.pullRows()
	}
	v.showStats(q.Stats())
	if ended {
		v.ended = true
		r := q.Result()
		v.start.Enable()
		v.setSettings(true)
		v.stop.Disable()
		v.kill.Disable()
		if r.Err != nil {
			v.status.Importance = widget.DangerImportance
			v.status.SetText("The run failed: " + r.Err.Error())
		} else {
			v.status.Importance = widget.SuccessImportance
			// Short enough for two lines in the narrowest pane; the list above says which
			// messages went back.
			redelivered := "."
			if r.Redelivered > 0 {
				redelivered = fmt.Sprintf("; %s redelivered.", numfmt.Thousands(r.Redelivered))
			}
			v.status.SetText(fmt.Sprintf("Done in %s: %s messages, each consumed exactly once%s",
				numfmt.Duration(r.Elapsed), numfmt.Thousands(r.Consumed), redelivered))
		}
	}
}

// pullRows appends the events since the last pull to the list, keeps the latest
// queueRows and shows the newest.
func (v *queueView) pullRows() {
	q := v.shownQ
	if q == nil {
		return
	}
	evs := q.Events(v.lastSeq)
	if len(evs) == 0 {
		return
	}
	// Faster than a list can be read, it shows the latest of each tick: say how few.
	happened := int(evs[len(evs)-1].Seq - v.lastSeq)
	v.lastSeq = evs[len(evs)-1].Seq
	if len(evs) > queueRows {
		evs = evs[len(evs)-queueRows:]
	}
	if drop := len(v.rows) + len(evs) - queueRows; drop > 0 {
		v.rows = append(v.rows[:0:0], v.rows[drop:]...)
	}
	for _, e := range evs {
		v.rows = append(v.rows, queueRowOf(e))
	}
	title := "Latest messages"
	if happened > 2*len(evs) {
		title = fmt.Sprintf("Latest messages · 1 in %s shown at this rate", numfmt.Thousands(happened/len(evs)))
	}
	setText(v.msgTitle, title)
	v.list.UnselectAll()
	v.list.Refresh()
	v.list.ScrollToBottom()
	v.followAt, v.followH = v.list.GetScrollOffset(), v.list.Size().Height
}

func queueRowOf(e queue.Event) queueRow {
	at := e.At.Format("15:04:05.000")
	switch e.Kind {
	case queue.Produced:
		return queueRow{e.Seq, e.Kind, fmt.Sprintf("%s  produced        P%d #%d  %s", at, e.Msg.Producer, e.Msg.Seq, e.Msg.ID)}
	case queue.Consumed:
		return queueRow{e.Seq, e.Kind, fmt.Sprintf("%s  consumed by C%d  P%d #%d  %s", at, e.Consumer, e.Msg.Producer, e.Msg.Seq, e.Msg.ID)}
	}
	return queueRow{e.Seq, e.Kind, at + "  " + e.Text}
}

func (v *queueView) showStats(s queue.Stats) {
	// The capacity bounds every message credited to a producer and not yet acknowledged:
	// those waiting in the queue, those consumers hold, and the credits producers hold
	// (messages on their way, or about to be made). All fill the bar, so "blocked on
	// full queue" shows as a full bar whoever holds them.
	used := s.Depth + s.InFlight + s.Credited
	// Short words: in the least window the pane is 300 px and the bar cut "with consum…".
	text := fmt.Sprintf("%s of %s: %s waiting, %s held", numfmt.Thousands(used),
		numfmt.Thousands(s.Capacity), numfmt.Thousands(s.Depth), numfmt.Thousands(s.InFlight))
	if s.Credited > 0 {
		text += fmt.Sprintf(", %s credited", numfmt.Thousands(s.Credited))
	}
	if text != v.depthText { // the text holds the bar's value and maximum
		v.depthText, v.depth.Value, v.depth.Max = text, float64(used), float64(s.Capacity)
		v.depth.Refresh()
	}
	v.produced.SetText("Produced: " + numfmt.Thousands(s.Produced))
	v.consumed.SetText("Consumed: " + numfmt.Thousands(s.Consumed))
	// Held by consumers; the credits are on the bar.
	v.inflight.SetText("In flight: " + numfmt.Thousands(s.InFlight))
	v.throughput.SetText(fmt.Sprintf("Throughput: %s / s", numfmt.Thousands(int64(s.PerSecond))))
	v.latency.SetText(fmt.Sprintf("Latency p50 %s · p99 %s", roundDur(s.P50), roundDur(s.P99)))
	if len(s.Producers) == 0 {
		return
	}
	var b strings.Builder
	// The live ones first: killed consumers had stayed at the top, their replacements
	// at the bottom, out of sight in a small pane.
	live := func(w queue.WorkerStat) bool { return !w.Ended }
	sortFirst(s.Producers, live)
	sortFirst(s.Consumers, live)
	for _, p := range s.Producers {
		fmt.Fprintf(&b, "Producer P%d (PID %d): %s, %s made\n", p.ID, p.PID, p.State, numfmt.Thousands(p.Count))
	}
	for _, c := range s.Consumers {
		fmt.Fprintf(&b, "Consumer C%d (PID %d): %s, %s consumed", c.ID, c.PID, c.State, numfmt.Thousands(c.Count))
		if c.Held > 0 {
			fmt.Fprintf(&b, ", holds %s", numfmt.Thousands(c.Held))
		}
		b.WriteByte('\n')
	}
	v.workers.SetText(strings.TrimSpace(b.String()))
	v.notes.SetText(strings.Join(s.Notes, "\n"))
}

// demo: producers faster than consumers, so the queue fills and producers block; then a
// consumer is killed and its messages go back.
func (v *queueView) demo() time.Duration {
	v.producers.SetSelected("3")
	v.consumers.SetSelected("2")
	v.capacity.SetSelected("1,000")
	v.rate.SetSelected("1,000 / s")
	v.work.SetSelected("1 ms")
	v.onStart()
	time.AfterFunc(1500*time.Millisecond, v.onKill)
	return 2500 * time.Millisecond
}

func roundDur(d time.Duration) string {
	if d == 0 {
		return "–" // not measured yet
	}
	return numfmt.Duration(d)
}

// sortFirst moves the items for which first holds to the front, each group in its order.
func sortFirst[T any](items []T, first func(T) bool) {
	slices.SortStableFunc(items, func(a, b T) int {
		switch fa, fb := first(a), first(b); {
		case fa && !fb:
			return -1
		case fb && !fa:
			return 1
		}
		return 0
	})
}
