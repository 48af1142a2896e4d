package applog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// fileWriter appends whole records to the log file and rotates it. Several processes
// (the window and a command-line run) may share the file, so every batch is written
// under an OS lock on a separate lock file, and the log file is opened per batch: a
// rotation by one process never leaves another appending to a renamed or deleted file,
// and Windows can rename a file nobody holds open.
type fileWriter struct {
	path    string
	maxSize int64
	keep    int
	lock    *os.File
}

func openFileWriter(path string, maxSize int64, keep int) (*fileWriter, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("make the log folder: %w", err)
	}
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open the log's lock file: %w", err)
	}
	return &fileWriter{path: path, maxSize: maxSize, keep: keep, lock: lock}, nil
}

// write appends records (each a whole line) in as few writes as the size limit allows.
func (w *fileWriter) write(records [][]byte) (err error) {
	if err := lockFile(w.lock); err != nil {
		return fmt.Errorf("lock the log file: %w", err)
	}
	defer func() {
		if uerr := unlockFile(w.lock); err == nil && uerr != nil {
			err = fmt.Errorf("unlock the log file: %w", uerr)
		}
	}()
	f, size, err := w.open()
	if err != nil {
		return err
	}
	var chunk []byte
	for _, rec := range records {
		if size+int64(len(chunk)+len(rec)) > w.maxSize && size+int64(len(chunk)) > 0 {
			if len(chunk) > 0 {
				if _, err := f.Write(chunk); err != nil {
					f.Close()
					return fmt.Errorf("write the log file: %w", err)
				}
				chunk = chunk[:0]
			}
			f.Close()
			if err := w.rotate(); err != nil {
				return err
			}
			if f, size, err = w.open(); err != nil {
				return err
			}
		}
		chunk = append(chunk, rec...)
	}
	if len(chunk) > 0 {
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return fmt.Errorf("write the log file: %w", err)
		}
	}
	return f.Close()
}

func (w *fileWriter) open() (*os.File, int64, error) {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("open the log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("read the log file's size: %w", err)
	}
	return f, st.Size(), nil
}

// rotate shifts proclab.log → .1 → .2 … and drops the oldest, keeping w.keep old files.
// The caller holds the lock.
func (w *fileWriter) rotate() error {
	if w.keep <= 0 {
		if err := os.Remove(w.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate the log: %w", err)
		}
		return nil
	}
	if err := os.Remove(RotatedName(w.path, w.keep)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate the log: %w", err)
	}
	for i := w.keep - 1; i >= 1; i-- {
		if err := os.Rename(RotatedName(w.path, i), RotatedName(w.path, i+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate the log: %w", err)
		}
	}
	if err := os.Rename(w.path, RotatedName(w.path, 1)); err != nil {
		return fmt.Errorf("rotate the log: %w", err)
	}
	return nil
}

func (w *fileWriter) close() error { return w.lock.Close() }

// RotatedName is the name of the n-th older log file: proclab.log.1 is the newest.
func RotatedName(path string, n int) string { return fmt.Sprintf("%s.%d", path, n) }
