package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"dev.proclab/core"
	"dev.proclab/ipc"
	"dev.proclab/ipc/ipcjson"
	copylib "github.com/otiai10/copy"
)

// WorkerRole is the role name of a backup worker process.
const WorkerRole = "backup-worker"

// Roles are the child roles this package adds to the app.
var Roles = core.Roles{WorkerRole: roleWorker}

// A child in one of these roles starts it as soon as this package is initialised.
func init() { core.ClaimRole(Roles) }

// Frame types between the pool and its workers.
const (
	tBatch   = ipc.TUser + 0 // parent → worker: files to copy
	tResults = ipc.TUser + 1 // worker → parent: per-file outcomes
	tStatus  = ipc.TUser + 2 // worker → parent: current file and its bytes so far
)

// bigFile is the size from which a file's progress is streamed while it is copied.
// Smaller files go through the kernel's copy_file_range in one call.
const bigFile = 8 << 20

type workerConfig struct {
	Src, Dst string
	Tag      string // run ID prefix in temporary names
	Fsync    bool
	Verify   bool
	Delay    time.Duration // tests and demos: pause before each file
}

// task, batch, result and resultsMsg travel in the binary form of wire.go.
type task struct {
	I     int
	Rel   string
	Op    Op
	Kind  Kind
	Size  int64
	UID   int
	GID   int
	Owner bool
	// Rel is another name of this file's source: make it a hard link of LinkOf's copy,
	// which is in place.
	LinkOf string
	dir    string // the parent's: folder of Rel
	item   int    // the parent's: index of its Item in the folder's files
}

type batch struct {
	ID    int
	Tasks []task
}

type result struct {
	I        int
	Copied   bool // written (false: verified equal, nothing written)
	Repaired bool // the copy had the same size and time but other bytes: written again
	Bytes    int64
	Holes    int64 // of Bytes, those left as holes: a file with holes keeps them
	Hash     string
	Err      *FileError
	Lost     byte // lostMode, lostOwner: what the destination could not hold
	Linked   bool // made a hard link of another name's copy
}

const (
	lostMode  = 1 << iota // the destination's file system keeps no modes
	lostOwner             // nor owners
)

type resultsMsg struct {
	Batch   int
	Done    bool // every task of the batch has a result
	Results []result
}

type statusMsg struct {
	Rel   string `json:"r"`
	Done  int64  `json:"d"`
	Size  int64  `json:"s"`
	Check bool   `json:"c,omitempty"` // comparing the file's SHA-256 with its copy's
}

// worker is the child side: it copies what it is sent, one file at a time.
type worker struct {
	c   *core.Conn
	cfg workerConfig

	mu      sync.Mutex
	pending []result
	batchID int

	cur      atomic.Pointer[task] // the file being copied: an element of the batch, not a copy
	curDone  atomic.Int64
	curCheck atomic.Bool // the current file is being compared, not copied
	sent     statusMsg

	// The fast path's state (fastcopy_linux.go): the folder whose descriptors are open,
	// and what this file system or process turned out not to allow.
	fdDir        string
	srcFD, dstFD int
	dstSetgid    bool // the destination folder gives new files its group
	noTmpfile    bool
	noEmptyPath  bool
	noCopyRange  bool   // copy_file_range refused (EXDEV: source and copy on different file systems)
	buf          []byte // read/write buffer, reused: a fresh one per file cost page faults and GC
	names        cNames
}

// cNames are a worker's buffers for the names the fast path's calls pass: a name fits
// (NAME_MAX is 255), and unix.BytePtrFromString cost an allocation per call, four per file.
type cNames [2][256]byte

func roleWorker(c *core.Conn) int {
	var cfg workerConfig
	if len(c.Args) == 0 || json.Unmarshal([]byte(c.Args[0]), &cfg) != nil {
		fmt.Fprintln(os.Stderr, "backup worker: missing or bad configuration argument")
		return 2
	}
	// A worker's heap is a few batches: collecting it at every 4 MiB only costs CPU.
	debug.SetGCPercent(400)
	// One copy loop per worker, one worker per CPU: a second P only let the loop hop
	// between threads. Measured on the Go src tree: a fifth fewer context switches.
	runtime.GOMAXPROCS(1)
	w := &worker{c: c, cfg: cfg, srcFD: -1, dstFD: -1}
	go w.reportLoop()
	for {
		select {
		case f := <-c.Frames():
			if f.Type != tBatch {
				continue
			}
			b, err := decodeBatch(f.Payload)
			if err != nil {
				fmt.Fprintf(os.Stderr, "backup worker: bad batch: %v\n", err)
				return 2
			}
			if !w.runBatch(b) {
				// The disk is full: wait to be stopped; copying more only fails again.
				<-c.Stop()
				return 0
			}
		case <-c.Stop():
			return 0
		}
	}
}

// runBatch copies a batch; false means the destination is full.
func (w *worker) runBatch(b batch) bool {
	w.mu.Lock()
	w.batchID = b.ID
	w.mu.Unlock()
	for i := range b.Tasks {
		t := &b.Tasks[i]
		if w.c.Stopping() {
			// Unreported tasks count as not copied; the file being copied was finished.
			w.flush(false)
			return true
		}
		if w.cfg.Delay > 0 {
			time.Sleep(w.cfg.Delay)
		}
		w.curDone.Store(0)
		w.cur.Store(t)
		r := w.copyOne(*t)
		w.mu.Lock()
		w.pending = append(w.pending, r)
		w.mu.Unlock()
		if r.Err != nil && r.Err.Kind == ErrDiskFull {
			w.flush(false)
			return false
		}
	}
	w.cur.Store(nil)
	w.flush(true)
	return true
}

// reportLoop sends the current file's progress and finished results a few times a second,
// so a batch of small files costs one frame, and a big file still shows it is moving.
func (w *worker) reportLoop() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		if t := w.cur.Load(); t != nil {
			m := statusMsg{Rel: t.Rel, Size: t.Size, Done: w.curDone.Load(), Check: w.curCheck.Load()}
			if m != w.sent {
				w.sent = m
				if ipcjson.Send(w.c, tStatus, m) != nil {
					return
				}
			}
		}
		w.flush(false)
	}
}

func (w *worker) flush(done bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 && !done {
		return
	}
	m := resultsMsg{Batch: w.batchID, Done: done, Results: w.pending}
	w.pending = nil
	if err := w.c.Send(tResults, encodeResults(m)); err != nil {
		os.Exit(core.ExitParentGone)
	}
}

var myUID, myGID = os.Geteuid(), os.Getegid()

var errKindChanged = errors.New("it changed kind (file, folder or link) while being copied")

func (w *worker) copyOne(t task) result {
	if t.Op == OpVerify {
		h, same, err := w.compare(t.Rel, 0, 2) // both files read: each byte of one counts half
		if err != nil {
			return result{I: t.I, Err: fileErr(t.Rel, err, "cannot compare it")}
		}
		if same {
			return result{I: t.I, Hash: h}
		}
		// Same size and time, different bytes: copy it again, and say so.
		w.curDone.Store(0)
		r := w.copyFile(t)
		r.Repaired = r.Copied
		return r
	}
	if t.LinkOf != "" {
		if r, ok := w.hardLink(t); ok {
			return w.verified(t, r)
		}
	}
	return w.copyFile(t)
}

// hardLink makes t another name of the copy of t.LinkOf, as its source is: the copy is
// in place (the parent sends such a task only then). False when the link cannot be made
// (a FAT or exFAT disk holds none, a file may have only so many names): the file is
// then copied on its own, as it stands.
func (w *worker) hardLink(t task) (result, bool) {
	head, final := filepath.Join(w.cfg.Dst, t.LinkOf), filepath.Join(w.cfg.Dst, t.Rel)
	err := os.Link(head, final)
	if errors.Is(err, fs.ErrExist) {
		// An old copy at this name is replaced at once, as a copy replaces it: linked
		// under the temporary name, renamed over it.
		tmp := tempPath(final, w.cfg.Tag)
		os.Remove(tmp) // a leftover of a killed attempt
		if err = os.Link(head, tmp); err == nil {
			err = os.Rename(tmp, final)
			// Renaming a name over another name of the same file does nothing.
			os.Remove(tmp)
		}
	}
	if err != nil {
		return result{}, false
	}
	return result{I: t.I, Copied: true, Linked: true}, true
}

// copyFile copies t, twice when the first read saw it change: a file saved while it was
// read (an editor's, a browser's) is then copied as it stands, if it holds still for
// the second read. One that keeps changing, a log being written, is reported.
func (w *worker) copyFile(t task) result {
	r := w.copyFileOnce(t)
	if r.Err != nil && r.Err.Kind == ErrChanged && !w.c.Stopping() {
		w.curDone.Store(0)
		r = w.copyFileOnce(t)
	}
	return r
}

func (w *worker) copyFileOnce(t task) result {
	if t.Kind == KindOther {
		return w.makeSpecial(t)
	}
	if r, ok := w.fastCopy(t); ok {
		return w.verified(t, r)
	}
	// Paths built only here: the fast path works relative to folder descriptors.
	src := filepath.Join(w.cfg.Src, t.Rel)
	final := filepath.Join(w.cfg.Dst, t.Rel)
	tmp := tempPath(final, w.cfg.Tag)
	var pre fs.FileInfo
	var lost byte
	opt := copylib.Options{
		OnSymlink: func(string) copylib.SymlinkAction { return copylib.Shallow },
		// The owner here, not by the library's PreserveOwner, and before the library's
		// mode (a chown clears set-user-ID and set-group-ID bits); a destination that
		// holds neither (a FAT stick) gets the contents and times instead of a failure.
		PermissionControl: func(info fs.FileInfo, dest string) (func(*error), error) {
			pre = info
			if info.IsDir() {
				return func(*error) {}, errKindChanged
			}
			chmod := copylib.DoNothing // created with this mode already
			if info.Mode()&chmodBits != createPerm {
				chmod = copylib.PerservePermission
			}
			setMode, err := chmod(info, dest)
			return func(reported *error) {
				keep := func(err error, flag byte) {
					if attrRefused(err, true) {
						lost |= flag
					} else if *reported == nil {
						*reported = err
					}
				}
				// Always: even a file of ours gets another group in a set-group-ID folder.
				if keepOwner && t.Owner {
					uid, gid := t.UID, t.GID
					if u, g, ok := owner(info); ok {
						uid, gid = u, g // as it was read, not as it was planned
					}
					if err := os.Lchown(dest, uid, gid); err != nil {
						keep(err, lostOwner)
					}
				}
				var modeErr error
				if setMode(&modeErr); modeErr != nil {
					keep(modeErr, lostMode)
				}
			}, err
		},
		PreserveTimes: true,
		Sync:          w.cfg.Fsync,
	}
	if t.Size >= bigFile {
		// A plain buffer instead of copy_file_range, so the bytes can be counted.
		opt.CopyBufferSize = 1 << 20
		opt.WrapReader = func(r io.Reader) io.Reader {
			return &countingReader{r: r, done: func(n int64) { w.curDone.Store(w.copyShare(n)) }, stop: w.c.Stopping}
		}
	}
	err := copylib.Copy(src, tmp, opt)
	fail := func(fe *FileError) result {
		os.Remove(tmp)
		return result{I: t.I, Err: fe}
	}
	if err != nil {
		return fail(refusedName(w.classify(t.Rel, src, err), err, filepath.Dir(final), w.cfg.Tag))
	}
	if t.Kind == KindFile {
		post, err := os.Lstat(src)
		switch {
		case pre == nil && err != nil:
			return fail(&FileError{Path: t.Rel, Kind: ErrVanished, Msg: "it vanished before it could be copied"})
		case err != nil:
			return fail(&FileError{Path: t.Rel, Kind: ErrVanished, Msg: "it vanished while being copied"})
		case pre == nil || !post.Mode().IsRegular():
			return fail(&FileError{Path: t.Rel, Kind: ErrChanged, Msg: errKindChanged.Error()})
		case post.Size() != pre.Size() || !post.ModTime().Equal(pre.ModTime()):
			return fail(&FileError{Path: t.Rel, Kind: ErrChanged,
				Msg: "it changed while being copied (size or time moved); run the backup again to copy the new version"})
		}
	} else if keepOwner && t.Owner {
		os.Lchown(tmp, t.UID, t.GID) // the copy library keeps owners of files only
	}
	if err := os.Rename(tmp, final); err != nil {
		return fail(fileErr(t.Rel, err, "cannot put it in place"))
	}
	// The copy library sets the times before it closes the copy, and some file systems
	// stamp the time of a close or a rename on a file (fusefat does both), so every next
	// run copied it again: the time is checked in place and set once more if it moved.
	if t.Kind == KindFile && pre != nil {
		if st, err := os.Lstat(final); err == nil && !sameTime(pre.ModTime(), st.ModTime()) {
			if err := os.Chtimes(final, atime(pre), pre.ModTime()); err != nil {
				return result{I: t.I, Err: fileErr(t.Rel, err, "copied, but its modification time could not be set")}
			}
		}
	}
	r := result{I: t.I, Copied: true, Lost: lost}
	if pre != nil {
		r.Bytes = pre.Size()
	}
	return w.verified(t, r)
}

// compare hashes rel's source and copy (SHA-256) and says whether they are the same.
// The file's bytes done move while it is checked, from `from` by the bytes read of both
// over div: an unchanged 3 GiB file had sat at 0% for the 4 s of its check, and a copy
// just made at 100% with "ETA < 1 s" for the whole of its check.
func (w *worker) compare(rel string, from, div int64) (hash string, same bool, err error) {
	var read int64
	count := func(n int) { read += int64(n); w.curDone.Store(from + read/div) }
	w.curCheck.Store(true)
	defer w.curCheck.Store(false)
	return sameContent(filepath.Join(w.cfg.Src, rel), filepath.Join(w.cfg.Dst, rel), count)
}

// copyShare is the progress of a file whose first done bytes are copied: all of it, or
// with Verify half, the check of the copy being the other half.
func (w *worker) copyShare(done int64) int64 {
	if w.cfg.Verify {
		return done / 2
	}
	return done
}

// verified compares a copied file with its source when the run verifies.
func (w *worker) verified(t task, r result) result {
	if r.Err == nil && w.cfg.Verify && t.Kind == KindFile {
		// The copy was the first half of the file's progress; both reads are the second.
		h, same, err := w.compare(t.Rel, t.Size/2, 4)
		switch {
		case err != nil:
			r.Err = fileErr(t.Rel, err, "cannot verify it")
		case !same:
			r.Err = &FileError{Path: t.Rel, Kind: ErrVerify, Msg: "the copy's SHA-256 differs from the source's; run the backup again"}
		default:
			r.Hash = h
		}
	}
	return r
}

// classify turns a copy error into a per-file error, telling reading from writing.
func (w *worker) classify(rel, src string, err error) *FileError {
	if errors.Is(err, errKindChanged) {
		return &FileError{Path: rel, Kind: ErrChanged, Msg: errKindChanged.Error()}
	}
	if errors.Is(err, errStopped) {
		return &FileError{Path: rel, Kind: ErrNotCopied, Msg: "not copied: " + errStopped.Error()}
	}
	var pe *fs.PathError
	reading := errors.As(err, &pe) && pe.Path == src
	if reading {
		fe := fileErr(rel, err, "cannot read it")
		if fe.Kind == ErrWrite {
			fe.Kind = ErrUnreadable
		}
		return fe
	}
	fe := fileErr(rel, err, "cannot write it")
	if fe.Kind == ErrUnreadable {
		fe.Kind = ErrWrite
	}
	return fe
}

// countingReader counts a big file's bytes as they are read, and ends the read when
// the worker is asked to stop: a Cancel takes effect within a megabyte, not after the
// rest of a big file (the temporary copy is removed, and the file resumes next run).
type countingReader struct {
	r    io.Reader
	read int64
	done func(read int64) // told the bytes read so far
	stop func() bool
}

// errStopped ends a big file's copy when the run stops.
var errStopped = errors.New("the run stopped while it was being copied")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.stop() {
		return 0, errStopped
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	c.done(c.read)
	return n, err
}

// sameContent hashes both files with SHA-256; an error reading the copy counts as a
// difference (it is then copied again), an error reading the source is returned.
func sameContent(src, dst string, count func(n int)) (hash string, same bool, err error) {
	hs, err := hashFile(src, count)
	if err != nil {
		return "", false, err
	}
	hd, err := hashFile(dst, count)
	if err != nil {
		return hs, false, nil
	}
	return hs, hs == hd, nil
}

var hashBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

func hashFile(p string, count func(n int)) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(buf)
	for {
		n, err := f.Read(*buf)
		h.Write((*buf)[:n])
		count(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
