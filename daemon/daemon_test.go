package daemon

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

var quiet = slog.New(slog.DiscardHandler)

func TestQuitWaitsForARunningNonDaemonTask(t *testing.T) {
	r := New(quiet)
	release := make(chan struct{})
	task, err := r.Go("copy", NonDaemon, func(t *Task) { t.Tick("working"); <-release })
	if err != nil {
		t.Fatal(err)
	}
	r.StopAccepting()
	if p := r.Pending(); len(p) != 1 || p[0].Name != "copy" {
		t.Fatalf("pending %+v, want the copy task", p)
	}
	// The task cannot end before release, so a bounded wait must run out.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.WaitNonDaemons(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitNonDaemons returned %v while a non-daemon task was running", err)
	}
	close(release)
	if err := r.WaitNonDaemons(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := task.Info().State; st != Finished {
		t.Fatalf("task is %s, want finished", st)
	}
	if a := r.Abandon(); len(a) != 0 {
		t.Fatalf("abandoned %+v, want none", a)
	}
}

func TestQuitAbandonsARunningDaemonTask(t *testing.T) {
	r := New(quiet)
	returned := make(chan struct{})
	task, _ := r.Go("ticker", Daemon, func(t *Task) {
		defer close(returned)
		<-t.Abandoned()
	})
	r.StopAccepting()
	if err := r.WaitNonDaemons(context.Background()); err != nil { // must not wait for the daemon
		t.Fatal(err)
	}
	a := r.Abandon()
	if len(a) != 1 || a[0].Name != "ticker" || a[0].State != Abandoned {
		t.Fatalf("abandoned %+v, want the ticker", a)
	}
	<-returned
	if st := task.Info().State; st != Abandoned {
		t.Fatalf("daemon is %s after quitting, want abandoned", st)
	}
}

func TestAQuittingRegistryRefusesNewTasks(t *testing.T) {
	r := New(quiet)
	r.StopAccepting()
	if _, err := r.Go("late", NonDaemon, func(*Task) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Go after StopAccepting returned %v, want ErrClosed", err)
	}
}

func TestWatchedDaemonReportsItsProbe(t *testing.T) {
	r := New(quiet)
	at := time.Now()
	r.Watch("monitor", func() Probe { return Probe{Ticks: 7, Last: at, Activity: "sampled 3 processes"} })
	l := r.List()
	if len(l) != 1 || l[0].Ticks != 7 || !l[0].Last.Equal(at) || l[0].Kind != Daemon || l[0].State != Running {
		t.Fatalf("list %+v", l)
	}
}
