package pipe_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"dev.proclab/internal/testsup"

	"dev.proclab/core"
	"dev.proclab/core/pipe"
)

func TestMain(m *testing.M) {
	core.RunIfChild(pipe.Roles)
	os.Exit(testsup.Run(m))
}

func newPeer(t testing.TB) *pipe.Peer {
	t.Helper()
	sup := testsup.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := pipe.Start(ctx, sup, "pipe")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestCommandsAnswer(t *testing.T) {
	p := newPeer(t)
	for cmd, want := range map[string]string{
		"square 12":        "144",
		"primes 100":       "25 primes up to 100 (largest 97)",
		"primes 1":         "no primes up to 1",
		"square -5":        "(-5)² = 25",
		"square 123456789": "123,456,789² = 15,241,578,750,190,521",
		"primes 1000000":   "78,498 primes up to 1,000,000 (largest 999,983)",
		"primes 2":         "1 prime up to 2 (largest 2)",
		"sha256 abc":       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"echo two words":   "two words",
		"sleep 0.01":       "slept 10.0 ms",
	} {
		r := p.Do(ctx(t), cmd)
		if r.Err != nil || !strings.Contains(r.Text, want) {
			t.Errorf("%q: %q, %v; want %q", cmd, r.Text, r.Err, want)
		}
	}
	if r := p.Do(ctx(t), "frobnicate 3"); r.Err == nil || !strings.Contains(r.Err.Error(), "unknown command") {
		t.Errorf("unknown command: %+v", r)
	}
}

func TestRepliesMatchRequestsOutOfOrder(t *testing.T) {
	p := newPeer(t)
	var mu sync.Mutex
	got := map[uint64]pipe.Reply{}
	var order []uint64
	var wg sync.WaitGroup
	send := func(cmd string) uint64 {
		wg.Add(1)
		id, err := p.Send(cmd, func(r pipe.Reply) {
			mu.Lock()
			got[r.ID] = r
			order = append(order, r.ID)
			mu.Unlock()
			wg.Done()
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	slow := send("sleep 0.3")
	fast := send("square 7")
	echo := send("echo hi")
	wg.Wait()
	if got[slow].Text != "slept 300.0 ms" || got[fast].Text != "7² = 49" || got[echo].Text != "hi" {
		t.Fatalf("replies mismatched: %+v", got)
	}
	if order[len(order)-1] != slow {
		t.Errorf("the slow request answered before the fast ones (%v): requests are not concurrent", order)
	}
}

func TestCrashFailsPendingRequests(t *testing.T) {
	p := newPeer(t)
	errs := make(chan error, 2)
	for _, cmd := range []string{"sleep 30", "sleep 30"} {
		if _, err := p.Send(cmd, func(r pipe.Reply) { errs <- r.Err }); err != nil {
			t.Fatal(err)
		}
	}
	r := p.Do(ctx(t), "crash")
	if !errors.Is(r.Err, pipe.ErrPeerGone) || !strings.Contains(r.Err.Error(), "crashed") {
		t.Fatalf("crash reply: %v, want a peer-gone error that says it crashed", r.Err)
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; !errors.Is(err, pipe.ErrPeerGone) {
			t.Fatalf("pending request ended with %v, want ErrPeerGone", err)
		}
	}
	if _, err := p.Send("echo late", func(pipe.Reply) {}); !errors.Is(err, pipe.ErrPeerGone) {
		t.Fatalf("send after the crash: %v, want ErrPeerGone", err)
	}
}

func TestKillFailsPendingRequests(t *testing.T) {
	p := newPeer(t)
	errs := make(chan error, 1)
	p.Send("sleep 30", func(r pipe.Reply) { errs <- r.Err })
	p.Kill("killed by user")
	if err := <-errs; !errors.Is(err, pipe.ErrPeerGone) || !strings.Contains(err.Error(), "killed by user") {
		t.Fatalf("pending request ended with %v", err)
	}
}

func TestPingPong(t *testing.T) {
	p := newPeer(t)
	l, err := p.PingPong(ctx(t), 200)
	if err != nil {
		t.Fatal(err)
	}
	if l.N != 200 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 {
		t.Fatalf("latency %+v", l)
	}
}

func BenchmarkPipeRoundTrip(b *testing.B) {
	p := newPeer(b)
	b.ResetTimer()
	l, err := p.PingPong(context.Background(), b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(l.P50.Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(l.P99.Nanoseconds())/1000, "p99-µs")
}

func BenchmarkPipeRequest(b *testing.B) {
	p := newPeer(b)
	c := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := p.Do(c, "square 12"); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}
