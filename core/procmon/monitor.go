package procmon

import (
	"context"
	"sync"
	"time"

	"dev.proclab/core"
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
	children map[int]Stat
	ticks    uint64
	last     time.Time
}

// NewMonitor makes a monitor for sup's children; Run starts it.
func NewMonitor(sup *core.Supervisor, interval time.Duration) *Monitor {
	if interval <= 0 {
		interval = time.Second
	}
	return &Monitor{sup: sup, sampler: New(), interval: interval, children: map[int]Stat{}}
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
	for _, c := range m.sup.List() {
		if !c.State.Ended() && c.PID > 0 {
			pids = append(pids, c.PID)
		}
	}
	stats := m.sampler.Sample(pids)
	self, _ := m.sampler.Self()
	m.mu.Lock()
	m.children, m.self = stats, self
	m.ticks++
	m.last = time.Now()
	m.mu.Unlock()
}

// Self is the app's own latest sample.
func (m *Monitor) Self() Stat {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.self
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
