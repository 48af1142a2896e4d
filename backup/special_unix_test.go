//go:build !windows

package backup_test

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"dev.proclab/backup"
)

func TestFifosAndSocketsAreMadeAgainWithModeAndTime(t *testing.T) {
	// A short folder: a socket's path must fit in 108 bytes.
	src, err := os.MkdirTemp("", "sp")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(src) })
	write(t, filepath.Join(src, "plain.txt"), []byte("plain"), 0o644)
	must(t, syscall.Mkfifo(filepath.Join(src, "pipe"), 0o640))
	l, err := net.Listen("unix", filepath.Join(src, "sock"))
	must(t, err)
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, n := range []string{"pipe", "sock"} {
		must(t, os.Chtimes(filepath.Join(src, n), old, old))
	}
	dst := filepath.Join(t.TempDir(), "dst")
	rep := run(t, backup.Options{Src: src, Dst: dst, Workers: 2})
	if !rep.OK() || rep.FilesCopied != 3 {
		t.Fatalf("copied %d, errors %+v; want the file, the fifo and the socket", rep.FilesCopied, rep.Errors)
	}
	for n, typ := range map[string]fs.FileMode{"pipe": fs.ModeNamedPipe, "sock": fs.ModeSocket} {
		a, err1 := os.Lstat(filepath.Join(src, n))
		b, err2 := os.Lstat(filepath.Join(dst, n))
		if err1 != nil || err2 != nil || b.Mode().Type() != typ || b.Mode() != a.Mode() || !b.ModTime().Equal(old) {
			t.Fatalf("%s: source %v, copy %v (%v %v); want the same kind, mode and time", n, a.Mode(), b.Mode(), err1, err2)
		}
	}
	again := run(t, backup.Options{Src: src, Dst: dst})
	if !again.OK() || again.FilesCopied != 0 || again.FilesSkipped != 3 {
		t.Fatalf("second run: copied %d, skipped %d, errors %+v; want 0 and 3", again.FilesCopied, again.FilesSkipped, again.Errors)
	}
}
