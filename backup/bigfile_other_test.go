//go:build unix && !linux

package backup_test

import (
	"os"
	"testing"
)

// emptyBigFile makes a file of size zero bytes, cheap to make; only Linux copies its
// holes as holes, so here it is slow to copy too.
func emptyBigFile(t *testing.T, p string, size int64) {
	t.Helper()
	f, err := os.Create(p)
	must(t, err)
	defer f.Close()
	must(t, f.Truncate(size))
}
