//go:build !windows

package backup

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// owner reads a file's owner and group.
func owner(fi fs.FileInfo) (uid, gid int, ok bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid), true
	}
	return 0, 0, false
}

// allocated is how many bytes the disk holds for a file (st_blocks counts 512 bytes).
func allocated(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return -1
}

// fileID is a file's device and inode numbers and how many names (hard links) it has.
func fileID(fi fs.FileInfo) (dev, ino, nlink uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), st.Ino, uint64(st.Nlink)
	}
	return 0, 0, 0
}

// deviceNumber is a device's major and minor number, as the system packs them.
func deviceNumber(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Rdev)
	}
	return 0
}

// diskSpace says what dir's file system has free for us (as root, the blocks it keeps
// for root too, as our writes may use them) and holds.
func diskSpace(dir string) (space, bool) {
	var st unix.Statfs_t
	// A file system that reports no size at all (fusefat's FAT32, some FUSE and network
	// file systems) is of unknown room, not full: it had refused every backup as too big.
	if unix.Statfs(dir, &st) != nil || st.Bsize <= 0 || st.Blocks == 0 {
		return space{}, false
	}
	avail := st.Bavail
	if keepOwner {
		avail = st.Bfree
	}
	return space{free: int64(avail) * int64(st.Bsize), size: int64(st.Blocks) * int64(st.Bsize), block: int64(st.Bsize),
		files: int64(st.Files), filesFree: int64(st.Ffree)}, true
}

// keepOwner: as root, owner and group are kept (as cp -a does); others cannot chown.
var keepOwner = os.Geteuid() == 0

// umask is read once, at start: reading it means setting it.
var umask = func() fs.FileMode {
	old := syscall.Umask(0)
	syscall.Umask(old)
	return fs.FileMode(old)
}()

// createPerm is the mode a new file gets before any chmod (0666 less the umask): a
// source file with that mode needs no chmod, which spares a journaled inode update per
// file on most trees.
var createPerm = 0o666 &^ umask

// mkdirGivesMode says whether a folder made with dirMode(m) has mode m exactly, in a
// parent that hands down no set-group-ID bit: then no chmod is needed after it is filled.
func mkdirGivesMode(m fs.FileMode) bool {
	return m&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) == 0 && dirMode(m)&^umask == m.Perm()
}

// handsDownGroup says whether new entries of folder dir take its group and, for
// folders, its set-group-ID bit.
func handsDownGroup(dir string) bool {
	var st unix.Stat_t
	return unix.Stat(dir, &st) != nil || st.Mode&unix.S_ISGID != 0
}

// writable reports why dir cannot be written to, if it cannot. access(2) answers for the
// mount too (EROFS), even as root, and writes nothing.
func writable(dir string) error {
	return unix.Access(dir, unix.W_OK)
}

func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// isTooBig: a write past the largest file the file system holds (FAT32: 4 GiB).
func isTooBig(err error) bool { return errors.Is(err, syscall.EFBIG) }

func isBadName(err error) bool {
	return errors.Is(err, syscall.ENAMETOOLONG) || errors.Is(err, syscall.EILSEQ) || errors.Is(err, syscall.EINVAL)
}

// isSymlinkRefused: FAT and exFAT hold no links; their drivers answer ENOSYS, EPERM or
// EOPNOTSUPP to a symlink call.
func isSymlinkRefused(err error) bool {
	var le *os.LinkError
	return errors.As(err, &le) && le.Op == "symlink" &&
		(errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EOPNOTSUPP))
}

const symlinkRefusedMsg = "the destination's file system cannot hold links (FAT and exFAT cannot); " +
	"back up to a disk formatted for Linux or macOS to keep it"

// attrRefused reports whether a chmod or chown of a destination entry failed because
// its file system cannot hold modes or owners (FAT, exFAT, many network and FUSE file
// systems), not for want of rights: there the copy keeps its contents and times, and
// the report counts what it could not keep. EPERM means that only for an entry the run
// may change anyway: as root, or one of its own (ours).
func attrRefused(err error, ours bool) bool {
	switch {
	case errors.Is(err, syscall.ENOSYS), errors.Is(err, syscall.EOPNOTSUPP):
		return true
	case errors.Is(err, syscall.EPERM):
		return ours || keepOwner
	}
	return false
}

// ownedByMe reports whether path belongs to this process's user.
func ownedByMe(path string) bool {
	fi, err := os.Lstat(path)
	if err != nil {
		return false
	}
	uid, _, ok := owner(fi)
	return ok && uid == myUID
}

// sameDevice reports whether two entries are on one file system.
func sameDevice(a, b fs.FileInfo) bool {
	sa, ok1 := a.Sys().(*syscall.Stat_t)
	sb, ok2 := b.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && sa.Dev == sb.Dev
}
