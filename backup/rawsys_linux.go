package backup

import (
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The fast copy path's system calls, made raw: without the runtime's syscall entry
// and exit, the copying goroutine keeps its P, and sysmon, which otherwise saw a P in
// a system call at almost every 20 µs tick and handed it to another thread, falls back
// to its 10 ms sleep. Measured on the Go src tree: a worker's sysmon woke ~3,400 times
// a run (with the thread switches that brought) and used 3% of the run's CPU. Each call
// here takes microseconds on a local disk; a slow one only delays this worker's other
// goroutines, which have another P (and async preemption) anyway.

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// cName gives s as a NUL-terminated string in buffer k of n.
func (n *cNames) cName(k int, s string) (*byte, error) {
	buf := &n[k]
	if len(s) >= len(buf) {
		return unix.BytePtrFromString(s)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return nil, unix.EINVAL
	}
	copy(buf[:], s)
	buf[len(s)] = 0
	return &buf[0], nil
}

func rawOpenat(n *cNames, dir int, name string, flags int, mode uint32) (int, error) {
	p, err := n.cName(0, name)
	if err != nil {
		return -1, err
	}
	fd, _, e := syscall.RawSyscall6(unix.SYS_OPENAT, uintptr(dir), uintptr(unsafe.Pointer(p)), uintptr(flags), uintptr(mode), 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

func rawClose(fd int) {
	syscall.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

func rawFstat(fd int, st *unix.Stat_t) error {
	_, _, e := syscall.RawSyscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	return errnoErr(e)
}

func rawCopyFileRange(in, out, n int) (int, error) {
	k, _, e := syscall.RawSyscall6(unix.SYS_COPY_FILE_RANGE, uintptr(in), 0, uintptr(out), 0, uintptr(n), 0)
	if e != 0 {
		return 0, e
	}
	return int(k), nil
}

func rawRead(fd int, p []byte) (int, error) {
	k, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(k), nil
}

func rawWrite(fd int, p []byte) (int, error) {
	k, _, e := syscall.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(k), nil
}

func rawFchown(fd, uid, gid int) error {
	_, _, e := syscall.RawSyscall(unix.SYS_FCHOWN, uintptr(fd), uintptr(uid), uintptr(gid))
	return errnoErr(e)
}

func rawFchmod(fd int, mode uint32) error {
	_, _, e := syscall.RawSyscall(unix.SYS_FCHMOD, uintptr(fd), uintptr(mode), 0)
	return errnoErr(e)
}

// futimens sets the times of an open file (utimensat with a NULL path).
func futimens(fd int, atime, mtime unix.Timespec) error {
	ts := [2]unix.Timespec{atime, mtime}
	_, _, e := syscall.RawSyscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	return errnoErr(e)
}

func rawLinkat(names *cNames, oldDir int, oldName string, newDir int, newName string, flags int) error {
	o, err := names.cName(0, oldName)
	if err != nil {
		return err
	}
	n, err := names.cName(1, newName)
	if err != nil {
		return err
	}
	_, _, e := syscall.RawSyscall6(unix.SYS_LINKAT, uintptr(oldDir), uintptr(unsafe.Pointer(o)), uintptr(newDir), uintptr(unsafe.Pointer(n)), uintptr(flags), 0)
	return errnoErr(e)
}
