package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/backup"
	"dev.proclab/internal/numfmt"
)

var backupTab = Tab{
	Name:  "backup",
	Title: "Backup",
	How:   `The app plans the backup first: it walks the source and the destination side by side and marks each file new, changed (size or time) or unchanged. Then a pool of worker processes (this same program, started again in a worker role) copies the files in batches, each file written under a temporary name and renamed into place, so nothing half-written ever carries a real name. If a worker dies (try the Kill tab), the files it held go back into the queue and a replacement starts. Nothing to copy starts no worker at all. Python: Pool(n).imap_unordered(copy, batches).`,
	Build: func(env *Env) Screen {
		v := newBackupView(env)
		return Screen{Content: v.content, Demo: v.demo}
	},
}

// pickFolder asks the user for a folder, starting at the one typed (from, when it
// exists). Tests replace it to hand over a temp folder.
var pickFolder = func(env *Env, title, from string, done func(path string)) {
	if env.Window == nil {
		return
	}
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err == nil && u != nil {
			done(u.Path())
		}
	}, env.Window)
	d.SetTitleText(title)
	// Most of the window: at Fyne's default size a folder of long names showed four
	// columns of names broken mid-word.
	ws := env.Window.Canvas().Size()
	d.Resize(fyne.NewSize(max(ws.Width*0.85, min(ws.Width, 700)), max(ws.Height*0.85, min(ws.Height, 500))))
	if p, err := fullPath(from); err == nil && p != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(p)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

// fullPath is a typed folder as the engine needs it: "~" is the home folder, and a
// relative path is refused (the app's working folder is nothing the user chose).
func fullPath(typed string) (string, error) {
	p := strings.TrimSpace(typed)
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot find your home folder for %q: %v; enter the full path", p, err)
		}
		p = filepath.Join(home, p[1:])
	}
	if p != "" && !filepath.IsAbs(p) {
		return "", fmt.Errorf("%q is not a full path; enter one such as %s, or press Choose…", p, filepath.Join(homeOr("/home/you"), "Documents"))
	}
	return p, nil
}

func homeOr(fallback string) string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return fallback
}

// notifyAfter: a backup that took longer than this sends a desktop notification.
const notifyAfter = 10 * time.Second

const (
	prefSrc     = "backup.source"
	prefDst     = "backup.destination"
	prefWorkers = "backup.workers"
)

const workersHintText = "Each worker process shows here while a backup runs: its PID, the files it has copied and the one it is copying."

type workerRow struct {
	label *widget.Label
	bar   *meter
	box   fyne.CanvasObject
}

// backupView is the tab: a form, progress fed by the engine's Progress snapshots (read a
// few times a second on the main goroutine), and the report at the end.
type backupView struct {
	env     *Env
	content fyne.CanvasObject

	src, dst           *widget.Entry
	workers            *widget.Slider
	workersLabel       *widget.Label
	verify, dryRun     *widget.Check
	demoBtn, runBtn    *widget.Button
	cancelBtn, openBtn *widget.Button
	bytesBar, filesBar *meter
	status             *widget.Label
	workerBox          *fyne.Container
	workersHint        *widget.Label
	rows               map[int]*workerRow
	summary            *widget.Label
	failed             []backup.FileError
	failedList         *widget.List
	failedDetail       *widget.Label // the clicked row in full
	failedBox          *fyne.Container
	failedTitle        *widget.Label // what the list below it holds: with the list, where a split cannot cut it off
	report             *container.Split
	panes              *fyne.Container // the workers' card and the report's, side by side
	workersCard        *widget.Card

	srcPick, dstPick *widget.Button
	srcErr, dstErr   error // what the typed folders' check found, marked on their fields
	cancelAsked      bool  // Cancel was pressed during the current run

	// uiMu serialises widget updates. In the app they all run on the main goroutine
	// anyway; under Fyne's test driver fyne.Do runs inline on whichever goroutine calls it.
	uiMu sync.Mutex

	mu       sync.Mutex
	checkGen int // the typed folders' latest check: an older one's answer is stale
	run      *backup.Run
	shown    bool // the current run's report is on screen
	slow     time.Duration
	lastDst  string
}

func newBackupView(env *Env) *backupView {
	v := &backupView{env: env, rows: map[int]*workerRow{}}
	prefs := env.App.Preferences()
	v.src = widget.NewEntry()
	v.src.SetPlaceHolder("Folder to back up")
	v.src.SetText(prefs.String(prefSrc))
	v.dst = widget.NewEntry()
	v.dst.SetPlaceHolder("Where the backup goes")
	v.dst.SetText(prefs.String(prefDst))
	// A folder that cannot be backed up gets the error mark as soon as it is typed.
	v.src.AlwaysShowValidationError, v.dst.AlwaysShowValidationError = true, true
	pick := func(e *widget.Entry, title, pref string) *widget.Button {
		return widget.NewButton("Choose…", func() {
			pickFolder(env, title, e.Text, func(p string) {
				e.SetText(p)
				prefs.SetString(pref, p)
			})
		})
	}
	v.workersLabel = widget.NewLabel("")
	v.workers = widget.NewSlider(1, backup.MaxWorkers)
	v.workers.Step = 1
	v.workers.OnChanged = func(f float64) {
		v.workersLabel.SetText(fmt.Sprintf("Workers: %d", int(f)))
	}
	v.workers.SetValue(float64(prefs.IntWithFallback(prefWorkers, backup.DefaultWorkers())))
	v.workers.OnChangeEnded = func(f float64) { prefs.SetInt(prefWorkers, int(f)) }
	v.verify = widget.NewCheck("Verify (SHA-256)", nil)
	v.dryRun = widget.NewCheck("Dry run", nil)

	v.demoBtn = widget.NewButton("Generate demo source", v.generateDemo)
	v.runBtn = widget.NewButton("Back up", v.start)
	v.runBtn.Importance = widget.HighImportance
	v.cancelBtn = widget.NewButton("Cancel", v.cancel)
	v.cancelBtn.Disable()
	v.openBtn = widget.NewButton("Open destination", v.openDestination)
	v.openBtn.Disable()
	// Enter in either folder field is Back up, as in a form; not while a run is on.
	submit := func(string) {
		if !v.runBtn.Disabled() {
			v.start()
		}
	}
	v.src.OnSubmitted, v.dst.OnSubmitted = submit, submit

	v.bytesBar = newMeter()
	v.filesBar = newMeter()
	// An empty bar is drawn in the accent colour: the words keep it from reading as full.
	v.bytesBar.TextFormatter = func() string { return "no backup yet" }
	v.filesBar.TextFormatter = func() string { return "no backup yet" }
	v.status = widget.NewLabel(pickFoldersText)
	v.status.Wrapping = fyne.TextWrapWord
	v.workersHint = widget.NewLabel(workersHintText)
	v.workersHint.Wrapping = fyne.TextWrapWord
	v.workerBox = container.NewVBox(v.workersHint)
	v.summary = widget.NewLabel("The summary and any files that failed show here when a run ends.")
	v.summary.Wrapping = fyne.TextWrapWord
	v.failedList = widget.NewList(
		func() int { return len(v.failed) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(v.failed) {
				o.(*widget.Label).SetText(numfmt.Visible(v.failed[i].Path) + ": " + v.failed[i].Msg)
			}
		})
	// Long reasons are cut at the list's width; a click shows one in full.
	// Hidden until a click: in a small window the list needs the line's room.
	failedDetail, showFailed := fullLine()
	failedDetail.SetText("")
	failedDetail.Hide()
	v.failedList.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(v.failed) {
			showFailed(numfmt.Visible(v.failed[i].Path) + ": " + v.failed[i].Msg)
			failedDetail.Show()
		}
	}
	v.failedDetail = failedDetail

	v.srcPick = pick(v.src, "Folder to back up", prefSrc)
	v.dstPick = pick(v.dst, "Where the backup goes", prefDst)
	form := widget.NewForm(
		widget.NewFormItem("Source", container.NewBorder(nil, nil, nil, v.srcPick, v.src)),
		widget.NewFormItem("Destination", container.NewBorder(nil, nil, nil, v.dstPick, v.dst)),
	)
	options := container.NewBorder(nil, nil, v.workersLabel, container.NewHBox(v.verify, v.dryRun), v.workers)
	// The run's own buttons first; the demo helper stands apart at the far end.
	buttons := container.NewBorder(nil, nil, container.NewHBox(v.runBtn, v.cancelBtn, v.openBtn), v.demoBtn)
	bars := widget.NewForm(
		widget.NewFormItem("Bytes", v.bytesBar),
		widget.NewFormItem("Files", v.filesBar),
	)
	top := container.NewVBox(form, options, buttons, bars, v.status)
	// Bold labels like the form's: a card title would be the largest text in the window.
	v.workersCard = widget.NewCard("", "", container.NewBorder(boldLabel("Worker processes"), nil, nil, nil,
		container.NewVScroll(v.workerBox)))
	// The summary scrolls: its lines (notes, a dead worker each) must not raise the
	// window's minimum height. The list of files shows only when there are some.
	v.failedTitle = widget.NewLabel("")
	v.failedTitle.Truncation = fyne.TextTruncateEllipsis
	v.failedTitle.TextStyle.Bold = true
	v.failedBox = container.NewBorder(v.failedTitle, v.failedDetail, nil, nil, v.failedList)
	v.failedBox.Hide()
	v.report = container.NewVSplit(container.NewVScroll(v.summary), v.failedBox)
	v.report.Offset = 0.35
	failedCard := widget.NewCard("", "", container.NewBorder(boldLabel("Report"), nil, nil, nil, v.report))
	v.panes = container.NewGridWithColumns(2, v.workersCard, failedCard)
	v.content = container.NewBorder(top, nil, nil, nil, v.panes)

	// New folders make the last run's report someone else's: it goes.
	v.src.OnChanged = func(string) { v.folderChanged() }
	v.dst.OnChanged = func(string) { v.folderChanged() }
	v.folderChanged() // the remembered folders: say what they lack, or what is wrong with them
	env.OnKillAll(func(string) {
		if r := v.current(); r != nil {
			r.CancelBecause("its workers were killed from the Kill tab") // no replacement starts
		}
	})
	env.Every(200*time.Millisecond, v.refresh)
	env.OnQuit(func() {
		// Stop cleanly: files being copied finish, the rest resume next time.
		if r := v.current(); r != nil {
			r.Cancel()
			select {
			case <-r.Done():
			case <-time.After(StopGrace):
			}
		}
	})
	return v
}

func (v *backupView) current() *backup.Run {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.run
}

func (v *backupView) start() {
	if r := v.current(); r != nil {
		select {
		case <-r.Done():
		default:
			return // one run at a time
		}
	}
	v.resetRun()
	v.mu.Lock()
	v.checkGen++ // the run checks the folders itself, and its lines must stay
	v.mu.Unlock()
	src, err1 := fullPath(v.src.Text)
	dst, err2 := fullPath(v.dst.Text)
	if err := cmp.Or(err1, err2); err != nil {
		v.cannotBackUp(err)
		v.markFields(err1, err2)
		return
	}
	v.src.SetText(src)
	v.dst.SetText(dst)
	prefs := v.env.App.Preferences()
	prefs.SetString(prefSrc, src)
	prefs.SetString(prefDst, dst)
	opt := backup.Options{Log: v.env.Log, Src: src, Dst: dst, Workers: int(v.workers.Value), Verify: v.verify.Checked,
		DryRun: v.dryRun.Checked, Sup: v.env.Sup, SlowMotion: v.slow}
	v.busy(true)
	v.barsSay("checking the folders")
	v.say(widget.MediumImportance, "Checking the folders…")
	// Checking the folders touches the disk: off the main goroutine.
	go func() {
		// Bad input first: "back up into this folder?" must never be asked of the
		// source itself, or of a folder around it.
		if _, _, err := backup.CheckInput(src, dst); err != nil {
			_, _, srcErr, dstErr := checkTyped(src, dst)
			v.notStarted(err, srcErr, dstErr)
			return
		}
		if n := foreignFiles(dst); n > 0 && !opt.DryRun && src != "" {
			v.env.Do(func() { v.confirmForeign(opt, n) })
			return
		}
		v.launch(opt)
	}()
}

// foreignFiles counts (up to a few) the entries of a destination that holds files
// but is no ProcLab backup (no manifest folder): the user may have picked the wrong
// folder, and its files with the source's names would be replaced.
func foreignFiles(dst string) int {
	if _, err := os.Stat(filepath.Join(dst, backup.MetaDir)); err == nil {
		return 0
	}
	f, err := os.Open(dst)
	if err != nil {
		return 0
	}
	defer f.Close()
	names, _ := f.Readdirnames(100)
	return len(names)
}

func (v *backupView) confirmForeign(opt backup.Options, n int) {
	v.uiMu.Lock()
	defer v.uiMu.Unlock()
	many := numfmt.Count(n, "entry", "entries")
	if n >= 100 {
		many = "100 or more entries"
	}
	msg := fmt.Sprintf("%s already holds %s and is not a ProcLab backup.\nFiles there with the same names as the source's will be replaced; the others stay.", opt.Dst, many)
	d := dialog.NewConfirm("Back up into this folder?", msg, func(ok bool) {
		if ok {
			go v.launch(opt)
			return
		}
		v.uiMu.Lock()
		defer v.uiMu.Unlock()
		v.busy(false)
		v.barsSay("not started")
		v.say(widget.MediumImportance, "Not started. Pick an empty or new destination folder, or one that holds an earlier backup.")
	}, v.env.Window)
	d.SetConfirmText("Back up into it")
	d.SetDismissText("Cancel")
	d.Show()
}

// busy locks the form while a run is checked or runs, so what it shows at the end is
// what ran: a destination or Dry run changed mid-run sat beside the report of another.
func (v *backupView) busy(on bool) {
	setEnabled(!on, v.runBtn, v.src, v.dst, v.srcPick, v.dstPick, v.workers, v.verify, v.dryRun, v.demoBtn)
}

// launch starts the engine (it checks the folders first: call it off the main goroutine).
func (v *backupView) launch(opt backup.Options) {
	r, err := backup.Start(context.Background(), opt)
	if err != nil {
		v.notStarted(err, nil, nil)
		return
	}
	v.env.Do(func() {
		v.uiMu.Lock()
		defer v.uiMu.Unlock()
		v.mu.Lock()
		v.run, v.shown, v.lastDst = r, false, r.Destination()
		v.cancelAsked = false
		v.mu.Unlock()
		v.cancelBtn.Enable()
		v.refreshLocked()
	})
}

// notStarted says why a run could not start, and marks the field to mend when the
// folders' check names one (srcErr, dstErr); it runs off the main goroutine.
func (v *backupView) notStarted(err, srcErr, dstErr error) {
	v.env.Do(func() {
		v.uiMu.Lock()
		defer v.uiMu.Unlock()
		v.busy(false)
		v.barsSay("not started")
		v.cannotBackUp(err)
		if srcErr != nil || dstErr != nil {
			v.markFields(srcErr, dstErr)
		}
	})
}

// cannotBackUp says, in the status line, why the folders cannot be backed up.
func (v *backupView) cannotBackUp(err error) {
	v.say(widget.DangerImportance, "Cannot back up: "+err.Error())
}

// markFields puts the error mark on the folder field to mend (nil clears it).
func (v *backupView) markFields(srcErr, dstErr error) {
	v.srcErr, v.dstErr = srcErr, dstErr
	v.src.SetValidationError(srcErr)
	v.dst.SetValidationError(dstErr)
}

// say puts text in the status line under the bars, in the colour of what it reports:
// a refusal had read like any other line.
func (v *backupView) say(imp widget.Importance, text string) {
	if v.status.Importance != imp {
		v.status.Importance = imp
		v.status.Refresh()
	}
	v.status.SetText(text)
}

const pickFoldersText = "Pick a source and a destination folder, then press Back up."

// folderChanged clears a finished run's report when a folder changes, and says what is
// still missing.
func (v *backupView) folderChanged() {
	v.mu.Lock()
	done := v.run != nil && v.shown
	idle := v.run == nil || done
	if done {
		v.run, v.lastDst = nil, ""
	}
	v.mu.Unlock()
	if done {
		v.resetRun()
		v.barsSay("no backup yet")
	}
	if !idle {
		return // a run's own lines stay
	}
	// The line under the bars says what is missing, until both folders are there.
	switch src, dst := strings.TrimSpace(v.src.Text), strings.TrimSpace(v.dst.Text); {
	case src == "" && dst == "":
		v.say(widget.MediumImportance, pickFoldersText)
	case src == "":
		v.say(widget.MediumImportance, "Pick the folder to back up (Source), then press Back up.")
	case dst == "":
		v.say(widget.MediumImportance, "Pick where the backup goes (Destination), then press Back up.")
	default:
		v.say(widget.MediumImportance, "Press Back up to back up these folders.")
	}
	v.checkFoldersSoon()
}

// checkDelay: the typed folders are checked this long after the last keystroke.
const checkDelay = 300 * time.Millisecond

// checkFoldersSoon says what is wrong with the typed folders (missing, a file, the
// destination inside the source…) before Back up is pressed: in the status line, and as
// the error mark on the field to mend. The check touches the disk, so it runs off the
// main goroutine, once typing pauses.
func (v *backupView) checkFoldersSoon() {
	v.mu.Lock()
	v.checkGen++
	gen := v.checkGen
	v.mu.Unlock()
	srcText, dstText := v.src.Text, v.dst.Text
	current := func() bool {
		select {
		case <-v.env.Quitting():
			return false // the window goes: nothing to say (a test's next app may be drawing)
		default:
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		return gen == v.checkGen && (v.run == nil || v.shown)
	}
	time.AfterFunc(checkDelay, func() {
		if !current() {
			return
		}
		src, dst, srcErr, dstErr := checkTyped(srcText, dstText)
		var last *backup.Report
		if srcErr == nil && dstErr == nil && src != "" && dst != "" {
			last, _ = backup.LastRun(dst) // a damaged line only loses the remark
		}
		v.env.Do(func() {
			v.uiMu.Lock()
			defer v.uiMu.Unlock()
			if !current() {
				return
			}
			v.markFields(srcErr, dstErr)
			if err := cmp.Or(srcErr, dstErr); err != nil {
				v.cannotBackUp(err)
			} else if last != nil {
				v.say(lastRunText(last, src, time.Now()))
				v.barsSay("ready") // not "no backup yet" beside the one the line describes
			}
			// A destination that holds a backup can be opened before any run.
			v.lastDst = ""
			if last != nil {
				v.lastDst = dst
			}
			setEnabled(last != nil, v.openBtn)
		})
	})
}

// lastRunText says what a destination already holds, from its latest run: the same
// folder's backup, brought up to date by Back up, or another folder's, which Back up
// would mix with this one.
func lastRunText(last *backup.Report, src string, now time.Time) (widget.Importance, string) {
	end := last.End.Local()
	when := end.Format("2 Jan 2006 at 15:04")
	ny, nm, nd := now.Local().Date()
	if ey, em, ed := end.Date(); ey == ny && em == nm && ed == nd {
		when = "today at " + end.Format("15:04")
	}
	if filepath.Clean(last.Source) != filepath.Clean(src) {
		return widget.WarningImportance, fmt.Sprintf("The destination holds a backup of another folder, %s (%s): Back up puts this folder's files beside its.", last.Source, when)
	}
	how := "every file in place"
	switch {
	case last.Stopped != "":
		how = "stopped early: " + last.Stopped
	case last.FilesFailed > 0:
		how = numfmt.Thousands(last.FilesFailed) + " failed"
	case !last.OK():
		how = "with problems: see its manifest"
	}
	return widget.MediumImportance, fmt.Sprintf("Last backed up %s (%s of %s, %s). Back up copies only what is new or changed.",
		when, numfmt.Thousands(last.FilesCopied+last.FilesSkipped), numfmt.Count(last.FilesTotal, "file", "files"), how)
}

// checkTyped checks the folders as typed, and returns them as full paths; an empty
// one is no error yet.
func checkTyped(srcText, dstText string) (src, dst string, srcErr, dstErr error) {
	src, srcErr = fullPath(srcText)
	dst, dstErr = fullPath(dstText)
	if srcErr == nil && src != "" {
		srcErr = backup.CheckSource(src)
	}
	if srcErr == nil && dstErr == nil && src != "" && dst != "" {
		_, _, dstErr = backup.CheckInput(src, dst)
	}
	return src, dst, srcErr, dstErr
}

// resetRun clears what the last run left on screen: a new run starts from nothing.
// reportAlone gives the report the whole width (a dry run starts no worker, and its
// list of files wants the room), or puts the workers' card back beside it.
func (v *backupView) reportAlone(alone bool) {
	if alone == !v.workersCard.Visible() {
		return
	}
	if alone {
		v.workersCard.Hide()
		v.panes.Layout = layout.NewGridLayoutWithColumns(1)
	} else {
		v.workersCard.Show()
		v.panes.Layout = layout.NewGridLayoutWithColumns(2)
	}
	v.panes.Refresh()
}

func (v *backupView) resetRun() {
	v.reportAlone(false)
	v.barsSay("not started")
	v.rows = map[int]*workerRow{}
	v.workersHint.SetText(workersHintText)
	v.workerBox.Objects = []fyne.CanvasObject{v.workersHint}
	v.workerBox.Refresh()
	v.summary.SetText("The summary and any files that failed show here when the run ends.")
	v.failed = nil
	v.failedList.UnselectAll()
	v.failedDetail.SetText("")
	v.failedDetail.Hide()
	v.showFailed()
	v.openBtn.Disable()
}

// barsSay empties both bars and writes text on them.
func (v *backupView) barsSay(text string) {
	for _, b := range []*meter{v.bytesBar, v.filesBar} {
		b.TextFormatter = func() string { return text }
		b.SetValue(0)
	}
}

// showFailed shows the list of files under the summary when it has any.
func (v *backupView) showFailed() {
	v.failedList.Refresh()
	if len(v.failed) > 0 {
		v.failedBox.Show()
	} else {
		v.failedBox.Hide()
	}
	v.report.Refresh()
}

// cancellingText is the status from Cancel until the run has stopped.
const cancellingText = "Cancelling: a small file under way is finished, a big one dropped; the rest resume next time."

func (v *backupView) cancel() {
	if r := v.current(); r != nil {
		v.cancelAsked = true
		r.Cancel()
		v.say(widget.MediumImportance, cancellingText)
	}
}

func (v *backupView) openDestination() {
	if v.lastDst == "" {
		return
	}
	u := &url.URL{Scheme: "file", Path: filepath.ToSlash(v.lastDst)}
	if err := v.env.App.OpenURL(u); err != nil {
		// A dialog: the status line keeps saying how the run went.
		why := "The system could not open it: " + err.Error()
		if errors.Is(err, exec.ErrNotFound) {
			why = "No program here opens folders (xdg-open is not installed)"
		}
		dialog.ShowInformation("Cannot open the folder", fmt.Sprintf("%s.\n\nThe backup is in %s", why, v.lastDst), v.env.Window)
	}
}

// demoDir is where generated demo folders go.
func demoDir(name string) string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "proclab", name)
}

// generateDemoNear generates a demo source at dir, or, when dir holds files the
// generator did not make (an older version's demo, the user's own), at dir-2, dir-3…:
// the app's own demo folder never blocks the button, and nothing is deleted.
func generateDemoNear(dir string, o backup.DemoOptions) (string, error) {
	for i := 1; ; i++ {
		at := dir
		if i > 1 {
			at = fmt.Sprintf("%s-%d", dir, i)
		}
		err := backup.GenerateDemo(at, o)
		if !backup.IsNotDemoSource(err) || i == 20 {
			return at, err
		}
	}
}

func (v *backupView) generateDemo() {
	v.demoBtn.Disable()
	v.say(widget.MediumImportance, "Generating a demo source folder…")
	go func() {
		src, err := generateDemoNear(demoDir("demo-source"), backup.DemoOptions{Files: 1500, Bytes: 96 << 20})
		v.env.Do(func() {
			v.uiMu.Lock()
			defer v.uiMu.Unlock()
			v.demoBtn.Enable()
			if err != nil {
				v.say(widget.DangerImportance, "Cannot generate the demo source: "+err.Error())
				return
			}
			// The demo's own destination: backing it up into the last real one would mix
			// sample files into someone's backup.
			v.src.SetText(src)
			v.dst.SetText(demoDir("demo-backup"))
			v.folderChanged() // the same paths as last time change no text: clear the last run all the same
			// 1,503 files to back up: the samples, a link and its file, and the marker.
			v.say(widget.MediumImportance, "Demo source ready: 1,500 sample files (96 MiB), a link and its file, and the demo's marker; it backs up into the demo destination. Press Back up.")
		})
	}()
}

// refresh renders the engine's progress; it runs on the main goroutine.
func (v *backupView) refresh() {
	v.uiMu.Lock()
	defer v.uiMu.Unlock()
	v.refreshLocked()
}

func (v *backupView) refreshLocked() {
	r := v.current()
	if r == nil {
		return
	}
	v.mu.Lock()
	shown := v.shown
	v.mu.Unlock()
	if shown {
		return
	}
	p := r.Progress()
	if p.BytesToDo > 0 {
		v.bytesBar.SetValue(float64(p.BytesDone) / float64(p.BytesToDo))
	}
	if p.FilesToDo > 0 {
		v.filesBar.SetValue(float64(p.FilesDone) / float64(p.FilesToDo))
	}
	v.bytesBar.TextFormatter = func() string { return numfmt.Bytes(p.BytesDone) + " of " + numfmt.Bytes(p.BytesToDo) }
	v.filesBar.TextFormatter = func() string {
		return numfmt.Thousands(p.FilesDone) + " of " + numfmt.Thousands(p.FilesToDo) + " files"
	}
	v.bytesBar.Refresh()
	v.filesBar.Refresh()
	st := string(p.Phase)
	if p.Phase == backup.PhaseCopying && v.verify.Checked {
		st = "copying and verifying" // most of a Verify run may be reading, not copying
	}
	switch {
	case v.cancelAsked:
		// Not "flushing · 63.2 MiB/s now", which did not say the run is stopping.
		st = cancellingText
	case p.ETA > 0:
		st += fmt.Sprintf(" · %s/s now · ETA %s", numfmt.Bytes(int64(p.Throughput)), uptimeText(p.ETA)) // "1 m 09 s", as the Kill tab writes it
	case p.Counting:
		st += " · still finding files"
		if p.Throughput > 0 {
			st += fmt.Sprintf(" · %s/s now", numfmt.Bytes(int64(p.Throughput)))
		}
	case p.Throughput > 0:
		st += fmt.Sprintf(" · %s/s now", numfmt.Bytes(int64(p.Throughput)))
	}
	st += fmt.Sprintf(" · %.1f s elapsed · %s copied, %s skipped, %s failed", p.Elapsed.Seconds(),
		numfmt.Thousands(p.FilesCopied), numfmt.Thousands(p.FilesSkipped), numfmt.Thousands(p.FilesFailed))
	setText(v.status, st)
	v.showWorkers(p.Workers, !p.Counting && p.Queued == 0)
	if p.Phase == backup.PhaseDone {
		select {
		case <-r.Done():
			v.finish(r)
		default:
		}
	}
}

// showWorkers draws a row per worker; drained: no file is left for a worker to take.
func (v *backupView) showWorkers(ws []backup.WorkerProgress, drained bool) {
	// The latest process in each slot: a replacement takes its predecessor's place, and
	// the files its predecessors finished count for the slot.
	latest := map[int]backup.WorkerProgress{}
	files, died := map[int]int{}, map[int][]int{}
	for _, w := range ws {
		if prev, ok := latest[w.Worker]; ok {
			died[w.Worker] = append(died[w.Worker], prev.PID)
		}
		latest[w.Worker] = w
		files[w.Worker] += w.Files
	}
	slots := make([]int, 0, len(latest))
	for s := range latest {
		slots = append(slots, s)
	}
	sort.Ints(slots)
	changed := false
	for _, s := range slots {
		row := v.rows[s]
		if row == nil {
			row = &workerRow{label: widget.NewLabel(""), bar: newMeter()}
			// Cut, not wrapped: a wrapped line doubled its row's height as the count grew.
			row.label.Truncation = fyne.TextTruncateEllipsis
			row.box = container.NewGridWithColumns(2, row.label, row.bar)
			v.rows[s] = row
			changed = true
		}
		w := latest[s]
		// The replacement before the count, which grows: a narrow line cuts the end.
		pid := fmt.Sprintf("PID %d", w.PID)
		if d := died[s]; len(d) > 0 {
			pid += fmt.Sprintf(", replaced %d", d[len(d)-1])
		}
		// "#1", not "Worker 1": under the card's "Worker processes" title the word only
		// took the room that an 800 px window needs for the count.
		text := fmt.Sprintf("#%d · %s · %s", s, pid, numfmt.Count(files[s], "file", "files"))
		setText(row.label, text)
		// The bar is the current file: big files stream their progress; a small one is
		// copied in one call, so it shows as whole.
		frac, text := 0.0, "waiting for files"
		if drained {
			text = "idle: nothing left to hand out" // the others finish the last files
		}
		switch {
		case w.Ended && w.State == "exited":
			// Its part done: a full bar, not an empty grey one that read as failed.
			frac, text = 1, "finished"
		case w.Ended:
			text = w.State
		case w.File == "" && w.Holds > 0:
			// Small files go by in batches faster than the status is sent.
			frac, text = 1, fmt.Sprintf("copying a batch of %s", numfmt.Count(w.Holds, "file", "files"))
		case w.File != "" && w.FileSize >= 8<<20:
			frac = float64(w.FileDone) / float64(w.FileSize)
			// The figure first: a long name is cut at the bar's end, and took it along.
			name := numfmt.Visible(filepath.Base(w.File))
			if w.Checking {
				name = "checking " + name
			}
			text = fmt.Sprintf("%.0f%% · %s", frac*100, name)
		case w.File != "":
			frac, text = 1, numfmt.Visible(filepath.Base(w.File))
		}
		row.bar.TextFormatter = func() string { return text }
		row.bar.SetValue(frac)
	}
	if changed {
		objs := make([]fyne.CanvasObject, 0, len(slots))
		for _, s := range slots {
			objs = append(objs, v.rows[s].box)
		}
		v.workerBox.Objects = objs
		v.workerBox.Refresh()
	}
}

func (v *backupView) finish(r *backup.Run) {
	v.mu.Lock()
	v.shown = true
	v.mu.Unlock()
	v.busy(false)
	v.cancelBtn.Disable()
	// A big run's plan, tables and manifest are garbage now: give the memory back to the
	// system at once, not over the minutes the runtime would take.
	go debug.FreeOSMemory()
	rep, err := r.Wait()
	if err != nil {
		// Refused before it wrote anything (another backup writing there), or stopped.
		if backup.IsInputError(err) {
			v.cannotBackUp(err)
		} else {
			v.say(widget.DangerImportance, "The backup stopped: "+err.Error())
		}
		v.summary.SetText(v.status.Text)
		return
	}
	if fi, err := os.Stat(rep.Destination); err == nil && fi.IsDir() {
		v.openBtn.Enable() // a dry run into a new folder made none
	}
	// The bars end on what the run did, as the summary says it: bytes and files copied
	// of those it had to copy.
	setBar := func(b *meter, done, of int64, text string) {
		b.TextFormatter = func() string { return text }
		switch {
		case of == 0 && rep.Failures() > 0:
			b.SetValue(0) // all that was to copy failed: "0 B of 0 B" is no full bar
		case of == 0:
			b.SetValue(1)
		default:
			b.SetValue(float64(done) / float64(of))
		}
	}
	var sb strings.Builder
	notCopied := rep.NotCopied()
	switch {
	case rep.DryRun:
		v.reportAlone(true)
		v.say(widget.MediumImportance, "Dry run done: nothing was written.")
		fmt.Fprintf(&sb, "Dry run: %s; nothing written.", rep.DryRunLine())
		if rep.NoRoom != "" {
			v.say(widget.MediumImportance, "Dry run done, nothing written: the backup would not fit there (see the report).")
			fmt.Fprintf(&sb, "\nIt would not fit: %s.", rep.NoRoom)
		}
		nCopy, nCheck, bCopy, bCheck := rep.Planned()
		bytesText, filesText := numfmt.Bytes(bCopy)+" would be copied", numfmt.Count(nCopy, "file", "files")+" would be copied"
		if nCheck > 0 {
			bytesText += ", " + numfmt.Bytes(bCheck) + " compared"
			filesText += ", " + numfmt.Thousands(nCheck) + " compared"
		}
		setBar(v.bytesBar, 0, 0, bytesText)
		setBar(v.filesBar, 0, 0, filesText)
		v.bytesBar.SetValue(0) // nothing was copied: empty bars, not full ones
		v.filesBar.SetValue(0)
	case rep.UpToDate():
		v.say(widget.SuccessImportance, fmt.Sprintf("Already up to date: nothing to copy (checked in %s).", numfmt.Seconds(rep.Seconds)))
		fmt.Fprintf(&sb, "Already up to date: all %s unchanged since the last backup.", numfmt.Count(rep.FilesSkipped, "file", "files"))
		setBar(v.bytesBar, 0, 0, "nothing to copy")
		setBar(v.filesBar, 0, 0, "nothing to copy")
		v.workersHint.SetText("No worker process was started: there was nothing to copy.")
	default:
		switch {
		case rep.Stopped != "" && rep.TooSmall():
			v.say(widget.WarningImportance, fmt.Sprintf("Stopped after %s: %s.", numfmt.Seconds(rep.Seconds), rep.Stopped))
		case rep.Stopped != "" && rep.StoppedForRoom():
			v.say(widget.WarningImportance, fmt.Sprintf("Stopped after %s: %s. Then back up again to resume.", numfmt.Seconds(rep.Seconds), rep.Stopped))
		case rep.Stopped != "":
			v.say(widget.MediumImportance, fmt.Sprintf("Stopped after %s: %s. Back up again to resume.", numfmt.Seconds(rep.Seconds), rep.Stopped))
		case rep.Failures() > 0 && rep.Failures() == rep.FilesFailed:
			v.say(widget.WarningImportance, fmt.Sprintf("Done in %s, but %s could not be backed up: see the report.", numfmt.Seconds(rep.Seconds),
				numfmt.Count(rep.FilesFailed, "file", "files")))
		case rep.Failures() > 0: // a folder among them
			v.say(widget.WarningImportance, fmt.Sprintf("Done in %s, but with %s: see the report.", numfmt.Seconds(rep.Seconds), rep.FailuresText()))
		default:
			v.say(widget.SuccessImportance, fmt.Sprintf("Done in %s: every file is in place.", numfmt.Seconds(rep.Seconds)))
		}
		fmt.Fprintf(&sb, "%s of %s · %s in %s", rep.Counts(), numfmt.Count(rep.FilesTotal, "file", "files"), numfmt.Bytes(rep.BytesCopied), numfmt.Seconds(rep.Seconds))
		if bps, ok := rep.AverageRate(); ok {
			fmt.Fprintf(&sb, " (%s/s on average)", numfmt.Bytes(int64(bps)))
		}
		sb.WriteString(".")
		toCopy := rep.FilesCopied + rep.FilesFailed + notCopied
		bytesDone := rep.BytesCopied
		if rep.Verify && rep.FilesCopied == toCopy {
			bytesDone = rep.Plan.BytesToCopy // every file checked, most of them not copied
		}
		bytesText := numfmt.Bytes(rep.BytesCopied) + " of " + numfmt.Bytes(rep.Plan.BytesToCopy) + " copied"
		if rep.Verify && notCopied == 0 {
			// Verify reads every file; only the new, changed and damaged ones are copied.
			bytesText = numfmt.Bytes(rep.Plan.BytesToCopy) + " checked by SHA-256, " + numfmt.Bytes(rep.BytesCopied) + " copied"
		} else if rep.Verify {
			// Stopped: not every file was checked.
			bytesText = numfmt.Bytes(rep.BytesCopied) + " of " + numfmt.Bytes(rep.Plan.BytesToCopy) + " copied and checked by SHA-256 before the stop"
		}
		setBar(v.bytesBar, bytesDone, rep.Plan.BytesToCopy, bytesText)
		filesText := numfmt.Thousands(rep.FilesCopied) + " of " + numfmt.Count(toCopy, "file", "files") + " copied"
		if rep.FilesFailed > 0 {
			filesText += ", " + numfmt.Thousands(rep.FilesFailed) + " failed" // the rest of "of N": said, not left to guess
		}
		setBar(v.filesBar, int64(rep.FilesCopied), int64(toCopy), filesText)
	}
	for _, n := range rep.Notes() {
		sb.WriteString("\n" + n)
	}
	if rep.Stopped != "" {
		fmt.Fprintf(&sb, "\nStopped early: %s.", rep.Stopped)
		if notCopied > 0 && rep.TooSmall() {
			fmt.Fprintf(&sb, " %s not started.", numfmt.Count(notCopied, "file was", "files were"))
		} else if notCopied > 0 && rep.StoppedForRoom() {
			fmt.Fprintf(&sb, " %s not copied: make room, then back up again to resume them.", numfmt.Count(notCopied, "file was", "files were"))
		} else if notCopied > 0 {
			// Not "started": a big file a cancel cut short was under way, and is dropped.
			fmt.Fprintf(&sb, " %s not copied: back up again to resume them.", numfmt.Count(notCopied, "file was", "files were"))
		}
		if rep.SearchCut {
			sb.WriteString(" The search for files stopped too: these counts are what it had found, and the next run finds the rest.")
		}
	}
	if rep.Manifest != "" {
		fmt.Fprintf(&sb, "\nManifest: %s", rep.Manifest)
	}
	// The list holds the files that went wrong; those a stopped run never reached are
	// the one line above, not thousands of rows.
	v.failed = nil
	for _, e := range rep.Errors {
		if e.Kind != backup.ErrNotCopied {
			v.failed = append(v.failed, e)
		}
	}
	switch {
	case rep.DryRun:
		// The plan is the point of a dry run: what cannot be backed up first, where it is
		// seen, then what would be copied, and why.
		if len(v.failed) > 0 {
			v.failedTitle.SetText(fmt.Sprintf("The %s that cannot be backed up, then what would be copied (click one for why):",
				numfmt.Count(len(v.failed), "file", "files")))
		} else if _, nCheck, _, _ := rep.Planned(); nCheck > 0 {
			v.failedTitle.SetText("What would be copied or compared by SHA-256 (click one for why):")
		} else {
			v.failedTitle.SetText("What would be copied (click one for why):")
		}
		for _, f := range rep.Files {
			if f.Status == "planned" {
				v.failed = append(v.failed, backup.FileError{Path: f.Path, Msg: f.Why})
			}
		}
	case len(v.failed) > 0:
		v.failedTitle.SetText("Files not in place (click one to read why in full):")
	}
	v.summary.SetText(sb.String())
	v.showFailed()
	if rep.Seconds >= notifyAfter.Seconds() {
		v.env.App.SendNotification(fyne.NewNotification("Backup finished", sb.String()))
	}
}

// demo backs up a generated source in slow motion, so the picture shows it part-way.
func (v *backupView) demo() time.Duration {
	src := filepath.Join(os.TempDir(), "proclab-shot", "demo-source")
	dst := filepath.Join(os.TempDir(), "proclab-shot", "demo-backup")
	os.RemoveAll(dst)
	src, err := generateDemoNear(src, backup.DemoOptions{Files: 1200, Bytes: 24 << 20, Seed: 7})
	if err != nil {
		v.say(widget.DangerImportance, "Cannot generate the demo source: "+err.Error())
		return 0
	}
	v.src.SetText(src)
	v.dst.SetText(dst)
	v.workers.SetValue(4)
	v.slow = 12 * time.Millisecond
	v.start()
	return 2 * time.Second
}
