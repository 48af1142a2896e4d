package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/core"
	"dev.proclab/core/procmon"
)

// cellText reads a cell of a tab's table the way the table draws it.
func cellText(t *widget.Table, row, col int) string {
	o := t.CreateCell()
	t.UpdateCell(widget.TableCellID{Row: row, Col: col}, o)
	return o.(*fyne.Container).Objects[0].(*widget.Label).Text
}

// killRowByID finds the row showing the child whose short ID is short.
func killRowByID(v *killView, short string) int {
	rows, _ := v.table.Length()
	for r := range rows {
		if cellText(v.table, r, colID) == short {
			return r
		}
	}
	return -1
}

func newKillTest(t *testing.T) *killView {
	env := newTestEnv(t)
	var v *killView
	onUI(env, func() {
		v = newKillView(env)
		env.Window.SetContent(v.content())
	})
	return v
}

// onUI runs fn as the main goroutine would: never at the same time as a tick.
func onUI(env *Env, fn func()) {
	uiSerial.Lock()
	defer uiSerial.Unlock()
	fn()
}

// uiEventually polls cond on the UI until it holds.
func uiEventually(t *testing.T, env *Env, what string, cond func() bool) {
	t.Helper()
	eventually(t, what, func() bool {
		ok := false
		onUI(env, func() { ok = cond() })
		return ok
	})
}

// waitRows refreshes (the tick does it in the app) until cond holds for the table.
func waitRows(t *testing.T, v *killView, what string, cond func() bool) {
	t.Helper()
	uiEventually(t, v.env, what, func() bool {
		v.refresh()
		return cond()
	})
}

func TestKillTabTerminateKillAndKillAllEndEveryRowWithItsReason(t *testing.T) {
	v := newKillTest(t)
	ui := func(fn func()) { onUI(v.env, fn) }
	ui(func() {
		for range 3 {
			test.Tap(v.starts["busy"])
		}
	})
	waitRows(t, v, "3 running busy loops", func() bool {
		rows, _ := v.table.Length()
		if rows != 3 {
			return false
		}
		for r := range 3 {
			if cellText(v.table, r, colState) != "running" || cellText(v.table, r, colRole) != "busy loop" || cellText(v.table, r, colGroup) != "kill" {
				return false
			}
		}
		return true
	})
	var ids []string
	ui(func() {
		ids = []string{cellText(v.table, 0, colID), cellText(v.table, 1, colID), cellText(v.table, 2, colID)}
		// Terminate the first: a click on its row selects it.
		v.table.Select(widget.TableCellID{Row: killRowByID(v, ids[0]), Col: colRole})
		test.Tap(v.terminate)
		// Then select the second instead.
		v.table.Select(widget.TableCellID{Row: killRowByID(v, ids[0]), Col: colRole})
		v.table.Select(widget.TableCellID{Row: killRowByID(v, ids[1]), Col: colRole})
	})
	waitRows(t, v, "the first to end politely", func() bool {
		return cellText(v.table, killRowByID(v, ids[0]), colState) == "exited"
	})
	ui(func() {
		// Unsorted, what still runs comes first.
		if got := []int{killRowByID(v, ids[1]), killRowByID(v, ids[2]), killRowByID(v, ids[0])}; !slices.Equal(got, []int{0, 1, 2}) {
			t.Errorf("rows of children 2, 3 and the ended 1: %v, want 0 1 2", got)
		}
	})
	ui(func() { test.Tap(v.kill) })
	waitRows(t, v, "the second to be killed", func() bool {
		return cellText(v.table, killRowByID(v, ids[1]), colState) == "killed"
	})
	ui(func() {
		if s := cellText(v.table, killRowByID(v, ids[2]), colState); s != "running" {
			t.Fatalf("the third child is %q; only the selected ones may end", s)
		}
		test.Tap(v.killAll)
	})
	waitRows(t, v, "every row to end", func() bool {
		return cellText(v.table, killRowByID(v, ids[2]), colState) == "killed"
	})
	want := []struct{ state, reason string }{
		{"exited", "terminated (stopped on request)"},
		{"killed", "killed by user"},
		{"killed", "killed by user (kill all)"},
	}
	ui(func() {
		for i, id := range ids {
			r := killRowByID(v, id)
			if st, why := cellText(v.table, r, colState), cellText(v.table, r, colReason); st != want[i].state || why != want[i].reason {
				t.Errorf("child %d ended %q (%q), want %q (%q)", i+1, st, why, want[i].state, want[i].reason)
			}
		}
		if !strings.HasPrefix(v.summary.Text, "0 running") || !strings.Contains(v.summary.Text, "3 ended") {
			t.Errorf("summary %q", v.summary.Text)
		}
		// A click on an ended row shows its whole reason under the table.
		v.table.Select(widget.TableCellID{Row: killRowByID(v, ids[2]), Col: colRole})
		if !v.note.Visible() || !strings.HasSuffix(v.note.Text, "killed: killed by user (kill all)") {
			t.Errorf("after a click on an ended row the note says %q", v.note.Text)
		}
		test.Tap(v.clearEnded)
		if rows, _ := v.table.Length(); rows != 0 {
			t.Fatalf("%d rows after Clear ended", rows)
		}
	})
}

func TestKillTabTerminateCountsDownThenKillsAChildThatIgnoresIt(t *testing.T) {
	v := newKillTest(t)
	ui := func(fn func()) { onUI(v.env, fn) }
	ui(func() {
		v.grace.SetSelected("grace 1 s")
		test.Tap(v.starts["ignore-stop"])
	})
	waitRows(t, v, "the child to run", func() bool {
		rows, _ := v.table.Length()
		return rows == 1 && cellText(v.table, 0, colState) == "running"
	})
	ui(func() {
		v.onHeader(colSel) // the "all" header selects every running child
		test.Tap(v.terminate)
	})
	waitRows(t, v, "a countdown in the state column", func() bool {
		return strings.HasPrefix(cellText(v.table, 0, colState), "stopping · ")
	})
	waitRows(t, v, "the kill after the grace period", func() bool { return cellText(v.table, 0, colState) == "killed" })
	ui(func() {
		if why := cellText(v.table, 0, colReason); why != "ignored the stop request for 1 s" {
			t.Fatalf("reason %q", why)
		}
		// The ended child can no longer be selected: its tick goes.
		o := v.table.CreateCell()
		v.table.UpdateCell(widget.TableCellID{Row: 0, Col: colSel}, o)
		if c := o.(*fyne.Container).Objects[1].(*widget.Check); c.Checked || !c.Disabled() {
			t.Errorf("the ended child's tick: checked %v, disabled %v", c.Checked, c.Disabled())
		}
		if !strings.HasSuffix(v.summary.Text, "0 selected") {
			t.Errorf("summary %q", v.summary.Text)
		}
	})
	// The note that promised a kill says, once it is over, that it is.
	waitRows(t, v, "the note to say the child ended", func() bool {
		return v.note.Text == "The child asked to stop has ended; its Exit reason says how."
	})
}

func TestKillTabSortsByColumnAndNeverRestartsAUserKill(t *testing.T) {
	v := newKillTest(t)
	ui := func(fn func()) { onUI(v.env, fn) }
	ui(func() {
		v.restart.SetSelectedIndex(1)
		test.Tap(v.starts["crash"])
		test.Tap(v.starts["idle"])
	})
	waitRows(t, v, "two rows", func() bool { rows, _ := v.table.Length(); return rows == 2 })
	ui(func() {
		if got := cellText(v.table, 0, colRestart); got != "on crash" {
			t.Fatalf("restart cell %q", got)
		}
		v.onHeader(colRole) // sort by role: "crashes…" before "well-behaved…"
		if a, b := cellText(v.table, 0, colRole), cellText(v.table, 1, colRole); a > b {
			t.Fatalf("sorted by role: %q before %q", a, b)
		}
		v.onHeader(colRole) // and back down
		if a, b := cellText(v.table, 0, colRole), cellText(v.table, 1, colRole); a < b {
			t.Fatalf("sorted by role, descending: %q before %q", a, b)
		}
		test.Tap(v.killAll)
	})
	waitRows(t, v, "both killed", func() bool {
		return v.env.Sup.Running() == 0 && cellText(v.table, 0, colState) == "killed" && cellText(v.table, 1, colState) == "killed"
	})
	time.Sleep(600 * time.Millisecond) // a user's kill must not restart the crasher
	ui(func() {
		v.refresh()
		if rows, _ := v.table.Length(); rows != 2 {
			t.Fatalf("%d rows: a child killed by the user was restarted", rows)
		}
	})
}

func TestKillTabWatchdogKillsAMemoryGrowerAndSaysWhy(t *testing.T) {
	v := newKillTest(t)
	ui := func(fn func()) { onUI(v.env, fn) }
	ui(func() {
		v.memLimit.SetText("40")
		v.timeLimit.SetText("0")
		v.watch.SetChecked(true)
		if v.note.Text != "Watchdog on: any process this tab started over 40 MiB is killed; other tabs' are left alone." {
			t.Errorf("note %q", v.note.Text)
		}
		test.Type(v.timeLimit, "x") // "0x": marked, and the watchdog says why it is off
		if v.timeLimit.Validate() == nil || !strings.HasPrefix(v.note.Text, "Watchdog off until the limits are fixed: enter seconds") {
			t.Errorf("seconds %q: valid %v, note %q", v.timeLimit.Text, v.timeLimit.Validate(), v.note.Text)
		}
		v.timeLimit.SetText("0")
		test.Tap(v.starts["grow"])
	})
	waitRows(t, v, "the watchdog kill", func() bool {
		rows, _ := v.table.Length()
		return rows == 1 && cellText(v.table, 0, colState) == "killed"
	})
	ui(func() {
		if why := cellText(v.table, 0, colReason); !strings.Contains(why, "killed by watchdog") || !strings.Contains(why, "over the 40 MiB limit") {
			t.Fatalf("reason %q", why)
		}
	})
}

// A hundred children at once: the buttons start them and end them off the main
// goroutine, and the table keeps up from one snapshot per tick.
func TestKillTabStartsAndKillsAHundredChildren(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 100 processes")
	}
	v := newKillTest(t)
	onUI(v.env, func() {
		v.count.SetSelected("×100")
		test.Tap(v.starts["idle"])
	})
	waitRows(t, v, "100 running workers", func() bool {
		rows, _ := v.table.Length()
		if rows != 100 {
			return false
		}
		for r := range rows {
			if cellText(v.table, r, colState) != "running" {
				return false
			}
		}
		return true
	})
	onUI(v.env, func() { test.Tap(v.killAll) })
	waitRows(t, v, "every row killed", func() bool {
		for r := range 100 {
			if cellText(v.table, r, colState) != "killed" || cellText(v.table, r, colReason) != "killed by user (kill all)" {
				return false
			}
		}
		return true
	})
	if n := v.env.Sup.Running(); n != 0 {
		t.Fatalf("%d children still running after Kill all", n)
	}
}

// BenchmarkKillTableTick100 is one tick of the Kill tab with 100 children listed: the
// snapshot, the sort, and the table refresh. A few of these a second must be cheap.
func BenchmarkKillTableTick100(b *testing.B) {
	env := newTestEnv(b)
	var v *killView
	onUI(env, func() {
		v = newKillView(env)
		env.Window.SetContent(v.content())
		v.count.SetSelected("×100")
		test.Tap(v.starts["idle"])
	})
	for env.Sup.Running() < 100 {
		time.Sleep(10 * time.Millisecond)
	}
	b.ResetTimer()
	for range b.N {
		onUI(env, v.refresh)
	}
	b.StopTimer()
	env.Sup.KillAll("benchmark over")
	for env.Sup.Running() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
}

// Kill all asks first when it would kill another tab's child, and names the tab;
// the Role column widens to the longest role.
func TestKillAllAsksBeforeKillingOtherTabsChildren(t *testing.T) {
	v := newKillTest(t)
	long := "backup worker 12 (replacement)"
	if _, err := v.env.Sup.Start(core.Spec{Role: "idle", Label: long, Group: "backup"}); err != nil {
		t.Fatal(err)
	}
	onUI(v.env, func() { test.Tap(v.starts["idle"]) })
	waitRows(t, v, "2 running children", func() bool { return v.env.Sup.Running() == 2 && len(v.rows) == 2 })
	onUI(v.env, func() {
		want := fyne.MeasureText(long, theme.TextSize(), fyne.TextStyle{}).Width
		if w := v.fitted[colRole]; w < want {
			t.Errorf("Role column %v wide, %q needs %v", w, long, want)
		}
	})
	killAll := func(button string) {
		onUI(v.env, func() {
			test.Tap(v.killAll)
			answer(t, v.env.Window, "Kill all killed another tab's child without asking",
				"One of them belongs to another tab (Backup 1)", button)
		})
	}
	killAll("Cancel")
	if n := v.env.Sup.Running(); n != 2 {
		t.Fatalf("Cancel: %d children running, want 2", n)
	}
	killAll("Kill all")
	eventually(t, "both children killed", func() bool { return v.env.Sup.Running() == 0 })
	for _, c := range v.env.Sup.List() {
		if c.Reason != "killed by user (kill all)" {
			t.Errorf("%s ended %q", c.Label, c.Reason)
		}
	}
}

// Kill all ends the other tabs' runs first: a running queue replaces no consumer and
// ends failed, saying why, instead of draining with new consumers and passing.
func TestKillAllEndsAQueueRunWithoutReplacements(t *testing.T) {
	v := newKillTest(t)
	var q *queueView
	onUI(v.env, func() {
		q = newQueueView(v.env)
		q.rate.SetSelected("as fast as possible")
		q.work.SetSelected("none")
		test.Tap(q.start)
	})
	eventually(t, "messages flowing", func() bool { c := q.current(); return c != nil && c.Stats().Consumed > 1000 })
	started := len(v.env.Sup.List())
	onUI(v.env, func() {
		test.Tap(v.killAll)
		answer(t, v.env.Window, "Kill all did not ask about the queue's children", "belong to other tabs (Queue 4)", "Kill all")
	})
	eventually(t, "every child ended", func() bool { return v.env.Sup.Running() == 0 })
	<-q.current().Done()
	r := q.current().Result()
	if r.Err == nil || !strings.Contains(r.Err.Error(), "killed by user (kill all)") {
		t.Errorf("queue result %v, want a failure that says Kill all ended it", r.Err)
	}
	if n := len(v.env.Sup.List()); n != started {
		t.Errorf("%d children started after Kill all (replacements)", n-started)
	}
}

// In an 800 px window the start row wraps instead of running into the controls beside
// and below it, and in a wide one it keeps one line.
func TestKillTabFitsAnEightHundredPixelWindow(t *testing.T) {
	v := newKillTest(t)
	onUI(v.env, func() {
		for _, width := range []float32{1100, 800, 700} {
			v.env.Window.Resize(fyne.NewSize(width, 600))
			content := v.env.Window.Content()
			content.Refresh()
			limit := content.Size().Width
			var starts []fyne.CanvasObject
			for _, b := range behaviours {
				starts = append(starts, v.starts[b.role])
			}
			starts = append(starts, v.count, v.restart)
			lowest := float32(0)
			lines := map[float32]bool{}
			for _, o := range starts {
				at := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
				if at.X+o.Size().Width > limit+1 {
					t.Errorf("at %v px: %T ends at x=%v, past the window's %v", width, o, at.X+o.Size().Width, limit)
				}
				lines[at.Y] = true
				lowest = max(lowest, at.Y+o.Size().Height)
			}
			if width == 1100 && len(lines) != 1 {
				t.Errorf("at 1100 px the start row took %d lines, want 1", len(lines))
			}
			if top := fyne.CurrentApp().Driver().AbsolutePositionForObject(v.terminate).Y; top < lowest {
				t.Errorf("at %v px the Terminate button (y=%v) overlaps the start row, which reaches y=%v", width, top, lowest)
			}
		}
	})
}

// A long exit reason ends in "…" inside the table's width: widened to fit it, the column
// made the table scroll sideways, and a click on the reason scrolled the selection and
// ID columns out of sight.
func TestKillTabLongReasonFitsTheTableWidth(t *testing.T) {
	v := newKillTest(t)
	c, err := v.env.Sup.Start(core.Spec{Role: "idle", Label: "worker", Group: killGroup})
	if err != nil {
		t.Fatal(err)
	}
	long := "killed: " + strings.Repeat("a reason far longer than the window is wide, ", 6)
	c.Kill(long)
	c.Wait()
	waitRows(t, v, "the ended row", func() bool { return len(v.rows) == 1 && v.rows[0].info.State.Ended() })
	onUI(v.env, func() {
		for _, width := range []float32{1280, 1100} { // the window opens at 1100 px
			v.env.Window.Resize(fyne.NewSize(width, 600))
			v.refresh()
			last, right := v.table.Size().Width, float32(0)
			for c := range killCols {
				right += v.columnWidth(c) + theme.Padding()
			}
			right -= theme.Padding()
			if right > last+0.5 {
				t.Errorf("at %v px the columns end at %v, past the table's %v: it scrolls sideways", width, right, last)
			}
			if v.columnWidth(colReason) < minReasonWidth {
				t.Errorf("at %v px the reason column is %v wide", width, v.columnWidth(colReason))
			}
			v.table.Select(widget.TableCellID{Row: 0, Col: colReason})
			if !strings.Contains(v.note.Text, strings.TrimSpace(long)) {
				t.Errorf("the click showed %q, not the whole reason", v.note.Text)
			}
		}
	})
}

// A child restarted after a crash takes its predecessor's place among the running rows,
// so the rows under it stay where they were; the ended come after, the latest first.
func TestKillTabRestartedChildKeepsItsRow(t *testing.T) {
	t0 := time.Now()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	rows := []killRow{
		{info: core.Info{ID: "a", State: core.Failed, Started: at(0), Ended: at(3), RestartedAs: "a2"}},
		{info: core.Info{ID: "b", State: core.Running, Started: at(1)}},
		{info: core.Info{ID: "c", State: core.Running, Started: at(2)}},
		{info: core.Info{ID: "a2", State: core.Failed, Started: at(4), Ended: at(7), RestartOf: "a", RestartedAs: "a3"}},
		{info: core.Info{ID: "d", State: core.Exited, Started: at(5), Ended: at(6)}},
		{info: core.Info{ID: "a3", State: core.Running, Started: at(8), RestartOf: "a2"}},
	}
	order := func() []string {
		defaultOrder(rows)
		var got []string
		for _, r := range rows {
			got = append(got, r.info.ID)
		}
		return got
	}
	if got, want := order(), []string{"a3", "b", "c", "a2", "d", "a"}; !slices.Equal(got, want) {
		t.Fatalf("rows in order %v, want %v", got, want)
	}
	// b crashes and waits the restart delay: it stays where it was until its
	// replacement comes, and then that takes its place.
	for i := range rows {
		if rows[i].info.ID == "b" {
			rows[i].info.State, rows[i].info.Ended, rows[i].info.Restarting = core.Failed, at(9), true
		}
	}
	if got, want := order(), []string{"a3", "b", "c", "a2", "d", "a"}; !slices.Equal(got, want) {
		t.Fatalf("while b restarts: rows in order %v, want %v", got, want)
	}
	rows = append(rows, killRow{info: core.Info{ID: "b2", State: core.Running, Started: at(10), RestartOf: "b"}})
	if got, want := order(), []string{"a3", "b2", "c", "b", "a2", "d", "a"}; !slices.Equal(got, want) {
		t.Fatalf("once b's replacement runs: rows in order %v, want %v", got, want)
	}
}

// Limits a running child is over already kill it only after a question: typing one
// keeps the limits as they were, and ticking the box asks first.
func TestKillTabWatchdogAsksBeforeKillingRunningChildren(t *testing.T) {
	v := newKillTest(t)
	ui := func(fn func()) { onUI(v.env, fn) }
	ui(func() { test.Tap(v.starts["idle"]) })
	waitRows(t, v, "a worker running for over a second", func() bool {
		return len(v.rows) == 1 && !v.rows[0].info.State.Ended() && v.rows[0].info.Uptime(time.Now()) > 1200*time.Millisecond
	})
	ui(func() {
		v.memLimit.SetText("0")
		v.timeLimit.SetText("60")
		v.watch.SetChecked(true) // armed: nothing is over a minute old
		v.timeLimit.SetText("1")
		if v.env.Mon.Limits().MaxAge != time.Minute || !strings.Contains(v.note.Text, "press Enter") {
			t.Errorf("typing a limit the worker is over: limits %+v, note %q; want the minute kept, and how to apply the new one", v.env.Mon.Limits(), v.note.Text)
		}
		v.timeLimit.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		answer(t, v.env.Window, "Enter applied a limit that kills a running worker unasked", "over these limits already", "Cancel")
		if !v.watch.Checked || v.env.Mon.Limits().MaxAge != time.Minute {
			t.Errorf("after Cancel: box %v, limits %+v; want the minute kept", v.watch.Checked, v.env.Mon.Limits())
		}
		v.watch.SetChecked(false)
		v.watch.SetChecked(true)
		answer(t, v.env.Window, "ticking the watchdog killed a running worker unasked", "over these limits already", "Cancel")
		if v.watch.Checked || v.env.Mon.Limits() != (procmon.Limits{}) {
			t.Errorf("after Cancel: box %v, limits %+v; want the watchdog off", v.watch.Checked, v.env.Mon.Limits())
		}
		v.watch.SetChecked(true)
		answer(t, v.env.Window, "no question the second time", "", "Arm and kill")
	})
	waitRows(t, v, "the watchdog kill", func() bool {
		return len(v.rows) == 1 && strings.Contains(v.rows[0].info.Reason, "killed by watchdog")
	})
}

// A note answers the last action only: the next start or selection puts the hint back.
func TestKillTabNoteDoesNotOutliveItsAction(t *testing.T) {
	v := newKillTest(t)
	onUI(v.env, func() {
		test.Tap(v.terminate)
		if !strings.HasPrefix(v.note.Text, "Select running children first") {
			t.Fatalf("Terminate with nothing selected said %q", v.note.Text)
		}
		test.Tap(v.starts["idle"])
		if v.note.Text != killHint {
			t.Errorf("after a start the note still says %q", v.note.Text)
		}
	})
	waitRows(t, v, "the worker's row", func() bool { return len(v.rows) == 1 })
	onUI(v.env, func() {
		test.Tap(v.kill)
		v.table.Select(widget.TableCellID{Row: 0, Col: colRole})
		if v.note.Text != killHint {
			t.Errorf("after a selection the note still says %q", v.note.Text)
		}
	})
}

// The Restart column says the policy on a first child, and which restart a replacement is.
func TestKillTabRestartColumnCountsRestarts(t *testing.T) {
	v := &killView{}
	for _, c := range []struct {
		info core.Info
		want string
	}{
		{core.Info{Restart: core.RestartNever}, "never"},
		{core.Info{Restart: core.RestartOnCrash}, "on crash"},
		{core.Info{Restart: core.RestartOnCrash, Restarts: 1}, "restart #1"},
		{core.Info{Restart: core.RestartOnCrash, Restarts: 3}, "restart #3"},
	} {
		if got := v.cellText(killRow{info: c.info}, colRestart); got != c.want {
			t.Errorf("restarts %d: %q, want %q", c.info.Restarts, got, c.want)
		}
	}
}
