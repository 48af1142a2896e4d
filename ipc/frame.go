package ipc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Version is the wire protocol version a child announces in its hello.
const Version = 1

// Magic opens every child's stdout so the parent can tell a ProcLab child from a stray
// program (or a print that slipped past the stdout redirect).
var Magic = [6]byte{'P', 'R', 'O', 'C', 'L', 'B'}

// HelloSize is the size of the fixed preamble: magic, u16 version, u32 PID.
const HelloSize = 12

// MaxFrame caps one frame's payload so a corrupt length cannot make the reader allocate
// gigabytes.
const MaxFrame = 16 << 20

// Frame types. Types below 16 belong to the engine; roles use 16 and up.
const (
	TStop    byte = 1 // parent → child: please finish and exit
	TJSON    byte = 2 // control message, JSON payload
	TData    byte = 3 // raw bytes
	TError   byte = 4 // child → parent: a task failed; payload is the message
	TUser    byte = 16
	headSize      = 5
)

// Frame is one message: a type and its payload. Payload may alias the reader's buffer
// until the next Read: copy it to keep it.
type Frame struct {
	Type    byte
	Payload []byte
}

// ErrCorrupt marks a stream that cannot be trusted any more.
var ErrCorrupt = errors.New("corrupt stream")

// Hello is what a child says first.
type Hello struct {
	Version int
	PID     int
}

// WriteHello writes the preamble for this process.
func WriteHello(w io.Writer, pid int) error {
	var b [HelloSize]byte
	copy(b[:6], Magic[:])
	binary.BigEndian.PutUint16(b[6:8], Version)
	binary.BigEndian.PutUint32(b[8:12], uint32(pid))
	_, err := w.Write(b[:])
	return err
}

// ReadHello reads and checks the preamble.
func ReadHello(r io.Reader) (Hello, error) {
	var b [HelloSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Hello{}, fmt.Errorf("%w: hello cut short", ErrCorrupt)
		}
		return Hello{}, err
	}
	if [6]byte(b[:6]) != Magic {
		return Hello{}, fmt.Errorf("%w: no ProcLab hello (got %q)", ErrCorrupt, b[:6])
	}
	h := Hello{Version: int(binary.BigEndian.Uint16(b[6:8])), PID: int(binary.BigEndian.Uint32(b[8:12]))}
	if h.Version != Version {
		return h, fmt.Errorf("%w: protocol version %d, want %d", ErrCorrupt, h.Version, Version)
	}
	return h, nil
}

// Reader decodes frames from a stream.
type Reader struct {
	r   *buffered
	buf []byte
}

// NewReader returns a Reader with its own buffering.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: &buffered{r: r, buf: make([]byte, 64<<10)}}
}

// buffered is the read half of bufio.Reader. Not bufio itself: it imports strings, and a
// child initialises every ready package that sorts before strings (the whole crypto tree
// among them) before it may run a role that depends on strings. ipc and core import
// nothing that does (a test in the main package checks the order).
type buffered struct {
	r    io.Reader
	buf  []byte
	i, n int
}

func (b *buffered) Read(p []byte) (int, error) {
	if b.i == b.n {
		if len(p) >= len(b.buf) {
			return b.r.Read(p) // a big read skips the copy
		}
		n, err := b.r.Read(b.buf)
		b.i, b.n = 0, n
		if n == 0 {
			if err != nil {
				// The stream is over: its 64 KiB go now, not when the child's record is
				// cleared (hundreds of ended children stay listed in the Kill tab).
				b.buf = nil
			}
			return 0, err
		}
	}
	k := copy(p, b.buf[b.i:b.n])
	b.i += k
	return k, nil
}

// Hello reads the preamble through the reader's buffer.
func (r *Reader) Hello() (Hello, error) { return ReadHello(r.r) }

// Read returns the next frame. io.EOF means the stream ended cleanly between frames; any
// error wrapping ErrCorrupt means the peer broke the protocol.
func (r *Reader) Read() (Frame, error) {
	var h [headSize]byte
	if _, err := io.ReadFull(r.r, h[:]); err != nil {
		r.buf = nil // over: see buffered.Read
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Frame{}, fmt.Errorf("%w: frame header cut short", ErrCorrupt)
		}
		return Frame{}, err
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n > MaxFrame {
		return Frame{}, fmt.Errorf("%w: frame of %d bytes is over the %d-byte cap", ErrCorrupt, n, MaxFrame)
	}
	if h[4] == 0 {
		return Frame{}, fmt.Errorf("%w: frame type 0", ErrCorrupt)
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	p := r.buf[:n]
	if _, err := io.ReadFull(r.r, p); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return Frame{}, fmt.Errorf("%w: frame body cut short", ErrCorrupt)
		}
		return Frame{}, err
	}
	return Frame{Type: h[4], Payload: p}, nil
}

// Writer encodes frames; it is safe for concurrent use and writes each frame whole.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewWriter wraps w. Frames go out in one Write each, so a pipe never sees half a frame
// from one writer interleaved with another's.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write sends one frame.
func (w *Writer) Write(typ byte, payload []byte) error {
	if len(payload) > MaxFrame {
		return fmt.Errorf("frame of %d bytes is over the %d-byte cap", len(payload), MaxFrame)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = AppendFrame(w.buf[:0], typ, payload)
	_, err := w.w.Write(w.buf)
	return err
}

// AppendFrame appends an encoded frame to dst, for callers that batch several frames
// into one write.
func AppendFrame(dst []byte, typ byte, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	dst = append(dst, typ)
	return append(dst, payload...)
}
