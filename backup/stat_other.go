//go:build !linux

package backup

import (
	"os"
	"path/filepath"
)

func lstatIn(_ *os.File, dirPath, name string) (fstat, error) {
	fi, err := os.Lstat(filepath.Join(dirPath, name))
	if err != nil {
		return fstat{}, err
	}
	return statOf(fi), nil
}

func openDir(dir string) (*os.File, error) { return os.Open(dir) }

// openDirForStat has nothing to open here: lstatIn stats by path.
func openDirForStat(string) (*os.File, error) { return nil, nil }
