// Package applog is ProcLab's logging daemon: one goroutine owns the app log. Every part
// of the app logs through a slog.Handler that hands records to that goroutine without
// ever waiting (a full buffer counts the record as dropped); the goroutine appends them
// to a rotated file in the user's cache folder, shared safely with other ProcLab
// processes, and keeps the latest few thousand in memory for the UI.
//
// It never imports Fyne or the engine: the UI and the command line both use it.
package applog

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Options.
const (
	DefaultMaxSize = 4 << 20
	DefaultKeep    = 3
	DefaultBuffer  = 4096
	DefaultRing    = 5000
	batchMax       = 1024 // records per file write at most
	gatherFor      = 25 * time.Millisecond
)

// Options configure a Log.
type Options struct {
	// Path of the log file; "" keeps the log in memory only (the ring).
	Path    string
	MaxSize int64 // rotate when the file would grow past this many bytes
	Keep    int   // how many rotated files (Path.1 … Path.Keep) to keep
	Buffer  int   // records waiting for the daemon; when full, new ones are dropped
	Ring    int   // latest records kept in memory for the UI
	Level   slog.Leveler
	// Source is written in every record ("gui", "cli backup"), with the PID, so lines
	// from the window and from a command-line run can be told apart.
	Source string
}

// DefaultPath is the shared log file: <user cache folder>/proclab/proclab.log.
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache folder for the log: %w", err)
	}
	return filepath.Join(dir, "proclab", "proclab.log"), nil
}

// Stats are the daemon's counters.
type Stats struct {
	Written   uint64    // records written (to the file, or to the ring only without one)
	Dropped   uint64    // records refused because the buffer was full, or sent after Close
	Failed    uint64    // records the file refused (the ring still has them)
	LastWrite time.Time // when the daemon last took in a batch
	LastErr   error     // the latest file error, nil once a write succeeds again
}

// Log is the logging daemon.
type Log struct {
	opts  Options
	level slog.Leveler
	ch    chan record
	flush chan chan struct{}
	stop  chan struct{}
	done  chan struct{}
	ring  *ring
	file  *fileWriter
	// The encoder and its buffer belong to the daemon goroutine.
	enc    slog.Handler
	encBuf bytes.Buffer

	closed  atomic.Bool
	dropped atomic.Uint64

	mu    sync.Mutex
	stats Stats

	closeOnce sync.Once
}

type record struct {
	t     time.Time
	level slog.Level
	msg   string
	attrs []slog.Attr
}

// Open starts the daemon. With a Path it makes the folder and the lock file first.
func Open(o Options) (*Log, error) {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.Keep < 0 {
		o.Keep = 0
	} else if o.Keep == 0 {
		o.Keep = DefaultKeep
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	if o.Ring <= 0 {
		o.Ring = DefaultRing
	}
	l := &Log{opts: o, level: o.Level, ch: make(chan record, o.Buffer), flush: make(chan chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{}), ring: newRing(o.Ring)}
	if l.level == nil {
		l.level = slog.LevelInfo
	}
	if o.Path != "" {
		fw, err := openFileWriter(o.Path, o.MaxSize, o.Keep)
		if err != nil {
			return nil, err
		}
		l.file = fw
	}
	go l.run()
	return l, nil
}

// Path is the log file ("" for a memory-only log).
func (l *Log) Path() string { return l.opts.Path }

// Logger is a slog.Logger writing to this log.
func (l *Log) Logger() *slog.Logger { return slog.New(l.Handler()) }

// Handler is the slog.Handler feeding this log. Its Handle never blocks.
func (l *Log) Handler() slog.Handler { return &handler{log: l} }

// Dropped counts records lost because the daemon could not keep up.
func (l *Log) Dropped() uint64 { return l.dropped.Load() }

// Stats returns the daemon's counters.
func (l *Log) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Dropped = l.dropped.Load()
	return s
}

// Since returns the records kept in memory with Seq > after, oldest first; pass the last
// Seq you have to get only what is new.
func (l *Log) Since(after uint64) []Entry { return l.ring.since(after) }

// Flush waits until every record handed over before the call is written, or ctx ends.
func (l *Log) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case l.flush <- ack:
	case <-l.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush the log: %w", ctx.Err())
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush the log: %w", ctx.Err())
	}
}

// Close writes what is waiting and stops the daemon (or gives up when ctx ends). Records
// logged afterwards are counted as dropped.
func (l *Log) Close(ctx context.Context) error {
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		close(l.stop)
	})
	select {
	case <-l.done:
		if l.file != nil {
			return l.file.close()
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close the log: %w", ctx.Err())
	}
}

// run is the daemon: the only goroutine that touches the file and fills the ring. A
// record waits up to gatherFor for others, so a burst costs one locked file write, not
// one per record (each write locks, opens, appends and closes the shared file).
func (l *Log) run() {
	defer close(l.done)
	batch := make([]record, 0, batchMax)
	var due <-chan time.Time
	for {
		select {
		case r := <-l.ch:
			batch = l.drain(append(batch, r), batchMax)
			if len(batch) >= batchMax {
				l.commit(batch)
				batch, due = batch[:0], nil
			} else if due == nil {
				due = time.After(gatherFor)
			}
		case <-due:
			l.commit(batch)
			batch, due = batch[:0], nil
		case ack := <-l.flush:
			l.drainAll(batch)
			batch, due = batch[:0], nil
			close(ack)
		case <-l.stop:
			l.drainAll(batch)
			return
		}
	}
}

// drainAll commits batch and everything waiting in the channel.
func (l *Log) drainAll(batch []record) {
	for {
		batch = l.drain(batch, batchMax)
		l.commit(batch)
		if len(batch) < batchMax {
			return
		}
		batch = batch[:0]
	}
}

func (l *Log) drain(batch []record, max int) []record {
	for len(batch) < max {
		select {
		case r := <-l.ch:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit puts a batch in the ring and the file. A drop since the last batch is itself
// logged, so the file says where records are missing.
func (l *Log) commit(batch []record) {
	l.mu.Lock()
	reported := l.stats.Dropped
	l.mu.Unlock()
	if d := l.dropped.Load(); d > reported {
		batch = append(batch, record{t: time.Now(), level: slog.LevelWarn,
			msg:   "log records dropped: the app logged faster than the log could be written",
			attrs: []slog.Attr{slog.Uint64("dropped", d-reported), slog.Uint64("dropped_total", d)}})
		l.mu.Lock()
		l.stats.Dropped = d
		l.mu.Unlock()
	}
	if len(batch) == 0 {
		return
	}
	var lines [][]byte
	if l.file != nil {
		lines = make([][]byte, len(batch))
	}
	for i, r := range batch {
		l.ring.add(Entry{Time: r.t, Level: r.level, Msg: r.msg, Attrs: textAttrs(r.attrs)})
		if lines != nil {
			lines[i] = l.encode(r)
		}
	}
	var err error
	if l.file != nil {
		err = l.file.write(lines)
	}
	l.mu.Lock()
	l.stats.LastWrite = time.Now()
	l.stats.LastErr = err
	if err != nil {
		l.stats.Failed += uint64(len(batch))
	} else {
		l.stats.Written += uint64(len(batch))
	}
	l.mu.Unlock()
}

// encode renders one record as a JSON line.
func (l *Log) encode(r record) []byte {
	if l.enc == nil {
		l.enc = slog.NewJSONHandler(&l.encBuf, &slog.HandlerOptions{Level: slog.Level(-1 << 10)}).
			WithAttrs([]slog.Attr{slog.String("src", l.opts.Source), slog.Int("app_pid", os.Getpid())})
	}
	l.encBuf.Reset()
	rec := slog.NewRecord(r.t, r.level, r.msg, 0)
	rec.AddAttrs(r.attrs...)
	if err := l.enc.Handle(context.Background(), rec); err != nil {
		l.encBuf.Reset()
		fmt.Fprintf(&l.encBuf, "{\"msg\":%q,\"error\":%q}\n", r.msg, err.Error())
	}
	return bytes.Clone(l.encBuf.Bytes())
}

// handler is the senders' side. It copies what it needs out of the record and hands it
// over without waiting.
type handler struct {
	log  *Log
	goas []groupOrAttrs
}

type groupOrAttrs struct {
	group string
	attrs []slog.Attr
}

func (h *handler) Enabled(_ context.Context, lvl slog.Level) bool {
	return lvl >= h.log.level.Level()
}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	l := h.log
	if l.closed.Load() {
		l.dropped.Add(1)
		return nil
	}
	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, freeze(a))
		return true
	})
	for i := len(h.goas) - 1; i >= 0; i-- {
		g := h.goas[i]
		if g.group != "" {
			if len(attrs) > 0 {
				attrs = []slog.Attr{{Key: g.group, Value: slog.GroupValue(attrs...)}}
			}
			continue
		}
		attrs = append(append([]slog.Attr(nil), g.attrs...), attrs...)
	}
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	select {
	case l.ch <- record{t: t, level: r.Level, msg: r.Message, attrs: attrs}:
	default:
		l.dropped.Add(1)
	}
	return nil
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	frozen := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		frozen[i] = freeze(a)
	}
	return &handler{log: h.log, goas: append(append([]groupOrAttrs(nil), h.goas...), groupOrAttrs{attrs: frozen})}
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &handler{log: h.log, goas: append(append([]groupOrAttrs(nil), h.goas...), groupOrAttrs{group: name})}
}

// freeze resolves a value now and turns what could change later (pointers, slices,
// structs) into text, because the daemon formats it on another goroutine.
func freeze(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, m := range g {
			out[i] = freeze(m)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, x.Error())
		case fmt.Stringer:
			return slog.String(a.Key, x.String())
		case []byte:
			return slog.String(a.Key, string(x))
		default:
			return slog.String(a.Key, fmt.Sprintf("%+v", x))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// textAttrs renders attrs as key=value pairs, groups as dotted keys.
func textAttrs(attrs []slog.Attr) string {
	var b bytes.Buffer
	var walk func(prefix string, as []slog.Attr)
	walk = func(prefix string, as []slog.Attr) {
		for _, a := range as {
			if a.Value.Kind() == slog.KindGroup {
				walk(prefix+a.Key+".", a.Value.Group())
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(prefix + a.Key + "=")
			s := a.Value.String()
			if needsQuote(s) {
				fmt.Fprintf(&b, "%q", s)
			} else {
				b.WriteString(s)
			}
		}
	}
	walk("", attrs)
	return b.String()
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '=' || r > '~' {
			return true
		}
	}
	return false
}

// OpenDefault opens the shared log file at DefaultPath. When that is impossible (no
// cache folder, a read-only disk) it still returns a working memory-only log, with an
// error saying why the file is not written.
func OpenDefault(source string) (*Log, error) {
	path, err := DefaultPath()
	if err == nil {
		var l *Log
		if l, err = Open(Options{Path: path, Source: source}); err == nil {
			return l, nil
		}
	}
	l, _ := Open(Options{Source: source})
	return l, fmt.Errorf("%w; the log is kept in memory only", err)
}
