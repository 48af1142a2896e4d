package ipc

import (
	"encoding/binary"
	"os"
	"testing"
)

// These measure the wire itself over real OS pipes, with the peer on a goroutine; the
// same paths with child processes are measured by BenchmarkQueue (core/queue),
// BenchmarkPipeRoundTrip (core/pipe) and `proclab bench pipe|queue`.

// BenchmarkPipeRoundTrip: a small request and its reply, one in flight, over two pipes.
func BenchmarkPipeRoundTrip(b *testing.B) {
	reqR, reqW, _ := os.Pipe()
	repR, repW, _ := os.Pipe()
	defer reqW.Close()
	defer repR.Close()
	go func() {
		defer repW.Close()
		r, w := NewReader(reqR), NewWriter(repW)
		for {
			f, err := r.Read()
			if err != nil {
				return
			}
			if w.Write(f.Type, f.Payload) != nil {
				return
			}
		}
	}()
	w, r := NewWriter(reqW), NewReader(repR)
	msg := []byte(`["ping",12345]`)
	b.ResetTimer()
	for range b.N {
		if err := w.Write(TUser, msg); err != nil {
			b.Fatal(err)
		}
		if _, err := r.Read(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueueBatches: 40-byte messages in batches of 1000, one frame per batch, as
// the queue's producers send them; reports messages per second.
func BenchmarkQueueBatches(b *testing.B) {
	pr, pw, _ := os.Pipe()
	const perBatch, size = 1000, 40
	done := make(chan int)
	go func() {
		r, n := NewReader(pr), 0
		for {
			f, err := r.Read()
			if err != nil {
				done <- n
				return
			}
			n += int(binary.LittleEndian.Uint32(f.Payload))
		}
	}()
	w := NewWriter(pw)
	batch := make([]byte, 4+perBatch*size)
	binary.LittleEndian.PutUint32(batch, perBatch)
	b.SetBytes(int64(len(batch)))
	b.ResetTimer()
	for range b.N {
		if err := w.Write(TUser, batch); err != nil {
			b.Fatal(err)
		}
	}
	pw.Close()
	got := <-done
	b.StopTimer()
	if got != b.N*perBatch {
		b.Fatalf("received %d messages, sent %d", got, b.N*perBatch)
	}
	b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "msgs/s")
}
