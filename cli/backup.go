package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"dev.proclab/backup"
	"dev.proclab/core"
	"dev.proclab/internal/numfmt"
	"dev.proclab/internal/sysmem"
)

// traceBackup prints every engine event with its time (PROCLAB_TRACE=1), to see where a
// run spends it.
var traceBackup = os.Getenv("PROCLAB_TRACE") != ""

const backupUsage = "backup [--workers N] [--verify] [--dry-run] [--fsync] [--json] SRC DST"

func init() {
	registerHeadless("backup", backupUsage, "back up folder SRC into DST with a pool of worker processes", runBackup)
}

func runBackup(env *Env, args []string) int {
	fs := NewFlags(env, backupUsage, "Copy what is new or changed in SRC into DST with worker processes; unchanged files\n"+
		"are skipped, so running again resumes a stopped backup. Exit 0: every file in place;\n"+
		"1: some files failed, or a dry run found the backup would not fit; 2: bad input\n"+
		"(nothing written).")
	workers := fs.Int("workers", backup.DefaultWorkers(), fmt.Sprintf("worker processes, 1 to %d", backup.MaxWorkers))
	verify := fs.Bool("verify", false, "compare SHA-256 of every source file and its copy")
	dry := fs.Bool("dry-run", false, "show what would be copied; write nothing")
	fsync := fs.Bool("fsync", false, "fsync each file as it is written (the run is flushed once at the end anyway)")
	asJSON := fs.Bool("json", false, "print one summary object on stdout")
	pos, code, done := Parse(fs, args)
	if done {
		return code
	}
	if len(pos) > 2 {
		return UsageError(env, fs, "backup takes one source and one destination folder, not %d (quote a path with spaces)", len(pos))
	}
	if len(pos) != 2 {
		return UsageError(env, fs, "backup needs a source and a destination folder, e.g. 'proclab backup ~/Documents /media/usb/Documents'")
	}
	if *workers < 1 || *workers > backup.MaxWorkers {
		return UsageError(env, fs, "--workers %d is out of range; use 1 to %d", *workers, backup.MaxWorkers)
	}
	// This process only plans and collects results, and its heap is mostly the plan and
	// the report, which live to the end: collecting it as it grew cost 15% of a Go-src
	// run's CPU (26 MB allocated; the collector's scans, and faults on pages it had given
	// back), on the CPUs the workers copy with. It collects only near a quarter of the
	// machine's memory, which a plan of a few million files takes.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcLimit(sysmem.Total()))
	sup, err := core.New(core.Options{Logger: env.logger()})
	if err != nil {
		fmt.Fprintf(env.Stderr, "proclab: %v\n", err)
		return ExitFail
	}
	defer StopAll(sup)
	// A signal cancels the run with a reason the report can print ("interrupt signal
	// received" said nothing about what became of the backup).
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if s, ok := <-sigs; ok {
			why := "cancelled with Ctrl+C"
			if s == syscall.SIGTERM {
				why = "cancelled: the process was asked to stop (SIGTERM)"
			}
			cancel(errors.New(why))
		}
	}()

	// A run that cannot start or finish says why on stderr, and with --json also as an
	// object on stdout, so a script reading stdout gets an answer either way.
	fail := func(prefix string, err error) int {
		code := ExitFail
		if backup.IsInputError(err) {
			code = ExitUsage
		}
		fmt.Fprintf(env.Stderr, "proclab: %s%v\n", prefix, err)
		if *asJSON {
			printJSONError(env.Stdout, err.Error(), code)
		}
		return code
	}
	bar := newProgressBar(env.Stderr)
	run, err := backup.Start(ctx, backup.Options{Src: pos[0], Dst: pos[1], Workers: *workers, Verify: *verify,
		DryRun: *dry, Fsync: *fsync, Sup: sup, OnEvent: bar.event, Log: env.logger()})
	if err != nil {
		return fail("", err)
	}
	bar.follow(run)
	rep, err := run.Wait()
	bar.stop()
	if err != nil {
		return fail("backup: ", err)
	}
	if *asJSON {
		b, _ := json.Marshal(rep.Summary())
		fmt.Fprintln(env.Stdout, string(b))
	} else {
		printBackupReport(env.Stdout, rep)
	}
	// Errors seen while running were printed then; files the run never reached are one
	// line, not one each.
	for _, e := range rep.Errors {
		if e.Kind != backup.ErrNotCopied && !bar.wasPrinted(e.Path) && !rep.DryRun { // a dry run lists them first
			fmt.Fprintf(env.Stderr, "failed: %s: %s\n", numfmt.Visible(e.Path), e.Msg)
		}
	}
	if rep.Stopped != "" {
		left := ""
		if n := rep.NotCopied(); n > 0 {
			left = "; " + numfmt.Count(n, "file", "files") + " not copied"
		}
		if rep.SearchCut {
			left += " (at least: the search for files stopped too)"
		}
		again := " Run it again to resume."
		if rep.TooSmall() {
			again = "" // the reason already says: back up to a bigger disk
		} else if rep.StoppedForRoom() {
			again = " Run it again once there is room, to resume."
		}
		fmt.Fprintf(env.Stderr, "proclab: the backup stopped early: %s%s.%s\n", rep.Stopped, left, again)
	}
	for _, m := range []string{rep.FlushError, rep.ManifestError} {
		if m != "" {
			fmt.Fprintf(env.Stderr, "proclab: %s\n", m)
		}
	}
	if !rep.OK() {
		return ExitFail
	}
	return ExitOK
}

func printBackupReport(w io.Writer, r *backup.Report) {
	if r.DryRun {
		fmt.Fprintf(w, "Dry run of %s → %s: nothing written.\n", r.Source, r.Destination)
		// What cannot be backed up first: it is what to act on before the real run.
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  cannot back up %s: %s\n", numfmt.Visible(e.Path), e.Msg)
		}
		for i, f := range r.Files {
			if f.Status != "planned" {
				continue
			}
			path, size := numfmt.Visible(f.Path), numfmt.Bytes(f.Size)
			if f.Kind != backup.KindFile.String() {
				size = f.Kind // a link's size is its target's length; a fifo or socket has none
			}
			if r.Plan != nil && r.Plan.Files[i].Op == backup.OpVerify {
				// Verify: unchanged, read and copied only if its bytes differ.
				fmt.Fprintf(w, "  would compare %s (%s, by SHA-256)\n", path, size)
				continue
			}
			fmt.Fprintf(w, "  would copy %s (%s, %s)\n", path, size, f.Why)
		}
		fmt.Fprintf(w, "%s.\n", r.DryRunLine())
		if r.NoRoom != "" {
			fmt.Fprintf(w, "It would not fit: %s.\n", r.NoRoom)
		}
		for _, n := range r.Notes() {
			fmt.Fprintln(w, n)
		}
		return
	}
	rate := ""
	if r.BytesCopied > 0 {
		rate = "; " + numfmt.Bytes(r.BytesCopied)
		if bps, ok := r.AverageRate(); ok {
			rate += fmt.Sprintf(" at %s/s", numfmt.Bytes(int64(bps)))
		}
	}
	switch {
	case r.UpToDate():
		fmt.Fprintf(w, "Already up to date: %s → %s, %s unchanged (checked in %s).\n", r.Source, r.Destination,
			numfmt.Count(r.FilesSkipped, "file", "files"), numfmt.Seconds(r.Seconds))
	case r.Stopped != "":
		// Not "backed up": the stop line on stderr says why and what to do.
		fmt.Fprintf(w, "Backup %s → %s stopped after %s: %s of %s%s.\n", r.Source, r.Destination, numfmt.Seconds(r.Seconds),
			r.Counts(), numfmt.Count(r.FilesTotal, "file", "files"), rate)
	case r.Failures() > 0:
		// Not "backed up" either: the failures were printed above, each with what to do
		// (a folder's too, which "failed" among the files does not count).
		fmt.Fprintf(w, "Backup %s → %s finished in %s with %s: %s of %s%s.\n", r.Source, r.Destination, numfmt.Seconds(r.Seconds),
			r.FailuresText(), r.Counts(), numfmt.Count(r.FilesTotal, "file", "files"), rate)
	default:
		fmt.Fprintf(w, "Backed up %s → %s in %s: %s of %s%s.\n", r.Source, r.Destination, numfmt.Seconds(r.Seconds), r.Counts(),
			numfmt.Count(r.FilesTotal, "file", "files"), rate)
	}
	for _, n := range r.Notes() {
		fmt.Fprintln(w, n)
	}
	if r.Manifest != "" {
		fmt.Fprintf(w, "Manifest: %s\n", r.Manifest)
	}
}

// progressBar renders the engine's progress on one terminal line, and its events as
// lines above it; off a terminal it prints only the events that matter.
type progressBar struct {
	w       io.Writer
	tty     bool
	mu      sync.Mutex
	done    chan struct{}
	wg      sync.WaitGroup
	line    bool
	printed map[string]bool // files whose failure was printed while running
}

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w, done: make(chan struct{}), printed: map[string]bool{}}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			b.tty = true
		}
	}
	return b
}

func (b *progressBar) event(e backup.Event) {
	if traceBackup {
		fmt.Fprintf(b.w, "%s %d %s\n", e.Time.Format("15:04:05.000"), e.Kind, e.Msg)
	}
	if e.Kind != backup.EvWorkerDied && e.Kind != backup.EvFileFailed {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.line {
		fmt.Fprint(b.w, "\r\033[K")
		b.line = false
	}
	if e.Kind == backup.EvFileFailed {
		b.printed[e.Path] = true
		fmt.Fprintln(b.w, "failed: "+e.Msg)
		return
	}
	fmt.Fprintln(b.w, e.Msg)
}

func (b *progressBar) wasPrinted(path string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.printed[path]
}

func (b *progressBar) follow(r *backup.Run) {
	if !b.tty {
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-b.done:
				return
			case <-t.C:
				b.draw(r.Progress())
			}
		}
	}()
}

func (b *progressBar) draw(p backup.Progress) {
	const width = 30
	frac := 0.0
	if p.BytesToDo > 0 {
		frac = float64(p.BytesDone) / float64(p.BytesToDo)
	} else if p.FilesToDo > 0 {
		frac = float64(p.FilesDone) / float64(p.FilesToDo)
	}
	fill := int(frac * width)
	var sb strings.Builder
	fmt.Fprintf(&sb, "\r\033[K%-9s [%s%s] %3.0f%% %d/%d files %s/%s %s/s",
		p.Phase, strings.Repeat("#", fill), strings.Repeat(".", width-fill), frac*100,
		p.FilesDone, p.FilesToDo, numfmt.Bytes(p.BytesDone), numfmt.Bytes(p.BytesToDo), numfmt.Bytes(int64(p.Throughput)))
	if p.ETA > 0 {
		fmt.Fprintf(&sb, " ETA %s", p.ETA.Round(time.Second))
	}
	live := 0
	for _, w := range p.Workers {
		if !w.Ended {
			live++
		}
	}
	fmt.Fprintf(&sb, " · %d workers", live)
	b.mu.Lock()
	fmt.Fprint(b.w, sb.String())
	b.line = true
	b.mu.Unlock()
}

func (b *progressBar) stop() {
	close(b.done)
	b.wg.Wait()
	b.mu.Lock()
	if b.line {
		fmt.Fprint(b.w, "\r\033[K")
		b.line = false
	}
	b.mu.Unlock()
}

// gcLimit is the heap at which a backup's process collects: a quarter of the machine's
// memory total, at least 256 MiB; 1 GiB where the total is not known.
func gcLimit(total uint64) int64 {
	if total == 0 {
		return 1 << 30
	}
	return int64(max(total/4, 256<<20))
}
