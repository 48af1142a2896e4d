//go:build !windows

package backup

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// canRecreate says whether a backup makes this special file again, as cp -a and
// rsync -a do: a fifo or a socket (a home folder holds gpg-agent's and ssh's), and as
// root a device. They hold no bytes: the copy is the node, its mode, owner and times.
func canRecreate(m fs.FileMode) bool {
	switch {
	case m&(fs.ModeNamedPipe|fs.ModeSocket) != 0:
		return true
	case m&fs.ModeDevice != 0:
		return os.Geteuid() == 0
	}
	return false
}

// makeSpecial makes t's fifo, socket or device again under a temporary name, with the
// source's mode, owner and times, and renames it into place.
func (w *worker) makeSpecial(t task) result {
	fail := func(fe *FileError) result { return result{I: t.I, Err: fe} }
	src := filepath.Join(w.cfg.Src, t.Rel)
	final := filepath.Join(w.cfg.Dst, t.Rel)
	tmp := tempPath(final, w.cfg.Tag)
	fi, err := os.Lstat(src)
	if err != nil {
		return fail(fileErr(t.Rel, err, "cannot read it"))
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !canRecreate(fi.Mode()) || !ok { // became a file, folder or link since the plan
		return fail(&FileError{Path: t.Rel, Kind: ErrChanged, Msg: errKindChanged.Error()})
	}
	os.Remove(tmp) // a leftover of a killed attempt
	if err := unix.Mknod(tmp, uint32(st.Mode), int(st.Rdev)); err != nil {
		return fail(fileErr(t.Rel, &fs.PathError{Op: "mknod", Path: t.Rel, Err: err}, "cannot make it"))
	}
	done := false
	defer func() {
		if !done {
			os.Remove(tmp)
		}
	}()
	// Owner before mode (a chown clears set-ID bits); the mode again, past the umask.
	if keepOwner && t.Owner {
		if err := os.Lchown(tmp, int(st.Uid), int(st.Gid)); err != nil {
			return fail(fileErr(t.Rel, err, "cannot set its owner"))
		}
	}
	if err := os.Chmod(tmp, fi.Mode()&fs.ModePerm|fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return fail(fileErr(t.Rel, err, "cannot set its mode"))
	}
	if err := os.Chtimes(tmp, atime(fi), fi.ModTime()); err != nil {
		return fail(fileErr(t.Rel, err, "cannot set its times"))
	}
	if err := os.Rename(tmp, final); err != nil {
		return fail(fileErr(t.Rel, err, "cannot put it in place"))
	}
	done = true
	return result{I: t.I, Copied: true}
}
