package profile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestLogRotates(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	line := bytes.Repeat([]byte("x"), 1023)
	line = append(line, '\n')
	// Enough for every generation and more: the oldest are dropped.
	for i := 0; i < (LogGenerations+2)*MaxLogSize/len(line); i++ {
		if _, err := l.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Write([]byte("last\n")); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var total int64
	for i := 0; i <= LogGenerations+1; i++ {
		name := filepath.Join(dir, LogName)
		if i > 0 {
			name = fmt.Sprintf("%s.%d", name, i)
		}
		st, err := os.Stat(name)
		if i > LogGenerations {
			if err == nil {
				t.Errorf("%s kept, want at most %d generations", name, LogGenerations)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.Size() > MaxLogSize {
			t.Errorf("%s: %d bytes, more than %d", name, st.Size(), MaxLogSize)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, st.Mode().Perm())
		}
		total += st.Size()
	}
	if b, _ := os.ReadFile(filepath.Join(dir, LogName)); !bytes.HasSuffix(b, []byte("last\n")) {
		t.Errorf("the current file does not end with the last record")
	}
	if _, err := l.Write([]byte("after close\n")); err == nil {
		t.Errorf("write after Close succeeded")
	}
	// Reopening appends.
	l, err = OpenLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("again\n"))
	l.Close()
	if b, _ := os.ReadFile(filepath.Join(dir, LogName)); !bytes.HasSuffix(b, []byte("last\nagain\n")) {
		t.Errorf("reopened log did not append")
	}
}
