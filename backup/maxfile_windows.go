package backup

import (
	"strings"

	"golang.org/x/sys/windows"
)

// maxFileSize is the largest file the file system at dir holds, or 0 when a backup meets
// no such limit. Only FAT's is known ("FAT" and "FAT32"; exFAT has no such limit).
func maxFileSize(dir string) int64 {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0
	}
	vol := make([]uint16, windows.MAX_PATH+1)
	if windows.GetVolumePathName(p, &vol[0], uint32(len(vol))) != nil {
		return 0
	}
	name := make([]uint16, windows.MAX_PATH+1)
	if windows.GetVolumeInformation(&vol[0], nil, 0, nil, nil, nil, &name[0], uint32(len(name))) != nil {
		return 0
	}
	if strings.HasPrefix(windows.UTF16ToString(name), "FAT") {
		return fatMaxFile
	}
	return 0
}
