package core

import (
	"io"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// spinFor is how long a reader polls for data before it sleeps in read(2). Waking a
// sleeping reader on the other CPU costs ~10 µs here (an inter-processor interrupt,
// dearer still in a VM), more than a whole same-CPU round trip: a request/response
// loop whose peer answers within microseconds never sleeps at all.
const spinFor = 50 * time.Microsecond

// lowLatency wraps the read end of a pipe that carries request/response traffic.
func lowLatency(f *os.File) io.Reader { return &spinReader{f: f, fd: f.Fd()} }

type spinReader struct {
	f  *os.File
	fd uintptr
}

func (r *spinReader) Read(p []byte) (int, error) {
	if !r.ready() {
		for start := time.Now(); time.Since(start) < spinFor; {
			if r.ready() {
				break
			}
		}
	}
	return r.f.Read(p) // blocking: returns at once when data is there
}

// ready asks the kernel how many bytes wait in the pipe (FIONREAD), without reading.
func (r *spinReader) ready() bool {
	var n int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, r.fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	return errno != 0 || n > 0 // on error, let the read report it
}
