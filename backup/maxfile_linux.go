package backup

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// maxFileSize is the largest file the file system at dir (or at its nearest folder that
// exists) holds, or 0 when a backup meets no such limit. Only FAT's is known: kernel
// FAT (vfat, msdos) and fusefat.
func maxFileSize(dir string) int64 {
	var sf unix.Statfs_t
	var st unix.Stat_t
	dir = existingParent(dir, func(d string) bool { return unix.Statfs(d, &sf) == nil && unix.Stat(d, &st) == nil })
	switch {
	case dir == "":
		return 0
	case sf.Type == unix.MSDOS_SUPER_MAGIC:
		return fatMaxFile
	case sf.Type == unix.FUSE_SUPER_MAGIC && mountType(st.Dev) == "fuse.fusefat":
		return fatMaxFile
	}
	return 0
}

// mountType is the file system type /proc/self/mountinfo gives the mount of device dev
// ("" if none): a FUSE file system's statfs says only that it is FUSE.
func mountType(dev uint64) string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	id := fmt.Sprintf("%d:%d", unix.Major(dev), unix.Minor(dev))
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID parent major:minor root mountpoint options [optional fields] - type source ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[2] != id {
			continue
		}
		for i, f := range fields {
			if f == "-" && i+1 < len(fields) {
				return fields[i+1]
			}
		}
	}
	return ""
}
