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
	"golang.org/x/sys/unix"
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

func TestADeviceIsMadeAgainAndANewNumberIsNoticed(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("making a device node needs root; CI runs as root")
	}
	src := t.TempDir()
	// 1,3 is /dev/null and 1,5 /dev/zero: nodes of well-known devices, never opened here.
	null, zero := int(unix.Mkdev(1, 3)), int(unix.Mkdev(1, 5))
	if err := unix.Mknod(filepath.Join(src, "dev"), syscall.S_IFCHR|0o600, null); err != nil {
		t.Skipf("this file system refuses device nodes: %v", err)
	}
	old := time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC)
	must(t, os.Chtimes(filepath.Join(src, "dev"), old, old))
	dst := filepath.Join(t.TempDir(), "dst")
	if rep := run(t, backup.Options{Src: src, Dst: dst}); !rep.OK() || rep.FilesCopied != 1 {
		t.Fatalf("copied %d, errors %+v; want the device", rep.FilesCopied, rep.Errors)
	}
	rdev := func(p string) uint64 {
		var st unix.Stat_t
		must(t, unix.Lstat(p, &st))
		return uint64(st.Rdev)
	}
	if got := rdev(filepath.Join(dst, "dev")); got != uint64(null) {
		t.Fatalf("copy is device %d:%d; want 1:3", unix.Major(got), unix.Minor(got))
	}
	// The same name, mode and time, another device: a copy that would pass on size and
	// time is the wrong node.
	must(t, os.Remove(filepath.Join(dst, "dev")))
	must(t, unix.Mknod(filepath.Join(dst, "dev"), syscall.S_IFCHR|0o600, zero))
	must(t, os.Chtimes(filepath.Join(dst, "dev"), old, old))
	if rep := run(t, backup.Options{Src: src, Dst: dst}); !rep.OK() || rep.FilesCopied != 1 {
		t.Fatalf("second run copied %d, errors %+v; want the device made again", rep.FilesCopied, rep.Errors)
	}
	if got := rdev(filepath.Join(dst, "dev")); got != uint64(null) {
		t.Fatalf("after the second run the copy is device %d:%d; want 1:3", unix.Major(got), unix.Minor(got))
	}
}
