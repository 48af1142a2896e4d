package ui

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/core"
	"dev.proclab/core/procmon"
	"dev.proclab/internal/numfmt"
)

var killTab = Tab{
	Name:  "kill",
	Title: "Kill",
	How: `Every child is a real OS process with its own PID, listed here whichever tab started it. ` +
		`Terminate asks politely (a stop message on its stdin, and SIGTERM on Unix) and kills it if it has not exited when the grace period runs out; Kill ends it at once (SIGKILL, TerminateProcess on Windows). ` +
		`Every exit has a reason; "on crash" restarts a child that ended without being asked, like supervisord's autorestart. ` +
		`Memory is the resident set (RSS): pages the children share, such as the program itself, count in each, so the total overstates what they use together. Python: p.terminate(), p.kill(), p.exitcode.`,
	Build: buildKill,
}

// killRow is one child as the table shows it: its supervisor snapshot and its latest
// CPU and memory sample.
type killRow struct {
	info    core.Info
	stat    procmon.Stat
	sampled bool
}

type killCol struct {
	title string
	width float32
	less  func(a, b killRow) int
}

// killGroup marks the children this tab starts: the watchdog ends only these, and Kill
// all names the other tabs' apart.
const killGroup = "kill"

var killCols = []killCol{
	{"", 34, nil}, // selection
	{"ID", 82, func(a, b killRow) int { return cmp.Compare(a.info.ID, b.info.ID) }},
	{"Group", 66, func(a, b killRow) int { return cmp.Compare(a.info.Group, b.info.Group) }},
	{"Role", 160, func(a, b killRow) int { return cmp.Compare(a.info.Label, b.info.Label) }},
	{"PID", 60, func(a, b killRow) int { return cmp.Compare(a.info.PID, b.info.PID) }},
	{"State", 140, func(a, b killRow) int { return cmp.Compare(a.info.State, b.info.State) }},
	{"Uptime", 84, func(a, b killRow) int { return cmp.Compare(a.info.Uptime(time.Now()), b.info.Uptime(time.Now())) }},
	{"CPU %", 58, func(a, b killRow) int { return cmp.Compare(a.stat.CPUPercent, b.stat.CPUPercent) }},
	{"Memory", 76, func(a, b killRow) int { return cmp.Compare(a.stat.RSS, b.stat.RSS) }},
	{"Restart", 92, func(a, b killRow) int { return cmp.Compare(a.info.Restarts, b.info.Restarts) }},
	{"Exit reason", 420, func(a, b killRow) int { return cmp.Compare(a.info.Reason, b.info.Reason) }},
}

const (
	colSel = iota
	colID
	colGroup
	colRole
	colPID
	colState
	colUptime
	colCPU
	colMem
	colRestart
	colReason
)

// behaviours are the children the Kill tab can start, with the buttons' text.
var behaviours = []struct{ role, button, label string }{
	{"idle", "Worker", "well-behaved worker"},
	{"busy", "Busy loop", "busy loop"},
	{"grow", "Memory grower", "memory grower"},
	{"ignore-stop", "Ignores stop", "ignores stop"},
	{"hang", "Hangs", "hangs"},
	{"crash", "Crashes", "crashes in 3 s"},
}

// killView is the Kill tab: a process monitor for every child of the app.
type killView struct {
	env    *Env
	table  *widget.Table
	rows   []killRow
	sel    map[string]bool // selected child IDs
	sort   int             // column index; 0: running first in start order, then the latest ended
	fitted map[int]float32 // the fitted columns' widths now
	// fittedFor is the table's width the columns were fitted for: a resize refits them.
	fittedFor float32
	desc      bool

	count, grace, restart *widget.Select
	watch                 *widget.Check
	memLimit, timeLimit   *widget.Entry
	summary, note         *widget.Label
	starts                map[string]*widget.Button
	terminate, kill       *widget.Button
	killAll, clearEnded   *widget.Button
}

func buildKill(env *Env) Screen {
	v := newKillView(env)
	return Screen{Content: v.content(), Demo: v.demo}
}

func newKillView(env *Env) *killView {
	v := &killView{env: env, sel: map[string]bool{}, starts: map[string]*widget.Button{}, fitted: map[int]float32{}}
	v.count = widget.NewSelect([]string{"×1", "×5", "×25", "×100"}, nil)
	v.count.SetSelected("×1")
	v.restart = widget.NewSelect([]string{"never restart", "restart on crash"}, nil)
	v.restart.SetSelectedIndex(0)
	for _, b := range behaviours {
		v.starts[b.role] = widget.NewButton(b.button, func() { v.startChildren(b.role, b.label) })
	}
	v.grace = widget.NewSelect([]string{"grace 1 s", "grace 3 s", "grace 5 s", "grace 10 s", "grace 30 s"}, nil)
	v.grace.SetSelected("grace 3 s")
	v.terminate = widget.NewButtonWithIcon("Terminate", theme.MediaStopIcon(), v.onTerminate)
	v.kill = widget.NewButtonWithIcon("Kill", theme.CancelIcon(), v.onKill)
	v.kill.Importance = widget.DangerImportance
	v.killAll = widget.NewButtonWithIcon("Kill all", theme.DeleteIcon(), v.onKillAll)
	v.clearEnded = widget.NewButtonWithIcon("Clear ended", theme.ContentClearIcon(), v.onClearEnded)
	v.memLimit = widget.NewEntry()
	v.memLimit.SetText("200")
	v.timeLimit = widget.NewEntry()
	v.timeLimit.SetText("60")
	v.watch = widget.NewCheck("Watchdog: kill over", func(bool) { v.applyWatchdog(askFirst) })
	// The fields are marked when their text is not a limit (the mark needs the
	// fields a little wider: see content).
	v.memLimit.Validator = func(s string) error { _, err := parseMemLimit(s); return err }
	v.timeLimit.Validator = func(s string) error { _, err := parseTimeLimit(s); return err }
	// Typing "120" passes through "1" and "12": limits that would end running children
	// at once wait for Enter, and then a question.
	v.memLimit.OnChanged = func(string) { v.applyWatchdog(holdIfKills) }
	v.timeLimit.OnChanged = func(string) { v.applyWatchdog(holdIfKills) }
	v.memLimit.OnSubmitted = func(string) { v.applyWatchdog(askFirst) }
	v.timeLimit.OnSubmitted = func(string) { v.applyWatchdog(askFirst) }
	v.summary = widget.NewLabel("")
	v.summary.Alignment = fyne.TextAlignTrailing
	v.summary.Truncation = fyne.TextTruncateEllipsis
	// Shown from the start: appearing at the first action, it moved the watchdog's row
	// up under the pointer.
	v.note = widget.NewLabel(killHint)
	v.note.Truncation = fyne.TextTruncateEllipsis

	v.table = widget.NewTable(
		func() (int, int) { return len(v.rows), len(killCols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			c := widget.NewCheck("", nil)
			c.Hide()
			return container.NewStack(l, c)
		},
		v.updateCell)
	v.table.ShowHeaderRow = true
	v.table.CreateHeader = func() fyne.CanvasObject {
		b := widget.NewButton("", nil)
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		return b
	}
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		if id.Col < 0 {
			return
		}
		col := id.Col
		title := killCols[col].title
		if col == colSel {
			title = "all"
		} else if col == v.sort {
			title += map[bool]string{false: " ▲", true: " ▼"}[v.desc]
		}
		b.SetText(title)
		b.OnTapped = func() { v.onHeader(col) }
	}
	// A click anywhere on a row toggles its selection: many rows can be selected.
	// A click on an ended row shows its whole exit reason under the table: the column
	// is cut at the window's edge.
	v.table.OnSelected = func(id widget.TableCellID) {
		v.table.Unselect(id)
		if id.Row < 0 || id.Row >= len(v.rows) {
			return
		}
		inf := v.rows[id.Row].info
		if inf.State.Ended() {
			v.say(fmt.Sprintf("%s (PID %d) %s: %s", inf.Label, inf.PID, inf.State, inf.Reason))
			return
		}
		v.toggle(inf.ID)
	}
	for i, c := range killCols {
		v.table.SetColumnWidth(i, c.width)
	}
	v.refresh()
	// Refresh from a snapshot a few times a second, never per event: smooth with 100 children.
	env.Every(250*time.Millisecond, v.refresh)
	return v
}

func (v *killView) content() fyne.CanvasObject {
	var all *fyne.Container
	relayout := func() {
		if all != nil {
			all.Refresh()
		}
	}
	// The start row wraps in a narrow window: in one line it made the window 894 px
	// wide at least, and under 800 it ran into the next controls.
	startRow := newFlow(relayout, boldLabel("Start"))
	for _, b := range behaviours {
		startRow.Add(v.starts[b.role])
	}
	startRow.Add(container.NewGridWrap(fyne.NewSize(90, v.count.MinSize().Height), v.count))
	startRow.Add(container.NewGridWrap(fyne.NewSize(170, v.restart.MinSize().Height), v.restart))
	limits := container.NewHBox(v.watch,
		container.NewGridWrap(fyne.NewSize(96, v.memLimit.MinSize().Height), v.memLimit), widget.NewLabel("MiB or"),
		container.NewGridWrap(fyne.NewSize(88, v.timeLimit.MinSize().Height), v.timeLimit), widget.NewLabel("s"))
	// Kill all and Clear ended act on every row, not the selection: at the row's other
	// end, apart from the buttons "Selected" names.
	actRow := container.NewBorder(nil, nil, container.NewHBox(boldLabel("Selected"), v.terminate, v.grace, v.kill),
		container.NewHBox(v.killAll, v.clearEnded))
	top := container.NewVBox(startRow, actRow)
	// The watchdog sits under the table with the totals it watches: on the action row it
	// made the window at least 1,055 px wide, too wide for half of a 1920 px screen. The
	// totals take the room left beside it, and lose their tail to "…" when there is none.
	bottom := container.NewVBox(container.NewBorder(nil, nil, limits, nil, v.summary), v.note)
	all = container.NewBorder(top, bottom, nil, nil, v.table)
	return all
}

// killHint is the note under the table until an action has something to say, and again
// at the next start or selection: "Select running children first" had stayed beside
// six children just started.
const killHint = "Click running children's rows to select them; a click on an ended one shows its reason in full here."

func (v *killView) startChildren(role, label string) {
	v.say(killHint)
	n, _ := strconv.Atoi(strings.TrimPrefix(v.count.Selected, "×"))
	n = max(n, 1)
	policy := core.RestartNever
	if v.restart.SelectedIndex() == 1 {
		policy = core.RestartOnCrash
	}
	sup := v.env.Sup
	go func() {
		for range n {
			if _, err := sup.Start(core.Spec{Role: role, Label: label, Group: killGroup, Restart: policy}); err != nil {
				v.env.Do(func() { v.say("Could not start a child: " + err.Error()) })
				return
			}
		}
	}()
}

// selected lists the selected children that still run.
func (v *killView) selected() []string {
	var ids []string
	for _, r := range v.rows {
		if v.sel[r.info.ID] && !r.info.State.Ended() {
			ids = append(ids, r.info.ID)
		}
	}
	return ids
}

func (v *killView) graceDuration() time.Duration {
	f := strings.Fields(v.grace.Selected)
	if len(f) >= 2 {
		if n, err := strconv.Atoi(f[1]); err == nil {
			return time.Duration(n) * time.Second
		}
	}
	return 3 * time.Second
}

// The actions run off the main goroutine: a hundred kills never stall a frame.
func (v *killView) onTerminate() {
	ids, grace, sup := v.selected(), v.graceDuration(), v.env.Sup
	if len(ids) == 0 {
		v.say("Select running children first: click their rows.")
		return
	}
	var note string
	if len(ids) == 1 {
		note = fmt.Sprintf("Asked 1 to stop; it is killed if still there after %g s.", grace.Seconds())
	} else {
		note = fmt.Sprintf("Asked %d to stop; each is killed if still there after %g s.", len(ids), grace.Seconds())
	}
	v.say(note)
	go func() {
		for _, id := range ids {
			sup.Terminate(id, grace)
		}
		// Once all have ended, the note says so instead of still promising a kill.
		for _, id := range ids {
			if c := sup.Get(id); c != nil {
				<-c.Done()
			}
		}
		v.env.Do(func() {
			if v.note.Text == note {
				if len(ids) == 1 {
					v.say("The child asked to stop has ended; its Exit reason says how.")
				} else {
					v.say(fmt.Sprintf("All %d children asked to stop have ended; their Exit reasons say how.", len(ids)))
				}
			}
		})
	}()
}

func (v *killView) onKill() {
	ids, sup := v.selected(), v.env.Sup
	if len(ids) == 0 {
		v.say("Select running children first: click their rows.")
		return
	}
	v.say(fmt.Sprintf("Killed %d.", len(ids)))
	go func() {
		for _, id := range ids {
			sup.Kill(id)
		}
	}()
}

// onKillAll kills every running child of the app. When that includes other tabs'
// children it asks first, naming them: their runs lose those processes (a backup
// retries the files, a spawn run fails).
func (v *killView) onKillAll() {
	n, others := 0, map[string]int{}
	for _, c := range v.env.Sup.List() {
		if !c.State.Ended() {
			n++
			if c.Group != killGroup {
				others[c.Group]++
			}
		}
	}
	if n == 0 {
		v.say("Nothing is running.")
		return
	}
	if len(others) == 0 {
		v.killAllNow()
		return
	}
	var theirs []string
	m := 0
	for _, g := range slices.Sorted(maps.Keys(others)) {
		theirs = append(theirs, fmt.Sprintf("%s %d", groupTitle(g), others[g]))
		m += others[g]
	}
	msg := fmt.Sprintf("%d of them belong to other tabs (%s): their runs stop.", m, strings.Join(theirs, ", "))
	if m == 1 {
		msg = fmt.Sprintf("One of them belongs to another tab (%s): its run stops.", theirs[0])
	}
	msg += "\nTo end only some, select their rows and press Kill."
	d := dialog.NewConfirm(fmt.Sprintf("Kill all %s?", numfmt.Count(n, "child", "children")), msg, func(ok bool) {
		if ok {
			v.killAllNow()
		}
	}, v.env.Window)
	d.SetConfirmText("Kill all")
	d.SetConfirmImportance(widget.DangerImportance)
	d.SetDismissText("Cancel")
	d.Show()
}

func (v *killView) killAllNow() {
	v.say("Killed every child of the app.")
	go v.env.KillAll("killed by user (kill all)")
}

// say shows a note under the table (the line is hidden, taking no room, until the
// first note).
func (v *killView) say(text string) {
	v.note.SetText(text)
	v.note.Show()
}

// groupTitle is a child group as the tabs name it: "backup" is Backup's.
func groupTitle(g string) string {
	if g == "" {
		return "no tab"
	}
	return strings.ToUpper(g[:1]) + g[1:]
}

func (v *killView) onClearEnded() {
	v.env.Sup.ClearEnded()
	v.refresh()
	// The note may describe a row just cleared.
	v.say("Cleared the ended processes; running ones stay.")
}

// How applyWatchdog treats limits that running children are over already.
const (
	askFirst    = iota // the box was ticked, or Enter pressed: ask, then kill them
	holdIfKills        // a limit is being typed: keep the limits as they were
	confirmed          // the user said yes
)

func (v *killView) applyWatchdog(how int) {
	if !v.watch.Checked {
		v.env.Mon.SetLimits(procmon.Limits{})
		v.say("Watchdog off.")
		return
	}
	mem, err1 := parseMemLimit(v.memLimit.Text)
	secs, err2 := parseTimeLimit(v.timeLimit.Text)
	if err := errors.Join(err1, err2); err != nil {
		v.env.Mon.SetLimits(procmon.Limits{})
		v.say("Watchdog off until the limits are fixed: " + err.Error())
		return
	}
	if victims := v.overLimits(mem, secs); len(victims) > 0 && how != confirmed {
		// Ticking the box had killed every child older than 60 s at once, unasked.
		what := fmt.Sprintf("%s of this tab's running processes are over these limits already (%s)", numfmt.Thousands(len(victims)), strings.Join(victims, ", "))
		if len(victims) == 1 {
			what = fmt.Sprintf("A running process of this tab is over these limits already (%s)", victims[0])
		}
		if how == holdIfKills {
			if v.env.Mon.Limits() == (procmon.Limits{}) {
				v.say(what + ": press Enter in a limit field to arm the watchdog and kill it.")
			} else {
				v.say(what + ": press Enter in a limit field to apply them; the limits before stay until then.")
			}
			return
		}
		d := dialog.NewConfirm("Arm the watchdog?", what+".\nArming it kills them now.", func(ok bool) {
			if ok {
				v.applyWatchdog(confirmed)
			} else if v.env.Mon.Limits() == (procmon.Limits{}) {
				v.watch.SetChecked(false)
			} else {
				v.say("The watchdog keeps its limits as they were.")
			}
		}, v.env.Window)
		d.SetConfirmText("Arm and kill")
		d.SetDismissText("Cancel")
		d.Show()
		return
	}
	// This tab's children only: a Spawn or Backup run elsewhere is not this tab's to end
	// (a 60 s limit killed a long Spawn run with a message the Spawn tab cut short).
	v.env.Mon.SetLimits(procmon.Limits{MaxRSS: mem << 20, MaxAge: time.Duration(secs * float64(time.Second)), Group: killGroup})
	var over []string
	if mem > 0 {
		over = append(over, fmt.Sprintf("over %d MiB", mem))
	}
	if secs > 0 {
		over = append(over, fmt.Sprintf("running over %g s", secs))
	}
	if len(over) == 0 {
		v.say("Watchdog on, but both limits are 0 (no limit): enter MiB or seconds.")
		return
	}
	v.say("Watchdog on: any process this tab started " + strings.Join(over, " or ") + " is killed; other tabs' are left alone.")
}

// overLimits names this tab's running children that limits of mem MiB and secs
// seconds (0: none) would kill at once.
func (v *killView) overLimits(mem uint64, secs float64) []string {
	var out []string
	now := time.Now()
	for _, r := range v.rows {
		if r.info.State.Ended() || r.info.Group != killGroup {
			continue
		}
		if secs > 0 && r.info.Uptime(now).Seconds() > secs || mem > 0 && r.sampled && r.stat.RSS > mem<<20 {
			out = append(out, fmt.Sprintf("%s, PID %d", r.info.Label, r.info.PID))
		}
	}
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("and %d more", len(out)-5))
	}
	return out
}

// parseMemLimit reads the watchdog's memory limit: whole MiB, 0 for none.
func parseMemLimit(s string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil {
		return 0, errors.New("enter whole MiB, such as 200 (0 means no limit)")
	}
	return n, nil
}

// parseTimeLimit reads the watchdog's age limit: seconds, 0 for none.
func parseTimeLimit(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e6 {
		return 0, errors.New("enter seconds, such as 60 (0 means no limit)")
	}
	return f, nil
}

// fittedCols are the columns that widen to their longest text: the ID (hex digits
// differ in width) and the role ("backup worker 3 (replacement)").
var fittedCols = []int{colID, colRole}

// minReasonWidth is the exit reason's least width: below it the table scrolls sideways.
const minReasonWidth = 160

// fitColumns widens the fitted columns to their longest text (never below their
// starting width). The label's padding on both sides, and a padding's slack: a
// column exactly the label's width still cuts the text on screen.
//
// The exit reason, the last column, takes the rest of the table's width: a longer
// reason ends in "…" and a click shows it in full. Widened to its longest reason, it
// made the table scroll sideways, and a click on a reason scrolled the selection and
// ID columns out of sight.
func (v *killView) fitColumns() {
	style := fyne.TextStyle{}
	pad := theme.Padding()
	used := float32(0)
	for c := range killCols {
		if c == colReason {
			continue
		}
		w := killCols[c].width
		if slices.Contains(fittedCols, c) {
			for _, r := range v.rows {
				if t := v.cellText(r, c); t != "" {
					w = max(w, fyne.MeasureText(t, theme.TextSize(), style).Width+2*theme.InnerPadding()+pad)
				}
			}
			v.setColumnWidth(c, w)
		}
		used += w + pad
	}
	v.fittedFor = v.table.Size().Width
	v.setColumnWidth(colReason, max(minReasonWidth, v.fittedFor-used))
}

// columnWidth is column c's width now.
func (v *killView) columnWidth(c int) float32 {
	if w, ok := v.fitted[c]; ok {
		return w
	}
	return killCols[c].width
}

func (v *killView) setColumnWidth(c int, w float32) {
	if w != v.fitted[c] {
		v.fitted[c] = w
		v.table.SetColumnWidth(c, w)
	}
}

func (v *killView) onHeader(col int) {
	if col == colSel {
		v.toggleAll()
		return
	}
	if v.sort == col {
		v.desc = !v.desc
	} else {
		v.sort, v.desc = col, false
	}
	v.refresh()
	v.table.Refresh() // the header's arrow, even when the order did not change
}

func (v *killView) toggle(id string) {
	v.say(killHint)
	if v.sel[id] {
		delete(v.sel, id)
	} else {
		v.sel[id] = true
	}
	v.table.Refresh()
	v.updateSummary()
}

// toggleAll selects every running child, or clears the selection if all are selected.
func (v *killView) toggleAll() {
	v.say(killHint)
	all := true
	for _, r := range v.rows {
		if !r.info.State.Ended() && !v.sel[r.info.ID] {
			all = false
		}
	}
	clear(v.sel)
	if !all {
		for _, r := range v.rows {
			if !r.info.State.Ended() {
				v.sel[r.info.ID] = true
			}
		}
	}
	v.table.Refresh()
	v.updateSummary()
}

// refresh takes one snapshot of the supervisor and the monitor and redraws the table.
func (v *killView) refresh() {
	list := v.env.Sup.List()
	rows := make([]killRow, len(list))
	running := make(map[string]bool, len(list))
	for i, inf := range list {
		rows[i].info = inf
		if !inf.State.Ended() {
			running[inf.ID] = true
			if v.env.Mon != nil {
				rows[i].stat, rows[i].sampled = v.env.Mon.Child(inf.PID)
			}
		}
	}
	// A child that ended can no longer be acted on: its tick goes with it.
	for id := range v.sel {
		if !running[id] {
			delete(v.sel, id)
		}
	}
	if v.sort == 0 {
		defaultOrder(rows)
	} else {
		less := killCols[v.sort].less
		slices.SortStableFunc(rows, func(a, b killRow) int {
			if v.desc {
				return less(b, a)
			}
			return less(a, b)
		})
	}
	// Uptimes move while anything runs; otherwise redraw only what changed.
	if len(running) > 0 || !slices.Equal(rows, v.rows) || v.table.Size().Width != v.fittedFor {
		// Fewer rows (Clear ended): from the top. Fyne keeps the scroll offset, and the
		// table showed one half-hidden row beside "6 running".
		shrank := len(rows) < len(v.rows)
		v.rows = rows
		if shrank {
			v.table.ScrollToTop()
		}
		v.fitColumns()
		v.table.Refresh()
	}
	v.updateSummary()
}

// defaultOrder puts what runs first, in start order, and below it the
// ended, the latest first, so what was just stopped is in view with its reason. A child
// restarted after a crash takes the place of the one it replaces: at the end of the
// running rows, it had moved every row under it up under the pointer at each crash.
func defaultOrder(rows []killRow) {
	byID := make(map[string]core.Info, len(rows))
	replaced := make(map[string]bool, len(rows)) // IDs whose replacement has started
	for _, r := range rows {
		byID[r.info.ID] = r.info
		if r.info.RestartOf != "" {
			replaced[r.info.RestartOf] = true
		}
	}
	// Each running child's first start in its line of restarts, taken before the sort
	// moves the rows.
	since := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		inf := r.info
		for n := 0; inf.RestartOf != "" && n < len(rows); n++ {
			p, ok := byID[inf.RestartOf]
			if !ok {
				break
			}
			inf = p
		}
		since[r.info.ID] = inf.Started
	}
	// A crashed child waiting the restart delay for its replacement keeps its place too:
	// dropping to the ended rows, it moved the rows under it up for half a second, and
	// back down when the replacement came.
	ended := func(inf core.Info) bool {
		return inf.State.Ended() && !(inf.Restarting && !replaced[inf.ID])
	}
	slices.SortStableFunc(rows, func(a, b killRow) int {
		switch ea, eb := ended(a.info), ended(b.info); {
		case ea && eb:
			return b.info.Ended.Compare(a.info.Ended)
		case ea:
			return 1
		case eb:
			return -1
		}
		return since[a.info.ID].Compare(since[b.info.ID])
	})
}

func (v *killView) updateSummary() {
	run, ended, cpu := 0, 0, 0.0
	var mem uint64
	for _, r := range v.rows {
		if r.info.State.Ended() {
			ended++
		} else {
			run++
			cpu += r.stat.CPUPercent
			mem += r.stat.RSS
		}
	}
	setText(v.summary, fmt.Sprintf("%d running (%.0f%% CPU, RSS %s) · %d ended · %d selected", run, cpu, memText(mem), ended, len(v.selected())))
}

func (v *killView) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	st := o.(*fyne.Container)
	l, check := st.Objects[0].(*widget.Label), st.Objects[1].(*widget.Check)
	if id.Row >= len(v.rows) {
		l.SetText("")
		return
	}
	r := v.rows[id.Row]
	if id.Col == colSel {
		l.Hide()
		check.Show()
		childID := r.info.ID
		check.OnChanged = nil
		check.SetChecked(v.sel[childID])
		if r.info.State.Ended() {
			check.Disable() // nothing left to stop
		} else {
			check.Enable()
		}
		check.OnChanged = func(on bool) {
			if on != v.sel[childID] {
				v.toggle(childID)
			}
		}
		return
	}
	check.Hide()
	l.Show()
	imp := widget.MediumImportance
	if id.Col == colState {
		switch r.info.State {
		case core.Running:
			imp = widget.SuccessImportance
		case core.Stopping:
			imp = widget.WarningImportance
		case core.Killed, core.Failed:
			imp = widget.DangerImportance
		}
	}
	// Touch a label only when it changes: every refresh re-measures (shapes) its text,
	// which is most of a tick's cost.
	text := v.cellText(r, id.Col)
	switch {
	case l.Text != text:
		l.Importance = imp
		l.SetText(text)
	case l.Importance != imp:
		l.Importance = imp
		l.Refresh()
	}
}

// cellText is what a cell shows; the tests read the table through it.
func (v *killView) cellText(r killRow, col int) string {
	inf := r.info
	switch col {
	case colID:
		return inf.Short()
	case colGroup:
		return inf.Group
	case colRole:
		return inf.Label
	case colPID:
		return strconv.Itoa(inf.PID)
	case colState:
		if inf.State == core.Stopping && !inf.KillAt.IsZero() {
			left := max(time.Until(inf.KillAt), 0)
			return fmt.Sprintf("stopping · %.1f s", left.Seconds())
		}
		return inf.State.String()
	case colUptime:
		return uptimeText(inf.Uptime(time.Now()))
	case colCPU:
		if !r.sampled {
			return "–"
		}
		return fmt.Sprintf("%.0f", r.stat.CPUPercent)
	case colMem:
		if !r.sampled {
			return "–"
		}
		return memText(r.stat.RSS)
	case colRestart:
		if inf.Restart == core.RestartNever {
			return "never"
		}
		// "on crash · 2" read as a policy with a parameter. A replacement says which
		// restart it is: "2 restarts" on an ended row read as restarts still to come.
		if inf.Restarts == 0 {
			return "on crash"
		}
		return fmt.Sprintf("restart #%d", inf.Restarts)
	case colReason:
		return inf.Reason
	}
	return ""
}

func uptimeText(d time.Duration) string {
	// Whole seconds: the same few strings recur across rows and ticks, and each new
	// string costs a text shaping.
	switch {
	case d < time.Second:
		return "< 1 s" // a backup worker that lived 0.4 s did not live "0 s"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d m %02d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %02d m", int(d.Hours()), int(d.Minutes())%60)
}

func memText(b uint64) string {
	switch {
	case b < 10<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b < 10<<30:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
}

// demo starts one child of each behaviour, terminates the one that ignores the stop
// (so the countdown shows), kills the worker and lets the crasher restart.
func (v *killView) demo() time.Duration {
	sup := v.env.Sup
	go func() {
		start := func(role, label string, r core.Restart, args ...string) *core.Child {
			c, err := sup.Start(core.Spec{Role: role, Label: label, Group: killGroup, Restart: r, Args: args})
			if err != nil {
				return nil
			}
			return c
		}
		idle := start("idle", "well-behaved worker", core.RestartNever)
		busy := start("busy", "busy loop", core.RestartNever)
		start("grow", "memory grower", core.RestartNever)
		ign := start("ignore-stop", "ignores stop", core.RestartNever)
		hang := start("hang", "hangs", core.RestartNever)
		v.env.Do(func() {
			for _, c := range []*core.Child{busy, hang} {
				if c != nil {
					v.sel[c.ID()] = true
				}
			}
		})
		start("crash", "crashes in 1 s", core.RestartOnCrash, "1")
		stopper := start("idle", "well-behaved worker", core.RestartNever)
		time.Sleep(1500 * time.Millisecond)
		if ign != nil {
			ign.Terminate(10 * time.Second)
		}
		if idle != nil {
			idle.Kill("killed by user")
		}
		if stopper != nil {
			stopper.Terminate(3 * time.Second)
		}
	}()
	return 3500 * time.Millisecond
}
