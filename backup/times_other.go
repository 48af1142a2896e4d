//go:build !linux

package backup

import (
	"io/fs"
	"time"
)

// atime falls back to the modification time where reading it needs per-OS code.
func atime(fi fs.FileInfo) time.Time { return fi.ModTime() }
