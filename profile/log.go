package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Log is the profile's log file, siegel.log in the profile folder: the
// background work's decisions and the errors nobody returns go there
// (log/slog writes them), for the user to read or send along with a bug
// report. It never holds message text or secrets. When it grows beyond
// MaxLogSize it is rotated: siegel.log becomes siegel.log.1 and so on, and
// the oldest of LogGenerations is dropped, so the folder never holds more
// than a few megabytes of logs. Its methods are safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	path string
	f    *os.File
	size int64
}

// Rotation of the log file.
const (
	MaxLogSize     = 4 << 20
	LogGenerations = 3
)

// LogName is the log file's name in the profile folder.
const LogName = "siegel.log"

// OpenLog opens (or creates) the log file in the folder dir, appending.
func OpenLog(dir string) (*Log, error) {
	l := &Log{path: filepath.Join(dir, LogName)}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Log) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("profile: log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("profile: log: %w", err)
	}
	l.f, l.size = f, st.Size()
	return nil
}

// Write appends one record (slog writes each record with one call),
// rotating first when the record would take the file past MaxLogSize.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	if l.size > 0 && l.size+int64(len(p)) > MaxLogSize {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// rotate shifts siegel.log.N to N+1, dropping the last generation, and
// starts a new siegel.log.
func (l *Log) rotate() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("profile: log: %w", err)
	}
	l.f = nil
	for i := LogGenerations - 1; i >= 1; i-- {
		from := fmt.Sprintf("%s.%d", l.path, i)
		if _, err := os.Stat(from); err == nil {
			if err := os.Rename(from, fmt.Sprintf("%s.%d", l.path, i+1)); err != nil {
				return fmt.Errorf("profile: log: %w", err)
			}
		}
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return fmt.Errorf("profile: log: %w", err)
	}
	return l.open()
}

// Close closes the file; later writes fail.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
