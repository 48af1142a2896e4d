package backup

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// fastCopy copies a regular file below bigFile, or one with holes of any size, without
// the copy library, with a third
// of its system calls: the source is opened and stat'ed once relative to a cached folder
// descriptor (no path walk per call, no Lstat before and after), the copy is written to
// an anonymous O_TMPFILE inode in its destination folder, gets owner, mode and times
// through its descriptor, and is linked under its real name only when complete. The
// copy library (os.Create of a temporary name, chmod, chown and utimes by path, a
// rename) stays for links, big files without holes (streamed with progress), file systems
// without O_TMPFILE and every case this path declines (handled false).
func (w *worker) fastCopy(t task) (r result, handled bool) {
	if t.Kind != KindFile || w.noTmpfile {
		return result{}, false
	}
	dir, base := filepath.Split(t.Rel)
	sd, dd, ok := w.dirFDs(dir)
	if !ok {
		return result{}, false
	}
	fail := func(fe *FileError) (result, bool) { return result{I: t.I, Err: fe}, true }
	readErr := func(err error) (result, bool) {
		fe := fileErr(t.Rel, &fs.PathError{Op: "open", Path: t.Rel, Err: err}, "cannot read it")
		if fe.Kind == ErrWrite {
			fe.Kind = ErrUnreadable
		}
		return fail(fe)
	}
	writeErr := func(op string, err error) (result, bool) {
		fe := fileErr(t.Rel, &fs.PathError{Op: op, Path: t.Rel, Err: err}, "cannot write it")
		if fe.Kind == ErrUnreadable || fe.Kind == ErrVanished {
			fe.Kind = ErrWrite
			fe.Msg = "cannot write it: " + err.Error()
		}
		return fail(fe)
	}

	// O_NONBLOCK: a source that became a fifo must not block the open.
	in, err := rawOpenat(&w.names, sd, base, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err == unix.ELOOP {
		return fail(&FileError{Path: t.Rel, Kind: ErrChanged, Msg: errKindChanged.Error()})
	}
	if err != nil {
		return readErr(err)
	}
	defer rawClose(in)
	var pre unix.Stat_t
	if err := rawFstat(in, &pre); err != nil {
		return readErr(err)
	}
	if pre.Mode&unix.S_IFMT != unix.S_IFREG {
		return fail(&FileError{Path: t.Rel, Kind: ErrChanged, Msg: errKindChanged.Error()})
	}
	// A file with holes (a disk image, a database) is copied hole for hole, big or small:
	// written out in full, 1 GB holding a few blocks took 11 s and 1 GB of the
	// destination. Other big files are streamed by the copy library, with progress.
	sparse := pre.Blocks*512 < pre.Size
	if pre.Size >= bigFile && !sparse {
		return result{}, false
	}

	out, err := rawOpenat(&w.names, dd, ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o666)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) {
		w.noTmpfile = true // this file system has no anonymous files: the general path
		return result{}, false
	}
	if err != nil {
		return writeErr("open", err)
	}
	defer rawClose(out)

	// Exactly the size seen at open: a file that grows while read is caught below
	// instead of being chased.
	var holes int64
	if sparse {
		var rerr, werr error
		if holes, rerr, werr = w.copySparse(in, out, pre.Size); errors.Is(rerr, errStopped) {
			return fail(&FileError{Path: t.Rel, Kind: ErrNotCopied, Msg: "not copied: " + errStopped.Error()})
		} else if rerr != nil {
			return readErr(rerr)
		} else if werr != nil {
			return writeErr("write", werr)
		}
	}
	for left := pre.Size; left > 0 && !sparse; {
		if w.noCopyRange {
			if rerr, werr := w.copyPlain(in, out, left); rerr != nil {
				return readErr(rerr)
			} else if werr != nil {
				return writeErr("write", werr)
			}
			break
		}
		n, err := rawCopyFileRange(in, out, int(min(left, 1<<30)))
		switch {
		case err == unix.EINTR:
			continue
		case copyRangeRefused(err):
			// Across file systems (or where the kernel cannot): read and write, for this
			// file and every later one.
			w.noCopyRange = true
		case err != nil:
			return writeErr("write", err)
		case n == 0:
			left = 0 // shrunk while read: the check below reports it
		default:
			left -= int64(n)
		}
	}

	// Owner before mode: a chown clears set-user-ID and set-group-ID bits. A file
	// system that holds neither keeps the contents and times (counted, not failed).
	uid, gid := int(pre.Uid), int(pre.Gid)
	var lost byte
	if keepOwner && t.Owner && (uid != myUID || gid != myGID || w.dstSetgid) {
		if err := rawFchown(out, uid, gid); attrRefused(err, true) {
			lost |= lostOwner
		} else if err != nil {
			return writeErr("chown", err)
		}
	}
	if mode := fs.FileMode(pre.Mode & 0o7777); mode != fileModeBits(createPerm) {
		if err := rawFchmod(out, uint32(pre.Mode&0o7777)); attrRefused(err, true) {
			lost |= lostMode
		} else if err != nil {
			return writeErr("chmod", err)
		}
	}
	if err := futimens(out, pre.Atim, pre.Mtim); err != nil {
		return writeErr("utimes", err)
	}
	if w.cfg.Fsync {
		if err := unix.Fsync(out); err != nil {
			return writeErr("fsync", err)
		}
	}

	// What was read is the inode opened above: its size and time tell whether it moved.
	var post unix.Stat_t
	if err := rawFstat(in, &post); err != nil {
		return readErr(err)
	}
	if post.Size != pre.Size || post.Mtim != pre.Mtim {
		return fail(&FileError{Path: t.Rel, Kind: ErrChanged,
			Msg: "it changed while being copied (size or time moved); run the backup again to copy the new version"})
	}
	if err := w.linkIn(out, dd, base, t.Rel); err != nil {
		return fail(fileErr(t.Rel, &fs.PathError{Op: "link", Path: t.Rel, Err: err}, "cannot put it in place"))
	}
	return result{I: t.I, Copied: true, Bytes: pre.Size, Holes: holes, Lost: lost}, true
}

func fileModeBits(m fs.FileMode) fs.FileMode {
	b := m & fs.ModePerm
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// linkIn gives the finished anonymous file fd its name in folder dd. A name that
// exists (a changed file copied again) is replaced atomically: link under the
// temporary name, then rename over it.
func (w *worker) linkIn(fd, dd int, base, rel string) error {
	link := func(name string) error {
		if !w.noEmptyPath {
			err := rawLinkat(&w.names, fd, "", dd, name, unix.AT_EMPTY_PATH)
			if err != unix.ENOENT && err != unix.EPERM {
				return err
			}
			// Without CAP_DAC_READ_SEARCH the kernel refuses AT_EMPTY_PATH with ENOENT.
			w.noEmptyPath = true
		}
		return rawLinkat(&w.names, unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), dd, name, unix.AT_SYMLINK_FOLLOW)
	}
	err := link(base)
	if err != unix.EEXIST {
		return err
	}
	tmp := filepath.Base(tempPath(filepath.Join(w.cfg.Dst, rel), w.cfg.Tag))
	if err := link(tmp); err == unix.EEXIST {
		unix.Unlinkat(dd, tmp, 0) // a leftover of a killed attempt
		if err := link(tmp); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if err := unix.Renameat(dd, tmp, dd, base); err != nil {
		unix.Unlinkat(dd, tmp, 0)
		return err
	}
	return nil
}

// sparseChunk is how much of a file with holes is copied between progress updates
// and checks for a stop.
const sparseChunk = 4 << 20

// copySparse copies the data of a file with holes and leaves the holes unwritten, so the
// copy takes the room the source takes. It finds the data with SEEK_DATA and SEEK_HOLE,
// copies it at the same offsets, and sets the length last (a hole may end the file).
// It returns how many bytes it left as holes.
func (w *worker) copySparse(in, out int, size int64) (holes int64, readErr, writeErr error) {
	written := int64(0)
	for off := int64(0); off < size; {
		data, err := unix.Seek(in, off, unix.SEEK_DATA)
		if err == unix.ENXIO {
			break // only a hole is left
		}
		if err != nil {
			return 0, err, nil
		}
		hole, err := unix.Seek(in, data, unix.SEEK_HOLE)
		if err != nil {
			return 0, err, nil
		}
		for end := min(hole, size); data < end; {
			if w.c.Stopping() {
				return 0, errStopped, nil
			}
			n := int(min(end-data, sparseChunk))
			k, rerr, werr := w.copyAt(in, out, data, n)
			if rerr != nil || werr != nil {
				return 0, rerr, werr
			}
			if k == 0 {
				return 0, nil, nil // shrunk while read: the caller's check reports it
			}
			data, written = data+int64(k), written+int64(k)
			w.curDone.Store(w.copyShare(data))
		}
		off = max(data, hole)
	}
	if err := unix.Ftruncate(out, size); err != nil {
		return 0, nil, err
	}
	w.curDone.Store(w.copyShare(size))
	return size - written, nil, nil
}

// copyAt copies up to n bytes at offset off of in to the same offset of out; 0 at the
// end of in.
func (w *worker) copyAt(in, out int, off int64, n int) (k int, readErr, writeErr error) {
	if !w.noCopyRange {
		roff, woff := off, off
		k, err := unix.CopyFileRange(in, &roff, out, &woff, n, 0)
		switch {
		case err == unix.EINTR:
			return w.copyAt(in, out, off, n)
		case copyRangeRefused(err):
			w.noCopyRange = true
		case err != nil:
			return 0, nil, err
		default:
			return k, nil, nil
		}
	}
	if w.buf == nil {
		w.buf = make([]byte, 256<<10)
	}
	k, err := unix.Pread(in, w.buf[:min(n, len(w.buf))], off)
	if err != nil || k == 0 {
		return 0, err, nil
	}
	for p := w.buf[:k]; len(p) > 0; {
		m, err := unix.Pwrite(out, p, off)
		if err != nil {
			return 0, nil, err
		}
		p, off = p[m:], off+int64(m)
	}
	return k, nil, nil
}

// copyRangeRefused says copy_file_range cannot copy between these two files at all:
// across file systems, or a kernel or file system without it.
func copyRangeRefused(err error) bool {
	return err == unix.EXDEV || err == unix.EINVAL || err == unix.ENOSYS || err == unix.EOPNOTSUPP
}

// copyPlain copies n bytes with read and write where copy_file_range cannot.
func (w *worker) copyPlain(in, out int, n int64) (readErr, writeErr error) {
	if w.buf == nil {
		w.buf = make([]byte, 256<<10)
	}
	buf := w.buf
	for n > 0 {
		k, err := rawRead(in, buf[:min(int64(len(buf)), n)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err, nil
		}
		if k == 0 {
			return nil, nil
		}
		for p := buf[:k]; len(p) > 0; {
			m, err := rawWrite(out, p)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return nil, err
			}
			p = p[m:]
		}
		n -= int64(k)
	}
	return nil, nil
}

// dirFDs returns descriptors of the source and destination folders of rel's folder,
// kept open while the worker stays in one folder (batches are cut by folder).
func (w *worker) dirFDs(dir string) (sd, dd int, ok bool) {
	if w.fdDir == dir && w.srcFD >= 0 {
		return w.srcFD, w.dstFD, true
	}
	w.closeDirFDs()
	sd, err := unix.Open(filepath.Join(w.cfg.Src, dir), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, -1, false // the general path reports it
	}
	dd, err = unix.Open(filepath.Join(w.cfg.Dst, dir), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(sd)
		return -1, -1, false
	}
	// In a set-group-ID folder a new file takes the folder's group, not ours.
	var st unix.Stat_t
	w.dstSetgid = unix.Fstat(dd, &st) != nil || st.Mode&unix.S_ISGID != 0
	w.fdDir, w.srcFD, w.dstFD = dir, sd, dd
	return sd, dd, true
}

func (w *worker) closeDirFDs() {
	if w.srcFD >= 0 {
		unix.Close(w.srcFD)
		unix.Close(w.dstFD)
	}
	w.fdDir, w.srcFD, w.dstFD = "", -1, -1
}
