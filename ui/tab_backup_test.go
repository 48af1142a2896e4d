package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dev.proclab/backup"
)

// look runs fn as the tab's own updates do: never beside a refresh, nor beside another
// view's update (an earlier test's folder check may still land: Fyne's caches are global).
func (v *backupView) look(fn func()) {
	uiSerial.Lock()
	defer uiSerial.Unlock()
	v.uiMu.Lock()
	defer v.uiMu.Unlock()
	fn()
}

func TestBackupTabPicksFoldersRunsAndShowsTheReport(t *testing.T) {
	env := newTestEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	if err := backup.GenerateDemo(src, backup.DemoOptions{Files: 300, Bytes: 12 << 20}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	// The folder dialog is replaced: the form gets the folders as a user's pick would.
	orig := pickFolder
	t.Cleanup(func() { pickFolder = orig })
	next := src
	pickFolder = func(_ *Env, _, _ string, done func(string)) { done(next) }

	v := newBackupView(env)
	env.Window.SetContent(v.content)
	test.Tap(v.srcPick)
	v.look(func() {
		if !strings.Contains(v.status.Text, "Destination") {
			t.Errorf("with a source picked the status says %q; want what is still missing", v.status.Text)
		}
	})
	next = dst
	test.Tap(v.dstPick)
	v.look(func() {
		if v.src.Text != src || v.dst.Text != dst {
			t.Fatalf("form shows %q → %q after picking %q → %q", v.src.Text, v.dst.Text, src, dst)
		}
		if !strings.HasPrefix(v.status.Text, "Press Back up") {
			t.Errorf("with both folders picked the status says %q", v.status.Text)
		}
	})
	if got := env.App.Preferences().String(prefSrc); got != src {
		t.Fatalf("source preference %q, want %q", got, src)
	}
	v.workers.SetValue(2)
	test.Tap(v.runBtn)
	v.look(func() {
		// Locked while it runs (unless it is already over), so the form shows what ran.
		if !v.dst.Disabled() && !strings.Contains(v.summary.Text, "copied") {
			t.Errorf("the destination field takes edits during the run")
		}
	})

	var summary string
	eventually(t, "the backup's summary", func() (ok bool) {
		v.look(func() { summary = v.summary.Text })
		return strings.Contains(summary, "copied")
	})
	v.look(func() {
		if !strings.Contains(summary, "failed of ") || !strings.Contains(summary, " 0 failed") {
			t.Fatalf("summary %q", summary)
		}
		if v.bytesBar.Value != 1 || v.filesBar.Value != 1 {
			t.Fatalf("bars at %v (bytes) and %v (files) after the run, want both full", v.bytesBar.Value, v.filesBar.Value)
		}
		if len(v.rows) == 0 || len(v.rows) > 2 {
			t.Fatalf("%d worker rows, want 1 or 2", len(v.rows))
		}
		for _, r := range v.rows {
			if !strings.Contains(r.label.Text, "PID ") {
				t.Fatalf("worker row %q shows no PID", r.label.Text)
			}
		}
		if v.openBtn.Disabled() || !v.cancelBtn.Disabled() || v.runBtn.Disabled() {
			t.Fatal("after the run: Open destination should be on, Cancel off, Back up on")
		}
		if v.dst.Disabled() || v.src.Disabled() || v.dryRun.Disabled() || v.workers.Disabled() {
			t.Fatal("after the run the form is still locked")
		}
	})
	if _, err := os.Stat(filepath.Join(dst, backup.MetaDir, "manifest.json")); err != nil {
		t.Fatalf("no manifest in the destination: %v", err)
	}

	// A second run copies nothing and starts no worker.
	before := len(env.Sup.List())
	test.Tap(v.runBtn)
	eventually(t, "the second run's summary", func() (ok bool) {
		v.look(func() { ok = strings.HasPrefix(v.summary.Text, "Already up to date: all ") })
		return ok
	})
	if after := len(env.Sup.List()); after != before {
		t.Fatalf("a run with nothing to copy started %d worker(s)", after-before)
	}
	v.look(func() {
		// Nothing of the first run is left on screen: no worker rows, bars that say so.
		if len(v.rows) != 0 || len(v.workerBox.Objects) != 1 {
			t.Errorf("the first run's %d worker rows are still shown", len(v.rows))
		}
		if !strings.Contains(v.status.Text, "Already up to date") || v.bytesBar.TextFormatter() != "nothing to copy" {
			t.Errorf("status %q, bytes bar %q", v.status.Text, v.bytesBar.TextFormatter())
		}
	})

	// A dry run lists what it would copy and writes nothing.
	if err := os.WriteFile(filepath.Join(src, "new file.txt"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	v.look(func() { v.dryRun.SetChecked(true) })
	test.Tap(v.runBtn)
	eventually(t, "the dry run's plan", func() (ok bool) {
		v.look(func() { ok = strings.HasPrefix(v.summary.Text, "Dry run: 1 of") && len(v.failed) == 1 })
		return ok
	})
	if _, err := os.Stat(filepath.Join(dst, "new file.txt")); err == nil {
		t.Fatal("the dry run copied the file")
	}
	v.look(func() {
		// No worker ran: the report takes the whole width; the line under its list
		// waits for a click.
		if v.workersCard.Visible() || v.failedDetail.Visible() {
			t.Errorf("after a dry run: workers' card shown %v, empty detail line shown %v", v.workersCard.Visible(), v.failedDetail.Visible())
		}
		v.failedList.Select(0)
		if !v.failedDetail.Visible() || !strings.Contains(v.failedDetail.Text, "new file.txt") {
			t.Errorf("a click on the listed file shows %q (shown %v)", v.failedDetail.Text, v.failedDetail.Visible())
		}
	})

	// Another destination: the last run's report is not about it.
	v.look(func() {
		v.dst.SetText(dst + "-other")
		if len(v.failed) != 0 || v.failedBox.Visible() || v.bytesBar.TextFormatter() != "no backup yet" || !v.openBtn.Disabled() || !v.workersCard.Visible() {
			t.Errorf("after a new destination: %d listed, bars %q, Open enabled %v", len(v.failed), v.bytesBar.TextFormatter(), !v.openBtn.Disabled())
		}
	})

	// The app started again with the remembered folders: it says what the destination
	// holds, and it can be opened before any run.
	v2 := newBackupView(env)
	eventually(t, "the remembered destination's last backup", func() (ok bool) {
		v2.look(func() { ok = strings.HasPrefix(v2.status.Text, "Last backed up today at ") })
		return ok
	})
	v2.look(func() {
		if v2.dst.Text != dst || v2.openBtn.Disabled() || !strings.Contains(v2.status.Text, "every file in place") {
			t.Errorf("restarted on %q: status %q, Open enabled %v", v2.dst.Text, v2.status.Text, !v2.openBtn.Disabled())
		}
		v2.src.SetText(filepath.Dir(src))
	})
	eventually(t, "the other folder's backup named", func() (ok bool) {
		v2.look(func() { ok = strings.Contains(v2.status.Text, "holds a backup of another folder, "+src) })
		return ok
	})
}

func TestBackupTabShowsBadInputWithoutStarting(t *testing.T) {
	env := newTestEnv(t)
	v := newBackupView(env)
	v.src.SetText(filepath.Join(t.TempDir(), "missing"))
	v.dst.SetText(filepath.Join(t.TempDir(), "dst"))
	// Enter in a folder field is Back up.
	v.look(func() { v.dst.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
	eventually(t, "the bad-input message", func() (ok bool) {
		v.look(func() { ok = strings.Contains(v.status.Text, "does not exist") })
		return ok
	})
	if len(env.Sup.List()) != 0 {
		t.Fatal("bad input started workers")
	}

	// The source as destination holds files and no backup, but it is refused, never
	// offered as "back up into it".
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "mine.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	v.look(func() {
		v.src.SetText(src)
		v.dst.SetText(src)
	})
	test.Tap(v.runBtn)
	eventually(t, "the same-folder message", func() (ok bool) {
		v.look(func() {
			ok = strings.Contains(v.status.Text, "Cannot back up") && strings.Contains(v.status.Text, "source")
		})
		return ok
	})
	if o := env.Window.Canvas().Overlays().Top(); o != nil {
		t.Fatal("a dialog opened for the source as destination")
	}
	v.look(func() {
		if v.status.Importance != widget.DangerImportance {
			t.Errorf("the refusal is shown with importance %v, like any other line", v.status.Importance)
		}
		if v.dstErr == nil {
			t.Error("the refused destination has no error mark")
		}
	})
}

// A destination another backup is writing to (a script's, say) is refused when Back up
// is pressed, naming that backup, and nothing is written.
func TestBackupTabSaysWhenAnotherBackupIsWritingThere(t *testing.T) {
	env := newTestEnv(t)
	v := newBackupView(env)
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "dst")
	for i := range 60 {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d.txt", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	other, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: dst, Workers: 1, Sup: env.Sup,
		SlowMotion: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Wait()
	defer other.Cancel()
	for other.Progress().FilesDone < 1 {
		time.Sleep(time.Millisecond)
	}
	v.look(func() {
		v.src.SetText(src)
		v.dst.SetText(dst)
	})
	test.Tap(v.runBtn)
	eventually(t, "the in-use message", func() (ok bool) {
		v.look(func() {
			ok = strings.Contains(v.status.Text, "Cannot back up: another backup is writing to "+dst)
		})
		return ok
	})
}

// A folder that cannot be backed up is named as it is typed, before Back up is pressed,
// and the field to mend gets the error mark; mending it clears both.
func TestBackupTabSaysWhatIsWrongWithTypedFoldersBeforeBackUp(t *testing.T) {
	env := newTestEnv(t)
	v := newBackupView(env)
	env.Window.SetContent(v.content)
	statusSays := func(what, want string) {
		t.Helper()
		eventually(t, what, func() (ok bool) {
			v.look(func() { ok = strings.Contains(v.status.Text, want) })
			return ok
		})
	}
	src := t.TempDir()
	v.look(func() { v.src.SetText(filepath.Join(src, "missing")) })
	statusSays("the missing source named with no destination yet", "does not exist")
	v.look(func() {
		if v.srcErr == nil || v.dstErr != nil {
			t.Errorf("error marks: source %v, destination %v; want the source's only", v.srcErr, v.dstErr)
		}
	})
	v.look(func() {
		v.src.SetText(src)
		v.dst.SetText(filepath.Join(src, "backup"))
	})
	statusSays("the destination inside the source", "inside the source")
	v.look(func() {
		if v.srcErr != nil || v.dstErr == nil {
			t.Errorf("error marks: source %v, destination %v; want the destination's only", v.srcErr, v.dstErr)
		}
	})
	v.look(func() { v.dst.SetText(filepath.Join(t.TempDir(), "backup")) })
	statusSays("the mended form", "Press Back up")
	eventually(t, "the destination's error mark cleared", func() (ok bool) {
		v.look(func() { ok = v.dstErr == nil })
		return ok
	})
	if len(env.Sup.List()) != 0 {
		t.Fatal("checking typed folders started workers")
	}
}

// A typed "~" is the home folder and a relative path is refused (the app's working
// folder is not the user's choice); a destination that holds other files and no backup
// asks first, and Cancel writes nothing.
func TestBackupTabResolvesTypedPathsAndAsksBeforeAForeignFolder(t *testing.T) {
	env := newTestEnv(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	src := filepath.Join(home, "src")
	if err := backup.GenerateDemo(src, backup.DemoOptions{Files: 20, Bytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	v := newBackupView(env)
	env.Window.SetContent(v.content)
	v.look(func() {
		v.src.SetText("src")
		v.dst.SetText("~/out")
		test.Tap(v.runBtn)
		if !strings.Contains(v.status.Text, "not a full path") || v.runBtn.Disabled() || v.filesBar.TextFormatter() != "not started" {
			t.Errorf("a relative source: status %q, bar %q", v.status.Text, v.filesBar.TextFormatter())
		}
	})
	foreign := filepath.Join(home, "photos")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, "mine.jpg"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	v.look(func() {
		v.src.SetText("~/src")
		v.dst.SetText("~/photos")
		test.Tap(v.runBtn)
		if v.src.Text != src || v.dst.Text != foreign {
			t.Errorf("the form shows %q → %q, want %q → %q", v.src.Text, v.dst.Text, src, foreign)
		}
	})
	eventually(t, "the question about a folder that is not a backup", func() (shown bool) {
		v.look(func() { shown = env.Window.Canvas().Overlays().Top() != nil })
		return shown
	})
	// As the main goroutine taps: without uiMu.
	answer(t, env.Window, "no question", "is not a ProcLab backup", "Cancel")
	v.look(func() {
		if v.runBtn.Disabled() || !strings.Contains(v.status.Text, "Not started") {
			t.Errorf("after Cancel: status %q", v.status.Text)
		}
	})
	if ents, _ := os.ReadDir(foreign); len(ents) != 1 {
		t.Fatalf("Cancel still wrote into the folder: %d entries", len(ents))
	}
}
