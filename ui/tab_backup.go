package ui

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
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

// pickFolder asks the user for a folder. Tests replace it to hand over a temp folder.
var pickFolder = func(env *Env, title string, done func(path string)) {
	if env.Window == nil {
		return
	}
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err == nil && u != nil {
			done(u.Path())
		}
	}, env.Window)
	d.SetTitleText(title)
	d.Show()
}

// notifyAfter: a backup that took longer than this sends a desktop notification.
const notifyAfter = 10 * time.Second

const (
	prefSrc     = "backup.source"
	prefDst     = "backup.destination"
	prefWorkers = "backup.workers"
)

type workerRow struct {
	label *widget.Label
	bar   *widget.ProgressBar
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
	bytesBar, filesBar *widget.ProgressBar
	status             *widget.Label
	workerBox          *fyne.Container
	rows               map[int]*workerRow
	summary            *widget.Label
	failed             []backup.FileError
	failedList         *widget.List

	srcPick, dstPick *widget.Button

	// uiMu serialises widget updates. In the app they all run on the main goroutine
	// anyway; under Fyne's test driver fyne.Do runs inline on whichever goroutine calls it.
	uiMu sync.Mutex

	mu      sync.Mutex
	run     *backup.Run
	shown   bool // the current run's report is on screen
	slow    time.Duration
	lastDst string
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
	pick := func(e *widget.Entry, title, pref string) *widget.Button {
		return widget.NewButton("Choose…", func() {
			pickFolder(env, title, func(p string) {
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

	v.bytesBar = widget.NewProgressBar()
	v.filesBar = widget.NewProgressBar()
	// An empty bar is drawn in the accent colour: the words keep it from reading as full.
	v.bytesBar.TextFormatter = func() string { return "no backup yet" }
	v.filesBar.TextFormatter = func() string { return "no backup yet" }
	v.status = widget.NewLabel("Pick a source and a destination folder, then press Back up.")
	v.status.Wrapping = fyne.TextWrapWord
	workersHint := widget.NewLabel("Each worker process shows here while a backup runs: its PID, the files it has copied and the one it is copying.")
	workersHint.Wrapping = fyne.TextWrapWord
	v.workerBox = container.NewVBox(workersHint)
	v.summary = widget.NewLabel("The summary and any files that failed show here when a run ends.")
	v.summary.Wrapping = fyne.TextWrapWord
	v.failedList = widget.NewList(
		func() int { return len(v.failed) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(v.failed) {
				o.(*widget.Label).SetText(v.failed[i].Path + ": " + v.failed[i].Msg)
			}
		})

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
	workersCard := widget.NewCard("", "", container.NewBorder(boldLabel("Worker processes"), nil, nil, nil,
		container.NewVScroll(v.workerBox)))
	failedCard := widget.NewCard("", "", container.NewBorder(container.NewVBox(boldLabel("Report"), v.summary), nil, nil, nil,
		v.failedList))
	v.content = container.NewBorder(top, nil, nil, nil, container.NewGridWithColumns(2, workersCard, failedCard))

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
	src, dst := strings.TrimSpace(v.src.Text), strings.TrimSpace(v.dst.Text)
	prefs := v.env.App.Preferences()
	prefs.SetString(prefSrc, src)
	prefs.SetString(prefDst, dst)
	opt := backup.Options{Log: v.env.Log, Src: src, Dst: dst, Workers: int(v.workers.Value), Verify: v.verify.Checked,
		DryRun: v.dryRun.Checked, Sup: v.env.Sup, SlowMotion: v.slow}
	v.runBtn.Disable()
	v.summary.SetText("The summary and any files that failed show here when the run ends.")
	v.failed = nil
	v.failedList.Refresh()
	v.status.SetText("Checking the folders…")
	// Checking the folders touches the disk: off the main goroutine.
	go func() {
		r, err := backup.Start(context.Background(), opt)
		v.env.Do(func() {
			v.uiMu.Lock()
			defer v.uiMu.Unlock()
			if err != nil {
				v.runBtn.Enable()
				v.status.SetText("Cannot back up: " + err.Error())
				return
			}
			v.mu.Lock()
			v.run, v.shown, v.lastDst = r, false, r.Destination()
			v.mu.Unlock()
			v.cancelBtn.Enable()
			v.refreshLocked()
		})
	}()
}

func (v *backupView) cancel() {
	if r := v.current(); r != nil {
		r.Cancel()
		v.status.SetText("Cancelling: files being copied are finished, the rest resume next time.")
	}
}

func (v *backupView) openDestination() {
	if v.lastDst == "" {
		return
	}
	u := &url.URL{Scheme: "file", Path: filepath.ToSlash(v.lastDst)}
	if err := v.env.App.OpenURL(u); err != nil {
		v.status.SetText("Cannot open the destination: " + err.Error())
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

func (v *backupView) generateDemo() {
	v.demoBtn.Disable()
	v.status.SetText("Generating a demo source folder…")
	src := demoDir("demo-source")
	go func() {
		err := backup.GenerateDemo(src, backup.DemoOptions{Files: 1500, Bytes: 96 << 20})
		v.env.Do(func() {
			v.uiMu.Lock()
			defer v.uiMu.Unlock()
			v.demoBtn.Enable()
			if err != nil {
				v.status.SetText("Cannot generate the demo source: " + err.Error())
				return
			}
			v.src.SetText(src)
			if strings.TrimSpace(v.dst.Text) == "" {
				v.dst.SetText(demoDir("demo-backup"))
			}
			v.status.SetText("Demo source ready: 1500 files, 96 MiB. Press Back up.")
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
	} else if p.Phase == backup.PhaseDone {
		v.bytesBar.SetValue(1)
	}
	if p.FilesToDo > 0 {
		v.filesBar.SetValue(float64(p.FilesDone) / float64(p.FilesToDo))
	} else if p.Phase == backup.PhaseDone {
		v.filesBar.SetValue(1)
	}
	v.bytesBar.TextFormatter = func() string { return numfmt.Bytes(p.BytesDone) + " of " + numfmt.Bytes(p.BytesToDo) }
	v.filesBar.TextFormatter = func() string { return fmt.Sprintf("%d of %d files", p.FilesDone, p.FilesToDo) }
	v.bytesBar.Refresh()
	v.filesBar.Refresh()
	st := fmt.Sprintf("%s · %s/s", p.Phase, numfmt.Bytes(int64(p.Throughput)))
	if p.ETA > 0 {
		st += " · ETA " + p.ETA.Round(time.Second).String()
	}
	st += fmt.Sprintf(" · %s elapsed · %d copied, %d skipped, %d failed", p.Elapsed.Round(100*time.Millisecond),
		p.FilesCopied, p.FilesSkipped, p.FilesFailed)
	v.status.SetText(st)
	v.showWorkers(p.Workers)
	if p.Phase == backup.PhaseDone {
		select {
		case <-r.Done():
			v.finish(r)
		default:
		}
	}
}

func (v *backupView) showWorkers(ws []backup.WorkerProgress) {
	// The latest process in each slot: a replacement takes its predecessor's place.
	latest := map[int]backup.WorkerProgress{}
	for _, w := range ws {
		latest[w.Worker] = w
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
			row = &workerRow{label: widget.NewLabel(""), bar: widget.NewProgressBar()}
			row.label.Truncation = fyne.TextTruncateEllipsis
			row.box = container.NewGridWithColumns(2, row.label, row.bar)
			v.rows[s] = row
			changed = true
		}
		w := latest[s]
		row.label.SetText(fmt.Sprintf("Worker %d · PID %d · %d files", s, w.PID, w.Files))
		// The bar is the current file: big files stream their progress; a small one is
		// copied in one call, so it shows as whole.
		frac, text := 0.0, "waiting"
		switch {
		case w.Ended:
			text = w.State
		case w.File != "" && w.FileSize >= 8<<20:
			frac = float64(w.FileDone) / float64(w.FileSize)
			text = fmt.Sprintf("%s · %.0f%%", filepath.Base(w.File), frac*100)
		case w.File != "":
			frac, text = 1, filepath.Base(w.File)
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
	v.runBtn.Enable()
	v.cancelBtn.Disable()
	rep, err := r.Wait()
	if err != nil {
		v.summary.SetText("The backup stopped: " + err.Error())
		return
	}
	v.openBtn.Enable()
	var sb strings.Builder
	if rep.DryRun {
		fmt.Fprintf(&sb, "Dry run: %d of %d files would be copied (%s); %d unchanged; nothing written.",
			rep.FilesPlanned, rep.FilesTotal, numfmt.Bytes(rep.Plan.BytesToCopy), rep.FilesSkipped)
	} else {
		fmt.Fprintf(&sb, "%s of %d files · %s in %.1f s (%s/s).", rep.Counts(), rep.FilesTotal,
			numfmt.Bytes(rep.BytesCopied), rep.Seconds, numfmt.Bytes(int64(rep.Throughput)))
	}
	for _, n := range rep.Notes() {
		sb.WriteString("\n" + n)
	}
	if rep.Stopped != "" {
		fmt.Fprintf(&sb, "\nStopped early: %s. Back up again to resume.", rep.Stopped)
	}
	if rep.Manifest != "" {
		fmt.Fprintf(&sb, "\nManifest: %s", rep.Manifest)
	}
	if len(rep.Errors) > 0 {
		fmt.Fprintf(&sb, "\nFiles not in place:")
	}
	v.failed = rep.Errors
	if rep.DryRun {
		// The plan is the point of a dry run: list what would be copied, and why.
		fmt.Fprintf(&sb, "\nWould copy:")
		v.failed = nil
		for _, f := range rep.Files {
			if f.Status == "planned" {
				v.failed = append(v.failed, backup.FileError{Path: f.Path, Msg: f.Why})
			}
		}
		v.failed = append(v.failed, rep.Errors...)
	}
	v.summary.SetText(sb.String())
	v.failedList.Refresh()
	if rep.Seconds >= notifyAfter.Seconds() {
		v.env.App.SendNotification(fyne.NewNotification("Backup finished", sb.String()))
	}
}

// demo backs up a generated source in slow motion, so the picture shows it part-way.
func (v *backupView) demo() time.Duration {
	src := filepath.Join(os.TempDir(), "proclab-shot", "demo-source")
	dst := filepath.Join(os.TempDir(), "proclab-shot", "demo-backup")
	os.RemoveAll(dst)
	if err := backup.GenerateDemo(src, backup.DemoOptions{Files: 1200, Bytes: 24 << 20, Seed: 7}); err != nil {
		v.status.SetText("Cannot generate the demo source: " + err.Error())
		return 0
	}
	v.src.SetText(src)
	v.dst.SetText(dst)
	v.workers.SetValue(4)
	v.slow = 12 * time.Millisecond
	v.start()
	return 2 * time.Second
}
