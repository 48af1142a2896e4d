package backup

import "golang.org/x/sys/unix"

// maxFileSize is the largest file the file system at dir (or at its nearest folder that
// exists) holds, or 0 when a backup meets no such limit. Only FAT's is known.
func maxFileSize(dir string) int64 {
	var sf unix.Statfs_t
	if existingParent(dir, func(d string) bool { return unix.Statfs(d, &sf) == nil }) == "" {
		return 0
	}
	if unix.ByteSliceToString(sf.Fstypename[:]) == "msdos" {
		return fatMaxFile
	}
	return 0
}
