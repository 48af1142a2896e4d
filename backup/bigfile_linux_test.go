package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"dev.proclab/backup"
	"golang.org/x/sys/unix"
)

// makeSparse writes a file of size bytes that holds data only at the offsets given:
// the rest is holes, as in a disk image or a database file.
func makeSparse(t *testing.T, p string, size int64, at ...int64) {
	t.Helper()
	f, err := os.Create(p)
	must(t, err)
	defer f.Close()
	for _, off := range at {
		_, err := f.WriteAt([]byte("data at this offset"), off)
		must(t, err)
	}
	must(t, f.Truncate(size))
}

// emptyBigFile makes a file of size zero bytes that is cheap to make and slow to copy:
// its blocks are reserved (fallocate) but never written, so it is no file with holes,
// which a backup would copy in no time.
func emptyBigFile(t *testing.T, p string, size int64) {
	t.Helper()
	f, err := os.Create(p)
	must(t, err)
	defer f.Close()
	if err := unix.Fallocate(int(f.Fd()), 0, 0, size); err != nil {
		t.Skipf("this file system cannot reserve %d bytes for a file (fallocate: %v)", size, err)
	}
}

// watch runs a backup and shows each worker's progress to see every 5 ms until it ends.
func watch(t *testing.T, opt backup.Options, see func(backup.WorkerProgress)) *backup.Report {
	t.Helper()
	r, err := backup.Start(context.Background(), opt)
	must(t, err)
	done := make(chan struct{})
	var rep *backup.Report
	go func() { defer close(done); rep, _ = r.Wait() }()
	for {
		select {
		case <-done:
			return rep
		case <-time.After(5 * time.Millisecond):
			for _, w := range r.Progress().Workers {
				see(w)
			}
		}
	}
}

func allocated(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	must(t, err)
	return fi.Sys().(*syscall.Stat_t).Blocks * 512
}

func TestHolesAreKeptSoASparseFileFitsASmallDisk(t *testing.T) {
	src := t.TempDir()
	// 64 MiB (streamed with progress) and 4 MiB (copied in one go), each a few blocks of
	// data between holes, the big one ending in a hole.
	makeSparse(t, filepath.Join(src, "disk.img"), 64<<20, 0, 9<<20, 40<<20)
	makeSparse(t, filepath.Join(src, "small.db"), 4<<20, 1<<20, 4<<20-19)
	write(t, filepath.Join(src, "plain.txt"), []byte("plain"), 0o644)
	if a := allocated(t, filepath.Join(src, "disk.img")); a >= 1<<20 {
		t.Skipf("this file system filled the holes in (%d bytes allocated): nothing to keep", a)
	}
	// An 8 MiB disk: the 68 MiB of sizes fit only as the holes they are.
	dst := t.TempDir()
	if os.Geteuid() == 0 {
		dst = smallDisk(t, 8, 0)
	}
	dst = filepath.Join(dst, "dst")
	rep := run(t, backup.Options{Src: src, Dst: dst, Workers: 2})
	if !rep.OK() || rep.FilesCopied != 3 || rep.Stopped != "" {
		t.Fatalf("copied %d, stopped %q, errors %+v; want all 3 files", rep.FilesCopied, rep.Stopped, rep.Errors)
	}
	sameTree(t, src, dst)
	// The summary counts the holes apart: bytes "copied" at hundreds of GiB/s said nothing.
	if holes := int64(64<<20 + 4<<20); rep.BytesInHoles < holes-1<<20 || rep.BytesInHoles > holes {
		t.Errorf("bytes in holes %d; want nearly all of the %d", rep.BytesInHoles, holes)
	}
	for _, n := range []string{"disk.img", "small.db"} {
		if a := allocated(t, filepath.Join(dst, n)); a >= 1<<20 {
			t.Errorf("%s: the copy takes %d bytes of disk; want its holes kept (the source takes %d)",
				n, a, allocated(t, filepath.Join(src, n)))
		}
	}
}

func TestAFileSavedWhileItIsReadIsCopiedOnASecondRead(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	must(t, os.MkdirAll(src, 0o755))
	img := filepath.Join(src, "saved.img")
	emptyBigFile(t, img, 512<<20) // over a second to copy here, with both reads
	dst := filepath.Join(t.TempDir(), "dst")
	r, err := backup.Start(context.Background(), backup.Options{Src: src, Dst: dst, Workers: 1, Sup: newSup(t)})
	must(t, err)
	for {
		p := r.Progress()
		if p.FilesDone > 0 {
			r.Wait()
			t.Skip("the copy ended before the test could change the file")
		}
		if len(p.Workers) > 0 && p.Workers[0].FileDone > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// Saved once, mid-copy: a new time, the same size.
	saved := time.Now().Add(-time.Hour).Truncate(time.Second)
	must(t, os.Chtimes(img, saved, saved))
	rep, err := r.Wait()
	must(t, err)
	if !rep.OK() || rep.FilesCopied != 1 {
		t.Fatalf("copied %d, errors %+v; want the file copied on its second read", rep.FilesCopied, rep.Errors)
	}
	fi, err := os.Stat(filepath.Join(dst, "saved.img"))
	must(t, err)
	if !fi.ModTime().Equal(saved) {
		t.Fatalf("the copy has the time %v; want the saved version's %v", fi.ModTime(), saved)
	}
	noTemps(t, dst)
}

func TestABigFileShowsProgressWhileVerifyChecksIt(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	must(t, os.MkdirAll(src, 0o755))
	emptyBigFile(t, filepath.Join(src, "big.img"), 512<<20)
	dst := filepath.Join(t.TempDir(), "dst")
	sup := newSup(t)
	if rep := run(t, backup.Options{Src: src, Dst: dst, Sup: sup}); !rep.OK() {
		t.Fatalf("first run: %+v", rep.Errors)
	}
	// Unchanged: Verify reads both copies, a GiB, and copies nothing.
	var most int64
	rep := watch(t, backup.Options{Src: src, Dst: dst, Verify: true, Workers: 1, Sup: sup}, func(w backup.WorkerProgress) {
		most = max(most, w.FileDone)
	})
	if !rep.OK() || rep.FilesCopied != 0 || rep.FilesSkipped != 1 {
		t.Fatalf("copied %d, skipped %d, errors %+v; want the file checked and left", rep.FilesCopied, rep.FilesSkipped, rep.Errors)
	}
	if most == 0 {
		t.Fatal("the worker's bar never moved while it checked a 512 MiB file")
	}
}

// With Verify, a big file's copy is the first half of its bar and the check of the copy
// the second: a copy just made had sat at 100% with "ETA < 1 s" through its whole check.
func TestABigFilesCheckAfterItsCopyIsTheSecondHalfOfItsBar(t *testing.T) {
	const size = 512 << 20
	src := filepath.Join(t.TempDir(), "src")
	must(t, os.MkdirAll(src, 0o755))
	emptyBigFile(t, filepath.Join(src, "big.img"), size)
	var copying, checking int64 // the most done seen in each part
	rep := watch(t, backup.Options{Src: src, Dst: filepath.Join(t.TempDir(), "dst"), Verify: true, Workers: 1, Sup: newSup(t)},
		func(w backup.WorkerProgress) {
			if w.File == "big.img" && w.Checking {
				checking = max(checking, w.FileDone)
			} else if w.File == "big.img" {
				copying = max(copying, w.FileDone)
			}
		})
	if !rep.OK() || rep.FilesCopied != 1 {
		t.Fatalf("copied %d, errors %+v", rep.FilesCopied, rep.Errors)
	}
	if copying > size/2 {
		t.Errorf("the copy went to %d of %d bytes; want half at most, the check being the rest", copying, size)
	}
	if checking <= size/2 {
		t.Errorf("the check showed %d of %d bytes done at most; want it past half, the copy being done", checking, size)
	}
}
