package certs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// countingReader is an endless stream of spaces that counts what was read.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestReadImport(t *testing.T) {
	tests := []struct {
		name string
		size int
		want error
	}{
		{"empty", 0, nil},
		{"at the limit", MaxImportSize, nil},
		{"one byte beyond", MaxImportSize + 1, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadImport(bytes.NewReader(make([]byte, tc.size)))
			if !errors.Is(err, tc.want) {
				t.Fatalf("ReadImport(%d bytes): got %v, want %v", tc.size, err, tc.want)
			}
			if err == nil && len(got) != tc.size {
				t.Errorf("ReadImport(%d bytes): got %d bytes", tc.size, len(got))
			}
		})
	}
}

// TestReadImportEndless checks that a stream without end (a pipe, a device)
// is cut off at the limit rather than read until memory runs out.
func TestReadImportEndless(t *testing.T) {
	r := &countingReader{}
	if _, err := ReadImport(r); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadImport(endless): got %v, want ErrTooLarge", err)
	}
	// io.ReadAll reads in chunks of at most 512 bytes past the limit.
	if r.n > MaxImportSize+1+512 {
		t.Errorf("ReadImport(endless) read %d bytes, want at most about %d", r.n, MaxImportSize+1)
	}
}

func TestReadImportFile(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, size int64) string {
		t.Helper()
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		// Sparse: a file of a gigabyte costs nothing to make.
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	tests := []struct {
		name string
		path string
		want error
	}{
		{"at the limit", file("limit.pem", MaxImportSize), nil},
		{"one byte beyond", file("beyond.pem", MaxImportSize+1), ErrTooLarge},
		{"a gigabyte", file("huge.p7b", 1<<30), ErrTooLarge},
		{"missing", filepath.Join(dir, "missing.pem"), os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := ReadImportFile(tc.path)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ReadImportFile: got %v, want %v", err, tc.want)
			}
			// A file too large is refused by its size, not read: fast
			// however large. (At the limit it is read, 16 MB, which
			// under the race detector on a busy machine takes a while.)
			if d := time.Since(start); errors.Is(tc.want, ErrTooLarge) && d > time.Second {
				t.Errorf("ReadImportFile took %v, want it refused by its size in well under a second", d)
			}
		})
	}
}

// TestParseTooLarge checks the bound on the ways in that skip ReadImport:
// pasted text and Store.Import.
func TestParseTooLarge(t *testing.T) {
	data := bytes.Repeat([]byte("-----BEGIN CERTIFICATE-----\n"), MaxImportSize/28+1)
	if _, err := Parse(data, "big.pem", nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse(%d bytes): got %v, want ErrTooLarge", len(data), err)
	}
	if _, err := Parse(data[:MaxImportSize], "big.pem", nil); errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse(%d bytes): got %v, want it parsed (and found damaged)", MaxImportSize, err)
	}
}
