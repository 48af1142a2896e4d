//go:build !windows

package backup

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// tryLock takes f's lock without waiting; held is false when another open file has it.
func tryLock(f *os.File) (held bool, err error) {
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
