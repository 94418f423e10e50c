package certs

import (
	"fmt"
	"io"
	"os"
)

// MaxImportSize bounds what one import reads and parses: 16 MiB.
// Certificate and key files are a few kilobytes and a CA bundle well under
// a megabyte; the bound keeps a wrongly chosen file (a disk image, a
// mailbox) from being read into memory whole, and bounds the parser's
// work on a hostile one. ReadImport, ReadImportFile and Parse refuse more
// with ErrTooLarge.
const MaxImportSize = 16 << 20

// tooLarge is the error for an input beyond MaxImportSize.
func tooLarge() error {
	return fmt.Errorf("%w (more than %d MB)", ErrTooLarge, MaxImportSize>>20)
}

// ReadImport reads the content of a file to import from r, at most
// MaxImportSize bytes; a longer one gives ErrTooLarge after reading one
// byte beyond the limit, never more.
func ReadImport(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportSize {
		return nil, tooLarge()
	}
	return data, nil
}

// ReadImportFile reads the file name for an import like ReadImport. A
// regular file beyond the limit is refused by its size, without reading
// it.
func ReadImportFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxImportSize {
		return nil, tooLarge()
	}
	return ReadImport(f)
}
