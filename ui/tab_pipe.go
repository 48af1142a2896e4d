package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/core"
	"dev.proclab/core/pipe"
	"dev.proclab/internal/numfmt"
)

var pipeTab = Tab{
	Name:  "pipe",
	Title: "Pipe",
	How: `The app and one child process hold the two ends of a duplex pipe (Python: a, b = multiprocessing.Pipe(); a.send(); a.recv()). ` +
		`Commands go down the child's stdin and answers come back on its stdout, each framed with a length and a request ID, so several requests can be in flight and each reply finds its request even when a slow one answers last. ` +
		`If the child crashes or is killed, every request still waiting fails with the reason; start a new peer and carry on. Ping-pong sends tiny messages one at a time and measures the round trip.`,
	Build: func(env *Env) Screen {
		v := newPipeView(env)
		return Screen{Content: v.content, Demo: v.demo}
	},
}

// pipeRows bounds the conversation view.
const pipeRows = 500

// pipeRow is one request and, once it comes, its reply; or a note about the peer.
type pipeRow struct {
	id    uint64
	peer  int // PID
	cmd   string
	reply string
	err   bool
	done  bool
	note  string
}

type pipeView struct {
	env     *Env
	content fyne.CanvasObject

	cmd                   *widget.SelectEntry
	send, restart, kill   *widget.Button
	pingN                 *widget.Select
	ping                  *widget.Button
	peerState, pingResult *widget.Label
	detail                *widget.Label // the selected row in full
	list                  *widget.List

	rows  []pipeRow // main goroutine only; oldest first
	early map[pipeKey]pipe.Reply

	// tickMu is uncontended in the app (ticks and taps share the main goroutine); on
	// Fyne's test driver ticks run on their own goroutine, and tests take it to look.
	tickMu sync.Mutex
	mu     sync.Mutex
	peer   *pipe.Peer
	// userKilled is the peer the Kill peer button ended, shown without alarm.
	userKilled *pipe.Peer
	starting   bool
	updates    []func() // engine news for the next tick
}

func newPipeView(env *Env) *pipeView {
	v := &pipeView{env: env}
	v.cmd = widget.NewSelectEntry(pipe.Commands)
	// Short enough for the least window: the list beside it holds every command. The
	// whole list here had made the field scroll its own placeholder.
	v.cmd.SetPlaceHolder("Type a command, such as square 12, or pick one")
	v.cmd.OnSubmitted = func(string) { v.onSend() }
	v.send = widget.NewButton("Send", v.onSend)
	v.send.Importance = widget.HighImportance
	// Nothing to send, nothing to press: an empty send had put an error among the
	// requests and replies for good.
	v.send.Disable()
	v.cmd.OnChanged = func(s string) {
		if strings.TrimSpace(s) == "" {
			v.send.Disable()
		} else {
			v.send.Enable()
		}
	}
	v.restart = widget.NewButton("Start new peer", v.onRestart)
	v.kill = widget.NewButton("Kill peer", v.onKill)
	v.kill.Disable()
	v.pingN = widget.NewSelect([]string{"100", "1,000", "10,000"}, nil)
	v.pingN.SetSelected("1,000")
	v.ping = widget.NewButton("Ping-pong", v.onPing)
	v.peerState = widget.NewLabel("No peer yet: sending a command starts one.")
	// Wrapped beside the buttons: in one line it ran under them in a narrow window.
	v.peerState.Wrapping = fyne.TextWrapWord
	v.pingResult = widget.NewLabel("Round trips: not measured yet.")
	// Cut at the row's end, not widening the window; a failure's whole reason is also a
	// line in the list.
	v.pingResult.Truncation = fyne.TextTruncateEllipsis

	v.list = widget.NewList(
		func() int { return len(v.rows) },
		func() fyne.CanvasObject {
			left := widget.NewLabel("")
			left.Truncation = fyne.TextTruncateEllipsis
			right := widget.NewLabel("")
			right.Alignment = fyne.TextAlignTrailing
			right.Truncation = fyne.TextTruncateEllipsis
			// A note about the peer spans both columns: in the left one alone, "peer
			// crashed: panic: …" was cut at half the width beside an empty half.
			note := widget.NewLabel("")
			note.Truncation = fyne.TextTruncateEllipsis
			note.Importance = widget.WarningImportance
			return container.NewStack(container.NewGridWithColumns(2, left, right), note)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			st := o.(*fyne.Container)
			g, note := st.Objects[0].(*fyne.Container), st.Objects[1].(*widget.Label)
			left, right := g.Objects[0].(*widget.Label), g.Objects[1].(*widget.Label)
			if i >= len(v.rows) {
				left.SetText("")
				right.SetText("")
				note.SetText("")
				return
			}
			r := v.rows[i]
			if r.note != "" {
				g.Hide()
				note.SetText(r.note)
				note.Show()
				return
			}
			note.Hide()
			g.Show()
			left.Importance, right.Importance = widget.MediumImportance, widget.MediumImportance
			left.SetText(r.sent())
			switch {
			case !r.done:
				right.Importance = widget.LowImportance
				right.SetText("waiting for the reply…")
			case r.err:
				right.Importance = widget.DangerImportance
				right.SetText(r.reply + "  ←")
			default:
				right.Importance = widget.SuccessImportance
				right.SetText(r.reply + "  ←")
			}
		})

	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, v.send, v.cmd),
		container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(v.restart, v.kill)), v.peerState),
		container.NewBorder(nil, nil, container.NewHBox(widget.NewLabel("Ping-pong over"), v.pingN, widget.NewLabel("messages"), v.ping),
			nil, v.pingResult),
		container.NewGridWithColumns(2,
			boldLabel("App (parent) sends"),
			widget.NewLabelWithStyle("Peer (child) replies, with the time each took", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})),
	)
	// The columns cut long replies and errors short.
	var show func(string)
	v.detail, show = fullLine()
	v.list.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(v.rows) {
			show(v.rows[i].full())
		}
	}
	// The list always shows its newest row (each update scrolls there), after a resize too.
	v.content = container.NewBorder(top, v.detail, nil, nil, followed(v.list, func() bool { return true }))
	env.Every(100*time.Millisecond, v.tick)
	env.OnQuit(func() {
		if p := v.current(); p != nil {
			p.Close()
		}
	})
	return v
}

// showPeerState sets the peer line, repainting only when it changed.
func (v *pipeView) showPeerState(imp widget.Importance, text string) {
	if v.peerState.Importance != imp {
		v.peerState.Importance = imp
		v.peerState.Refresh()
	}
	setText(v.peerState, text)
}

func (v *pipeView) current() *pipe.Peer {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.peer
}

// later queues fn for the next tick: replies arrive on the engine's goroutines.
func (v *pipeView) later(fn func()) {
	v.mu.Lock()
	v.updates = append(v.updates, fn)
	v.mu.Unlock()
}

func (v *pipeView) tick() {
	v.tickMu.Lock()
	defer v.tickMu.Unlock()
	v.mu.Lock()
	ups := v.updates
	v.updates = nil
	p := v.peer
	v.mu.Unlock()
	for _, fn := range ups {
		fn()
	}
	if len(ups) > 0 {
		if len(v.rows) > pipeRows {
			v.rows = append(v.rows[:0:0], v.rows[len(v.rows)-pipeRows:]...)
		}
		v.list.Refresh()
		v.list.ScrollToBottom()
	}
	switch {
	case p == nil:
	case isDone(p.Done()):
		// Red for a peer that failed; one the user killed or restarted ended as asked.
		imp := widget.DangerImportance
		if p.Child().Info().State != core.Failed && p == v.endedByUser() {
			imp = widget.MediumImportance
		}
		v.showPeerState(imp, fmt.Sprintf("Peer PID %d %s. The next command starts a new peer.", p.PID(), p.Child().Info().Reason))
		v.kill.Disable()
	default:
		v.showPeerState(widget.SuccessImportance, fmt.Sprintf("Peer PID %d running, %s waiting", p.PID(), numfmt.Count(p.Pending(), "request", "requests")))
		v.kill.Enable()
	}
}

// withPeer runs fn with a live peer, starting one first if there has never been one.
// It runs off the main goroutine.
func (v *pipeView) withPeer(fn func(p *pipe.Peer)) {
	go func() {
		v.mu.Lock()
		p := v.peer
		v.mu.Unlock()
		if p != nil && isDone(p.Done()) {
			p = nil // as at the start: a command starts a peer when there is none alive
		}
		if p == nil {
			var err error
			if p, err = v.startPeer(); err != nil {
				v.later(func() { v.addNote("Could not start a peer: " + err.Error()) })
				return
			}
		}
		fn(p)
	}()
}

func (v *pipeView) startPeer() (*pipe.Peer, error) {
	v.mu.Lock()
	if v.starting {
		v.mu.Unlock()
		return nil, errors.New("a peer is already starting; try again in a moment")
	}
	v.starting = true
	v.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := pipe.Start(ctx, v.env.Sup, "pipe")
	v.mu.Lock()
	v.starting = false
	if err == nil {
		// The request numbers go on from the last peer's, not from #1 again.
		if v.peer != nil {
			p.NumberAfter(v.peer.LastID())
		}
		v.peer = p
	}
	v.mu.Unlock()
	if err != nil {
		return nil, err
	}
	v.later(func() { v.addNote(fmt.Sprintf("— new peer, PID %d —", p.PID())) })
	go func() {
		<-p.Done()
		reason := p.Child().Info().Reason
		v.later(func() { v.addNote(fmt.Sprintf("— peer PID %d %s —", p.PID(), reason)) })
	}()
	return p, nil
}

// sent is the row's left column: the request, with its ID once it was sent.
func (r pipeRow) sent() string {
	if r.id == 0 {
		return "→ " + r.cmd
	}
	return fmt.Sprintf("→ #%d  %s", r.id, r.cmd)
}

// full is the whole row as one line of text.
func (r pipeRow) full() string {
	switch {
	case r.note != "":
		return r.note
	case !r.done:
		return r.sent() + " … waiting for the reply"
	}
	return r.sent() + "  ←  " + r.reply
}

func (v *pipeView) addNote(text string) { v.rows = append(v.rows, pipeRow{note: text}) }

func (v *pipeView) onSend() {
	cmd := strings.TrimSpace(v.cmd.Text)
	if cmd == "" {
		return // Enter in the empty field
	}
	// Cleared, as a terminal's prompt is: the next command typed must not run on from
	// this one ("square 12sleep 2"). The list keeps what was sent.
	v.cmd.SetText("")
	v.sendCmd(cmd)
}

func (v *pipeView) sendCmd(cmd string) {
	v.withPeer(func(p *pipe.Peer) {
		pid := p.PID()
		id, err := p.Send(cmd, func(r pipe.Reply) {
			v.later(func() { v.settle(pid, r) })
		})
		v.later(func() {
			if err != nil {
				if errors.Is(err, pipe.ErrPeerGone) {
					err = fmt.Errorf("not sent: peer PID %d had just ended; send it again to start a new peer", pid)
				}
				v.rows = append(v.rows, pipeRow{peer: pid, cmd: cmd, done: true, err: true, reply: err.Error()})
				return
			}
			v.rows = append(v.rows, pipeRow{id: id, peer: pid, cmd: cmd})
			// A fast reply can overtake the news of its own request.
			if r, ok := v.early[pipeKey{pid, id}]; ok {
				delete(v.early, pipeKey{pid, id})
				v.settle(pid, r)
			}
		})
	})
}

type pipeKey struct {
	pid int
	id  uint64
}

// settle writes a reply onto its request's row, matched by peer and request ID.
func (v *pipeView) settle(pid int, r pipe.Reply) {
	for i := len(v.rows) - 1; i >= 0; i-- {
		row := &v.rows[i]
		if row.id != r.ID || row.peer != pid || row.note != "" || row.done {
			continue
		}
		row.done = true
		switch {
		case errors.Is(r.Err, pipe.ErrPeerGone):
			// The full reason is in the note that follows; the row says what it means here.
			row.err, row.reply = true, fmt.Sprintf("%s │ no reply: peer PID %d died first", roundDur(r.RTT), pid)
		case r.Err != nil:
			row.err, row.reply = true, fmt.Sprintf("%s │ error: %v", roundDur(r.RTT), r.Err)
		default:
			row.reply = fmt.Sprintf("%s │ %s", roundDur(r.RTT), r.Text)
		}
		return
	}
	if v.early == nil {
		v.early = map[pipeKey]pipe.Reply{}
	}
	v.early[pipeKey{pid, r.ID}] = r
}

func (v *pipeView) onRestart() {
	v.restart.Disable()
	go func() {
		if old := v.current(); old != nil {
			old.Close()
			<-old.Done()
		}
		_, err := v.startPeer()
		v.later(func() {
			v.restart.Enable()
			if err != nil {
				v.addNote("Could not start a peer: " + err.Error())
			}
		})
	}()
}

// endedByUser is the last peer the Kill peer button ended.
func (v *pipeView) endedByUser() *pipe.Peer {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.userKilled
}

func (v *pipeView) onKill() {
	if p := v.current(); p != nil {
		v.mu.Lock()
		v.userKilled = p
		v.mu.Unlock()
		p.Kill("killed by user from the Pipe tab")
	}
}

func (v *pipeView) onPing() {
	var n int
	fmt.Sscan(strings.ReplaceAll(v.pingN.Selected, ",", ""), &n)
	v.ping.Disable()
	v.pingResult.SetText(fmt.Sprintf("Ping-pong: %s round trips…", numfmt.Thousands(n)))
	v.withPeer(func(p *pipe.Peer) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		l, err := p.PingPong(ctx, n)
		v.later(func() {
			v.ping.Enable()
			if err != nil {
				v.pingResult.Importance = widget.DangerImportance
				v.pingResult.SetText("Ping-pong failed: " + err.Error())
				v.addNote("Ping-pong failed: " + err.Error())
				return
			}
			v.pingResult.Importance = widget.MediumImportance
			v.pingResult.SetText(fmt.Sprintf("%s round trips: p50 %s, p99 %s, max %s",
				numfmt.Thousands(l.N), roundDur(l.P50), roundDur(l.P99), roundDur(l.Max)))
			// Each round trip took a request number: say so, or the next one's jump
			// (#2, then #1003) looks like lost requests.
			// The figures stay in the list too: the label shows only the latest run's.
			v.addNote(fmt.Sprintf("— ping-pong: %s round trips, each with its own request number: p50 %s, p99 %s, max %s —",
				numfmt.Thousands(l.N), roundDur(l.P50), roundDur(l.P99), roundDur(l.Max)))
		})
	})
}

// demo: a conversation with answers in and out of order, a crash that fails what was
// waiting, a new peer with a request still in flight, and a ping-pong figure.
func (v *pipeView) demo() time.Duration {
	go func() {
		step := func(fn func()) { v.env.Do(fn); time.Sleep(60 * time.Millisecond) }
		for _, c := range []string{"square 12", "sleep 30", "primes 1000000", "sha256 hello, pipe", "echo several requests in flight"} {
			step(func() { v.sendCmd(c) })
		}
		step(func() { v.sendCmd("crash") })
		time.Sleep(300 * time.Millisecond)
		step(v.onRestart)
		time.Sleep(300 * time.Millisecond)
		step(func() { v.sendCmd("square 123456789") })
		step(func() { v.sendCmd("sleep 5") })
		step(v.onPing)
	}()
	return 2 * time.Second
}
