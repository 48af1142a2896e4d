package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"dev.proclab/internal/numfmt"
)

// MetaDir is the folder in the destination where ProcLab keeps its manifests. It is
// never copied from a source and never compared.
const MetaDir = ".proclab"

// tempSuffix ends the name a file is written under before it is renamed into place. A
// file with such a name in the destination and none in the source is a leftover of a
// killed run, and the next run removes it.
const tempSuffix = ".proclab.tmp"

// cleanMark, a file in MetaDir, says that the last run to write to the destination
// left no temporary file in it, so the next run need not list its folders to find
// any. A run takes it away before it writes and puts it back only when it ends without
// a stop or a worker's death.
const cleanMark = "clean"

func cleanMarked(dst string) bool {
	_, err := os.Lstat(filepath.Join(dst, MetaDir, cleanMark))
	return err == nil
}

// takeCleanMark removes the mark and tells whether there was one.
func takeCleanMark(dst string) bool {
	return os.Remove(filepath.Join(dst, MetaDir, cleanMark)) == nil
}

func putCleanMark(dst, runID string) {
	os.WriteFile(filepath.Join(dst, MetaDir, cleanMark), []byte(runID+"\n"), 0o644)
}

// Kind is what an entry is.
type Kind uint8

const (
	KindFile Kind = iota
	KindDir
	KindLink
	KindOther // fifo, socket, device: not backed up
)

func (k Kind) String() string {
	return [...]string{"file", "folder", "link", "special file"}[k]
}

// Op is what the plan does with an entry.
type Op uint8

const (
	OpSkip   Op = iota // unchanged
	OpCopy             // new or changed: a worker copies it
	OpVerify           // unchanged by size and time; with Verify a worker compares SHA-256
	OpMeta             // content unchanged; only its mode (or owner) is set
	OpFail             // cannot be backed up; Err says why
)

func (o Op) String() string {
	return [...]string{"skip", "copy", "verify", "meta", "fail"}[o]
}

// Entry is one thing found in the source.
type Entry struct {
	Rel    string // path relative to the source, OS separators; "." is the root folder
	Kind   Kind
	Size   int64
	Mtime  time.Time
	Atime  time.Time
	Mode   fs.FileMode
	UID    int
	GID    int
	HasOwn bool
	Target string // a link's target, copied as it is and never followed
	Rdev   uint64 // a device's number (major and minor)
	Alloc  int64  // bytes the disk holds for a file: less than Size when it has holes; -1 when not known
	// A file with other names in the source (hard links): the one of them that is copied,
	// which this one is made a hard link of; "" for that one and for every other file.
	LinkOf string
}

// Item is an entry with what the plan decided for it.
type Item struct {
	Entry
	Op     Op
	Why    string // "new", "size changed", "time changed", ...
	Err    *FileError
	Create bool // folders: missing in the destination
	Clear  bool // the destination holds a link or a special file (no content) at this name: remove it first

	task    int   // 1 + the index of its copy task in the run's pool; 0: none
	oldSize int64 // files: the size of the destination file a copy replaces
	// folders: made by this run with their mode and owner already, so finishing one
	// only sets its times
	madeExact bool
}

// Plan is what a run will do. Files holds every non-folder entry, Dirs every folder
// (the root first, then sorted by path: parents before children), Files sorted by path.
type Plan struct {
	Src, Dst  string
	DstExists bool
	Files     []Item
	Dirs      []Item
	Stale     []string // leftover temporary files from a killed run, relative to Dst
	// The source has a .proclab folder at its top (it is itself a backup): its run
	// records are not copied, as they would clash with this backup's.
	SourceMeta  bool
	ToCopy      int // files a worker will copy or verify
	BytesToCopy int64
	WalkTime    time.Duration
}

// Counts returns how many files the plan copies, skips and cannot back up.
func (p *Plan) Counts() (copy, skip, fail int) {
	for i := range p.Files {
		switch p.Files[i].Op {
		case OpCopy:
			copy++
		case OpFail:
			fail++
		default:
			skip++
		}
	}
	return
}

// InputError is a problem with what the user asked for: nothing was written.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErr(format string, a ...any) error { return &InputError{Msg: fmt.Sprintf(format, a...)} }

// IsInputError reports whether err is bad input (exit code 2 on the command line).
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// CheckSource refuses a source that cannot be backed up (missing, not a folder,
// unreadable), with a message that says what to do, before a destination is known.
func CheckSource(src string) error {
	_, _, err := checkSource(src)
	return err
}

func checkSource(src string) (absSrc, realSrc string, err error) {
	if strings.TrimSpace(src) == "" {
		return "", "", inputErr("no source folder given; pick the folder to back up")
	}
	if absSrc, err = filepath.Abs(src); err != nil {
		return "", "", inputErr("source %s: %v", src, err)
	}
	fi, err := os.Stat(absSrc)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if name := filepath.Base(absSrc); name != strings.TrimSpace(name) {
			// Quoted: a space at the end of the name is otherwise invisible.
			return "", "", inputErr("source folder %q does not exist (its name starts or ends with a space); check the path", absSrc)
		}
		return "", "", inputErr("source folder %s does not exist; check the path", absSrc)
	case err != nil:
		return "", "", inputErr("cannot reach source folder %s: %v", absSrc, unwrapPath(err))
	case !fi.IsDir():
		return "", "", inputErr("source %s is a file, not a folder; pick the folder that holds it", absSrc)
	}
	f, err := os.Open(absSrc)
	if err == nil {
		_, err = f.ReadDir(1)
		f.Close()
		if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if err != nil {
		return "", "", inputErr("cannot read source folder %s: %v; check its permissions", absSrc, unwrapPath(err))
	}
	if realSrc, err = filepath.EvalSymlinks(absSrc); err != nil {
		return "", "", inputErr("cannot resolve source folder %s: %v", absSrc, unwrapPath(err))
	}
	return absSrc, realSrc, nil
}

// CheckInput resolves src and dst to absolute, clean paths and refuses what cannot be
// backed up, with a message that says what to do. It writes nothing.
func CheckInput(src, dst string) (absSrc, absDst string, err error) {
	absSrc, realSrc, err := checkSource(src)
	if err != nil {
		return "", "", err
	}
	if strings.TrimSpace(dst) == "" {
		return "", "", inputErr("no destination folder given; pick where the backup goes")
	}
	if absDst, err = filepath.Abs(dst); err != nil {
		return "", "", inputErr("destination %s: %v", dst, err)
	}
	// The destination may not exist yet: resolve its nearest existing ancestor.
	existing, rest := absDst, ""
	for {
		fi, err := os.Lstat(existing)
		if err == nil {
			if existing == absDst && !fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 {
				return "", "", inputErr("destination %s is a file, not a folder; pick a folder", absDst)
			}
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = parent
	}
	realExisting, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return "", "", inputErr("cannot resolve destination %s: %v", absDst, unwrapPath(err))
	}
	realDst := filepath.Join(realExisting, rest)
	if fi, err := os.Stat(realExisting); err == nil && !fi.IsDir() {
		return "", "", inputErr("destination %s is inside %s, which is a file; pick a folder", absDst, existing)
	}
	switch {
	case samePath(realSrc, realDst):
		return "", "", inputErr("destination is the source folder itself (%s); pick another folder", absDst)
	case within(realDst, realSrc):
		return "", "", inputErr("destination %s is inside the source %s: the backup would copy itself; pick a folder outside it", absDst, absSrc)
	case within(realSrc, filepath.Join(realDst, MetaDir)) || samePath(realSrc, filepath.Join(realDst, MetaDir)):
		return "", "", inputErr("source %s is inside the destination's %s folder, where ProcLab keeps its manifests; pick another source", absSrc, MetaDir)
	case within(realSrc, realDst):
		// The copy would land among the source's own parents and siblings, replacing
		// any of their files that share a name with the source's.
		return "", "", inputErr("source %s is inside the destination %s: the backup would mix with the folders around the source; pick a destination outside it, such as a new folder", absSrc, absDst)
	}
	if err := writable(realExisting); err != nil {
		return "", "", inputErr("cannot write to destination %s (%s: %v); pick a writable folder", absDst, realExisting, err)
	}
	return absSrc, absDst, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func samePath(a, b string) bool {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// within reports whether p is strictly inside dir.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == "." {
		return false
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		if r2, err := filepath.Rel(strings.ToLower(dir), strings.ToLower(p)); err == nil {
			rel = r2
		}
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// MakePlan walks the source and the destination side by side, in parallel, and decides
// per entry. Only metadata is read (no file contents), so an unchanged tree is planned
// in the time it takes to stat both trees. src and dst must have passed CheckInput.
func MakePlan(src, dst string, verify bool) (*Plan, error) {
	return makePlan(context.Background(), src, dst, verify, !cleanMarked(dst), nil)
}

// dirFunc receives each folder's findings as soon as it is visited, before its
// subfolders are: rel is the folder, dirs its subfolders, files its other entries. It
// runs on the walk's goroutines.
type dirFunc func(rel string, dirs, files []Item, stale []string)

func makePlan(ctx context.Context, src, dst string, verify, sweep bool, onDir dirFunc) (*Plan, error) {
	start := time.Now()
	p := &Plan{Src: src, Dst: dst}
	rootInfo, err := os.Lstat(src)
	if err != nil {
		return nil, inputErr("cannot read source folder %s: %v", src, unwrapPath(err))
	}
	if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
		p.DstExists = true
	}
	root := Item{Entry: entryOf(".", statOf(rootInfo)), Create: !p.DstExists}
	if p.DstExists {
		if dfi, err := os.Stat(dst); err == nil && !sameDirMeta(root.Entry, statOf(dfi)) {
			root.Why = "mode or time differs"
		}
	}
	w := &walker{ctx: ctx, src: src, dst: dst, verify: verify, sweep: sweep, onDir: onDir, foldCase: ignoresCase(dst),
		maxFile: maxFileSize(dst)}
	w.run(dirJob{rel: ".", dstDir: p.DstExists}, &root)
	// The root stays first (the run reads its error there) even where a top folder's
	// name sorts before "." ("-old", "#tmp").
	p.Dirs = sortedItems([]Item{root}, w.dirs)
	p.Files = sortedItems(nil, w.files)
	p.Stale = w.stale
	p.SourceMeta = w.sourceMeta.Load()
	blockFiles(p)
	for i := range p.Files {
		if op := p.Files[i].Op; op == OpCopy || op == OpVerify {
			p.ToCopy++
			p.BytesToCopy += contentBytes(p.Files[i].Kind, p.Files[i].Size, p.Files[i].LinkOf)
		}
	}
	p.WalkTime = time.Since(start)
	return p, nil
}

// existingParent returns dir, or the nearest folder above it, for which ok holds; "" if
// none does. A destination not made yet is on the disk of the folder it would be made in.
func existingParent(dir string, ok func(string) bool) string {
	for !ok(dir) {
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
	return dir
}

// contentBytes is what copying an entry of kind and size moves: a file's size. A
// link's size is its target's length, and making a link copies no bytes: counting it
// made "1 B of 1001 B copied" for a finished run. Nor does making a file a hard link of
// linkOf's copy.
func contentBytes(kind Kind, size int64, linkOf string) int64 {
	if kind == KindFile && linkOf == "" {
		return size
	}
	return 0
}

// blockFiles fails the files under a folder the plan cannot make (the destination holds
// a file at its name), so a dry run and the report both list them as not backed up.
func blockFiles(p *Plan) {
	blocked := p.dirErrors()
	if len(blocked) == 0 {
		return
	}
	for i := range p.Files {
		it := &p.Files[i]
		if it.Op == OpFail {
			continue
		}
		if fe := underFailedDir(it.Rel, blocked); fe != nil {
			it.Op, it.Err = OpFail, folderNotMade(it.Rel, fe)
		}
	}
}

// dirErrors are the folders below the root that the plan cannot make.
func (p *Plan) dirErrors() []*FileError {
	var errs []*FileError
	for i := 1; i < len(p.Dirs); i++ {
		if fe := p.Dirs[i].Err; fe != nil {
			errs = append(errs, fe)
		}
	}
	return errs
}

// folderNotMade is the error of a file whose folder could not be made.
func folderNotMade(rel string, dir *FileError) *FileError {
	return &FileError{Path: rel, Kind: dir.Kind, Msg: "its folder could not be made: " + dir.Msg}
}

// sortedItems returns head followed by the chunks' items sorted by path. Pointers are
// sorted, not the items (a swap of two would move some 200 bytes), and each item is
// copied once, into a slice of its final size.
func sortedItems(head []Item, chunks [][]Item) []Item {
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	ptrs := make([]*Item, 0, n)
	for _, c := range chunks {
		for i := range c {
			ptrs = append(ptrs, &c[i])
		}
	}
	slices.SortFunc(ptrs, func(a, b *Item) int { return strings.Compare(a.Rel, b.Rel) })
	out := make([]Item, len(head), len(head)+n)
	copy(out, head)
	for _, it := range ptrs {
		out = append(out, *it)
	}
	return out
}

// fstat is what the plan needs of a stat.
type fstat struct {
	mode         fs.FileMode
	size         int64
	mtime, atime time.Time
	uid, gid     int
	hasOwn       bool
	rdev         uint64 // a device's number
	alloc        int64  // bytes the disk holds for it (less than size with holes); -1: not known
	// The file's identity and its count of names (hard links); 0 where the system
	// does not say (Windows).
	dev, ino, nlink uint64
}

func statOf(fi fs.FileInfo) fstat {
	st := fstat{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime(), atime: atime(fi)}
	st.uid, st.gid, st.hasOwn = owner(fi)
	st.rdev, st.alloc = deviceNumber(fi), allocated(fi)
	st.dev, st.ino, st.nlink = fileID(fi)
	return st
}

func (s fstat) kind() Kind {
	switch {
	case s.mode.IsRegular():
		return KindFile
	case s.mode.IsDir():
		return KindDir
	case s.mode&fs.ModeSymlink != 0:
		return KindLink
	}
	return KindOther
}

func entryOf(rel string, st fstat) Entry {
	e := Entry{Rel: rel, Kind: st.kind(), Size: st.size, Mtime: st.mtime, Mode: st.mode, Atime: st.atime,
		UID: st.uid, GID: st.gid, HasOwn: st.hasOwn, Rdev: st.rdev, Alloc: st.alloc}
	if e.Kind == KindDir {
		e.Size = 0
	}
	return e
}

// sameTime compares modification times as the destination's file system keeps them: a
// copy's time is the source's rounded, down or (Windows on FAT) up, to that file system's
// step. ext4 and APFS keep nanoseconds, NTFS 100 ns, exFAT 10 ms, HFS+ and FUSE's exFAT
// whole seconds, FAT two. A time on one of those steps that is less than a step away is
// the same time: otherwise every run to an NTFS or FAT disk would copy every file again.
func sameTime(src, dst time.Time) bool {
	if src.Equal(dst) {
		return true
	}
	d := src.Sub(dst)
	if d < 0 {
		d = -d
	}
	for _, step := range timeSteps {
		if d < step && onStep(dst, step) {
			return true
		}
	}
	return false
}

// onStep reports whether t is a whole number of steps from the Unix epoch (UnixNano
// would overflow for the years past 2262 a file's time can hold).
func onStep(t time.Time, step time.Duration) bool {
	if step < time.Second {
		return t.Nanosecond()%int(step) == 0
	}
	return t.Nanosecond() == 0 && t.Unix()%int64(step/time.Second) == 0
}

// timeSteps are the destination file systems' time resolutions, finest first.
var timeSteps = []time.Duration{100 * time.Nanosecond, time.Microsecond, 10 * time.Millisecond, time.Second, 2 * time.Second}

func sameDirMeta(e Entry, d fstat) bool {
	if !d.mode.IsDir() || d.mode.Perm() != e.Mode.Perm() || !sameTime(e.Mtime, d.mtime) {
		return false
	}
	return !keepOwner || !e.HasOwn || !d.hasOwn || d.uid == e.UID && d.gid == e.GID
}

// caseKept maps each lower-cased name that two or more entries share to the one of them
// that is backed up (the first in byte order, so every run keeps the same one); nil when
// no two names differ only in case.
func caseKept(ents []fs.DirEntry) map[string]string {
	var kept map[string]string
	first := make(map[string]string, len(ents))
	for _, e := range ents {
		name := e.Name()
		low := strings.ToLower(name)
		other, dup := first[low]
		if !dup {
			first[low] = name
			continue
		}
		if kept == nil {
			kept = map[string]string{}
		}
		k, ok := kept[low]
		if !ok {
			k = other
		}
		kept[low] = min(k, name)
	}
	return kept
}

// keptName is the name backed up of those that differ from name only in case: name
// itself when none does (without lower-casing every name of every walk).
func keptName(kept map[string]string, name string) string {
	if kept == nil {
		return name
	}
	if k, ok := kept[strings.ToLower(name)]; ok {
		return k
	}
	return name
}

// ignoresCase reports whether the file system that holds dir, or the nearest folder
// above it that exists, finds a name in any case. It only reads: a name listed there is
// looked up with its case swapped (a real run's destination always holds .proclab by
// then). Inode numbers cannot tell (fusefat makes one up at each lookup), so a swapped
// name that is not listed but is found is the answer. An empty folder at the top of its
// disk cannot tell, and counts as telling case.
func ignoresCase(dir string) bool {
	var fi fs.FileInfo
	d := existingParent(dir, func(d string) bool {
		var err error
		fi, err = os.Stat(d)
		return err == nil && fi.IsDir()
	})
	if d == "" {
		return false
	}
	if found, ok := foundSwapped(d, nil); ok {
		return found
	}
	// Its own name, when its parent is on the same disk.
	parent := filepath.Dir(d)
	if pi, err := os.Stat(parent); parent != d && err == nil && sameDevice(fi, pi) {
		found, _ := foundSwapped(parent, func(n string) bool { return n == filepath.Base(d) })
		return found
	}
	return false
}

// foundSwapped looks up, in dir, the first listed name (that pick accepts) whose
// case-swapped form is not listed: ok is false when there is no such name.
func foundSwapped(dir string, pick func(string) bool) (found, ok bool) {
	f, err := os.Open(dir)
	if err != nil {
		return false, false
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	listed := make(map[string]bool, len(names))
	for _, n := range names {
		listed[n] = true
	}
	for _, n := range names {
		if sw := swapCase(n); sw != n && !listed[sw] && (pick == nil || pick(n)) {
			_, err := os.Lstat(filepath.Join(dir, sw))
			return err == nil, true
		}
	}
	return false, false
}

// swapCase turns every letter of name to its other case.
func swapCase(name string) string {
	return strings.Map(func(r rune) rune {
		if u := unicode.ToUpper(r); u != r {
			return u
		}
		return unicode.ToLower(r)
	}, name)
}

type dirJob struct {
	rel    string
	dstDir bool // the destination has a folder here
}

// walker visits folders with a few goroutines; each folder's source and destination
// listings are compared name by name.
type walker struct {
	ctx      context.Context // cancelled: visit no more folders
	src, dst string
	verify   bool
	onDir    dirFunc

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []dirJob
	pending int
	// Each folder's findings stay in the slices its visit made: appending them to one
	// growing slice copied the whole plan over and over (9 of the parent's 43 MB
	// allocated for the Go src tree). sortedItems joins them once.
	files [][]Item
	dirs  [][]Item
	stale []string

	sourceMeta atomic.Bool
	// sweep lists every destination folder for temporary files a killed run left behind.
	// Off when the last run here ended cleanly (cleanMark), which left none.
	sweep bool
	// The destination finds a name in any case (FAT, exFAT, macOS's APFS and Windows'
	// NTFS by default): two source names that differ only in case would be one file there.
	foldCase bool
	// The largest file the destination holds (FAT: 4 GiB less a byte), 0 for no limit. A
	// bigger one had been refused only once 4 GiB of it was written, and until then it
	// held 4 GiB of the disk that the other files needed.
	maxFile int64

	// Files with more than one name: the first name the walk met of each, by device and
	// inode. The others are linked to its copy instead of copied again.
	linkMu    sync.Mutex
	linkHeads map[[2]uint64]string
}

func (w *walker) run(root dirJob, rootItem *Item) {
	w.cond = sync.NewCond(&w.mu)
	w.queue = []dirJob{root}
	w.pending = 1
	n := 2 * runtime.GOMAXPROCS(0)
	if n < 4 {
		n = 4
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				w.mu.Lock()
				for len(w.queue) == 0 && w.pending > 0 {
					w.cond.Wait()
				}
				if w.pending == 0 {
					w.mu.Unlock()
					return
				}
				j := w.queue[len(w.queue)-1]
				w.queue = w.queue[:len(w.queue)-1]
				w.mu.Unlock()

				var files, dirs []Item
				var stale []string
				var jobs []dirJob
				var dirErr *FileError
				if w.ctx.Err() == nil {
					files, dirs, stale, jobs, dirErr = w.visit(j)
				}
				if w.onDir != nil {
					w.onDir(j.rel, dirs, files, stale)
				}

				w.mu.Lock()
				w.files = append(w.files, files)
				w.dirs = append(w.dirs, dirs)
				w.stale = append(w.stale, stale...)
				if dirErr != nil {
					if j.rel == "." {
						rootItem.Err = dirErr
					} else {
						w.files = append(w.files, []Item{{Entry: Entry{Rel: j.rel, Kind: KindDir}, Op: OpFail, Err: dirErr}})
					}
				}
				w.queue = append(w.queue, jobs...)
				w.pending += len(jobs) - 1
				if len(jobs) > 0 || w.pending == 0 {
					w.cond.Broadcast()
				}
				w.mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func readNames(dir string) (*os.File, []fs.DirEntry, error) {
	f, err := openDir(dir)
	if err != nil {
		return nil, nil, err
	}
	ents, err := f.ReadDir(-1)
	return f, ents, err
}

func (w *walker) visit(j dirJob) (files, dirs []Item, stale []string, jobs []dirJob, dirErr *FileError) {
	srcDir := filepath.Join(w.src, j.rel)
	dstDir := filepath.Join(w.dst, j.rel)
	var dstEnts map[string]fs.DirEntry
	var dstF *os.File
	var wg sync.WaitGroup
	// Without leftovers to find, or names to find in another case, the destination's
	// names are only looked up, not listed, as rsync does: listing them was a sixth of a
	// no-change run's CPU.
	listDst := j.dstDir && (w.sweep || w.foldCase)
	if j.dstDir && !listDst {
		dstF, _ = openDirForStat(dstDir)
	}
	if listDst {
		// Read the destination folder while the source one is read. An unreadable one
		// shows up as per-file errors when writing.
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, ents, _ := readNames(dstDir)
			dstF = f
			dstEnts = make(map[string]fs.DirEntry, len(ents))
			for _, e := range ents {
				dstEnts[e.Name()] = e
			}
		}()
	}
	srcF, srcEnts, err := readNames(srcDir)
	wg.Wait()
	if dstF != nil {
		defer dstF.Close()
	}
	if srcF != nil {
		defer srcF.Close()
	}
	if err != nil && len(srcEnts) == 0 {
		return nil, nil, nil, nil, fileErr(j.rel, err, "cannot read this folder")
	}
	isRoot := j.rel == "."
	var kept, dstFold map[string]string
	if w.foldCase {
		kept, dstFold = caseKept(srcEnts), make(map[string]string, len(dstEnts))
		for name := range dstEnts {
			dstFold[strings.ToLower(name)] = name
		}
	}
	files = make([]Item, 0, len(srcEnts))
	var seen map[string]bool // with a listing of the destination: its names that are no leftover
	if listDst {
		seen = make(map[string]bool, len(srcEnts))
	}
	for _, se := range srcEnts {
		name := se.Name()
		if isRoot && name == MetaDir {
			w.sourceMeta.Store(true)
			continue
		}
		if seen != nil {
			seen[name] = true
		}
		rel := name
		if !isRoot {
			rel = j.rel + string(filepath.Separator) + name // both clean: Join's Clean was 1.5% of a no-change run
		}
		st, err := lstatIn(srcF, srcDir, name)
		if err != nil {
			continue // vanished since the listing: nothing to back up
		}
		e := entryOf(rel, st)
		if k := keptName(kept, name); k != name {
			fe := &FileError{Path: rel, Kind: ErrBadName, Msg: fmt.Sprintf("the destination's file system ignores case, "+
				"and %q is backed up at this name: rename one of the two in the source to back up both", k)}
			if e.Kind == KindDir {
				// Walked all the same, so its files are listed as not backed up.
				dirs = append(dirs, Item{Entry: e, Err: fe})
				jobs = append(jobs, dirJob{rel: rel})
			} else {
				files = append(files, Item{Entry: e, Op: OpFail, Err: fe})
			}
			continue
		}
		var dfi *fstat
		dname := name
		if dstEnts[name] == nil && w.foldCase {
			// The copy of a file renamed in case only is the same file there.
			if n, ok := dstFold[strings.ToLower(name)]; ok {
				dname = n
			}
		}
		if seen != nil && dstEnts[dname] != nil {
			seen[dname] = true
		}
		if dstEnts[dname] != nil || j.dstDir && !listDst {
			if d, err := lstatIn(dstF, dstDir, dname); err == nil {
				dfi = &d
			}
		}
		switch e.Kind {
		case KindDir:
			it := Item{Entry: e}
			switch {
			case dfi == nil:
				it.Create, it.Why = true, "new"
			case dfi.kind() == KindFile:
				// Replacing it would lose its content: the user decides, as where a file
				// meets a folder. Its files are reported as not backed up.
				it.Err = &FileError{Path: rel, Kind: ErrConflict, Msg: "the destination has a file at this name; move it away to back up this folder"}
			case dfi.kind() != KindDir:
				it.Create, it.Clear, it.Why = true, true, "was a "+dfi.kind().String()
			case !sameDirMeta(e, *dfi):
				it.Why = "mode or time differs"
			}
			dirs = append(dirs, it)
			jobs = append(jobs, dirJob{rel: rel, dstDir: dfi != nil && dfi.kind() == KindDir})
		case KindFile:
			if st.nlink > 1 && st.ino != 0 {
				e.LinkOf = w.linkHead(st.dev, st.ino, rel)
			}
			files = append(files, w.decideFile(e, dfi))
		case KindLink:
			target, err := os.Readlink(filepath.Join(srcDir, name))
			if err != nil {
				files = append(files, Item{Entry: e, Op: OpFail, Err: fileErr(rel, err, "cannot read this link")})
				continue
			}
			e.Target = target
			it := Item{Entry: e, Op: OpCopy, Why: "new"}
			if dfi != nil {
				switch {
				case dfi.kind() == KindDir:
					it.Op, it.Err = OpFail, &FileError{Path: rel, Kind: ErrConflict, Msg: "the destination has a folder at this name; move it away to back up this link"}
				case dfi.kind() == KindLink:
					if dt, err := os.Readlink(filepath.Join(dstDir, name)); err == nil && dt == target {
						it.Op, it.Why = OpSkip, ""
					} else {
						it.Why = "link target changed"
					}
				default:
					it.Why = "was a " + dfi.kind().String()
				}
			}
			files = append(files, it)
		default:
			if canRecreate(e.Mode) {
				files = append(files, decideSpecial(e, dfi))
				continue
			}
			files = append(files, Item{Entry: e, Op: OpFail, Err: &FileError{Path: rel, Kind: ErrSpecial,
				Msg: "a " + specialName(e.Mode) + " is not a file, folder or link; not backed up"}})
		}
	}
	for name, de := range dstEnts {
		if !seen[name] && strings.HasPrefix(name, ".") && strings.HasSuffix(name, tempSuffix) && !de.IsDir() {
			if isRoot {
				stale = append(stale, name)
			} else {
				stale = append(stale, filepath.Join(j.rel, name))
			}
		}
	}
	return files, dirs, stale, jobs, nil
}

// linkHead returns the name of device dev's inode ino that is copied, when it is not rel:
// the first the walk met.
func (w *walker) linkHead(dev, ino uint64, rel string) string {
	w.linkMu.Lock()
	defer w.linkMu.Unlock()
	if w.linkHeads == nil {
		w.linkHeads = map[[2]uint64]string{}
	}
	key := [2]uint64{dev, ino}
	head, ok := w.linkHeads[key]
	if !ok {
		w.linkHeads[key] = rel
		return ""
	}
	return head
}

func (w *walker) decideFile(e Entry, dfi *fstat) Item {
	it := Item{Entry: e, Op: OpCopy, Why: "new"}
	if w.maxFile > 0 && e.Size > w.maxFile {
		it.Op, it.Err = OpFail, &FileError{Path: e.Rel, Kind: ErrTooBig, Msg: fmt.Sprintf("it is %s (%s bytes), and a file on the "+
			"destination's file system (FAT32) holds at most 4 GiB less a byte; %s", numfmt.Bytes(e.Size), numfmt.Thousands(e.Size), tooBigFix)}
		return it
	}
	if dfi == nil {
		return it
	}
	if dfi.kind() == KindFile {
		it.oldSize = dfi.size
	}
	switch {
	case dfi.kind() == KindDir:
		it.Op, it.Err = OpFail, &FileError{Path: e.Rel, Kind: ErrConflict, Msg: "the destination has a folder at this name; move it away to back up this file"}
	case dfi.kind() != KindFile:
		it.Why = "was a " + dfi.kind().String()
	case dfi.size != e.Size:
		it.Why = "size changed"
	case !sameTime(e.Mtime, dfi.mtime):
		it.Why = "time changed"
	case w.verify:
		it.Op, it.Why = OpVerify, "compare by SHA-256"
	default:
		it.Op, it.Why = OpSkip, ""
		if dfi.mode.Perm() != e.Mode.Perm() {
			it.Op, it.Why = OpMeta, "mode changed"
		} else if keepOwner && e.HasOwn && dfi.hasOwn && (dfi.uid != e.UID || dfi.gid != e.GID) {
			it.Op, it.Why = OpMeta, "owner changed"
		}
	}
	return it
}

// decideSpecial plans a fifo, socket or device the backup makes again: unchanged when
// the destination has the same kind of node with the same mode and time.
func decideSpecial(e Entry, dfi *fstat) Item {
	it := Item{Entry: e, Op: OpCopy, Why: "new"}
	switch {
	case dfi == nil:
	case dfi.kind() == KindDir:
		it.Op, it.Err = OpFail, &FileError{Path: e.Rel, Kind: ErrConflict, Msg: "the destination has a folder at this name; move it away to back up this " + specialName(e.Mode)}
	case dfi.mode.Type() != e.Mode.Type():
		it.Why = "was a " + dfi.kind().String()
	case e.Mode&fs.ModeDevice != 0 && dfi.rdev != e.Rdev:
		// Another device under the same name, mode and time: the same node it is not.
		it.Why = "device number changed"
	case dfi.mode.Perm() != e.Mode.Perm() || !sameTime(e.Mtime, dfi.mtime):
		it.Why = "mode or time changed"
	default:
		it.Op, it.Why = OpSkip, ""
	}
	return it
}

func specialName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// tempPath is where a file is written before it is renamed to final. It is the same for
// every attempt of a run, so the parent can remove what a killed worker left.
func tempPath(final, tag string) string {
	dir, base := filepath.Split(final)
	name := "." + base + "." + tag + tempSuffix
	if len(name) > 200 {
		// Keep within the 255-byte name limit: the real name is not needed to find it.
		name = fmt.Sprintf(".%x.%s%s", fnv64(base), tag, tempSuffix)
	}
	return filepath.Join(dir, name)
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
