package backup

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/windows"
)

func owner(fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }

func deviceNumber(fs.FileInfo) uint64 { return 0 }

func allocated(fs.FileInfo) int64 { return -1 }

var keepOwner = false

// createPerm: Windows keeps only a read-only bit; always let the copy library set it.
const createPerm fs.FileMode = 1 << 31

// mkdirGivesMode: a folder's mode is always set after it is filled.
func mkdirGivesMode(fs.FileMode) bool { return false }

func handsDownGroup(string) bool { return false }

// writable probes dir by creating and removing a file: Windows has no access(2) that
// answers for read-only media.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".proclab-probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(filepath.Clean(name))
}

func isDiskFull(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL)
}

// fileID: a FileInfo from a directory listing carries no file index on Windows (one
// more open per file would), so hard links there are copied as separate files.
func fileID(fs.FileInfo) (dev, ino, nlink uint64) { return 0, 0, 0 }

// isTooBig: a write past the largest file the file system holds (FAT32: 4 GiB).
func isTooBig(err error) bool { return errors.Is(err, windows.ERROR_FILE_TOO_LARGE) }

func isBadName(err error) bool {
	return errors.Is(err, windows.ERROR_INVALID_NAME) || errors.Is(err, windows.ERROR_FILENAME_EXCED_RANGE) ||
		errors.Is(err, windows.ERROR_BAD_PATHNAME) || errors.Is(err, syscall.ENAMETOOLONG)
}

// isSymlinkRefused: creating a link needs Developer Mode or an administrator.
func isSymlinkRefused(err error) bool { return errors.Is(err, windows.ERROR_PRIVILEGE_NOT_HELD) }

const symlinkRefusedMsg = "Windows refused to create this link: turn on Developer Mode or run as administrator"

// diskSpace says how many bytes dir's disk has free for this user and holds; 4 KiB
// clusters are assumed (NTFS's default), as asking for the cluster size needs the
// volume's root. NTFS sets no limit on the number of files.
func diskSpace(dir string) (space, bool) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return space{}, false
	}
	var avail, total, totalFree uint64
	if windows.GetDiskFreeSpaceEx(p, &avail, &total, &totalFree) != nil {
		return space{}, false
	}
	return space{free: int64(avail), size: int64(total), block: 4096}, true
}

// attrRefused: Windows keeps no Unix modes or owners to refuse; a chmod there sets only
// the read-only attribute.
func attrRefused(err error, ours bool) bool { return false }

func ownedByMe(path string) bool { return true }

// sameDevice: a volume's root has no parent to ask, and a Windows source cannot hold two
// names that differ only in case anyway (unless a folder is made case-sensitive).
func sameDevice(a, b fs.FileInfo) bool { return false }
