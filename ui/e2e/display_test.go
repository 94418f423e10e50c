package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tools are the programs the tests run, with the Debian package of each.
var tools = []struct{ name, pkg string }{
	{"Xvfb", "xvfb"},
	{"xdotool", "xdotool"},
	{"import", "imagemagick"},
	{"convert", "imagemagick"},
	{"tesseract", "tesseract-ocr"},
	{"openssl", "openssl"},
}

// needTools skips the test when a program is missing.
func needTools(t testing.TB, more ...string) {
	t.Helper()
	var missing, pkgs []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool.name); err != nil {
			missing, pkgs = append(missing, tool.name), append(pkgs, tool.pkg)
		}
	}
	for _, name := range more {
		if _, err := exec.LookPath(name); err != nil {
			missing, pkgs = append(missing, name), append(pkgs, name)
		}
	}
	if len(missing) > 0 {
		t.Skipf("end-to-end test of the window skipped: %s not installed (Debian: apt-get install %s; `make test` installs them)",
			strings.Join(missing, ", "), strings.Join(pkgs, " "))
	}
}

// Screen size of the X server for the walks (screens_test.go tries
// others).
const screenW, screenH = 1600, 1000

// display is an X server of the test's own.
type display struct {
	name string // ":N"
}

// startDisplay starts Xvfb on a free display number (Xvfb chooses it and
// tells it through -displayfd); it stops with the test.
func startDisplay(t testing.TB) *display {
	t.Helper()
	return startDisplayAt(t, screenW, screenH)
}

// startDisplayAt is startDisplay with a screen of w×h pixels.
func startDisplayAt(t testing.TB, w, h int) *display {
	t.Helper()
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var log strings.Builder
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h),
		"-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{pw}
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		pw.Close()
		t.Fatalf("starting Xvfb: %v", err)
	}
	pw.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	number := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		if _, err := strconv.Atoi(n); err != nil {
			<-exited
			t.Fatalf("Xvfb did not start (display %q): %s", n, log.String())
		}
		return &display{name: ":" + n}
	case <-time.After(30 * time.Second):
		t.Fatalf("Xvfb did not report its display within 30 s: %s", log.String())
	}
	return nil
}

// run runs an X client on the display and returns its standard output.
func (d *display) run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := d.try(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

// try is run that returns the error.
func (d *display) try(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.name, "OMP_THREAD_LIMIT=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// xdo runs xdotool with arguments that may be numbers.
func (d *display) xdo(t testing.TB, args ...any) string {
	t.Helper()
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = fmt.Sprint(a)
	}
	return d.run(t, "xdotool", s...)
}

// screenshot writes the whole screen to a PNG file.
func (d *display) screenshot(t testing.TB, path string) {
	t.Helper()
	d.run(t, "import", "-window", "root", path)
}
