//go:build !linux

package backup

import (
	"fmt"
	"os"
	"path/filepath"
)

// flush makes the run durable where there is no syncfs: an fsync per written file, then
// per folder (folders cannot be synced on Windows; their entries are).
func flush(dst string, written []string) error {
	for _, rel := range written {
		// Windows flushes only a handle opened for writing.
		f, err := os.OpenFile(filepath.Join(dst, rel), os.O_RDWR, 0)
		if err != nil {
			if f, err = os.Open(filepath.Join(dst, rel)); err != nil {
				continue // a link, or gone: nothing to sync
			}
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("flush %s to disk: %w", rel, err)
		}
	}
	return nil
}

func writeBehind(string) func() { return func() {} }
