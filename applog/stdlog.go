package applog

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// stdLogWait is how long a record from the standard library's log waits for the indented
// lines that may continue it: its writer logs them one call after another.
const stdLogWait = 50 * time.Millisecond

// StdLog is a writer for the standard library's log package (log.SetOutput; with flags
// 0, as records carry their own time). Each line is a record of l. A line that reads
// "… error: …" is a warning, and the indented "Key: value" lines after it are its
// attributes: Fyne's LogError writes "Fyne error: …", "  Cause: …" and "  At: file:line"
// in three calls, which had been three INFO records.
func StdLog(l *slog.Logger) *StdLogWriter { return &StdLogWriter{log: l} }

// StdLogWriter is what StdLog returns.
type StdLogWriter struct {
	log *slog.Logger

	mu      sync.Mutex
	pending *slog.Record
	timer   *time.Timer
}

func (w *StdLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for line := range bytes.Lines(p) {
		w.line(strings.TrimRight(string(line), "\r\n"))
	}
	return len(p), nil
}

func (w *StdLogWriter) line(s string) {
	if s == "" {
		return
	}
	if w.pending != nil && (s[0] == ' ' || s[0] == '\t') {
		if k, v, ok := strings.Cut(strings.TrimSpace(s), ":"); ok && k != "" && !strings.Contains(k, " ") {
			w.pending.AddAttrs(slog.String(strings.ToLower(k), strings.TrimSpace(v)))
		} else {
			w.pending.AddAttrs(slog.String("more", strings.TrimSpace(s)))
		}
		return
	}
	w.flushLocked()
	level := slog.LevelInfo
	if head, _, ok := strings.Cut(s, " error:"); ok && !strings.Contains(head, " ") {
		level = slog.LevelWarn // "Fyne error: …"
	}
	r := slog.NewRecord(time.Now(), level, s, 0)
	w.pending = &r
	if w.timer == nil {
		w.timer = time.AfterFunc(stdLogWait, w.Flush)
	} else {
		w.timer.Reset(stdLogWait)
	}
}

// Flush logs the record that waits for continuation lines, if any.
func (w *StdLogWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
}

func (w *StdLogWriter) flushLocked() {
	if w.pending == nil {
		return
	}
	r := *w.pending
	w.pending = nil
	if w.log.Enabled(context.Background(), r.Level) {
		w.log.Handler().Handle(context.Background(), r)
	}
}
