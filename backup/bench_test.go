//go:build unix

package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"dev.proclab/backup"
)

// BenchmarkFirstBackup backs up the Go toolchain's src folder (about 11,500 files) into
// a new destination per iteration: the parent's walk, bookkeeping and report with real
// workers. Its allocation figures (-benchmem, -memprofile) are the parent's alone.
// proclab bench backup compares the same run with cp -r and rsync -a.
func BenchmarkFirstBackup(b *testing.B) {
	src := filepath.Join(runtime.GOROOT(), "src")
	if _, err := os.Stat(src); err != nil {
		b.Skipf("no Go source tree at %s to back up", src)
	}
	sup := newSup(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		dst := filepath.Join(b.TempDir(), "copy")
		rep, err := backup.Backup(context.Background(), backup.Options{Src: src, Dst: dst, Workers: 2, Sup: sup})
		if err != nil || !rep.OK() {
			b.Fatalf("backup: %v (report ok: %v)", err, err == nil && rep.OK())
		}
	}
}
