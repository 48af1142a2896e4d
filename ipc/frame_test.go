package ipc

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestFramesRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHello(&b, 4242); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(&b)
	want := []Frame{{TJSON, []byte(`{"a":1}`)}, {TData, nil}, {TUser, bytes.Repeat([]byte{7}, 100000)}}
	for _, f := range want {
		if err := w.Write(f.Type, f.Payload); err != nil {
			t.Fatal(err)
		}
	}
	r := NewReader(&b)
	h, err := r.Hello()
	if err != nil || h.PID != 4242 || h.Version != Version {
		t.Fatalf("hello = %+v, %v", h, err)
	}
	for i, f := range want {
		got, err := r.Read()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if got.Type != f.Type || !bytes.Equal(got.Payload, f.Payload) {
			t.Fatalf("frame %d: got type %d len %d", i, got.Type, len(got.Payload))
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("after last frame: %v, want io.EOF", err)
	}
}

func TestGarbageIsCorruptNotPanic(t *testing.T) {
	for name, in := range map[string][]byte{
		"no magic":    []byte("hello world, I am a print"),
		"short hello": []byte("PROC"),
		"old version": append(append([]byte{}, Magic[:]...), 0, 9, 0, 0, 0, 1),
	} {
		if _, err := NewReader(bytes.NewReader(in)).Hello(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
	huge := AppendFrame(nil, TData, nil)
	huge[0] = 0xff
	for name, in := range map[string][]byte{
		"over cap":   huge,
		"cut header": {0, 0},
		"cut body":   AppendFrame(nil, TData, []byte("abcdef"))[:8],
		"type zero":  AppendFrame(nil, 0, []byte("x")),
	} {
		if _, err := NewReader(bytes.NewReader(in)).Read(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}

// FuzzReader feeds the decoder arbitrary bytes: it must return frames or an error, never
// panic, and never hand back a frame over the cap. The seed corpus lives in testdata/fuzz.
func FuzzReader(f *testing.F) {
	f.Add(AppendFrame(AppendFrame(nil, TJSON, []byte(`{}`)), TData, []byte("x")))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in))
		for {
			fr, err := r.Read()
			if err != nil {
				return
			}
			if len(fr.Payload) > MaxFrame || fr.Type == 0 {
				t.Fatalf("bad frame accepted: type %d len %d", fr.Type, len(fr.Payload))
			}
		}
	})
}

func FuzzHello(f *testing.F) {
	var b bytes.Buffer
	WriteHello(&b, 1)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := ReadHello(bytes.NewReader(in))
		if err == nil && (h.Version != Version || !bytes.HasPrefix(in, Magic[:])) {
			t.Fatalf("accepted bad hello %q", in)
		}
	})
}

func BenchmarkFrameWriteRead(b *testing.B) {
	pr, pw := io.Pipe()
	w := NewWriter(pw)
	r := NewReader(pr)
	payload := make([]byte, 40)
	go func() {
		for i := 0; i < b.N; i++ {
			w.Write(TData, payload)
		}
		pw.Close()
	}()
	b.SetBytes(int64(len(payload) + headSize))
	for i := 0; i < b.N; i++ {
		if _, err := r.Read(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestReaderLetsGoOfItsBuffersAtTheEnd(t *testing.T) {
	var b bytes.Buffer
	NewWriter(&b).Write(7, []byte("last words"))
	r := NewReader(&b)
	if f, err := r.Read(); err != nil || string(f.Payload) != "last words" {
		t.Fatalf("frame %q, %v", f.Payload, err)
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
	if r.buf != nil || r.r.buf != nil {
		t.Fatal("an ended stream's reader still holds its buffers")
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("read again after the end: %v, want io.EOF", err)
	}
}
