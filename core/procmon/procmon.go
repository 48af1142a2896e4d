// Package procmon samples CPU and memory of processes: the app itself and its children.
// It keeps one process handle per PID, so a CPU figure is the rate since the previous
// sample, not a lifetime average. It lives apart from core because children must not pay
// for gopsutil's initialisation: only the parent's UI imports it.
package procmon

import (
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/process"
)

// Stat is one sample of one process.
type Stat struct {
	PID        int
	CPUPercent float64 // of one core, since the previous sample (100 = one core busy)
	RSS        uint64  // resident memory in bytes
	At         time.Time
}

// Sampler remembers a handle per PID between samples.
type Sampler struct {
	mu      sync.Mutex
	handles map[int]*handle
	self    *handle
	sys     cpu.TimesStat // the whole machine's CPU times at the last System call
	sysAt   bool
}

type handle struct {
	p       *process.Process
	lastCPU float64 // user+system seconds at the last sample
	lastAt  time.Time
}

// New returns an empty Sampler.
func New() *Sampler { return &Sampler{handles: map[int]*handle{}} }

// Sample measures each PID. PIDs that are gone are left out and forgotten; PIDs not
// asked for are forgotten too, so the sampler never grows with ended children.
func (s *Sampler) Sample(pids []int) map[int]Stat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]Stat, len(pids))
	keep := make(map[int]*handle, len(pids))
	for _, pid := range pids {
		h := s.handles[pid]
		if h == nil {
			p, err := process.NewProcess(int32(pid))
			if err != nil {
				continue
			}
			h = &handle{p: p}
		}
		st, ok := h.sample(pid)
		if !ok {
			continue
		}
		keep[pid] = h
		out[pid] = st
	}
	s.handles = keep
	return out
}

func (h *handle) sample(pid int) (Stat, bool) {
	now := time.Now()
	times, err := h.p.Times()
	if err != nil {
		return Stat{}, false
	}
	mem, err := h.p.MemoryInfo()
	if err != nil {
		return Stat{}, false
	}
	cpu := times.User + times.System
	st := Stat{PID: pid, RSS: mem.RSS, At: now}
	if !h.lastAt.IsZero() {
		if dt := now.Sub(h.lastAt).Seconds(); dt > 0 {
			st.CPUPercent = (cpu - h.lastCPU) / dt * 100
			if st.CPUPercent < 0 {
				st.CPUPercent = 0
			}
		}
	}
	h.lastCPU, h.lastAt = cpu, now
	return st, true
}

// Self samples this process. Its handle is kept apart from the children's: going
// through Sample would forget every child's handle and zero their CPU rates.
func (s *Sampler) Self() (Stat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pid := os.Getpid()
	if s.self == nil {
		p, err := process.NewProcess(int32(pid))
		if err != nil {
			return Stat{}, false
		}
		s.self = &handle{p: p}
	}
	return s.self.sample(pid)
}

// System is how many CPUs the whole machine kept busy since the previous call, this
// process and its children included; false on the first call, or where the OS does not
// say.
func (s *Sampler) System() (float64, bool) {
	t, err := cpu.Times(false)
	if err != nil || len(t) == 0 {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, had := s.sys, s.sysAt
	s.sys, s.sysAt = t[0], true
	total := t[0].Total() - prev.Total()
	if !had || total <= 0 {
		return 0, false
	}
	busy := total - (t[0].Idle - prev.Idle) - (t[0].Iowait - prev.Iowait)
	// Times are CPU-seconds over every CPU: busy/total is the busy share of them all.
	return max(0, busy/total) * float64(runtime.NumCPU()), true
}
