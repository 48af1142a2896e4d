package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/core/queue"
	"dev.proclab/internal/numfmt"
)

// look runs fn between ticks, so the test reads widgets the tick goroutine writes.
func (v *queueView) look(fn func()) {
	v.tickMu.Lock()
	defer v.tickMu.Unlock()
	fn()
}

func TestQueueTabRunsKillsAConsumerAndBalances(t *testing.T) {
	env := newTestEnv(t)
	v := newQueueView(env)
	env.Window.SetContent(v.content)
	v.look(func() {
		v.producers.SetSelected("3")
		v.consumers.SetSelected("2")
		v.capacity.SetSelected("100")
		v.rate.SetSelected("1,000 / s")
		v.work.SetSelected("1 ms")
		test.Tap(v.start)
	})
	eventually(t, "produced and consumed messages in the list, and producer states", func() bool {
		var prod, cons bool
		var workers string
		v.look(func() {
			for _, r := range v.rows {
				prod = prod || strings.Contains(r.text, "produced")
				cons = cons || strings.Contains(r.text, "consumed by C")
			}
			workers = v.workers.Text
		})
		return prod && cons && strings.Contains(workers, "Producer P3") && strings.Contains(workers, "Consumer C2")
	})
	eventually(t, "a consumer holding messages", func() bool {
		s := v.current().Stats()
		return s.Consumers[0].Held > 0 || s.Consumers[1].Held > 0
	})
	v.look(func() {
		if v.depth.Max != 100 {
			t.Errorf("depth bar max %v, want the capacity 100", v.depth.Max)
		}
		if !v.producers.Disabled() || !v.capacity.Disabled() {
			t.Error("the settings can be changed while the run goes, and nothing would follow")
		}
		test.Tap(v.kill)
	})
	// Producers at 3,000/s, consumers at 2,000/s: the queue fills, and the bar says so
	// while a producer waits, credits held by producers counted in.
	eventually(t, "a full bar beside a producer blocked on the full queue", func() bool {
		var full, blocked bool
		v.look(func() {
			full = v.depth.Value == v.depth.Max
			blocked = strings.Contains(v.workers.Text, "blocked on full queue")
		})
		return full && blocked
	})
	eventually(t, "the note that the dead consumer's messages went back", func() bool {
		var notes string
		v.look(func() { notes = v.notes.Text })
		return strings.Contains(notes, "went back to the queue")
	})
	v.look(func() {
		// The killed consumer is listed below the live ones.
		killedAt, lastLive := -1, -1
		for i, line := range strings.Split(v.workers.Text, "\n") {
			switch {
			case strings.HasPrefix(line, "Consumer") && strings.Contains(line, "killed"):
				killedAt = i
			case strings.HasPrefix(line, "Consumer"):
				lastLive = i
			}
		}
		if killedAt < 0 || lastLive < 0 || killedAt < lastLive {
			t.Errorf("processes list:\n%s\nwant the killed consumer below the live ones", v.workers.Text)
		}
	})
	v.look(func() { test.Tap(v.stop) })
	eventually(t, "the run to balance", func() bool {
		var status string
		v.look(func() { status = v.status.Text })
		if strings.Contains(status, "failed") {
			t.Fatalf("status: %s", status)
		}
		return strings.Contains(status, "exactly once")
	})
	v.look(func() {
		if v.start.Disabled() || !v.stop.Disabled() || v.producers.Disabled() || v.work.Disabled() {
			t.Error("after the run Start and the settings should be enabled again and Stop disabled")
		}
		// The list reads down, as the other tabs' lists do, and ends with the pills.
		sent, took := 0, 0
		for i, r := range v.rows {
			if i > 0 && r.seq <= v.rows[i-1].seq {
				t.Fatalf("row %d (%s) came before the row above it (%s)", i, r.text, v.rows[i-1].text)
			}
			if r.kind == queue.Pill {
				if strings.Contains(r.text, "took its poison pill") {
					took++
				} else {
					sent++
				}
			}
		}
		if sent != 2 || took != 2 {
			t.Errorf("%d pills sent and %d taken in the list, want 2 and 2 (one per consumer)", sent, took)
		}
		// The counters end on the run's own figures, not a snapshot from before its end.
		r := v.shownQ.Result()
		if want := "Consumed: " + numfmt.Thousands(r.Consumed); v.consumed.Text != want || v.depth.Value != 0 {
			t.Errorf("after the run: %q and a bar at %v, want %q and 0", v.consumed.Text, v.depth.Value, want)
		}
	})
}

func TestQueueTabListStaysBoundedAtFullSpeed(t *testing.T) {
	env := newTestEnv(t)
	v := newQueueView(env)
	env.Window.SetContent(v.content)
	v.look(func() {
		v.capacity.SetSelected("100,000")
		v.rate.SetSelected("as fast as possible")
		v.work.SetSelected("none")
		test.Tap(v.start)
	})
	eventually(t, "half a million messages", func() bool {
		q := v.current()
		return q != nil && q.Stats().Consumed > 500_000
	})
	eventually(t, "the list to fill to its bound", func() bool {
		n := 0
		v.look(func() {
			n = len(v.rows)
			if n > queueRows {
				t.Fatalf("%d rows, over the bound of %d", n, queueRows)
			}
		})
		return n == queueRows
	})
	eventually(t, "the list's title to say it shows a sample", func() (ok bool) {
		v.look(func() { ok = strings.Contains(v.msgTitle.Text, "shown at this rate") })
		return ok
	})
	// Scrolling up to read holds the list still (Follow goes off); Follow on again
	// brings it back to the newest.
	v.look(func() { v.list.ScrollToTop() })
	eventually(t, "Follow off after scrolling up", func() (off bool) {
		v.look(func() { off = !v.follow.Checked })
		return off
	})
	v.look(func() { v.follow.SetChecked(true) })
	// A click on a row shows it in full and holds the list still while the run goes on.
	var held string
	v.look(func() {
		v.list.Select(10)
		held = v.rows[10].text
		if v.follow.Checked || !strings.Contains(v.detail.Text, held) {
			t.Errorf("after a click: follow %v, full line %q, want off and %q", v.follow.Checked, v.detail.Text, held)
		}
	})
	before := v.current().Stats().Consumed
	eventually(t, "more messages", func() bool { return v.current().Stats().Consumed > before+10_000 })
	v.look(func() {
		if v.rows[10].text != held {
			t.Errorf("the list moved while Follow was off: row 10 is %q, was %q", v.rows[10].text, held)
		}
		v.follow.SetChecked(true)
		if v.rows[10].text == held {
			t.Error("Follow back on did not bring the list up to date")
		}
	})
	v.look(func() { test.Tap(v.stop) })
	eventually(t, "the run to balance", func() bool {
		var status string
		v.look(func() { status = v.status.Text })
		if strings.Contains(status, "failed") {
			t.Fatalf("status: %s", status)
		}
		return strings.Contains(status, "exactly once")
	})
}

func TestQueueDividerMovesBothWaysInASmallWindow(t *testing.T) {
	env := newTestEnv(t)
	onUI(env, func() {
		v := newQueueView(env)
		env.Window.SetContent(v.content)
		env.Window.Resize(fyne.NewSize(900, 650))
		sp := v.content.(*container.Split)
		at := sp.Leading.Size().Width
		sp.SetOffset(0.3)
		narrower := sp.Leading.Size().Width
		sp.SetOffset(0.7)
		wider := sp.Leading.Size().Width
		if narrower > at-30 || wider < at+30 {
			t.Fatalf("the divider at %.0f px of 900 moves to %.0f and %.0f px: it should go at least 30 px either way",
				at, narrower, wider)
		}
	})
}

// The settings' labels turn grey with their fields during a run and back after it.
func TestQueueSettingsLabelsAreGreyOnlyWhileTheFieldsAreOff(t *testing.T) {
	env := newTestEnv(t)
	onUI(env, func() {
		v := newQueueView(env)
		test.NewTempWindow(t, v.content)
		label := findObject(v.form, func(o fyne.CanvasObject) bool {
			tx, ok := o.(*canvas.Text)
			return ok && tx.Text == "Producers"
		}).(*canvas.Text)
		th, variant := fyne.CurrentApp().Settings().Theme(), fyne.CurrentApp().Settings().ThemeVariant()
		v.setSettings(false)
		if label.Color != th.Color(theme.ColorNameDisabled, variant) {
			t.Fatalf("label colour %v while the fields are off; want the disabled colour", label.Color)
		}
		v.setSettings(true)
		if label.Color != th.Color(theme.ColorNameForeground, variant) {
			t.Fatalf("label colour %v after the fields are on again; want the foreground colour", label.Color)
		}
	})
}

// In a window 800 px wide and as short as the window allows, the "How it works" text
// gives way to the run's counters, and the buttons show their whole names. That least
// height (the Queue tab is the tallest) stays within a 768 px screen less a taskbar.
func TestQueueTabShowsItsCountersInTheShortestWindow(t *testing.T) {
	env := newTestEnv(t)
	onUI(env, func() {
		v := newQueueView(env)
		tabs := container.NewAppTabs(container.NewTabItem("Queue", framed(env, queueTab, v.content)))
		env.Window.SetContent(container.NewBorder(nil, newStatusBar(env), nil, nil, tabs))
		// The main menu's 30 px are not in the test window.
		least := env.Window.Content().MinSize().Height
		if least+30 > 680 {
			t.Errorf("the window needs %v px of height with its menu, more than a 768 px screen has room for", least+30)
		}
		env.Window.Resize(fyne.NewSize(800, least))
		env.Window.Content().Refresh()
		d := fyne.CurrentApp().Driver()
		pane := v.content.(*container.Split).Leading
		paneAt := d.AbsolutePositionForObject(pane)
		for _, o := range []fyne.CanvasObject{v.throughput, v.inflight} {
			if bottom := d.AbsolutePositionForObject(o).Y + o.Size().Height; bottom > paneAt.Y+pane.Size().Height {
				t.Errorf("a counter ends at y=%v, below the pane's view, which ends at %v", bottom, paneAt.Y+pane.Size().Height)
			}
		}
		for _, b := range []*widget.Button{v.start, v.stop, v.kill} {
			if b.Size().Width < b.MinSize().Width || d.AbsolutePositionForObject(b).X+b.Size().Width > paneAt.X+pane.Size().Width {
				t.Errorf("button %q is cut: %v wide of %v, ending past the pane", b.Text, b.Size().Width, b.MinSize().Width)
			}
		}
	})
}
