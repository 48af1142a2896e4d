package applog

import (
	"log/slog"
	"sync"
	"time"
)

// Entry is one record as the UI shows it.
type Entry struct {
	Seq   uint64 // 1, 2, 3… in the order the daemon took records in
	Time  time.Time
	Level slog.Level
	Msg   string
	Attrs string // key=value pairs, rendered once for display and search
}

// ring holds the latest records. The daemon goroutine writes; readers take copies.
type ring struct {
	mu   sync.Mutex
	buf  []Entry
	next uint64 // Seq of the next entry
}

func newRing(n int) *ring { return &ring{buf: make([]Entry, 0, n), next: 1} }

func (r *ring) add(e Entry) {
	r.mu.Lock()
	e.Seq = r.next
	r.next++
	if len(r.buf) < cap(r.buf) {
		r.buf = append(r.buf, e)
	} else {
		r.buf[int((e.Seq-1)%uint64(cap(r.buf)))] = e
	}
	r.mu.Unlock()
}

// since returns the kept entries with Seq > after, oldest first.
func (r *ring) since(after uint64) []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	last := r.next - 1
	if after >= last || cap(r.buf) == 0 {
		return nil
	}
	first := after + 1
	if oldest := last - uint64(len(r.buf)) + 1; first < oldest {
		first = oldest
	}
	out := make([]Entry, 0, last-first+1)
	for s := first; s <= last; s++ {
		out = append(out, r.buf[int((s-1)%uint64(cap(r.buf)))])
	}
	return out
}
