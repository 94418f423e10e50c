package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// failedDir is where a failed test's screenshots and logs are kept
// (git-ignored), one folder per test.
const failedDir = "testdata/failed-e2e"

// artefacts are the files of one test: screenshots, OCR inputs, the
// app's log and what the SMTP server received. They are kept in
// failedDir when the test fails, and deleted when it passes.
type artefacts struct {
	t     testing.TB
	dir   string
	n     int
	names map[string]string
}

func newArtefacts(t testing.TB) *artefacts {
	a := &artefacts{t: t, dir: t.TempDir(), names: map[string]string{}}
	t.Cleanup(a.keepIfFailed)
	return a
}

// path names the artefact called name ("seal-tooltip.png"); the same name
// gives the same file, numbered in the order of first use.
func (a *artefacts) path(name string) string {
	if p, ok := a.names[name]; ok {
		return p
	}
	a.n++
	p := filepath.Join(a.dir, fmt.Sprintf("%02d-%s", a.n, name))
	a.names[name] = p
	return p
}

// write stores an artefact.
func (a *artefacts) write(name string, data []byte) string {
	p := a.path(name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		a.t.Errorf("keeping %s: %v", name, err)
	}
	return p
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func (a *artefacts) keepIfFailed() {
	if !a.t.Failed() {
		return
	}
	dst, err := filepath.Abs(filepath.Join(failedDir, unsafeName.ReplaceAllString(a.t.Name(), "_")))
	if err != nil {
		a.t.Logf("keeping the screenshots: %v", err)
		return
	}
	os.RemoveAll(dst)
	if err := os.CopyFS(dst, os.DirFS(a.dir)); err != nil {
		a.t.Logf("keeping the screenshots in %s: %v", dst, err)
		return
	}
	a.t.Logf("screenshots and logs of the failed run: %s", dst)
}
