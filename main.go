// Siegel is a desktop application for secure ticket correspondence by
// e-mail with S/MIME. Without a command it opens its window — on the demo
// mailbox with --demo or while no account is configured — and with one it
// runs that command of the command line (see `siegel help`).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"reflect"
	"syscall"
	"time"
	"unsafe"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/go-gl/glfw/v3.3/glfw"

	"siegel/cli"
	"siegel/demo"
	"siegel/mail"
	"siegel/profile"
	"siegel/ui"
	"siegel/wiring"
)

// appID names the application to the desktop (its preferences, its
// window class). FyneApp.toml carries the same ID for the package.
const appID = "io.siegel.Siegel"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string) int {
	env := cli.OSEnv()
	global, rest, err := cli.ParseGlobal(args, env.Stderr)
	if err != nil {
		return 2
	}
	if len(rest) == 0 {
		if global.Demo {
			return runDemo(ctx, newApp(), global.DataDir, env.Stderr)
		}
		var verbose io.Writer
		if global.Verbose {
			verbose = env.Stderr
		}
		return runGUI(ctx, global.DataDir, env.Stderr, verbose)
	}
	if global.Demo {
		fmt.Fprintf(env.Stderr, "siegel: --demo opens the window and takes no command; the demo's profile is a folder like any other: siegel --data-dir DIR %s …\n", rest[0])
		return 2
	}
	env.DataDir, env.Verbose = global.DataDir, global.Verbose
	return cli.Run(ctx, env, rest)
}

func newApp() fyne.App {
	a := app.NewWithID(appID)
	a.SetIcon(ui.AppIcon())
	return a
}

// parts are the opened cores as the window takes them.
type parts struct{ *wiring.Parts }

// Cores are the parts as the window sees them.
func (p parts) Cores() ui.Cores {
	return ui.Cores{Desk: p.Desk, Store: p.Store, Engine: p.Engine, Profile: p.Profile, Revocations: p.Revocations}
}

// Start starts the desk's background work.
func (p parts) Start(ctx context.Context) error { return p.Desk.Start(ctx) }

// Close closes the desk, then the profile.
func (p parts) Close() { p.Parts.Close() }

// runGUI opens the profile in dir (the default folder when empty), asking
// for its passphrase in a dialog at first use, and runs the window until
// it closes. While the profile has no account, it opens the demo instead.
func runGUI(ctx context.Context, dir string, stderr, verbose io.Writer) int {
	dir, err := realDir(dir)
	if err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	// A newcomer's first start makes no profile: the demo opens.
	exists, err := profile.Exists(dir)
	if err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	if !exists {
		fmt.Fprintf(stderr, "siegel: no account configured (no profile in %s): opening the demo mailbox\n", dir)
		return runDemo(ctx, newApp(), dir, stderr)
	}
	prompter := ui.NewPrompter(nil)
	p, err := openParts(ctx, dir, prompter, verbose)
	if err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	// Listing the accounts reads no secret: no passphrase dialog yet.
	accounts, err := p.Desk.Accounts(ctx)
	if err != nil || len(accounts) == 0 {
		p.Close()
		if err != nil {
			fmt.Fprintf(stderr, "siegel: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "siegel: no account configured in %s: opening the demo mailbox\n", dir)
		return runDemo(ctx, newApp(), dir, stderr)
	}
	defer p.Close()
	return showWindow(ctx, newApp(), p, ui.Options{Prompter: prompter}, "", stderr)
}

// realDir is the real profile's folder: dir, or the default one when
// dir is empty.
func realDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return profile.DefaultDir()
}

// openParts opens the profile in dir with the passphrase dialog of
// prompter, which tries and offers the desktop's keyring, and its
// certificate store, engine and desk.
func openParts(ctx context.Context, dir string, prompter *ui.Prompter, verbose io.Writer) (parts, error) {
	w, err := wiring.Open(ctx, dir, wiring.Options{Passphrase: prompter.Passphrase, Verbose: verbose, Desk: windowDesk()})
	if err != nil {
		return parts{}, err
	}
	prompter.SetVerify(w.Profile.VerifyPassphrase)
	if kr := profileKeyring(w.Profile.Dir); kr != nil {
		prompter.SetKeyring(kr)
	}
	return parts{w}, nil
}

// runDemo makes the demo mailbox in its own folder (demo.DefaultDir, never
// the real profile) and runs the window on it with the demo banner. Its
// passphrase is public, so no dialog appears; the file dialogs start in
// the demo folder, where its certificates and keys are. The banner's "Add
// your account…" adds the agent's account to the real profile in
// realProfile (the default one when empty), opened as runGUI opens it,
// and the window switches to it.
func runDemo(ctx context.Context, a fyne.App, realProfile string, stderr io.Writer) int {
	dir, err := demo.DefaultDir()
	if err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	if realProfile, err = realDir(realProfile); err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	d, err := demo.Start(ctx, dir, &demo.Options{
		OnError: func(err error) { fmt.Fprintf(stderr, "siegel: %v\n", err) },
		Desk:    windowDesk(),
	})
	if err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	defer d.Close()
	real := &ui.RealProfile{
		Dir: realProfile,
		Open: func(ctx context.Context, prompter *ui.Prompter) (ui.Opened, error) {
			p, err := openParts(ctx, realProfile, prompter, nil)
			if err != nil {
				return nil, err
			}
			return p, nil
		},
		CloseDemo: func() {
			if err := d.Close(); err != nil {
				fmt.Fprintf(stderr, "siegel: closing the demo: %v\n", err)
			}
		},
	}
	return showWindow(ctx, a, parts{d.Parts}, ui.Options{Real: real, DemoFolder: d.Dir}, "demo.banner", stderr)
}

// showWindow shows the main window over opened parts, starts the desk's
// background work and runs until the window closes (or ctx ends). banner,
// when not empty, is the translation key of the banner under the toolbar.
// The caller closes the parts afterwards; the UI closes the real profile's
// parts it switched to from the demo.
func showWindow(ctx context.Context, a fyne.App, p parts, o ui.Options, banner string, stderr io.Writer) int {
	o.Placement = glfwPlacement{}
	u := ui.New(a, p.Cores(), o)
	defer u.Close()
	u.SetBanner(banner)
	if os.Getenv(traceStartEnv) != "" {
		traceFirstFrame(u.Window(), stderr)
	}
	if err := p.Desk.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "siegel: %v\n", err)
		return 1
	}
	stop := context.AfterFunc(ctx, func() { fyne.Do(u.Quit) })
	defer stop()
	// Shown first, then fitted: only a shown window knows its scale.
	u.Window().Show()
	u.FitScreen()
	a.Run()
	return 0
}

// glfwPlacement finds the screens' usable areas and moves the window
// with GLFW, which Fyne draws the window with: Fyne 2.7 tells neither
// (its own centring uses the whole monitor, panels included). It runs on
// the main goroutine, as GLFW requires and Fyne's event loop ensures, and
// after the first window was made (which initialised GLFW).
type glfwPlacement struct{}

// Screens are the monitors' work areas, the primary monitor's first.
// Without a window manager that sets one, GLFW gives a monitor's whole
// area.
func (glfwPlacement) Screens() []ui.Screen {
	var px, py int
	if m := glfw.GetPrimaryMonitor(); m != nil {
		px, py = m.GetPos()
	}
	var out []ui.Screen
	for _, m := range glfw.GetMonitors() {
		x, y, w, h := m.GetWorkarea()
		s := ui.Screen{X: x, Y: y, Width: w, Height: h}
		if mx, my := m.GetPos(); mx == px && my == py {
			out = append([]ui.Screen{s}, out...)
		} else {
			out = append(out, s)
		}
	}
	return out
}

func (glfwPlacement) Position(w fyne.Window) (x, y int, ok bool) {
	v := viewport(w)
	if v == nil {
		return 0, 0, false
	}
	x, y = v.GetPos()
	return x, y, true
}

func (glfwPlacement) Move(w fyne.Window, x, y int) {
	if v := viewport(w); v != nil {
		v.SetPos(x, y)
	}
}

// viewport is the GLFW window under a Fyne window, nil when there is none
// (another driver, or another Fyne than the v2.7 this was written for):
// Fyne keeps it in an unexported field.
func viewport(w fyne.Window) *glfw.Window {
	v := reflect.ValueOf(w)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("viewport")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*glfw.Window]() {
		return nil
	}
	return *(**glfw.Window)(unsafe.Pointer(f.UnsafeAddr()))
}

// undoDelay is how long a sent message waits before the outbox takes it:
// the window's "Sending… Undo".
const undoDelay = 5 * time.Second

// windowDesk is how the window runs the desk.
func windowDesk() *mail.Options { return &mail.Options{UndoDelay: undoDelay} }
