package backup

import (
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// openDir opens a folder for listing with one system call. os.Open would also try to put
// it in the netpoller (set non-blocking, register, fail, set blocking again): four
// fcntl and an epoll_ctl wasted per folder, on every folder of both trees.
func openDir(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(fd), dir), nil
}

// lstatIn stats name inside the open folder dir, relative to its descriptor: the kernel
// does not walk the whole path again for every entry, which is most of a no-change run.
func lstatIn(dir *os.File, _ string, name string) (fstat, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fstat{}, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	m := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	}
	if st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if st.Mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return fstat{mode: m, size: st.Size, mtime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec),
		atime: time.Unix(st.Atim.Sec, st.Atim.Nsec), uid: int(st.Uid), gid: int(st.Gid), hasOwn: true,
		rdev: st.Rdev, alloc: st.Blocks * 512, dev: st.Dev, ino: st.Ino, nlink: uint64(st.Nlink)}, nil
}

// openDirForStat opens a folder only to stat names in it: O_PATH reads nothing and
// checks no read permission.
func openDirForStat(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(fd), dir), nil
}
