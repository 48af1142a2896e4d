package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dev.proclab/core"
	"dev.proclab/internal/numfmt"
	"github.com/google/uuid"
)

// stopDiskFull is why a run stopped when the destination ran out of space; stopNoRoom,
// when the plan showed it would, before it did.
const (
	stopDiskFull = "the destination disk is full"
	stopNoRoom   = "the destination has too little free space for this backup"
	stopTooSmall = "the destination disk is too small for this backup"
)

// MaxWorkers caps the pool.
const MaxWorkers = 32

// DefaultWorkers is one worker process per CPU, within 1..MaxWorkers.
func DefaultWorkers() int { return max(1, min(runtime.NumCPU(), MaxWorkers)) }

// Options say what to back up and how.
type Options struct {
	Src, Dst string
	Workers  int  // 0: DefaultWorkers
	Verify   bool // compare SHA-256 of source and copy (and of unchanged files)
	DryRun   bool // plan only: write nothing
	Fsync    bool // fsync each file as it is written (the run is flushed once at the end anyway)
	Sup      *core.Supervisor
	// OnEvent, when set, receives notable events (a worker started or died, a file
	// failed). It runs on the engine's goroutines: it must not block.
	OnEvent func(Event)

	// Log receives the run's milestones (start, end, worker deaths) with its run_id; a
	// *slog.Logger will do. Nil logs nothing.
	Log core.Logger

	// SlowMotion pauses each worker before every file: a demo can be watched and a test
	// can kill a worker mid-run. Zero for real backups.
	SlowMotion time.Duration
}

// Phase is where a run is.
type Phase string

const (
	PhasePlanning  Phase = "planning"
	PhaseCopying   Phase = "copying"
	PhaseFinishing Phase = "finishing" // folder modes and times
	PhaseFlushing  Phase = "flushing"  // syncing to disk, writing the manifest
	PhaseDone      Phase = "done"
)

// EventKind says what an Event reports.
type EventKind int

const (
	EvPhase EventKind = iota
	EvWorkerStarted
	EvWorkerEnded
	EvWorkerDied
	EvFileFailed
	EvPlanned // the walk is complete; Msg says what it found
)

// Event is something the user may want to read as a line of text.
type Event struct {
	Kind   EventKind
	Time   time.Time
	Phase  Phase
	Worker int // slot, 1..N
	PID    int
	Path   string
	Msg    string // a sentence
}

// WorkerProgress is one worker process as the progress view shows it.
type WorkerProgress struct {
	Worker   int // slot 1..N; a replacement takes its predecessor's slot
	PID      int
	Label    string
	State    string
	Ended    bool
	File     string // what it is copying now
	FileDone int64  // bytes of File copied so far (big files only)
	FileSize int64
	FileRate float64 // bytes a second of File since the worker began it; 0 until known
	Checking bool    // File is being compared with its copy (Verify), not copied
	Files    int     // files it has finished
	Holds    int     // files it was sent and has not finished: its batches in hand
}

// Progress is a snapshot of a run, cheap enough to take a few times a second.
type Progress struct {
	RunID        string
	Phase        Phase
	FilesToDo    int // files to copy (or verify)
	FilesDone    int
	FilesCopied  int
	FilesSkipped int
	FilesFailed  int
	BytesToDo    int64
	BytesDone    int64
	Elapsed      time.Duration
	Throughput   float64       // bytes a second, over the last few seconds
	ETA          time.Duration // -1 when unknown, as while the walk is still finding files
	Counting     bool          // the walk is still finding files: FilesToDo and BytesToDo grow
	Queued       int           // files waiting for a worker to take them
	Workers      []WorkerProgress
}

// Run is one backup under way.
type Run struct {
	opt      Options
	id       string
	tag      string
	src, dst string
	ctx      context.Context
	cancel   context.CancelCauseFunc
	done     chan struct{}
	start    time.Time
	end      time.Time // set before done is closed

	phase     atomic.Value // Phase
	toDo      atomic.Int64
	bytesToDo atomic.Int64
	counted   atomic.Bool // the walk has found every file: the totals are final
	filesDone atomic.Int64
	bytesDone atomic.Int64
	copied    atomic.Int64
	skipped   atomic.Int64
	failed    atomic.Int64
	poolPtr   atomic.Pointer[pool]
	// Entries whose mode or owner the destination could not hold (fixed or finished
	// here; the workers report their files' own).
	modesLost, ownersLost atomic.Int64
	rateMu                sync.Mutex
	rateSample            []sample

	mu     sync.Mutex
	deaths []WorkerDeath
	report *Report
	err    error
}

type sample struct {
	t     time.Time
	b     int64
	files int64
}

// Start checks the input (a bad one is an *InputError and nothing is written) and starts
// the run in the background. Cancel ctx, or call Cancel, to stop it: files being copied
// are finished, the rest are listed as not copied, and running again resumes.
func Start(ctx context.Context, o Options) (*Run, error) {
	if o.Workers == 0 {
		o.Workers = DefaultWorkers()
	}
	if o.Workers < 1 || o.Workers > MaxWorkers {
		return nil, inputErr("%d workers is out of range; use 1 to %d", o.Workers, MaxWorkers)
	}
	if o.Sup == nil && !o.DryRun {
		return nil, errors.New("backup: no supervisor to start workers with")
	}
	src, dst, err := CheckInput(o.Src, o.Dst)
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	r := &Run{opt: o, id: id, tag: id[:8], src: src, dst: dst, done: make(chan struct{}), start: time.Now()}
	r.ctx, r.cancel = context.WithCancelCause(ctx)
	r.phase.Store(PhasePlanning)
	r.log().Info("backup started", "run_id", id, "source", src, "destination", dst, "workers", o.Workers,
		"verify", o.Verify, "dry_run", o.DryRun)
	go r.run()
	return r, nil
}

type noLog struct{}

func (noLog) Info(string, ...any) {}
func (noLog) Warn(string, ...any) {}

func (r *Run) log() core.Logger {
	if r.opt.Log == nil {
		return noLog{}
	}
	return r.opt.Log
}

// Backup runs a backup to the end.
func Backup(ctx context.Context, o Options) (*Report, error) {
	r, err := Start(ctx, o)
	if err != nil {
		return nil, err
	}
	return r.Wait()
}

// ID is the run's uuid.
func (r *Run) ID() string { return r.id }

// Source and Destination are the absolute paths being backed up.
func (r *Run) Source() string      { return r.src }
func (r *Run) Destination() string { return r.dst }

// Cancel stops the run; it returns at once (Wait for the report).
func (r *Run) Cancel() { r.cancel(nil) }

// CancelBecause stops the run as Cancel does; why is what the report says stopped it
// ("killed from the Kill tab") instead of "cancelled".
func (r *Run) CancelBecause(why string) { r.cancel(errors.New(why)) }

// Done is closed when the run has ended and its report is ready.
func (r *Run) Done() <-chan struct{} { return r.done }

// Wait waits for the end. The error is one that stopped the run as a whole (a report is
// still returned when there is one); per-file errors are in the report.
func (r *Run) Wait() (*Report, error) {
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.report, r.err
}

func (r *Run) emit(e Event) {
	if r.opt.OnEvent != nil {
		e.Time = time.Now()
		r.opt.OnEvent(e)
	}
}

func (r *Run) setPhase(ph Phase) {
	r.phase.Store(ph)
	r.emit(Event{Kind: EvPhase, Phase: ph, Msg: string(ph)})
}

func (r *Run) addDeath(d WorkerDeath) {
	r.mu.Lock()
	r.deaths = append(r.deaths, d)
	r.mu.Unlock()
}

// account counts one file's final result (called under the pool's lock).
func (r *Run) account(t task, res result) {
	if res.Err != nil && res.Err.Kind == ErrNotCopied {
		return // cut short by a stop: not an outcome, and the report counts it apart
	}
	r.filesDone.Add(1)
	r.bytesDone.Add(contentBytes(t.Kind, t.Size, t.LinkOf))
	switch {
	case res.Err != nil:
		r.failed.Add(1)
	case res.Copied:
		r.copied.Add(1)
	default:
		r.skipped.Add(1)
	}
}

// Progress returns a snapshot.
func (r *Run) Progress() Progress {
	pr := Progress{
		RunID: r.id, Phase: r.phase.Load().(Phase),
		FilesToDo: int(r.toDo.Load()), FilesDone: int(r.filesDone.Load()),
		FilesCopied: int(r.copied.Load()), FilesSkipped: int(r.skipped.Load()), FilesFailed: int(r.failed.Load()),
		BytesToDo: r.bytesToDo.Load(), BytesDone: r.bytesDone.Load(),
		Elapsed: time.Since(r.start), ETA: -1,
	}
	if p := r.poolPtr.Load(); p != nil {
		pr.Workers, pr.Queued = p.snapshot()
		pr.BytesDone += p.streamed()
	}
	if pr.BytesDone > pr.BytesToDo {
		pr.BytesDone = pr.BytesToDo
	}
	var filesRate float64
	pr.Throughput, filesRate = r.rate(pr.BytesDone, int64(pr.FilesDone))
	pr.Counting = pr.Phase == PhaseCopying && !r.counted.Load()
	// No ETA while the walk still counts: against totals that only grow it promised
	// "1 s" for 10 s with 32 workers.
	if pr.Phase == PhaseCopying && pr.Throughput > 0 && !pr.Counting {
		pr.ETA = estimateETA(pr, filesRate)
	} else if pr.Phase == PhaseDone {
		pr.ETA = 0
	}
	select {
	case <-r.done:
		// A run that could not start has no report: it was refused (bad input).
		pr.Elapsed = r.end.Sub(r.start)
	default:
	}
	return pr
}

// estimateETA is the time left of a run that is copying at pr.Throughput bytes and
// filesRate files a second, or -1 when there is nothing to go on.
func estimateETA(pr Progress, filesRate float64) time.Duration {
	// The share of the work done, half by bytes and half by files, and how fast it
	// grows. Big files go first, so bytes alone promised far too soon, and files
	// alone far too late (31 s for a run that needed 3).
	var done, rate, parts float64
	if pr.BytesToDo > 0 {
		done += float64(pr.BytesDone) / float64(pr.BytesToDo)
		rate += pr.Throughput / float64(pr.BytesToDo)
		parts++
	}
	if pr.FilesToDo > 0 && filesRate > 0 {
		done += float64(pr.FilesDone) / float64(pr.FilesToDo)
		rate += filesRate / float64(pr.FilesToDo)
		parts++
	}
	if parts == 0 || rate <= 0 {
		return -1
	}
	eta := max(0, 1-done/parts) / (rate / parts)
	// No run ends before its slowest big file in hand does. With many workers the
	// small files' rate had hidden one big file's tail: "< 1 s" for 3 s.
	for _, w := range pr.Workers {
		if !w.Ended && w.FileRate > 0 && w.FileSize > w.FileDone {
			eta = max(eta, float64(w.FileSize-w.FileDone)/w.FileRate)
		}
	}
	return time.Duration(eta * float64(time.Second))
}

// rate is the throughput over the last three seconds of samples: bytes and files a
// second.
func (r *Run) rate(bytes, files int64) (bytesPerSec, filesPerSec float64) {
	now := time.Now()
	r.rateMu.Lock()
	defer r.rateMu.Unlock()
	if n := len(r.rateSample); n == 0 || now.Sub(r.rateSample[n-1].t) > 100*time.Millisecond {
		r.rateSample = append(r.rateSample, sample{now, bytes, files})
	}
	for len(r.rateSample) > 2 && now.Sub(r.rateSample[0].t) > 3*time.Second {
		r.rateSample = r.rateSample[1:]
	}
	first := r.rateSample[0]
	dt := now.Sub(first.t).Seconds()
	if dt < 0.2 {
		return 0, 0
	}
	return float64(bytes-first.b) / dt, float64(files-first.files) / dt
}

func (r *Run) run() {
	rep, err := r.execute()
	if rep != nil && rep.End.IsZero() {
		rep.setEnd(time.Now())
	}
	r.mu.Lock()
	r.report, r.err = rep, err
	r.end = time.Now()
	if rep != nil {
		r.end = rep.End
	}
	r.mu.Unlock()
	switch {
	case err != nil:
		r.log().Warn("backup failed", "run_id", r.id, "error", err.Error())
	case rep != nil:
		sum := rep.Summary()
		logAt := r.log().Info
		if !rep.OK() {
			logAt = r.log().Warn
		}
		logAt("backup finished", "run_id", r.id, "files_total", sum.FilesTotal, "files_copied", sum.FilesCopied,
			"files_skipped", sum.FilesSkipped, "files_failed", sum.FilesFailed, "bytes_copied", sum.BytesCopied,
			"seconds", sum.Seconds, "stopped", rep.Stopped)
	}
	r.phase.Store(PhaseDone)
	close(r.done)
	r.emit(Event{Kind: EvPhase, Phase: PhaseDone, Msg: "done"})
	r.cancel(nil)
}

func (r *Run) execute() (*Report, error) {
	rep := &Report{RunID: r.id, Source: r.src, Destination: r.dst, Start: r.start,
		DryRun: r.opt.DryRun, Verify: r.opt.Verify, Workers: r.opt.Workers}
	if r.opt.DryRun {
		plan, err := MakePlan(r.src, r.dst, r.opt.Verify)
		if err != nil {
			return nil, err
		}
		if plan.Dirs[0].Err != nil {
			return nil, inputErr("cannot read source folder %s: %s", r.src, plan.Dirs[0].Err.Msg)
		}
		rep.Plan = plan
		// The nearest folder that exists is on the disk the backup would go to (and one of
		// unknown size is not to be mistaken for the disk above it).
		d := existingParent(r.dst, func(d string) bool { _, err := os.Stat(d); return err == nil })
		if sp, ok := diskSpace(d); ok && d != "" {
			if need, files := needs(plan.Dirs, plan.Files, sp.block); sp.short(need, files) {
				rep.NoRoom = noRoom(need, files, sp, false)
			}
		}
		r.toDo.Store(int64(plan.ToCopy))
		r.bytesToDo.Store(plan.BytesToCopy)
		rep.fill(plan, nil, plan.dirErrors())
		return rep, nil
	}

	if err := os.MkdirAll(r.dst, 0o777); err != nil {
		return nil, inputErr("cannot create destination %s: %v; choose a folder on a disk you can write to", r.dst, unwrapPath(err))
	}
	// The manifest folder exists before folder times are set, so writing the manifest
	// later does not move the destination folder's time.
	rootTouched := false
	if _, err := os.Lstat(filepath.Join(r.dst, MetaDir)); err != nil {
		rootTouched = os.Mkdir(filepath.Join(r.dst, MetaDir), 0o755) == nil
	}
	unlock, err := lockDestination(r.dst, r.id)
	if err != nil {
		return nil, err
	}
	defer unlock()

	// The plan streams into the pool: a folder's files are queued as soon as it is
	// visited, so workers copy while the walk goes on.
	p := newPool(r, r.opt.Workers)
	r.poolPtr.Store(p)
	s := &stream{r: r, pool: p, work: map[string]bool{}, preFailed: map[string]*FileError{},
		made: map[string]bool{}, plainParent: map[string]bool{".": !handsDownGroup(r.dst)}}
	s.sp, s.spKnown = diskSpace(r.dst)
	s.fin = newDirFinisher(r.finishDir, s.needsFinish)
	p.onFinal = s.fin.fileDone
	sweep := !takeCleanMark(r.dst)
	plan, err := makePlan(r.ctx, r.src, r.dst, r.opt.Verify, sweep, s.onDir)
	planCut := r.ctx.Err() != nil // a cancel during the walk left folders unvisited
	if err == nil && s.links > 0 {
		p.drain()
		s.linkTasks(plan)
	}
	p.close()
	if err == nil && plan.Dirs[0].Err != nil {
		err = inputErr("cannot read source folder %s: %s", r.src, plan.Dirs[0].Err.Msg)
	}
	if err != nil {
		r.cancel(nil)
		p.wait()
		return nil, err
	}
	rep.Plan = plan
	r.emit(Event{Kind: EvPlanned, Phase: PhasePlanning, Msg: fmt.Sprintf("planned %d files, %d folders in %s: %d to copy",
		len(plan.Files), len(plan.Dirs), plan.WalkTime.Round(time.Millisecond), plan.ToCopy)})
	p.wait()
	if s.stopWB != nil {
		s.stopWB()
	}

	p.mu.Lock()
	tasks, results, stopped := p.tasks, p.out, p.stop
	if stopped == stopNoRoom && s.sp.tooSmall(s.need, s.needFiles) {
		stopped = stopTooSmall // what each file not copied says too
	}
	if stopped == "" && planCut {
		// Cancelled before the pool saw it (before any file was queued, say): still a
		// stop, or the report read "Already up to date".
		stopped = "cancelled"
		if c := context.Cause(r.ctx); c != nil && c != context.Canceled {
			stopped = c.Error()
		}
	}
	complete := !planCut
	for i := range results {
		if !p.has[i] {
			results[i] = result{I: i, Err: &FileError{Path: tasks[i].Rel, Kind: ErrNotCopied,
				Msg: "not copied: the run stopped before it: " + stopped}}
		}
		if results[i].Err != nil && results[i].Err.Kind == ErrNotCopied {
			complete = false
		}
	}
	p.mu.Unlock()
	if stopped != "" && complete {
		// The stop came after the last file had its outcome: nothing is left for a
		// next run, so the report does not say otherwise.
		stopped = ""
	}
	if stopped == stopNoRoom || stopped == stopTooSmall {
		stopped = noRoom(s.need, s.needFiles, s.sp, true)
	}
	if stopped == stopDiskFull {
		// Bytes may be free: what ran out may be the disk's table of files.
		if sp, ok := diskSpace(r.dst); ok && sp.files > 0 && sp.filesFree == 0 {
			stopped = fmt.Sprintf("%s: it has no room for more files (all %s of its file slots, inodes, are used); "+
				"delete files there, or back up to another disk", stopDiskFull, numfmt.Thousands(sp.files))
		}
	}
	if stopped == stopDiskFull {
		// Running again only resumes once there is room: say how much.
		var left int64
		for i, res := range results {
			if !res.Copied && res.Err != nil {
				left += tasks[i].Size
			}
		}
		stopped = fmt.Sprintf("%s: free at least %s there (what is left to copy), or back up to a bigger disk",
			stopDiskFull, numfmt.Bytes(max(left, 1)))
	}

	r.setPhase(PhaseFinishing)
	if rootTouched {
		s.work["."] = true
	}
	dirErrs := append(append(s.dirErrs, s.fin.errors()...), r.finishDirs(plan, s.needsFinish, s.fin.finished)...)

	r.setPhase(PhaseFlushing)
	var written []string
	for i, res := range results {
		if res.Copied {
			written = append(written, tasks[i].Rel)
		}
	}
	rep.Stopped = stopped
	rep.SearchCut = planCut && stopped != ""
	r.mu.Lock()
	rep.WorkerDeaths = append([]WorkerDeath(nil), r.deaths...)
	r.mu.Unlock()
	// The report and the manifest's file list are built while the flush waits for the
	// disk; only the end time and the flush's outcome come after it.
	files := make(chan []byte, 1)
	go func() {
		outcome := func(i int) result {
			it := &plan.Files[i]
			if it.task > 0 {
				return results[it.task-1]
			}
			if fe := s.preFailed[it.Rel]; fe != nil {
				return result{Err: fe}
			}
			return result{}
		}
		rep.fill(plan, outcome, append(dirErrs, s.metaErrs...))
		rep.ModesNotKept += int(r.modesLost.Load())
		rep.OwnersNotKept += int(r.ownersLost.Load())
		files <- rep.encodeFiles()
	}()
	var flushErr error
	if len(written) > 0 || s.wrote || len(s.work) > 0 || dirsTouched(plan) {
		flushErr = flush(r.dst, written)
	}
	list := <-files
	if flushErr != nil {
		rep.FlushError = flushErr.Error()
	}
	rep.setEnd(time.Now())
	if err := rep.writeManifest(r.dst, list); err != nil {
		rep.ManifestError = err.Error()
	}
	if stopped == "" && !planCut && len(rep.WorkerDeaths) == 0 {
		putCleanMark(r.dst, r.id)
	}
	return rep, nil
}

// beginCopying runs once, when the first file is queued.
func (r *Run) beginCopying() {
	r.setPhase(PhaseCopying)
}

// stream acts on the plan folder by folder, as the walk finds them.
type stream struct {
	r    *Run
	pool *pool

	mu        sync.Mutex
	work      map[string]bool // folders written into
	dirErrs   []*FileError
	metaErrs  []*FileError
	preFailed map[string]*FileError
	wrote     bool
	// What the destination had free when the run started, and what the plan so far
	// takes of it: bytes and new files and folders.
	sp              space
	spKnown         bool
	need, needFiles int64
	noRoom          bool // the need passed what was free: no more folders are made
	stopWB          func()
	fin             *dirFinisher
	// Folders this run made (with dirMode: writable by us), and folders whose new
	// subfolders get our group and no set-group-ID bit from them.
	made        map[string]bool
	plainParent map[string]bool
	// Files to make hard links of another name's copy once every copy is done (the
	// walk may meet a name before the one that is copied): how many in all.
	links int
}

func (s *stream) onDir(rel string, dirs, files []Item, stale []string) {
	// Counted before prepare makes the subfolders: a run that will not fit makes none.
	s.countRoom(dirs, files)
	tasks, links := s.prepare(rel, dirs, files, stale)
	// Counted before they are queued: a file finished at once must find its folder
	// waiting for it. Its hard links to make keep it waiting too.
	s.fin.listed(rel, dirs, len(tasks)+links)
	if len(tasks) > 0 {
		first := s.pool.add(tasks)
		// The items are the plan's (the walk keeps this slice): each finds its outcome
		// by index at the end, without a map of every path.
		for k, t := range tasks {
			files[t.item].task = first + k + 1
		}
	}
}

// space is what a destination disk holds and has free: bytes, in blocks of block
// bytes, and file slots (inodes; files 0: the file system sets no such limit).
type space struct {
	free, size, block int64
	files, filesFree  int64
}

// filesSpare are file slots left for the manifest and what else the run writes.
const filesSpare = 4

// short reports that need bytes in files new files and folders do not fit in what is free.
func (sp space) short(need, files int64) bool {
	return need > sp.free || sp.files > 0 && files > sp.filesFree-filesSpare
}

// tooSmall reports that they would not fit even on the empty disk.
func (sp space) tooSmall(need, files int64) bool {
	return need > sp.size || sp.files > 0 && files > sp.files-filesSpare
}

// noRoom says why a backup needing need bytes and files new files and folders does not
// fit where sp is free (was, for a run that stopped), and what to do.
func noRoom(need, files int64, sp space, past bool) string {
	is, has := "is", "has"
	if past {
		is, has = "was", "had"
	}
	// Files take whole blocks: the need is more than their sizes add up to.
	needs := numfmt.Bytes(need) + " there (files in whole disk blocks, and folders)"
	makes := numfmt.Count(int(files), "new file or folder", "new files and folders")
	switch {
	case need > sp.size:
		return fmt.Sprintf("%s: it needs %s and the whole disk holds %s; back up to a bigger disk",
			stopTooSmall, needs, numfmt.Bytes(sp.size))
	case sp.files > 0 && files > sp.files-filesSpare:
		return fmt.Sprintf("%s: it makes %s and the whole disk has %s file slots (inodes); back up to another disk",
			stopTooSmall, makes, numfmt.Thousands(sp.files))
	case need > sp.free:
		return fmt.Sprintf("%s: it needs %s and %s %s free; free at least %s there, or back up to a bigger disk",
			stopNoRoom, needs, numfmt.Bytes(sp.free), is, numfmt.Bytes(need-sp.free))
	}
	return fmt.Sprintf("%s: it makes %s and the disk %s room for %s more (inodes); delete at least %s files there, or back up to another disk",
		stopNoRoom, makes, has, numfmt.Thousands(max(sp.filesFree-filesSpare, 0)),
		numfmt.Thousands(files-sp.filesFree+filesSpare))
}

// needs is what new folders dirs and the copies among files take on a disk of
// block-byte blocks, and how many files and folders they make.
func needs(dirs, files []Item, block int64) (need, made int64) {
	blocks := func(n int64) int64 { return (n + block - 1) / block * block }
	for i := range dirs {
		if dirs[i].Create {
			need += block
			made++
		}
	}
	for i := range files {
		f := &files[i]
		if f.Op == OpCopy && f.Kind == KindFile && f.LinkOf == "" {
			// A changed file's old copy is freed when the new one takes its name. A file
			// with holes is copied with them: it needs what it takes on the source.
			size := f.Size
			if f.Alloc >= 0 && f.Alloc < size {
				size = f.Alloc
			}
			need += blocks(size) - blocks(f.oldSize)
		}
		if f.Op == OpCopy && f.Why == "new" {
			made++ // a replaced one reuses its old copy's slot once in place
		}
	}
	return need, made
}

// countRoom adds what a folder's new subfolders and copies take on the destination, and
// stops the run once that is more than was free when it started. Stopping then, not at
// the first failed write, leaves the disk some room (other programs need it too);
// what was copied stays, and the report says how much to free.
func (s *stream) countRoom(dirs, files []Item) {
	if !s.spKnown {
		return
	}
	need, made := needs(dirs, files, s.sp.block)
	s.mu.Lock()
	s.need += need
	s.needFiles += made
	over := s.sp.short(s.need, s.needFiles)
	s.noRoom = s.noRoom || over
	s.mu.Unlock()
	if over {
		s.pool.halt(stopNoRoom)
	}
}

// needsFinish says whether a folder's mode, owner and times must be set after its
// contents: it was made or differs, or the run wrote into it.
func (s *stream) needsFinish(d *Item) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if underFailedDir(d.Rel, s.dirErrs) != nil {
		return false // not made: already reported
	}
	if d.Create && !s.made[d.Rel] && s.noRoom {
		return false // not made: the run stopped for room first
	}
	return d.Create || d.Why != "" || s.work[d.Rel]
}

// prepare makes rel's subfolders, fixes the meta of its unchanged files and returns
// the files to copy, and how many are hard links to make at the end.
func (s *stream) prepare(rel string, dirs, files []Item, stale []string) (tasks []task, links int) {
	r := s.r
	for _, st := range stale {
		os.Remove(filepath.Join(r.dst, st))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(stale) > 0 {
		// The removals moved the folder's time. Marked on the way out (before the
		// unlock), so a read-only kept folder still gets write permission below.
		defer func() { s.work[rel] = true }()
	}
	// Subfolders first (the walk visits them after this returns), made writable by
	// their owner; their real modes are set after their contents.
	for i := range dirs {
		d := &dirs[i]
		if underFailedDir(d.Rel, s.dirErrs) != nil {
			continue
		}
		if d.Err != nil {
			s.dirErrs = append(s.dirErrs, d.Err)
			continue
		}
		path := filepath.Join(r.dst, d.Rel)
		if d.Clear {
			if err := os.Remove(path); err != nil {
				s.dirErrs = append(s.dirErrs, fileErr(d.Rel, err, "cannot replace what the destination holds at this name"))
				continue
			}
		}
		if d.Create && s.noRoom {
			continue // its files are listed as not copied
		}
		if d.Create {
			s.wrote = true
			err := os.Mkdir(path, dirMode(d.Mode))
			if err == nil {
				s.made[d.Rel] = true
				if s.plainParent[rel] {
					// Our owner, our group, the mode asked for: at the end a chmod and a
					// chown would only repeat them (two of a folder's three updates).
					s.plainParent[d.Rel] = true
					d.madeExact = mkdirGivesMode(d.Mode) &&
						(!keepOwner || !d.HasOwn || d.UID == myUID && d.GID == myGID)
				}
			} else if !errors.Is(err, fs.ErrExist) {
				s.dirErrs = append(s.dirErrs, refusedName(fileErr(d.Rel, err, "cannot create this folder"), err, filepath.Dir(path), r.tag))
			}
		}
	}
	for i := range files {
		it := &files[i]
		switch it.Op {
		case OpMeta:
			s.wrote = true
			if fe := r.fixMeta(it); fe != nil {
				s.metaErrs = append(s.metaErrs, fe)
			}
		case OpCopy, OpVerify:
			if fe := underFailedDir(it.Rel, s.dirErrs); fe != nil {
				s.preFailed[it.Rel] = folderNotMade(it.Rel, fe)
				continue
			}
			if it.LinkOf != "" && it.Op == OpCopy {
				links++
				continue
			}
			if tasks == nil {
				tasks = make([]task, 0, len(files)-i)
			}
			tasks = append(tasks, task{Rel: it.Rel, Op: it.Op, Kind: it.Kind, Size: it.Size,
				UID: it.UID, GID: it.GID, Owner: it.HasOwn, item: i})
		}
	}
	s.links += links
	if len(tasks) == 0 && links == 0 {
		return nil, 0
	}
	if !s.work[rel] {
		s.work[rel] = true
		// A kept folder without owner write permission (copied read-only last time) gets
		// it back while it is filled. One made by this run has it.
		if !s.made[rel] {
			path := filepath.Join(r.dst, rel)
			if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o200 == 0 {
				os.Chmod(path, fi.Mode().Perm()|0o700)
			}
		}
	}
	if s.stopWB == nil {
		s.stopWB = writeBehind(r.dst)
	}
	return tasks, links
}

// linkTasks queues, once every copy is done, the files that are other names of a copied
// file (hard links in the source): each is made a link of that copy when it is in place,
// and copied on its own when not (its copy failed, or the run could not copy it).
func (s *stream) linkTasks(plan *Plan) {
	p := s.pool
	p.mu.Lock()
	stopped := p.stop != "" || s.r.ctx.Err() != nil
	inPlace := func(head *Item) bool {
		switch {
		case head.Op == OpSkip || head.Op == OpMeta:
			return true
		case head.task > 0:
			res, ok := p.out[head.task-1], p.has[head.task-1]
			return ok && res.Err == nil
		}
		return false
	}
	var tasks []task
	var items []int
	for i := range plan.Files {
		it := &plan.Files[i]
		if it.LinkOf == "" || it.Op != OpCopy || it.task > 0 || s.preFailed[it.Rel] != nil {
			continue
		}
		if stopped {
			s.preFailed[it.Rel] = &FileError{Path: it.Rel, Kind: ErrNotCopied, Msg: "not copied: the run stopped first"}
			continue
		}
		t := task{Rel: it.Rel, Op: OpCopy, Kind: KindFile, Size: it.Size, UID: it.UID, GID: it.GID, Owner: it.HasOwn}
		k, found := slices.BinarySearchFunc(plan.Files, it.LinkOf, func(f Item, rel string) int { return strings.Compare(f.Rel, rel) })
		if found && inPlace(&plan.Files[k]) {
			t.LinkOf = it.LinkOf
		}
		tasks, items = append(tasks, t), append(items, i)
	}
	p.mu.Unlock()
	if len(tasks) == 0 {
		return
	}
	first := p.add(tasks)
	for k, i := range items {
		plan.Files[i].task = first + k + 1
	}
}

// underFailedDir returns the error of the folder that could not be made which rel is, or
// is inside.
func underFailedDir(rel string, dirErrs []*FileError) *FileError {
	for _, fe := range dirErrs {
		if rel == fe.Path || strings.HasPrefix(rel, fe.Path+string(filepath.Separator)) {
			return fe
		}
	}
	return nil
}

// chmodBits are the mode bits chmod sets: permissions and set-user-ID, set-group-ID
// and sticky.
const chmodBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// dirMode is the mode a folder is created with: its own, plus the owner's rwx so the
// run can fill it. Its real mode is set after its contents.
func dirMode(m fs.FileMode) fs.FileMode { return m.Perm() | 0o700 }

// fixMeta sets mode and owner of a file whose content is unchanged.
func (r *Run) fixMeta(it *Item) *FileError {
	path := filepath.Join(r.dst, it.Rel)
	if err := r.setMode(path, it.Mode); err != nil {
		return fileErr(it.Rel, err, "cannot set its mode")
	}
	if keepOwner && it.HasOwn {
		r.keepOwner(path, it.UID, it.GID)
	}
	return nil
}

// setMode gives path its mode; a destination that holds no modes is counted, not an
// error. Who owns path is asked only of a refusal: not a stat more per entry.
func (r *Run) setMode(path string, mode fs.FileMode) error {
	err := os.Chmod(path, mode&chmodBits)
	if err != nil && attrRefused(err, ownedByMe(path)) {
		r.modesLost.Add(1)
		return nil
	}
	return err
}

// keepOwner gives path its owner, as root; a destination that holds no owners is
// counted. Other failures are left to the mode set after it, which then fails too.
func (r *Run) keepOwner(path string, uid, gid int) {
	if err := os.Lchown(path, uid, gid); attrRefused(err, true) {
		r.ownersLost.Add(1)
	}
}

func dirsTouched(p *Plan) bool {
	for i := range p.Dirs {
		if p.Dirs[i].Create || p.Dirs[i].Why != "" {
			return true
		}
	}
	return false
}

// finishDirs sets folders' modes, owners and times after their contents: writing a file
// into a folder changes its time, and a read-only mode would refuse it. A folder is
// finished after its subfolders (a mode without search permission would hide them), and
// the folders of one depth in parallel: this runs while the rest of the machine waits.
func (r *Run) finishDirs(p *Plan, need func(d *Item) bool, finished func(rel string) bool) []*FileError {
	const finishers = 4 // goroutines per depth
	var levels [][]*Item
	for i := range p.Dirs {
		d := &p.Dirs[i]
		if !need(d) || finished(d.Rel) {
			continue
		}
		depth := 0
		if d.Rel != "." {
			depth = strings.Count(d.Rel, string(filepath.Separator)) + 1
		}
		for len(levels) <= depth {
			levels = append(levels, nil)
		}
		levels[depth] = append(levels[depth], d)
	}
	var (
		mu   sync.Mutex
		errs []*FileError
	)
	for depth := len(levels) - 1; depth >= 0; depth-- {
		dirs := levels[depth]
		var wg sync.WaitGroup
		for w := range min(finishers, len(dirs)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(dirs); i += finishers {
					if fe := r.finishDir(dirs[i]); fe != nil {
						mu.Lock()
						errs = append(errs, fe)
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
	return errs
}

func (r *Run) finishDir(d *Item) *FileError {
	path := filepath.Join(r.dst, d.Rel)
	if !d.madeExact {
		if keepOwner && d.HasOwn {
			r.keepOwner(path, d.UID, d.GID)
		}
		if err := r.setMode(path, d.Mode); errors.Is(err, fs.ErrNotExist) {
			return nil // not made; already reported
		} else if err != nil {
			return fileErr(d.Rel, err, "cannot set this folder's mode")
		}
	}
	if err := os.Chtimes(path, d.Atime, d.Mtime); err != nil {
		return fileErr(d.Rel, err, "cannot set this folder's time")
	}
	return nil
}

// String is a one-line summary for logs.
func (p Progress) String() string {
	return fmt.Sprintf("%s: %d/%d files, %d/%d bytes", p.Phase, p.FilesDone, p.FilesToDo, p.BytesDone, p.BytesToDo)
}
