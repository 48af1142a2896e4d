package backup

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// lockName, in MetaDir, is held locked by the run writing to the destination. The lock
// is the operating system's, on an open file, so it goes with the process that held it,
// however that process ends; the file stays and says who held it last.
const lockName = "lock"

// lockDestination keeps a second run, from the window or a script, out of a destination
// while this one writes to it: two runs would copy the same files twice, and one's clean
// mark could hide the other's leftovers. It returns the unlock.
func lockDestination(dst, runID string) (unlock func(), err error) {
	p := filepath.Join(dst, MetaDir, lockName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		// A destination where even this file cannot be made fails on its first file
		// too, with a better message: no lock to keep there.
		return func() {}, nil
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return func() {}, nil // a file system without locks (some network shares)
	}
	if !held {
		who, _ := os.ReadFile(p)
		f.Close()
		msg := fmt.Sprintf("another backup is writing to %s", dst)
		if s := strings.TrimSpace(string(who)); s != "" {
			msg += " (" + s + ")"
		}
		return nil, inputErr("%s; wait for it to finish, or cancel it, and run this one again", msg)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "ProcLab run %s, process %d, since %s\n", runID[:8], os.Getpid(), time.Now().Format("15:04:05"))
	return func() { f.Close() }, nil
}
