package procmon

import (
	"context"
	"fmt"
	"sync"
	"time"

	"dev.proclab/core"
	"dev.proclab/internal/numfmt"
)

// Monitor is the app's monitoring daemon: about once a second it samples the app itself
// and every live child of a supervisor, and keeps the latest figures for whoever renders
// them (the Kill tab, the status bar). Readers never wait for a sample.
type Monitor struct {
	sup      *core.Supervisor
	sampler  *Sampler
	interval time.Duration

	mu       sync.Mutex
	self     Stat
	busy     float64 // CPUs the whole machine kept busy over the last interval; -1 unknown
	children map[int]Stat
	ticks    uint64
	last     time.Time
	limits   Limits
}

// Limits are the watchdog's: a live child over either is killed, and its exit reason
// says which limit it broke. Zero means no limit.
type Limits struct {
	MaxRSS uint64        // resident memory in bytes
	MaxAge time.Duration // run time since start
	Group  string        // only children of this group ("": every child)
}

// SetLimits arms (or, with zero Limits, disarms) the watchdog for every child, or for
// lim.Group's.
func (m *Monitor) SetLimits(l Limits) {
	m.mu.Lock()
	m.limits = l
	m.mu.Unlock()
}

// Limits returns the watchdog's limits.
func (m *Monitor) Limits() Limits {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.limits
}

// NewMonitor makes a monitor for sup's children; Run starts it.
func NewMonitor(sup *core.Supervisor, interval time.Duration) *Monitor {
	if interval <= 0 {
		interval = time.Second
	}
	return &Monitor{sup: sup, sampler: New(), interval: interval, children: map[int]Stat{}, busy: -1}
}

// Run samples until ctx ends. It is meant to run as a goroutine for the app's life.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	m.tick()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.tick()
		}
	}
}

func (m *Monitor) tick() {
	var pids []int
	var live []core.Info
	for _, c := range m.sup.List() {
		if !c.State.Ended() && c.PID > 0 {
			pids = append(pids, c.PID)
			live = append(live, c)
		}
	}
	stats := m.sampler.Sample(pids)
	self, _ := m.sampler.Self()
	busy, ok := m.sampler.System()
	if !ok {
		busy = -1
	}
	m.mu.Lock()
	m.children, m.self, m.busy = stats, self, busy
	m.ticks++
	m.last = time.Now()
	lim := m.limits
	m.mu.Unlock()
	m.watch(lim, live, stats)
}

// watch kills the children over a limit. Kill does not wait, so a sample is never held up.
func (m *Monitor) watch(lim Limits, live []core.Info, stats map[int]Stat) {
	if lim == (Limits{}) {
		return
	}
	now := time.Now()
	for _, c := range live {
		if lim.Group != "" && c.Group != lim.Group {
			continue
		}
		var reason string
		if st, ok := stats[c.PID]; ok && lim.MaxRSS > 0 && st.RSS > lim.MaxRSS {
			reason = fmt.Sprintf("killed by watchdog: using %s of memory, over the %s limit", mib(st.RSS), mib(lim.MaxRSS))
		} else if up := c.Uptime(now); lim.MaxAge > 0 && up > lim.MaxAge {
			reason = fmt.Sprintf("killed by watchdog: ran %s, over the %s run-time limit", numfmt.Duration(up), numfmt.Duration(lim.MaxAge))
		}
		if reason == "" {
			continue
		}
		if ch := m.sup.Get(c.ID); ch != nil {
			m.sup.Logger().Warn("watchdog kill", "child", c.ID, "pid", c.PID, "reason", reason)
			ch.Kill(reason)
		}
	}
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// Self is the app's own latest sample.
func (m *Monitor) Self() Stat {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.self
}

// Others is how many CPUs were kept busy over the last interval by everything but the
// app itself: other programs, and the app's own children. False before two samples
// (the first only starts the machine's count).
func (m *Monitor) Others() (float64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.busy < 0 {
		return 0, false
	}
	return max(0, m.busy-m.self.CPUPercent/100), true
}

// Child is the latest sample of one child's PID.
func (m *Monitor) Child(pid int) (Stat, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.children[pid]
	return st, ok
}

// Heartbeat says how many samples the daemon has taken and when the last one was.
func (m *Monitor) Heartbeat() (ticks uint64, last time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ticks, m.last
}
