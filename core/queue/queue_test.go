package queue_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"dev.proclab/internal/testsup"

	"dev.proclab/core"
	"dev.proclab/core/queue"
)

func TestMain(m *testing.M) {
	core.RunIfChild(queue.Roles)
	os.Exit(testsup.Run(m))
}

func newSup(t testing.TB) *core.Supervisor {
	t.Helper()
	s := testsup.New(t)
	return s
}

func wait(t *testing.T, q *queue.Queue) queue.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := q.Wait(ctx)
	if err != nil {
		q.Kill()
		t.Fatalf("run did not end: %v; stats %+v", err, q.Stats())
	}
	return r
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestExactlyOnceThreeProducersThreeConsumers(t *testing.T) {
	sup := newSup(t)
	q, err := queue.Start(sup, queue.Config{Producers: 3, Consumers: 3, Capacity: 5000, PerProducer: 40000, Batch: 700})
	if err != nil {
		t.Fatal(err)
	}
	r := wait(t, q)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r.Produced != 120000 || r.Consumed != 120000 || r.Duplicates != 0 || r.Missing != 0 {
		t.Fatalf("result %+v, want 120000 produced and consumed once each", r)
	}
	s := q.Stats()
	if len(s.Consumers) != 3 {
		t.Fatalf("consumers %+v", s.Consumers)
	}
	for _, c := range s.Consumers {
		if c.State != "finished" {
			t.Errorf("consumer %d ended %q, want finished (by its poison pill)", c.ID, c.State)
		}
	}
}

func TestKilledConsumerLosesNothing(t *testing.T) {
	sup := newSup(t)
	// Slow consumers so the victim surely holds unacknowledged batches when it dies.
	q, err := queue.Start(sup, queue.Config{Producers: 2, Consumers: 2, Capacity: 400, PerProducer: 600,
		Work: 200 * time.Microsecond, Batch: 20})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a consumer holding messages", func() bool {
		for _, c := range q.Stats().Consumers {
			if c.Held > 0 {
				return true
			}
		}
		return false
	})
	if id := q.KillConsumer(); id == 0 {
		t.Fatal("no consumer to kill")
	}
	r := wait(t, q)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r.Produced != 1200 || r.Consumed != 1200 || r.Redelivered == 0 || r.Restarts != 1 {
		t.Fatalf("result %+v, want 1200 consumed once each, some redelivered, one restart", r)
	}
	var note bool
	for _, e := range q.Events(0) {
		if e.Kind == queue.Note && strings.Contains(e.Text, "went back to the queue") {
			note = true
		}
	}
	if !note {
		t.Error("no event tells that the dead consumer's messages went back")
	}
}

func TestBackpressureBlocksRatherThanDrops(t *testing.T) {
	sup := newSup(t)
	// Consumers far slower than producers: the queue must fill to its capacity, not past
	// it, and the producers must show as blocked.
	q, err := queue.Start(sup, queue.Config{Producers: 2, Consumers: 1, Capacity: 50, Work: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "producers blocked on a full queue", func() bool {
		s := q.Stats()
		for _, p := range s.Producers {
			if p.State != "blocked on full queue" {
				return false
			}
		}
		return true
	})
	for i := 0; i < 20; i++ {
		s := q.Stats()
		if held := s.Credited + s.Depth + s.InFlight; held > 50 {
			t.Fatalf("%d messages held against a capacity of 50: %+v", held, s)
		}
		if out := s.Produced - s.Consumed; out > 50 {
			t.Fatalf("%d produced and unacknowledged, over the capacity of 50", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	q.Stop()
	r := wait(t, q)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r.Produced != r.Consumed || r.Produced == 0 {
		t.Fatalf("result %+v: every produced message must be consumed", r)
	}
}

func TestStopSendsOnePoisonPillPerConsumer(t *testing.T) {
	sup := newSup(t)
	q, err := queue.Start(sup, queue.Config{Producers: 2, Consumers: 4, Capacity: 2000, Rate: 2000})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "messages flowing", func() bool { return q.Stats().Consumed > 100 })
	q.Stop()
	r := wait(t, q)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r.Consumed != r.Produced {
		t.Fatalf("result %+v", r)
	}
	for _, c := range q.Stats().Consumers {
		if c.State != "finished" {
			t.Errorf("consumer %d: %q, want finished", c.ID, c.State)
		}
	}
	for _, i := range sup.List() {
		if i.Role == queue.RoleConsumer && (i.State != core.Exited || i.ExitCode != 0) {
			t.Errorf("consumer %s ended %s (%s), want a clean exit on its pill", i.Label, i.State, i.Reason)
		}
	}
	// The pills are in the run's history, the viewer's list: one sent and one taken each.
	sent, took := map[int]int{}, map[int]int{}
	for _, e := range q.Events(0) {
		if e.Kind != queue.Pill {
			continue
		}
		if strings.Contains(e.Text, "took its poison pill") {
			took[e.Consumer]++
		} else {
			sent[e.Consumer]++
		}
	}
	for _, c := range q.Stats().Consumers {
		if sent[c.ID] != 1 || took[c.ID] != 1 {
			t.Errorf("consumer %d: %d pills sent and %d taken in the events, want 1 and 1", c.ID, sent[c.ID], took[c.ID])
		}
	}
}

func TestBadConfigIsRefused(t *testing.T) {
	sup := newSup(t)
	for _, c := range []queue.Config{
		{Producers: 0, Consumers: 1, Capacity: 10},
		{Producers: 1, Consumers: 9, Capacity: 10},
		{Producers: 1, Consumers: 1, Capacity: 0},
	} {
		if _, err := queue.Start(sup, c); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}

func BenchmarkQueue(b *testing.B) {
	sup := newSup(b)
	n := int64(b.N)
	if n < 1000 {
		n = 1000
	}
	b.ResetTimer()
	q, err := queue.Start(sup, queue.Config{Producers: 1, Consumers: 2, Capacity: 100000, PerProducer: n})
	if err != nil {
		b.Fatal(err)
	}
	r := <-q.Done()
	_ = r
	res := q.Result()
	if res.Err != nil {
		b.Fatal(res.Err)
	}
	b.ReportMetric(float64(res.Consumed)/res.Elapsed.Seconds(), "msgs/s")
}
