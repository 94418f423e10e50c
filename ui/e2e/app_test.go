package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binEnv names the binary under test (an absolute path).
const binEnv = "SIEGEL_BIN"

var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// siegelBinary is the binary under test: SIEGEL_BIN, else one built once
// for this test process with `go build`.
func siegelBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(binEnv); p != "" {
		if !filepath.IsAbs(p) {
			t.Fatalf("%s=%s: want an absolute path", binEnv, p)
		}
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v", binEnv, err)
		}
		return p
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "siegel-e2e-"); built.err != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = "/usr/local/go/bin/go"
		}
		built.path = filepath.Join(built.dir, "siegel")
		cmd := exec.Command(goTool, "build", "-o", built.path, "siegel")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if built.err != nil {
		t.Fatalf("building the binary (set %s to skip this): %v", binEnv, built.err)
	}
	return built.path
}

// appEnv is the environment of the app: a scratch home, English, scale 1,
// the dark theme (which the OCR's threshold expects), and the line that
// says when the window was first drawn.
func appEnv(d *display, home string, extra ...string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"DISPLAY=" + d.name,
		"LANG=en_US.UTF-8",
		"FYNE_SCALE=1",
		"FYNE_THEME=dark",
		"SIEGEL_TRACE_START=1",
	}, extra...)
}

// firstFrameLine is what the app prints when SIEGEL_TRACE_START is set
// and its window was drawn for the first time.
const firstFrameLine = "siegel: first frame drawn"

// app is the running binary and its window.
type app struct {
	t    testing.TB
	d    *display
	art  *artefacts
	cmd  *exec.Cmd
	home string

	started    time.Time
	firstFrame chan struct{} // closed at the first frame
	frameAt    time.Time     // when the line came
	exited     chan struct{}

	mu  sync.Mutex
	log strings.Builder

	win  string // X window id
	area rect   // the window on the screen
}

// launch starts argv (the binary and its arguments) on the display with
// env, and waits for its window. At the end of the test the app is asked
// to quit (SIGTERM, as a desktop's logout would); a failed test keeps a
// last screenshot and the app's output.
func launch(t testing.TB, d *display, art *artefacts, home string, argv []string, env []string) *app {
	t.Helper()
	a := start(t, d, home, argv, env)
	a.art = art
	t.Cleanup(func() {
		if t.Failed() {
			if _, err := d.try("import", "-window", "root", art.path("at-failure.png")); err != nil {
				t.Logf("last screenshot: %v", err)
			}
		}
		a.stop()
		if t.Failed() {
			art.write("siegel.log", []byte(a.output()))
		}
	})
	a.waitWindow()
	return a
}

// start starts the app without waiting for anything.
func start(t testing.TB, d *display, home string, argv []string, env []string) *app {
	t.Helper()
	a := &app{t: t, d: d, home: home, firstFrame: make(chan struct{}), exited: make(chan struct{})}
	a.cmd = exec.Command(argv[0], argv[1:]...)
	a.cmd.Env = env
	a.cmd.Dir = home
	pr, pw := io.Pipe()
	a.cmd.Stdout, a.cmd.Stderr = pw, pw
	a.started = time.Now()
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", argv[0], err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			a.mu.Lock()
			a.log.WriteString(line + "\n")
			if !seen && strings.HasPrefix(line, firstFrameLine) {
				seen = true
				a.frameAt = time.Now()
				close(a.firstFrame)
			}
			a.mu.Unlock()
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		a.cmd.Wait()
		pw.Close()
		close(a.exited)
	}()
	return a
}

// output is what the app wrote so far.
func (a *app) output() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.log.String()
}

// stop asks the app to quit and waits for it (killing it after a while).
func (a *app) stop() {
	a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(15 * time.Second):
		a.t.Errorf("the app did not quit within 15 s of SIGTERM")
		a.cmd.Process.Kill()
		<-a.exited
	}
}

// startTimeout is how long the window may take to appear: long, for a
// machine busy with the rest of `make test`.
const startTimeout = 90 * time.Second

// waitWindow waits for the first frame and finds the window.
func (a *app) waitWindow() {
	a.t.Helper()
	select {
	case <-a.firstFrame:
	case <-a.exited:
		a.t.Fatalf("the app exited before its window appeared (%v):\n%s", a.cmd.ProcessState, a.output())
	case <-time.After(startTimeout):
		a.t.Fatalf("no window within %s:\n%s", startTimeout, a.output())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := a.d.try("xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(a.cmd.Process.Pid))
		if ids := strings.Fields(out); err == nil && len(ids) > 0 {
			a.win = ids[0]
			break
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("xdotool finds no visible window of the app (pid %d): %v", a.cmd.Process.Pid, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	geo := map[string]int{}
	for _, l := range strings.Fields(a.d.xdo(a.t, "getwindowgeometry", "--shell", a.win)) {
		k, v, _ := strings.Cut(l, "=")
		geo[k], _ = strconv.Atoi(v)
	}
	a.area = rect{geo["X"], geo["Y"], geo["WIDTH"], geo["HEIGHT"]}
	if a.area.W < 400 || a.area.H < 300 {
		a.t.Fatalf("the window is %v, too small", a.area)
	}
	// Without a window manager the keyboard follows the pointer; give it
	// to the window for good.
	a.d.xdo(a.t, "windowfocus", a.win)
}

// shot takes a screenshot, kept as artefact name.
func (a *app) shot(name string) string {
	a.t.Helper()
	p := a.art.path(name + ".png")
	a.d.screenshot(a.t, p)
	return p
}

// look takes a screenshot and reads the window in it, where it stands
// now: the window fits itself to the screen after it is shown.
func (a *app) look(name string) page {
	a.t.Helper()
	if g := a.geometry(a.win); g.W >= 400 && g.H >= 300 {
		a.area = g
	}
	return ocr(a.t, a.shot(name), a.area)
}

// waitFor looks at the window until ok says it shows what is wanted;
// between looks it calls between (which may be nil) with what it saw,
// e.g. to scroll.
func (a *app) waitFor(what string, timeout time.Duration, ok func(page) bool, between func(page)) page {
	a.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p := a.look(strings.ReplaceAll(what, " ", "-"))
		if ok(p) {
			return p
		}
		select {
		case <-a.exited:
			a.t.Fatalf("the app exited while waiting for %s:\n%s", what, a.output())
		default:
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("waited %s for %s; the window shows (%s):\n%s", timeout, what, p.file, p.text())
		}
		if between != nil {
			between(p)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// click clicks the left button at (x, y).
func (a *app) click(x, y int) {
	a.t.Helper()
	a.d.xdo(a.t, "mousemove", x, y)
	time.Sleep(100 * time.Millisecond)
	a.d.xdo(a.t, "click", 1)
}

// away moves the pointer onto the status line in the window's corner,
// which has no tooltip, so that none shows. (Off the window would not do:
// Fyne hears of the pointer only while it is over the window, so the
// widget under it last would stay hovered.)
func (a *app) away() {
	a.t.Helper()
	a.d.xdo(a.t, "mousemove", a.area.X+a.area.W-4, a.area.Y+a.area.H-4)
}

// tooltip hovers (x, y) and returns the text of the tooltip that appears
// there: the part of the screen that changed, read by OCR. It waits until
// that text holds every string of want.
func (a *app) tooltip(name string, x, y int, want ...string) string {
	a.t.Helper()
	a.away()
	time.Sleep(400 * time.Millisecond)
	before := a.shot(name + "-before")
	a.d.xdo(a.t, "mousemove", x, y)
	time.Sleep(100 * time.Millisecond)
	a.d.xdo(a.t, "mousemove", x+1, y+1) // the motion the tooltip library waits on
	deadline := time.Now().Add(20 * time.Second)
	last := "(nothing changed)"
	for {
		time.Sleep(500 * time.Millisecond)
		after := a.shot(name)
		if r, ok := changed(a.t, before, after); ok {
			for _, mode := range []ocrMode{inverted, threshold} {
				last = ocrAs(a.t, after, r, mode).text()
				if containsAll(last, want) {
					return last
				}
			}
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("hovering %s at (%d, %d): no tooltip with %q; read (%s):\n%s", name, x, y, want, after, last)
		}
	}
}

func containsAll(text string, want []string) bool {
	text = squash(text)
	for _, w := range want {
		if !strings.Contains(text, squash(w)) {
			return false
		}
	}
	return true
}

// typeText types s into the focused widget.
func (a *app) typeText(s string) {
	a.t.Helper()
	a.d.xdo(a.t, "type", "--delay", 30, "--", s)
}

// key presses keys, such as "ctrl+Return".
func (a *app) key(keys ...string) {
	a.t.Helper()
	args := []any{"key", "--delay", 50}
	for _, k := range keys {
		args = append(args, k)
	}
	a.d.xdo(a.t, args...)
}
